#include "mem/kernel_heap.h"
#include <new>
#include "arch/x86_64/per_cpu.h"
#include "core/panic.h"
#include "mem/heap/bump_allocator.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/linked_list_allocator.h"
#include "mem/kasan/kasan_heap.h"
#include "mem/kernel_address_space.h"
#include "sync/spinlock.h"

// The build's default design (top-level CMakeLists.txt, -DKERNEL_HEAP):
// 0 bump, 1 linked list, 2 fixed-size blocks.
#ifndef KESTREL_KERNEL_HEAP
#define KESTREL_KERNEL_HEAP 2
#endif

namespace mem {

namespace {

static_assert(sizeof(heap::FixedSizeBlockAllocator) <= 512 && sizeof(heap::LinkedListAllocator) <= 512
                  && sizeof(heap::BumpAllocator) <= 512,
              "HeapInstance::m_storage holds any design");

// The next unused part of the heap area. Regions are never handed out twice.
arch::VirtAddr g_next_region(arch::layout::heap_region_base);

arch::VirtAddr take_region()
{
    if (arch::VirtAddr(arch::layout::heap_region_end) - g_next_region < HeapInstance::region_size)
        core::panic("the kernel heap area is used up ({} regions)",
                      (arch::layout::heap_region_end - arch::layout::heap_region_base) / HeapInstance::region_size);
    const arch::VirtAddr region = g_next_region;
    g_next_region = g_next_region + HeapInstance::region_size;
    return region;
}

} // namespace

std::string_view to_string(HeapDesign design)
{
    switch (design) {
    case HeapDesign::Bump: return "bump";
    case HeapDesign::LinkedList: return "linked list";
    case HeapDesign::FixedSizeBlocks: return "fixed-size blocks";
    }
    return "unknown";
}

std::optional<HeapDesign> heap_design_from_word(std::string_view word)
{
    if (word == "bump")
        return HeapDesign::Bump;
    if (word == "linked")
        return HeapDesign::LinkedList;
    if (word == "fixed")
        return HeapDesign::FixedSizeBlocks;
    return std::nullopt;
}

HeapDesign default_heap_design()
{
    return static_cast<HeapDesign>(KESTREL_KERNEL_HEAP);
}

HeapInstance::HeapInstance(HeapDesign design)
    : m_design(design),
      m_first(kernel_address_space(), take_region(), region_size),
      m_second(kernel_address_space(), take_region(), region_size)
{
    switch (design) {
    case HeapDesign::Bump: m_allocator = new (m_storage) heap::BumpAllocator(m_first); break;
    case HeapDesign::LinkedList: m_allocator = new (m_storage) heap::LinkedListAllocator(m_first); break;
    case HeapDesign::FixedSizeBlocks:
        m_allocator = new (m_storage) heap::FixedSizeBlockAllocator(m_first, m_second);
        break;
    }
}

heap::FixedSizeBlockAllocator* HeapInstance::fixed_size_blocks()
{
    // m_allocator points at the design constructed in m_storage, of m_design's type.
    return m_design == HeapDesign::FixedSizeBlocks ? static_cast<heap::FixedSizeBlockAllocator*>(m_allocator)
                                                   : nullptr;
}

HeapInstance::~HeapInstance()
{
    // The designs own nothing but the regions; the backends unmap those.
    switch (m_design) {
    case HeapDesign::Bump: static_cast<heap::BumpAllocator*>(m_allocator)->~BumpAllocator(); break;
    case HeapDesign::LinkedList: static_cast<heap::LinkedListAllocator*>(m_allocator)->~LinkedListAllocator(); break;
    case HeapDesign::FixedSizeBlocks:
        static_cast<heap::FixedSizeBlockAllocator*>(m_allocator)->~FixedSizeBlockAllocator();
        break;
    }
}

namespace kernel_heap {

namespace {

// The design's lock. Held for every call into the design: by the per-CPU
// cache when it refills or flushes a magazine or passes a request on, by
// LockedDesign for every call.
sync::Spinlock g_lock("kernel heap", sync::LockRank::KernelHeap);
alignas(HeapInstance) std::byte g_storage[sizeof(HeapInstance)];
HeapInstance* g_heap = nullptr;

// Fixed-size blocks: each CPU's magazines, and the cache over them.
KESTREL_PER_CPU heap::CpuMagazines g_magazines;
alignas(heap::CpuCache) std::byte g_cache_storage[sizeof(heap::CpuCache)];
heap::CpuCache* g_cache = nullptr;

// The bump and linked-list designs, which have no size classes to cache
// (heap/cpu_cache.h says why): every call under the lock.
class LockedDesign final : public heap::HeapAllocator {
public:
    void attach(heap::HeapAllocator* design) { m_design = design; }

    [[nodiscard]] kstd::Expected<void*, heap::HeapError> allocate(size_t size, size_t alignment) override
    {
        sync::SpinlockGuard guard(g_lock);
        return m_design->allocate(size, alignment);
    }
    [[nodiscard]] kstd::Expected<void, heap::HeapError> deallocate(void* pointer) override
    {
        sync::SpinlockGuard guard(g_lock);
        return m_design->deallocate(pointer);
    }
    heap::HeapStatistics statistics() const override
    {
        sync::SpinlockGuard guard(g_lock);
        return m_design->statistics();
    }
    std::string_view name() const override { return m_design->name(); }

private:
    heap::HeapAllocator* m_design = nullptr;
};
LockedDesign g_locked;

// What every allocation goes through: g_cache or g_locked.
heap::HeapAllocator* g_front = nullptr;

[[maybe_unused]] bool quarantines() // test kernels (KASAN)
{
    // The bump design reuses nothing until every block is freed: a
    // quarantine would keep it from ever resetting.
    return g_heap->design() != HeapDesign::Bump;
}

// What allocations go through, once there is a kernel heap.
heap::HeapAllocator& front()
{
    KASSERT(g_front != nullptr, "the kernel heap is not initialised");
    return *g_front;
}

#ifndef KESTREL_KASAN
// All but the per-CPU cache's fast paths, out of line, so that allocate()
// and deallocate() make one call, last (test kernels go through KASAN).
[[gnu::noinline]] kstd::Expected<void*, heap::HeapError> allocate_past_the_fast_path(size_t size, size_t alignment)
{
    if (g_cache != nullptr)
        return g_cache->allocate_slow(size, alignment);
    return front().allocate(size, alignment);
}

[[gnu::noinline]] kstd::Expected<void, heap::HeapError> deallocate_past_the_fast_path(void* pointer)
{
    if (g_cache != nullptr)
        return g_cache->deallocate_slow(pointer);
    return front().deallocate(pointer);
}
#endif

} // namespace

void initialize(HeapDesign design)
{
    if (g_heap) {
        // Everything parked in front of the design goes back to it first.
        kasan::flush_quarantine(*g_front);
        g_front = nullptr;
        if (g_cache) {
            g_cache->~CpuCache(); // gives every CPU's cached blocks back
            g_cache = nullptr;
        }
        sync::SpinlockGuard guard(g_lock);
        const heap::HeapStatistics old = g_heap->allocator().statistics();
        if (old.live_allocations != 0)
            core::panic("cannot replace the kernel heap: {} allocations are still live", old.live_allocations);
        g_heap->~HeapInstance();
        g_heap = nullptr;
    }
    {
        sync::SpinlockGuard guard(g_lock);
        g_heap = new (g_storage) HeapInstance(design);
    }
    if (heap::FixedSizeBlockAllocator* blocks = g_heap->fixed_size_blocks()) {
        g_cache = new (g_cache_storage) heap::CpuCache(*blocks, g_lock, g_magazines);
        g_front = g_cache;
    } else {
        g_locked.attach(&g_heap->allocator());
        g_front = &g_locked;
    }
}

bool ready()
{
    return g_heap != nullptr;
}

HeapDesign design()
{
    KASSERT(g_heap != nullptr);
    return g_heap->design();
}

bool has_cpu_cache()
{
    return g_cache != nullptr;
}

// No stack canary for these two: they hold no buffer, and GCC would add one
// only because constructing the returned Expected binds a reference to a
// temporary (four memory accesses per call on the cache's fast path).
[[gnu::no_stack_protector]] kstd::Expected<void*, heap::HeapError> allocate(size_t size, size_t alignment)
{
#ifdef KESTREL_KASAN
    // Test kernels check every allocation with KASAN (mem/kasan/kasan_heap.h),
    // in front of the cache or the locked design.
    return kasan::allocate(front(), size, alignment);
#else
    if (g_cache != nullptr) [[likely]] {
        if (void* block = g_cache->try_pop(size, alignment)) [[likely]]
            return block; // inline: this CPU's magazine
    }
    return allocate_past_the_fast_path(size, alignment);
#endif
}

[[gnu::no_stack_protector]] kstd::Expected<void, heap::HeapError> deallocate(void* pointer)
{
#ifdef KESTREL_KASAN
    return kasan::deallocate(front(), pointer, quarantines());
#else
    if (g_cache != nullptr && g_cache->try_push(pointer)) [[likely]]
        return {};
    return deallocate_past_the_fast_path(pointer);
#endif
}

KernelHeapStatistics statistics()
{
    if (!g_heap)
        return {};
    // The front takes the blocks in the per-CPU caches off the design's
    // counts, KASAN those in its quarantine.
    const heap::HeapStatistics counts = kasan::user_statistics(*g_front);
    const heap::CacheStatistics cached = g_cache ? g_cache->cached() : heap::CacheStatistics{};
    sync::SpinlockGuard guard(g_lock);
    return {counts, g_heap->mapped_bytes(), g_heap->design(), cached};
}

void flush_this_cpu_cache()
{
    if (g_cache)
        g_cache->flush_this_cpu();
}

uint64_t this_cpu_cached_blocks()
{
    return g_cache ? g_cache->cached_on_this_cpu().blocks : 0;
}

} // namespace kernel_heap

} // namespace mem

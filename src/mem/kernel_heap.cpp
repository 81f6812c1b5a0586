#include "mem/kernel_heap.h"
#include <new>
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

sync::Spinlock g_lock("kernel heap", sync::LockRank::KernelHeap);
alignas(HeapInstance) std::byte g_storage[sizeof(HeapInstance)];
HeapInstance* g_heap = nullptr;

} // namespace

void initialize(HeapDesign design)
{
    sync::SpinlockGuard guard(g_lock);
    if (g_heap) {
        kasan::flush_quarantine(g_heap->allocator());
        const heap::HeapStatistics old = g_heap->allocator().statistics();
        if (old.live_allocations != 0)
            core::panic("cannot replace the kernel heap: {} allocations are still live", old.live_allocations);
        g_heap->~HeapInstance();
        g_heap = nullptr;
    }
    g_heap = new (g_storage) HeapInstance(design);
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

kstd::Expected<void*, heap::HeapError> allocate(size_t size, size_t alignment)
{
    sync::SpinlockGuard guard(g_lock);
    KASSERT(g_heap != nullptr, "the kernel heap is not initialised");
    // Test kernels check every allocation with KASAN (mem/kasan/kasan_heap.h);
    // in the product this is the design's allocate.
    return kasan::allocate(g_heap->allocator(), size, alignment);
}

kstd::Expected<void, heap::HeapError> deallocate(void* pointer)
{
    sync::SpinlockGuard guard(g_lock);
    KASSERT(g_heap != nullptr, "the kernel heap is not initialised");
    // The bump design reuses nothing until every block is freed: a quarantine
    // would keep it from ever resetting.
    return kasan::deallocate(g_heap->allocator(), pointer, g_heap->design() != HeapDesign::Bump);
}

KernelHeapStatistics statistics()
{
    sync::SpinlockGuard guard(g_lock);
    if (!g_heap)
        return {};
    // Blocks in KASAN's quarantine are freed for the heap's users, though the
    // design still holds them.
    heap::HeapStatistics counts = g_heap->allocator().statistics();
    const kasan::QuarantineStatistics quarantined = kasan::quarantine_statistics();
    counts.live_allocations -= quarantined.allocations;
    counts.used_bytes -= quarantined.design_bytes;
    return {counts, g_heap->mapped_bytes(), g_heap->design()};
}

} // namespace kernel_heap

} // namespace mem

#include "mem/heap/cpu_cache.h"
#include <type_traits>
#include "core/panic.h"
#include "mem/kasan/shadow.h"

namespace mem::heap {

namespace {

// Back to the state of a CPU that never used the cache. In place: a
// CpuMagazines{} temporary is 2 KiB of stack.
void reset(CpuMagazines& cpu)
{
    static_assert(std::is_trivially_copyable_v<CpuMagazines>);
    __builtin_memset(&cpu, 0, sizeof cpu);
}

// The blocks of an emptied magazine are gone: nothing reads the slots past
// `count`, but a stale pointer there would be a block handed out twice if
// the count ever went wrong. Test kernels clear them.
void forget_slots([[maybe_unused]] CpuMagazines::Magazine& magazine)
{
#ifdef KESTREL_LOCK_CHECKS
    for (uint32_t i = magazine.count; i < CpuMagazines::max_blocks; ++i)
        magazine.block(i) = nullptr;
#endif
}

} // namespace

// This CPU's magazines, with preemption off and (test kernels) marked busy
// for the object's lifetime.
class CpuCache::Pinned {
public:
    explicit Pinned(const CpuCache& cache)
    {
        sync::disable_preemption();
        m_cpu = &cache.magazines_of_this_cpu();
        mark_busy(*m_cpu);
    }
    ~Pinned()
    {
        unmark_busy(*m_cpu);
        sync::enable_preemption();
    }
    Pinned(const Pinned&) = delete;
    Pinned& operator=(const Pinned&) = delete;

    CpuMagazines& cpu() const { return *m_cpu; }

private:
    CpuMagazines* m_cpu;
};

CpuCache::CpuCache(FixedSizeBlockAllocator& design, sync::Spinlock& lock, CpuMagazines& magazines)
    : m_design(&design), m_lock(&lock), m_magazines(&magazines)
{
    // This CPU starts afresh (a cache before this one over the same variable
    // gave its blocks back and unregistered every CPU).
    const sync::PreemptionGuard pinned;
    CpuMagazines& cpu = magazines_of_this_cpu();
    KASSERT(!cpu.registered, "per-CPU magazines used by two caches");
    reset(cpu);
}

CpuCache::~CpuCache()
{
    sync::SpinlockGuard guard(*m_lock);
    for (CpuMagazines* cpu = m_cpus; cpu != nullptr;) {
        CpuMagazines* const next = cpu->next_cpu;
        flush(*cpu);
        reset(*cpu); // unregistered, limits zero
        cpu = next;
    }
    m_cpus = nullptr;
}

#ifdef KESTREL_LOCK_CHECKS
void CpuCache::reentered()
{
    core::panic("the per-CPU heap cache of CPU {} was entered while in use on it: an interrupt handler allocated "
                "or freed (none may), or a thread was switched out in the middle",
                arch::this_cpu_data().id);
}

void CpuCache::cached_twice(const void* block)
{
    core::panic("per-CPU heap cache: block {} was in a magazine of CPU {} twice", block, arch::this_cpu_data().id);
}
#endif

#ifdef KESTREL_KASAN
void CpuCache::poison_cached(const void* block, unsigned index)
{
    const uintptr_t address = address_of(block);
    const size_t bytes = FixedSizeBlockAllocator::class_bytes(index);
    if (kasan::has_shadow(address, bytes))
        kasan::poison(address, bytes, kasan::unallocated);
}
#endif

void CpuCache::register_cpu(CpuMagazines& cpu)
{
    if (cpu.registered)
        return;
    for (unsigned index = 0; index < FixedSizeBlockAllocator::class_count; ++index)
        cpu.classes[index].limit = capacity(index);
    cpu.registered = true;
    cpu.next_cpu = m_cpus;
    m_cpus = &cpu;
}

kstd::Expected<void, HeapError> CpuCache::refill(CpuMagazines::Magazine& magazine, unsigned index)
{
    const size_t bytes = FixedSizeBlockAllocator::class_bytes(index);
    const uint32_t wanted = batch(index);
    // The design hands out a class's blocks in address order: fill from the
    // top so they are popped in that order.
    uint32_t got = 0;
    while (got < wanted) {
        auto block = m_design->allocate(bytes, min_alignment);
        if (!block) {
            if (got == 0)
                return kstd::unexpected(block.error());
            break; // what there is will do
        }
        magazine.block(wanted - 1 - got) = *block;
        ++got;
    }
    if (got < wanted) {
        for (uint32_t i = 0; i < got; ++i)
            magazine.block(i) = magazine.block(wanted - got + i);
    }
    for (uint32_t i = 0; i < got; ++i)
        poison_cached(magazine.block(i), index);
    magazine.count = got;
    return {};
}

void CpuCache::give_back(CpuMagazines::Magazine& magazine, uint32_t count)
{
    for (uint32_t i = 0; i < count; ++i) {
        // Every block in a magazine is one the design handed out and the
        // cache checked on the way in (allocated_class_of).
        if (auto freed = m_design->deallocate(magazine.block(i)); !freed)
            core::panic("per-CPU heap cache: the design refused a cached block: {}", freed.error());
    }
    for (uint32_t i = count; i < magazine.count; ++i)
        magazine.block(i - count) = magazine.block(i);
    magazine.count -= count;
    forget_slots(magazine);
}

size_t CpuCache::flush(CpuMagazines& cpu)
{
    size_t blocks = 0;
    for (CpuMagazines::Magazine& magazine : cpu.classes) {
        blocks += magazine.count;
        give_back(magazine, magazine.count);
    }
    return blocks;
}

kstd::Expected<void*, HeapError> CpuCache::allocate_slow(size_t size, size_t alignment)
{
    const Pinned pinned(*this); // last: after the lock is released
    CpuMagazines& cpu = pinned.cpu();
    const bool for_a_class = size - 1 < FixedSizeBlockAllocator::largest_block && is_valid_alignment(alignment)
                             && alignment_fits(alignment, class_of_size(size));
    if (!for_a_class)
        return allocate_uncached(cpu, size, alignment);
    const unsigned index = class_of_size(size);
    CpuMagazines::Magazine& magazine = cpu.classes[index];
    // The fast path found the magazine empty, but a thread that ran on this
    // CPU since may have refilled it.
    if (magazine.count == 0) {
        const sync::SpinlockGuard guard(*m_lock);
        register_cpu(cpu);
        if (auto refilled = refill(magazine, index); !refilled) {
            // This CPU's other magazines may hold what the design needs (an
            // empty slab moves to another class when the backend is exhausted).
            const bool retry = refilled.error().kind == HeapErrorKind::OutOfMemory && flush(cpu) != 0;
            if (auto again = retry ? refill(magazine, index) : refilled; !again)
                return kstd::unexpected(HeapError{again.error().kind, size, alignment, nullptr});
        }
    }
    void* const block = magazine.slots[magazine.count--];
    check_not_still_cached(magazine, block);
    return block;
}

kstd::Expected<void, HeapError> CpuCache::deallocate_slow(void* pointer)
{
    const int class_index = m_design->allocated_class_of(pointer);
    if (class_index < 0) {
        // Not a small block that is handed out: a large block, null, or
        // misuse, which the design reports.
        if (pointer == nullptr)
            return {};
        const sync::SpinlockGuard guard(*m_lock);
        return m_design->deallocate(pointer);
    }
    const auto index = static_cast<unsigned>(class_index);
    const Pinned pinned(*this);
    CpuMagazines& cpu = pinned.cpu();
    CpuMagazines::Magazine& magazine = cpu.classes[index];
    if (looks_cached(magazine, pointer))
        return kstd::unexpected(HeapError{HeapErrorKind::DoubleFree, 0, 0, pointer});
    if (magazine.count == magazine.limit) {
        const sync::SpinlockGuard guard(*m_lock);
        register_cpu(cpu);
        // Full (or this CPU not set up): the older half goes back, the
        // recently freed (warm) half stays.
        if (magazine.count == magazine.limit)
            give_back(magazine, batch(index));
    }
    poison_cached(pointer, index);
    magazine.slots[++magazine.count] = pointer;
    return {};
}

kstd::Expected<void*, HeapError> CpuCache::allocate_uncached(CpuMagazines& cpu, size_t size, size_t alignment)
{
    const sync::SpinlockGuard guard(*m_lock);
    if (auto memory = m_design->allocate(size, alignment);
        memory || memory.error().kind != HeapErrorKind::OutOfMemory || !cpu.registered || flush(cpu) == 0)
        return memory;
    // This CPU's cached blocks went back: their slabs may serve it now.
    return m_design->allocate(size, alignment);
}

CacheStatistics CpuCache::cached_locked() const
{
    // Other CPUs' counts may change under the read (once there are other
    // CPUs): a snapshot, exact whenever no allocation is under way.
    CacheStatistics cached;
    for (const CpuMagazines* cpu = m_cpus; cpu != nullptr; cpu = cpu->next_cpu) {
        for (unsigned index = 0; index < FixedSizeBlockAllocator::class_count; ++index) {
            cached.blocks += cpu->classes[index].count;
            cached.bytes += cpu->classes[index].count * FixedSizeBlockAllocator::class_bytes(index);
        }
    }
    return cached;
}

CacheStatistics CpuCache::cached() const
{
    sync::SpinlockGuard guard(*m_lock);
    return cached_locked();
}

HeapStatistics CpuCache::statistics() const
{
    sync::SpinlockGuard guard(*m_lock);
    HeapStatistics counts = m_design->statistics();
    const CacheStatistics in_magazines = cached_locked();
    counts.used_bytes -= in_magazines.bytes;
    counts.live_allocations -= in_magazines.blocks;
    return counts;
}

CacheStatistics CpuCache::cached_on_this_cpu()
{
    const Pinned pinned(*this);
    const sync::SpinlockGuard guard(*m_lock);
    CacheStatistics cached;
    const CpuMagazines& cpu = pinned.cpu();
    for (unsigned index = 0; index < FixedSizeBlockAllocator::class_count; ++index) {
        cached.blocks += cpu.classes[index].count;
        cached.bytes += cpu.classes[index].count * FixedSizeBlockAllocator::class_bytes(index);
    }
    return cached;
}

void CpuCache::flush_every_cpu()
{
    const sync::SpinlockGuard guard(*m_lock);
    for (CpuMagazines* cpu = m_cpus; cpu != nullptr; cpu = cpu->next_cpu)
        flush(*cpu);
}

void CpuCache::flush_this_cpu()
{
    const Pinned pinned(*this);
    const sync::SpinlockGuard guard(*m_lock);
    flush(pinned.cpu());
}

} // namespace mem::heap

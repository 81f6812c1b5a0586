#pragma once
// A per-CPU cache in front of the fixed-size block design: for each size
// class, each CPU keeps a magazine, a small stack of free blocks of that
// class (Bonwick and Adams, "Magazines and Vmem", USENIX 2001; SLUB's
// per-CPU freelists are the same idea). An allocation pops this CPU's
// magazine and a free pushes onto it, with preemption off and no lock: no
// other thread can run on this CPU in between, and no other CPU touches this
// CPU's magazines. Only when a magazine is empty (refill: a batch of blocks
// from the design) or full (flush: the older half back to the design) is the
// design's lock taken, once for the whole batch.
//
//   allocate(64) ──► this CPU's magazine of class 64 ──(empty)──► lock, design x batch
//   free(p)      ──► class of p (its slab) ──► push ──(full)──► lock, design x batch
//
// Larger sizes (over 2048 bytes), alignments beyond what a class's blocks
// have (a block is aligned to its own size), and frees of anything but a
// small block the design handed out take the slow path: the design under
// the lock, as without the cache.
//
// What it relies on:
// - No interrupt handler allocates or frees (none does: the timer, the
//   keyboard and the fault handlers use fixed storage). Preemption off keeps
//   other threads out, not handlers; a handler that allocated in the middle
//   of this CPU's push or pop would corrupt the magazine. Test kernels
//   (KESTREL_LOCK_CHECKS) mark the magazines busy while they are touched and
//   panic if anything comes in anyway (a handler, or a thread switch that a
//   missing preemption guard let through).
// - Blocks in magazines are handed out as far as the design knows: its
//   counters count them, and its bit says "allocated". statistics() takes
//   them off, so it stays exact; flush_this_cpu() gives them back.
// - A CPU's magazines start zeroed. arch::make_cpu_data() today copies the
//   boot CPU's live per-CPU section: before a second CPU allocates, its copy
//   of every CpuMagazines must be zeroed (or copied from the section's load
//   image), or it would hand out the boot CPU's cached blocks a second time.
// - Only the fixed-size block design has size classes. The bump design
//   reclaims memory only when nothing is live, and cached blocks are live for
//   it, so a cache would pin it for good (KASAN's quarantine skips it for the
//   same reason). The linked list has no classes, and what it counts for a
//   block is not a function of the size (a remainder under its minimum block
//   goes with the block), so statistics() could not stay exact without a
//   record per block. mem::kernel_heap puts neither behind a cache.
//
// Misuse: a double free of the block on top of its magazine is DoubleFree;
// test kernels check the whole magazine, and that a block popped is not in
// it again. A block freed twice further apart
// is caught by KASAN in test kernels (the quarantine sees it first), or by
// the design's bit once the block is flushed back; in the product, between
// the two, it would be handed out twice.

#include <bit>
#include <cstddef>
#include <cstdint>
#include "arch/x86_64/per_cpu.h"
#include "kstd/expected.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/heap_allocator.h"
#include "mem/heap/heap_error.h"
#include "sync/preemption.h"
#include "sync/spinlock.h"

namespace mem::heap {

// One CPU's magazines for one CpuCache: a KESTREL_PER_CPU variable, zero at
// first (a zero limit sends the first push to the slow path, which sets the
// CPU up).
struct CpuMagazines {
    static constexpr uint32_t max_blocks = 32;
    struct Magazine {
        uint32_t count; // free blocks of this class, in slots[1..count], the newest at slots[count]
        uint32_t limit; // how many it may hold (0 until this CPU is set up)
        // slots[0] stays null: slots[count] is the top block, or null when
        // empty, so the fast path's double-free check needs no empty test.
        void* slots[max_blocks + 1];

        void*& block(uint32_t i) { return slots[i + 1]; } // the i-th oldest
        void* block(uint32_t i) const { return slots[i + 1]; }
    };
    Magazine classes[FixedSizeBlockAllocator::class_count];
    CpuMagazines* next_cpu; // the cache's list of CPUs that use it
    bool registered;
    bool busy; // test kernels: a push or pop is under way on this CPU
};

// Blocks in magazines: free for the heap's users, handed out for the design.
struct CacheStatistics {
    size_t blocks = 0;
    size_t bytes = 0; // what the design counts for them
};

class CpuCache final : public HeapAllocator {
public:
    // A magazine holds up to 32 blocks and at most 8 KiB (16 of 512 bytes,
    // 8 of 1024, 4 of 2048); refill and flush move half of that.
    static constexpr uint32_t capacity(unsigned class_index)
    {
        const size_t by_bytes = 8192 / FixedSizeBlockAllocator::class_bytes(class_index);
        return by_bytes < CpuMagazines::max_blocks ? static_cast<uint32_t>(by_bytes) : CpuMagazines::max_blocks;
    }
    static constexpr uint32_t batch(unsigned class_index) { return capacity(class_index) / 2; }

    // A cache in front of `design`, whose every use outside the magazines
    // happens under `lock`. `magazines` names a KESTREL_PER_CPU variable
    // (its boot-CPU copy) that no other live cache uses.
    CpuCache(FixedSizeBlockAllocator& design, sync::Spinlock& lock, CpuMagazines& magazines);
    // Gives every CPU's cached blocks back to the design. Nobody may use the
    // cache any more, on any CPU.
    ~CpuCache();
    CpuCache(const CpuCache&) = delete;
    CpuCache& operator=(const CpuCache&) = delete;

    // The fast path, or the slow path when it says no.
    [[nodiscard, gnu::always_inline]] kstd::Expected<void*, HeapError> allocate(size_t size,
                                                                            size_t alignment = min_alignment) override
    {
        if (void* block = try_pop(size, alignment)) [[likely]]
            return block;
        return allocate_slow(size, alignment);
    }
    [[nodiscard, gnu::always_inline]] kstd::Expected<void, HeapError> deallocate(void* pointer) override
    {
        if (try_push(pointer)) [[likely]]
            return {};
        return deallocate_slow(pointer);
    }

    // The fast paths alone: a block from this CPU's magazine of the class,
    // or null when the slow path must serve the request (the magazine is
    // empty, or the request is not for a class); true when `pointer`, a
    // small block the design handed out, went onto this CPU's magazine.
    //
    // They make no call but the rare reschedule and return plain values in
    // registers (an Expected is returned through memory). The preemption
    // count is taken by hand: a PreemptionGuard is an address-taken local to
    // GCC, and that alone gives the caller a stack canary, four memory
    // accesses per call.
    [[gnu::always_inline]] void* try_pop(size_t size, size_t alignment)
    {
        // 1..2048 bytes (0 is the slow path's), and an alignment that is a
        // power of two no larger than the class's block: blocks are aligned
        // to their size, so it comes free. Up to 16 fits every class and is
        // checked first, with no variable shift.
        if (size - 1 >= FixedSizeBlockAllocator::largest_block) [[unlikely]]
            return nullptr;
        const unsigned index = class_of_size(size);
        const bool power_of_two = (alignment & (alignment - 1)) == 0;
        if (!power_of_two || (alignment - 1 >= HeapAllocator::min_alignment && !alignment_fits(alignment, index)))
            [[unlikely]]
            return nullptr;
        void* block = nullptr;
        sync::disable_preemption(); // this CPU's magazines are ours until it is enabled again
        CpuMagazines& cpu = magazines_of_this_cpu();
        mark_busy(cpu);
        CpuMagazines::Magazine& magazine = cpu.classes[index];
        if (const uint32_t count = magazine.count; count != 0) [[likely]] {
            block = magazine.slots[count];
            magazine.count = count - 1;
            check_not_still_cached(magazine, block);
        }
        unmark_busy(cpu);
        sync::enable_preemption();
        return block;
    }
    [[gnu::always_inline]] bool try_push(void* pointer)
    {
        const int index = m_design->allocated_class_of(pointer);
        if (index < 0) [[unlikely]]
            return false;
        bool pushed = false;
        sync::disable_preemption();
        CpuMagazines& cpu = magazines_of_this_cpu();
        mark_busy(cpu);
        CpuMagazines::Magazine& magazine = cpu.classes[index];
        // Not full (a CPU not set up yet has no room), and not a double free
        // the slow path must report.
        if (const uint32_t count = magazine.count; count < magazine.limit && !looks_cached(magazine, pointer))
            [[likely]] {
            poison_cached(pointer, static_cast<unsigned>(index));
            magazine.slots[count + 1] = pointer;
            magazine.count = count + 1;
            pushed = true;
        }
        unmark_busy(cpu);
        sync::enable_preemption();
        return pushed;
    }

    // What the fast paths leave: a refill, a flush, a request that is not
    // for a class (the design under the lock), a double free. For a caller
    // that tried the fast path itself (mem::kernel_heap).
    [[nodiscard]] kstd::Expected<void*, HeapError> allocate_slow(size_t size, size_t alignment);
    [[nodiscard]] kstd::Expected<void, HeapError> deallocate_slow(void* pointer);

    // The design's counts less the blocks in every CPU's magazines.
    HeapStatistics statistics() const override;
    std::string_view name() const override { return "fixed-size blocks, per-CPU cache"; }

    CacheStatistics cached() const;
    // The blocks in this CPU's magazines (the caller keeps preemption off to
    // know which CPU that is).
    CacheStatistics cached_on_this_cpu();
    // Gives this CPU's cached blocks back to the design.
    void flush_this_cpu();
    // Gives every CPU's cached blocks back, as the destructor does, for a
    // cache whose users have all finished (no CPU may be in its magazines).
    void flush_every_cpu();
    const FixedSizeBlockAllocator& design() const { return *m_design; }

private:
    // The class of 1..2048 bytes: bsr of ((size - 1) >> 3) | 1 (1..16 -> 0,
    // 17..32 -> 1, ..., 1025..2048 -> 7), one instruction and no branch.
    static unsigned class_of_size(size_t size)
    {
        return static_cast<unsigned>(std::bit_width(((size - 1) >> 3) | 1)) - 1;
    }

    // A class's blocks are aligned to their size (alignment 0 does not fit).
    static bool alignment_fits(size_t alignment, unsigned index)
    {
        return alignment - 1 < FixedSizeBlockAllocator::class_bytes(index);
    }

    // Test kernels (KESTREL_LOCK_CHECKS) mark this CPU's magazines busy while
    // a push or pop is under way and panic if one starts in the middle of
    // another (an interrupt handler that allocates, or a thread switch a
    // missing preemption guard let through); the product does nothing.
#ifdef KESTREL_LOCK_CHECKS
    static void mark_busy(CpuMagazines& cpu)
    {
        if (cpu.busy)
            reentered();
        cpu.busy = true;
    }
    static void unmark_busy(CpuMagazines& cpu) { cpu.busy = false; }
    [[noreturn]] static void reentered();
#else
    static void mark_busy(CpuMagazines&) {}
    static void unmark_busy(CpuMagazines&) {}
#endif
    class Pinned;

    // Is `pointer` in the magazine already (a double free)? The product looks
    // at the top block only; test kernels at all of them.
    static bool looks_cached(const CpuMagazines::Magazine& magazine, const void* pointer)
    {
#ifdef KESTREL_LOCK_CHECKS
        for (uint32_t i = 0; i < magazine.count; ++i)
            if (magazine.block(i) == pointer)
                return true;
        return false;
#else
        return magazine.slots[magazine.count] == pointer;
#endif
    }
    // Test kernels: a block just popped must not be in the magazine still
    // (it would be handed out twice).
#ifdef KESTREL_LOCK_CHECKS
    static void check_not_still_cached(const CpuMagazines::Magazine& magazine, const void* block)
    {
        if (looks_cached(magazine, block))
            cached_twice(block);
    }
    [[noreturn]] static void cached_twice(const void* block);
#else
    static void check_not_still_cached(const CpuMagazines::Magazine&, const void*) {}
#endif
    // Test kernels (KASAN): a cached block is poisoned as heap memory not
    // handed out, so any access to it is reported.
#ifdef KESTREL_KASAN
    static void poison_cached(const void* block, unsigned index);
#else
    static void poison_cached(const void*, unsigned) {}
#endif

    CpuMagazines& magazines_of_this_cpu() const { return arch::this_cpu(*m_magazines); }
    // The design under the lock; out of memory, this CPU's magazines go
    // back and it tries once more.
    [[nodiscard]] kstd::Expected<void*, HeapError> allocate_uncached(CpuMagazines& cpu, size_t size, size_t alignment);
    // With the lock held:
    void register_cpu(CpuMagazines& cpu);
    // Up to a batch of blocks into the (empty) magazine; the design's error
    // if not even one could be had.
    [[nodiscard]] kstd::Expected<void, HeapError> refill(CpuMagazines::Magazine& magazine, unsigned index);
    // The `count` oldest blocks of the magazine back to the design.
    void give_back(CpuMagazines::Magazine& magazine, uint32_t count);
    // Every block of `cpu` back to the design; how many there were.
    size_t flush(CpuMagazines& cpu);
    CacheStatistics cached_locked() const;

    FixedSizeBlockAllocator* m_design;
    sync::Spinlock* m_lock;
    CpuMagazines* m_magazines;
    CpuMagazines* m_cpus = nullptr; // registered CPUs, each through its next_cpu
};

} // namespace mem::heap

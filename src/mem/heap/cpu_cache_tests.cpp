// KTEST cases of cpu_cache.cpp: a CpuCache of its own in front of a
// fixed-size block heap of its own (a mem::HeapInstance, grown by mapping
// frames), with magazines in a per-CPU variable of the tests' own, so what
// the design sees can be compared with what the cache's users see. The
// kernel heap's own cache is exercised by kernel_heap_tests.cpp and, under
// preemption, by mem/concurrency_tests.cpp.
//
// The blocks these cases get are never written: in a test kernel the design's
// memory is poisoned for KASAN until KASAN's own allocate unpoisons a payload,
// which a bare cache does not do.

#include "mem/heap/cpu_cache.h"
#include <cstdint>
#include "arch/x86_64/per_cpu.h"
#include "ktest/ktest.h"
#include "mem/heap/fixed_region_backend.h"
#include "mem/heap/heap_address.h"
#include "mem/kasan/shadow.h"
#include "mem/kernel_heap.h"

namespace mem::heap {
// For EXPECT_ERROR(result, HeapErrorKind::...): a heap error is its kind
// plus the request it was about.
inline bool operator==(const HeapError& error, HeapErrorKind kind)
{
    return error.kind == kind;
}
} // namespace mem::heap

namespace {

using mem::heap::CpuCache;
using mem::heap::CpuMagazines;
using mem::heap::FixedSizeBlockAllocator;
using mem::heap::HeapErrorKind;

// One per-CPU variable for every case's cache (one at a time): each is 2 KiB
// of every CPU's per-CPU area.
KESTREL_PER_CPU CpuMagazines g_test_magazines;

constexpr unsigned class_64 = FixedSizeBlockAllocator::class_index_for(64);

class cpu_cache {
public:
    cpu_cache()
        : instance(mem::HeapDesign::FixedSizeBlocks), lock("test CPU cache", sync::LockRank::KernelHeap),
          cache(*instance.fixed_size_blocks(), lock, g_test_magazines)
    {
    }

protected:
    size_t design_live() const { return cache.design().statistics().live_allocations; }
    size_t live() const { return cache.statistics().live_allocations; }
    void* allocate(size_t size, size_t alignment = 16)
    {
        auto memory = cache.allocate(size, alignment);
        if (!memory)
            return nullptr; // the caller's ASSERT_NOT_NULL says so
        return *memory;
    }
    bool free(void* pointer) { return cache.deallocate(pointer).has_value(); }

    mem::HeapInstance instance;
    sync::Spinlock lock;
    CpuCache cache; // destroyed first: its blocks go back to the design
};

} // namespace

KTEST_F(cpu_cache, the_fast_path_hands_out_the_last_freed_block_first)
{
    void* a = allocate(64);
    void* b = allocate(64);
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(b);
    const size_t design_before = design_live();
    EXPECT_TRUE(free(a));
    EXPECT_TRUE(free(b));
    EXPECT_EQ(allocate(64), b, "last in, first out");
    EXPECT_EQ(allocate(48), a, "48 bytes is the same class");
    EXPECT_EQ(design_live(), design_before, "pushes and pops never reach the design");
    EXPECT_TRUE(free(a));
    EXPECT_TRUE(free(b));
    EXPECT_EQ(live(), 0u);
}

KTEST_F(cpu_cache, an_empty_magazine_is_refilled_with_a_batch_from_the_design)
{
    ASSERT_EQ(design_live(), 0u);
    void* first = allocate(64);
    ASSERT_NOT_NULL(first);
    EXPECT_EQ(design_live(), CpuCache::batch(class_64), "one refill, one batch");
    EXPECT_EQ(cache.cached().blocks, CpuCache::batch(class_64) - 1u);
    EXPECT_EQ(live(), 1u, "the rest of the batch is free for users");
    // The batch comes in the design's order: the next blocks follow.
    void* second = allocate(64);
    EXPECT_EQ(mem::heap::address_of(second), mem::heap::address_of(first) + 64);
    for (uint32_t i = 2; i < CpuCache::batch(class_64); ++i)
        ASSERT_NOT_NULL(allocate(64));
    EXPECT_EQ(cache.cached().blocks, 0u);
    EXPECT_EQ(design_live(), CpuCache::batch(class_64), "no refill until the magazine is empty");
    ASSERT_NOT_NULL(allocate(64));
    EXPECT_EQ(design_live(), 2u * CpuCache::batch(class_64), "then the next batch");
}

KTEST_F(cpu_cache, a_full_magazine_gives_its_older_half_back_to_the_design)
{
    constexpr uint32_t capacity = CpuCache::capacity(class_64);
    void* blocks[capacity + 1];
    for (void*& block : blocks) {
        block = allocate(64);
        ASSERT_NOT_NULL(block);
    }
    const size_t in_magazine = cache.cached().blocks;
    uint32_t flushes = 0;
    for (uint32_t i = 0; i <= capacity; ++i) {
        const size_t design_before = design_live();
        const bool full = cache.cached().blocks == capacity;
        ASSERT_TRUE(free(blocks[i]));
        if (full) {
            ++flushes;
            EXPECT_EQ(design_live(), design_before - CpuCache::batch(class_64), "free {}: half went back", i);
        } else {
            EXPECT_EQ(design_live(), design_before, "free {}: only the magazine", i);
        }
    }
    EXPECT_EQ(flushes, 1u, "{} blocks were in the magazine", in_magazine);
    EXPECT_EQ(live(), 0u);
    // The newest blocks stayed: the last one freed comes back first.
    EXPECT_EQ(allocate(64), blocks[capacity]);
    EXPECT_TRUE(cache.design().check_consistency());
}

KTEST_F(cpu_cache, statistics_count_cached_blocks_as_free_and_a_flush_returns_them)
{
    const mem::heap::HeapStatistics empty = cache.statistics();
    void* blocks[10];
    for (void*& block : blocks) {
        block = allocate(200); // class 256
        ASSERT_NOT_NULL(block);
    }
    mem::heap::HeapStatistics during = cache.statistics();
    EXPECT_EQ(during.live_allocations, 10u);
    EXPECT_EQ(during.used_bytes, empty.used_bytes + 10 * 256, "the design counts 256 bytes per block");
    for (void* block : blocks)
        ASSERT_TRUE(free(block));
    const mem::heap::CacheStatistics cached = cache.cached();
    EXPECT_GE(cached.blocks, 10u);
    EXPECT_EQ(cached.bytes, cached.blocks * 256);
    EXPECT_GT(cache.design().statistics().live_allocations, 0u, "the design still has them out");
    EXPECT_EQ(cache.statistics().live_allocations, empty.live_allocations);
    EXPECT_EQ(cache.statistics().used_bytes, empty.used_bytes);
    cache.flush_this_cpu();
    EXPECT_EQ(cache.cached().blocks, 0u);
    EXPECT_EQ(cache.design().statistics().live_allocations, 0u, "all back with the design");
    EXPECT_EQ(cache.design().statistics().used_bytes, empty.used_bytes);
    EXPECT_TRUE(cache.design().check_consistency());
}

KTEST_F(cpu_cache, an_alignment_beyond_the_class_goes_to_the_design)
{
    // 16 bytes aligned to 256: not the 16-byte class (its blocks are only
    // 16-aligned); the design serves it from the 256-byte class, one block.
    void* aligned = allocate(16, 256);
    ASSERT_NOT_NULL(aligned);
    EXPECT_EQ(mem::heap::address_of(aligned) % 256, 0u);
    EXPECT_EQ(design_live(), 1u, "no batch: the slow path");
    EXPECT_EQ(cache.cached().blocks, 0u);
    // An alignment the class has anyway is the fast path: a 64-byte block is
    // 64-aligned.
    void* natural = allocate(64, 64);
    ASSERT_NOT_NULL(natural);
    EXPECT_EQ(mem::heap::address_of(natural) % 64, 0u);
    EXPECT_EQ(design_live(), 1u + CpuCache::batch(class_64), "a refill");
    // Freed, the aligned block is a 256-byte block like any other: cached.
    const size_t cached_before = cache.cached().blocks;
    EXPECT_TRUE(free(aligned));
    EXPECT_EQ(cache.cached().blocks, cached_before + 1);
    EXPECT_TRUE(free(natural));
    EXPECT_ERROR(cache.allocate(16, 3), HeapErrorKind::BadAlignment);
    EXPECT_ERROR(cache.allocate(16, 0), HeapErrorKind::BadAlignment);
    EXPECT_ERROR(cache.allocate(16, 8192), HeapErrorKind::BadAlignment);
}

KTEST_F(cpu_cache, large_blocks_and_size_zero_bypass_the_magazines)
{
    void* large = allocate(4096);
    ASSERT_NOT_NULL(large);
    EXPECT_EQ(design_live(), 1u);
    EXPECT_TRUE(cache.design().large_blocks().owns(large));
    EXPECT_TRUE(free(large));
    EXPECT_EQ(design_live(), 0u, "straight back to the design");
    EXPECT_EQ(cache.cached().blocks, 0u);
    void* nothing = allocate(0);
    ASSERT_NOT_NULL(nothing, "size 0 is a unique pointer");
    EXPECT_EQ(design_live(), 1u, "from the design, not a batch");
    EXPECT_TRUE(free(nothing));
    EXPECT_TRUE(free(nullptr));
    // The largest class is cached.
    const size_t design_before = design_live();
    void* largest = allocate(FixedSizeBlockAllocator::largest_block);
    ASSERT_NOT_NULL(largest);
    EXPECT_EQ(design_live(), design_before + CpuCache::batch(FixedSizeBlockAllocator::class_count - 1));
    EXPECT_TRUE(free(largest));
}

KTEST_F(cpu_cache, misuse_is_an_error_value)
{
    void* block = allocate(64);
    ASSERT_NOT_NULL(block);
    ASSERT_TRUE(free(block));
    EXPECT_ERROR(cache.deallocate(block), HeapErrorKind::DoubleFree, "the block on top of its magazine");
    void* other = allocate(64);
    ASSERT_NOT_NULL(other);
    void* interior = mem::heap::pointer_to(mem::heap::address_of(other) + 8);
    EXPECT_ERROR(cache.deallocate(interior), HeapErrorKind::NotFromHeap, "the design's check");
    static uint64_t not_heap;
    EXPECT_ERROR(cache.deallocate(&not_heap), HeapErrorKind::NotFromHeap);
    EXPECT_TRUE(free(other));
    EXPECT_EQ(live(), 0u, "the refused frees changed nothing");
}

KTEST(cpu_cache, a_cache_gives_every_cached_block_back_when_it_goes)
{
    mem::HeapInstance instance(mem::HeapDesign::FixedSizeBlocks);
    FixedSizeBlockAllocator& design = *instance.fixed_size_blocks();
    sync::Spinlock lock("scoped CPU cache", sync::LockRank::KernelHeap);
    {
        CpuCache cache(design, lock, g_test_magazines);
        for (size_t size : {16, 100, 1000, 2000}) {
            auto memory = cache.allocate(size);
            ASSERT_OK(memory);
            ASSERT_OK(cache.deallocate(*memory));
        }
        EXPECT_GT(design.statistics().live_allocations, 0u);
    }
    EXPECT_EQ(design.statistics().live_allocations, 0u);
    EXPECT_TRUE(design.check_consistency());
    // The per-CPU magazines are free for the next cache.
    CpuCache again(design, lock, g_test_magazines);
    EXPECT_EQ(again.cached().blocks, 0u);
}

namespace {
// Two slabs for small blocks and a little for large ones.
alignas(FixedSizeBlockAllocator::slab_bytes) std::byte g_small_region[2 * FixedSizeBlockAllocator::slab_bytes];
alignas(4096) std::byte g_large_region[16 * 1024];
} // namespace

KTEST(cpu_cache, out_of_memory_gives_this_cpus_cached_blocks_back_and_tries_again)
{
    // Static storage, no KASAN shadow: the blocks may be anything.
    mem::heap::FixedRegionBackend small(g_small_region);
    mem::heap::FixedRegionBackend large(g_large_region);
    FixedSizeBlockAllocator design(small, large);
    sync::Spinlock lock("small CPU cache", sync::LockRank::KernelHeap);
    CpuCache cache(design, lock, g_test_magazines);
    // Slab 0 serves a batch of 16-byte blocks, all back in the magazine at
    // once: empty for the heap's users, not for the design.
    auto first = cache.allocate(16);
    ASSERT_OK(first);
    ASSERT_OK(cache.deallocate(*first));
    ASSERT_EQ(cache.cached().blocks, CpuCache::batch(0));
    // Slab 1 holds 15 blocks of 2048 bytes (the first is its header); the
    // 16th needs slab 0, which only the flush empties.
    void* blocks[16];
    for (uint32_t i = 0; i < 16; ++i) {
        auto block = cache.allocate(2048);
        ASSERT_OK(block, "block {}", i);
        blocks[i] = *block;
    }
    // What is cached now is the rest of the last batch: 2048-byte blocks.
    EXPECT_EQ(cache.cached().bytes % 2048, 0u, "the 16-byte blocks went back");
    for (void* block : blocks)
        ASSERT_OK(cache.deallocate(block));
    cache.flush_this_cpu();
    EXPECT_EQ(design.statistics().live_allocations, 0u);
    EXPECT_TRUE(design.check_consistency());
}

#ifdef KESTREL_KASAN
KTEST_F(cpu_cache, a_block_in_a_magazine_is_poisoned)
{
    void* block = allocate(64);
    ASSERT_NOT_NULL(block);
    const uintptr_t address = mem::heap::address_of(block);
    ASSERT_TRUE(mem::kasan::has_shadow(address, 64));
    mem::kasan::unpoison(address, 64); // as KASAN's allocate does for a payload
    ASSERT_EQ(mem::kasan::shadow_at(address), mem::kasan::accessible);
    ASSERT_TRUE(free(block));
    EXPECT_EQ(mem::kasan::shadow_at(address), mem::kasan::unallocated);
    EXPECT_EQ(mem::kasan::shadow_at(address + 56), mem::kasan::unallocated, "the whole block");
}
#endif

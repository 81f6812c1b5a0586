// KTEST cases of kernel_heap.cpp that do not replace the kernel heap (the
// per-design cases are tests/integration/heap_{bump,linked,fixed}.cpp).

#include <cstdint>
#include "ktest/ktest.h"
#include "sync/preemption.h"
#include "mem/kernel_heap.h"

KTEST(kernel_heap, design_words)
{
    EXPECT_EQ(static_cast<int>(*mem::heap_design_from_word("bump")), static_cast<int>(mem::HeapDesign::Bump));
    EXPECT_EQ(static_cast<int>(*mem::heap_design_from_word("linked")),
              static_cast<int>(mem::HeapDesign::LinkedList));
    EXPECT_EQ(static_cast<int>(*mem::heap_design_from_word("fixed")),
              static_cast<int>(mem::HeapDesign::FixedSizeBlocks));
    EXPECT_FALSE(mem::heap_design_from_word("slab").has_value());
}

KTEST(kernel_heap, the_unit_test_kernel_runs_on_the_build_default)
{
    ASSERT_TRUE(mem::kernel_heap::ready());
    EXPECT_EQ(static_cast<int>(mem::kernel_heap::design()), static_cast<int>(mem::default_heap_design()));
}

KTEST(kernel_heap, a_heap_instance_of_each_design_lives_in_regions_of_its_own)
{
    for (mem::HeapDesign design : {mem::HeapDesign::Bump, mem::HeapDesign::LinkedList,
                                   mem::HeapDesign::FixedSizeBlocks}) {
        mem::HeapInstance instance(design);
        auto small = instance.allocator().allocate(48);
        auto large = instance.allocator().allocate(10000);
        ASSERT_TRUE(small.has_value() && large.has_value(), "{}", mem::to_string(design));
        EXPECT_TRUE(instance.first_region().contains(*small), "{}", mem::to_string(design));
        if (design == mem::HeapDesign::FixedSizeBlocks)
            EXPECT_TRUE(instance.second_region().contains(*large), "large blocks live in the second region");
        else
            EXPECT_TRUE(instance.first_region().contains(*large), "{}", mem::to_string(design));
        EXPECT_GE(instance.mapped_bytes(), 10000u);
        EXPECT_TRUE(instance.allocator().deallocate(*small).has_value());
        EXPECT_TRUE(instance.allocator().deallocate(*large).has_value());
    }
}

namespace {
template <typename T>
T* escape(T* pointer)
{
    asm volatile("" : : "r"(pointer) : "memory"); // the asm may read what the pointer reaches: GCC keeps the new
    return pointer;
}
} // namespace

KTEST(kernel_heap, statistics_stay_exact_with_blocks_in_this_cpus_cache)
{
    if (!mem::kernel_heap::has_cpu_cache())
        KTEST_SKIP("the kernel heap's design has no per-CPU cache");
    const mem::KernelHeapStatistics before = mem::kernel_heap::statistics();
    // More frees than KASAN's quarantine holds (256): the oldest go on to
    // this CPU's magazines.
    for (uint64_t i = 0; i < 600; ++i)
        delete escape(new uint64_t(i));
    const mem::KernelHeapStatistics after = mem::kernel_heap::statistics();
    EXPECT_GT(after.cpu_caches.blocks, 0u, "blocks reached the magazines");
    EXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
    EXPECT_EQ(after.heap.used_bytes, before.heap.used_bytes);
    uint64_t left_here = 0;
    {
        // This CPU's magazines, emptied and looked at without moving to
        // another CPU in between (other CPUs' magazines keep theirs).
        sync::PreemptionGuard stay_on_this_cpu;
        mem::kernel_heap::flush_this_cpu_cache();
        left_here = mem::kernel_heap::this_cpu_cached_blocks();
    }
    const mem::KernelHeapStatistics flushed = mem::kernel_heap::statistics();
    EXPECT_EQ(left_here, 0u);
    EXPECT_LE(flushed.cpu_caches.blocks, after.cpu_caches.blocks);
    EXPECT_EQ(flushed.heap.live_allocations, before.heap.live_allocations);
    EXPECT_EQ(flushed.heap.used_bytes, before.heap.used_bytes);
}

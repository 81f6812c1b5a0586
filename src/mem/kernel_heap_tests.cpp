// KTEST cases of kernel_heap.cpp that do not replace the kernel heap (the
// per-design cases are tests/integration/heap_{bump,linked,fixed}.cpp).

#include "ktest/ktest.h"
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

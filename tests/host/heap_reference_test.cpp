// The heap tests of "Writing an OS in Rust" (Heap Allocation, "Adding a
// Test"), against each design: simple allocation, a large vector, many boxes
// reusing freed memory, and many boxes with a long-lived one. The heap is
// 100 KiB, as there.

#include <gtest/gtest.h>
#include <cstdint>
#include "heap_designs.h"
#include "kstd/vector.h"

namespace {

using namespace host_test;

constexpr size_t heap_size = 100 * 1024;

template <typename Design>
class HeapReference : public ::testing::Test {
protected:
    void TearDown() override
    {
        // Every box and vector is gone: the counters say so exactly.
        const auto statistics = design.heap().statistics();
        EXPECT_EQ(statistics.live_allocations, 0u);
        EXPECT_EQ(statistics.used_bytes, 0u);
        EXPECT_TRUE(design.consistent());
    }
    HeapAllocator& heap() { return design.heap(); }
    Design design{heap_size};
};
TYPED_TEST_SUITE(HeapReference, HeapDesigns);

TYPED_TEST(HeapReference, simple_allocation)
{
    Box<uint64_t> heap_value_1 = make_box<uint64_t>(this->heap(), nullptr, 41u);
    Box<uint64_t> heap_value_2 = make_box<uint64_t>(this->heap(), nullptr, 13u);
    ASSERT_TRUE(heap_value_1 && heap_value_2);
    EXPECT_EQ(*heap_value_1, 41u);
    EXPECT_EQ(*heap_value_2, 13u);
    EXPECT_EQ(this->heap().statistics().live_allocations, 2u);
}

TYPED_TEST(HeapReference, large_vec)
{
    constexpr uint64_t n = 1000;
    kstd::Vector<uint64_t, HeapPolicy> vec(HeapPolicy{&this->heap()});
    for (uint64_t i = 0; i < n; ++i)
        ASSERT_TRUE(vec.try_push_back(i).has_value()) << i;
    uint64_t sum = 0;
    for (uint64_t value : vec)
        sum += value;
    EXPECT_EQ(sum, (n - 1) * n / 2);
}

TYPED_TEST(HeapReference, many_boxes)
{
    // More boxes than the heap has bytes: only reuse makes this fit.
    for (uint64_t i = 0; i < heap_size; ++i) {
        Box<uint64_t> x = make_box<uint64_t>(this->heap(), nullptr, i);
        ASSERT_TRUE(x) << "allocation " << i;
        ASSERT_EQ(*x, i);
    }
}

TYPED_TEST(HeapReference, many_boxes_long_lived)
{
    HeapError error{};
    Box<uint64_t> long_lived = make_box<uint64_t>(this->heap(), nullptr, 1u);
    ASSERT_TRUE(long_lived);
    uint64_t completed = 0;
    for (uint64_t i = 0; i < heap_size; ++i) {
        Box<uint64_t> x = make_box<uint64_t>(this->heap(), &error, i);
        if (!x)
            break;
        ASSERT_EQ(*x, i);
        ++completed;
    }
    EXPECT_EQ(*long_lived, 1u);
    if constexpr (TypeParam::reuses_freed_blocks) {
        EXPECT_EQ(completed, heap_size);
    } else {
        // The bump allocator's known limit: one live allocation keeps all
        // memory from being reused. It must say so, not crash.
        EXPECT_LT(completed, heap_size);
        EXPECT_EQ(error.kind, HeapErrorKind::OutOfMemory);
        EXPECT_EQ(error.size, sizeof(uint64_t));
    }
}

} // namespace

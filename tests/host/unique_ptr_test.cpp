// The kernel takes std::unique_ptr from the freestanding standard library
// (<memory> compiles with the kernel's flags; src/lib/kstd/containers_tests.cpp
// uses it in the kernel). These tests pin down what the kernel relies on:
// custom deleters (objects on a chosen heap) and empty-base size.

#include <gtest/gtest.h>
#include <memory>
#include "heap_designs.h"

namespace {

using namespace host_test;

TEST(UniquePtr, default_deleter_is_free_of_size)
{
    static_assert(sizeof(std::unique_ptr<int>) == sizeof(int*));
    auto p = std::make_unique<int>(5);
    EXPECT_EQ(*p, 5);
}

TEST(UniquePtr, boxes_on_each_design_free_on_scope_exit)
{
    LinkedListDesign design(1024 * 1024);
    {
        Box<int> a = make_box<int>(design.heap(), nullptr, 1);
        Box<int> b = make_box<int>(design.heap(), nullptr, 2);
        EXPECT_EQ(design.heap().statistics().live_allocations, 2u);
        Box<int> c = std::move(a);
        EXPECT_EQ(a, nullptr);
        EXPECT_EQ(*c, 1);
        b.reset();
        EXPECT_EQ(design.heap().statistics().live_allocations, 1u);
    }
    EXPECT_EQ(design.heap().statistics().live_allocations, 0u);
    EXPECT_TRUE(design.consistent());
}

} // namespace

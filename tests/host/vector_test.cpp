// kstd::Vector: growth, element lifetimes, moves, fallible growth, and its
// allocator policy (the global operator new, or a heap under test).

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include "heap_designs.h"
#include "mem/heap/heap_address.h"
#include "kstd/vector.h"

namespace {

// Counts constructions and destructions, to check every element is
// destroyed exactly once.
struct Tracked {
    static inline int alive = 0;
    explicit Tracked(int v = 0) : value(v) { ++alive; }
    Tracked(const Tracked& other) : value(other.value) { ++alive; }
    Tracked(Tracked&& other) noexcept : value(other.value) { other.value = -1; ++alive; }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&&) = default;
    ~Tracked() { --alive; }
    int value;
};

// An allocator that fails after a number of allocations.
struct LimitedAllocator {
    int* remaining;
    kstd::Expected<void*, kstd::AllocationFailure> try_allocate(size_t bytes, size_t alignment) noexcept
    {
        if (*remaining == 0)
            return kstd::unexpected(kstd::AllocationFailure{bytes});
        --*remaining;
        return ::operator new(bytes, std::align_val_t(alignment));
    }
    void* allocate(size_t bytes, size_t alignment) { return ::operator new(bytes, std::align_val_t(alignment)); }
    void deallocate(void* memory, size_t bytes, size_t alignment) noexcept
    {
        ::operator delete(memory, bytes, std::align_val_t(alignment));
    }
};
static_assert(kstd::Allocator<LimitedAllocator>);
static_assert(kstd::Allocator<kstd::GlobalAllocator>);
static_assert(sizeof(kstd::Vector<int>) == 3 * sizeof(void*), "a stateless allocator takes no room");

TEST(Vector, starts_empty_and_grows)
{
    kstd::Vector<int> v;
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(v.size(), 0u);
    EXPECT_EQ(v.capacity(), 0u);
    EXPECT_EQ(v.begin(), v.end());
    for (int i = 0; i < 1000; ++i)
        v.push_back(i);
    EXPECT_EQ(v.size(), 1000u);
    EXPECT_GE(v.capacity(), 1000u);
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(v[static_cast<size_t>(i)], i);
    EXPECT_EQ(v.front(), 0);
    EXPECT_EQ(v.back(), 999);
    std::span<const int> view = v;
    EXPECT_EQ(view.size(), 1000u);
}

TEST(Vector, destroys_every_element_exactly_once)
{
    Tracked::alive = 0;
    {
        kstd::Vector<Tracked> v;
        for (int i = 0; i < 100; ++i)
            v.emplace_back(i);
        EXPECT_EQ(Tracked::alive, 100);
        v.pop_back();
        EXPECT_EQ(Tracked::alive, 99);
        v.erase(v.begin() + 10);
        EXPECT_EQ(Tracked::alive, 98);
        EXPECT_EQ(v[10].value, 11);
        v.insert(v.begin() + 10, Tracked(10));
        EXPECT_EQ(Tracked::alive, 99);
        EXPECT_EQ(v[10].value, 10);
        EXPECT_EQ(v[11].value, 11);
        v.resize(120);
        EXPECT_EQ(Tracked::alive, 120);
        EXPECT_EQ(v[119].value, 0);
        v.resize(5);
        EXPECT_EQ(Tracked::alive, 5);
    }
    EXPECT_EQ(Tracked::alive, 0);
}

TEST(Vector, moves_without_copying_elements)
{
    Tracked::alive = 0;
    kstd::Vector<std::unique_ptr<int>> a;
    a.push_back(std::make_unique<int>(7));
    a.push_back(std::make_unique<int>(8));
    kstd::Vector<std::unique_ptr<int>> b(std::move(a));
    EXPECT_TRUE(a.empty());
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(*b[1], 8);
    kstd::Vector<std::unique_ptr<int>> c;
    c.push_back(std::make_unique<int>(1));
    c = std::move(b);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(*c[0], 7);
}

TEST(Vector, reserve_keeps_elements_in_place_until_capacity_is_exceeded)
{
    kstd::Vector<std::string> v;
    v.reserve(10);
    EXPECT_EQ(v.capacity(), 10u);
    v.push_back("first");
    const std::string* first = &v[0];
    for (int i = 0; i < 9; ++i)
        v.push_back(std::to_string(i));
    EXPECT_EQ(&v[0], first);
    v.push_back("grows");
    EXPECT_EQ(v[0], "first");
    EXPECT_EQ(v[10], "grows");
}

TEST(Vector, fallible_growth_reports_failure_and_keeps_the_contents)
{
    int remaining = 1;
    kstd::Vector<int, LimitedAllocator> v(LimitedAllocator{&remaining});
    ASSERT_TRUE(v.try_push_back(1).has_value());
    ASSERT_TRUE(v.try_push_back(2).has_value());
    ASSERT_TRUE(v.try_push_back(3).has_value());
    ASSERT_TRUE(v.try_push_back(4).has_value()); // capacity 4 from the one allocation
    auto failed = v.try_push_back(5);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().bytes, 8 * sizeof(int));
    kstd::StringBuffer<64> text;
    kstd::format_to(text, "{}", failed.error());
    EXPECT_EQ(text.view(), "out of memory: could not allocate 32 bytes");
    EXPECT_EQ(v.size(), 4u);
    EXPECT_EQ(v[3], 4);
    auto reserve = v.try_reserve(100);
    ASSERT_FALSE(reserve.has_value());
    EXPECT_EQ(reserve.error().bytes, 100 * sizeof(int));
    auto resize = v.try_resize(50);
    EXPECT_FALSE(resize.has_value());
    auto absurd = v.try_reserve(kstd::Vector<int, LimitedAllocator>::max_size() + 1);
    ASSERT_FALSE(absurd.has_value());
    EXPECT_EQ(absurd.error().bytes, SIZE_MAX);
    EXPECT_EQ(v.size(), 4u);
    remaining = 1;
    const int more[] = {5, 6, 7};
    ASSERT_TRUE(v.try_append(more).has_value());
    EXPECT_EQ(v.size(), 7u);
    EXPECT_EQ(v[6], 7);
}

TEST(Vector, lives_on_each_heap_design)
{
    host_test::FixedSizeBlockDesign design(1024 * 1024);
    {
        kstd::Vector<uint64_t, host_test::HeapPolicy> v(host_test::HeapPolicy{&design.heap()});
        for (uint64_t i = 0; i < 10000; ++i)
            v.push_back(i * 3);
        EXPECT_EQ(v[9999], 29997u);
        EXPECT_EQ(design.heap().statistics().live_allocations, 1u);
    }
    EXPECT_EQ(design.heap().statistics().live_allocations, 0u);
    EXPECT_TRUE(design.consistent());
}

struct alignas(64) Aligned {
    char bytes[64];
};

TEST(Vector, honours_over_aligned_elements)
{
    kstd::Vector<Aligned> v;
    for (int i = 0; i < 20; ++i)
        v.emplace_back();
    EXPECT_EQ(mem::heap::address_of(v.data()) % 64, 0u);
}

} // namespace

// PhysRangeSet, the usable-memory builder: unions, subtractions, rounding,
// placement, against a model of one bit per unit of a small address space.

#include <gtest/gtest.h>
#include <bitset>
#include <vector>
#include "mem/phys_range_set.h"
#include "test_seed.h"

namespace {

using arch::PhysAddr;
using mem::PhysRange;
using mem::PhysRangeSet;

PhysRange range(uint64_t start, uint64_t end)
{
    return {arch::PhysAddr(start), arch::PhysAddr(end)};
}

std::vector<PhysRange> as_vector(const PhysRangeSet& set)
{
    return {set.ranges().begin(), set.ranges().end()};
}

TEST(PhysRangeSet, add_merges_overlapping_and_touching_ranges)
{
    PhysRangeSet set;
    ASSERT_TRUE(set.add(range(0x1000, 0x2000)).has_value());
    ASSERT_TRUE(set.add(range(0x5000, 0x6000)).has_value());
    ASSERT_TRUE(set.add(range(0x3000, 0x4000)).has_value());
    EXPECT_EQ(as_vector(set), (std::vector{range(0x1000, 0x2000), range(0x3000, 0x4000), range(0x5000, 0x6000)}));
    ASSERT_TRUE(set.add(range(0x2000, 0x3000)).has_value()); // touches both neighbours
    EXPECT_EQ(as_vector(set), (std::vector{range(0x1000, 0x4000), range(0x5000, 0x6000)}));
    ASSERT_TRUE(set.add(range(0x0800, 0x7000)).has_value()); // swallows everything
    EXPECT_EQ(as_vector(set), (std::vector{range(0x0800, 0x7000)}));
    ASSERT_TRUE(set.add(range(0x9000, 0x9000)).has_value()); // empty: nothing
    EXPECT_EQ(set.count(), 1u);
    EXPECT_EQ(set.total_bytes(), 0x6800u);
    EXPECT_EQ(set.bounds(), range(0x0800, 0x7000));
}

TEST(PhysRangeSet, remove_trims_and_splits)
{
    PhysRangeSet set;
    ASSERT_TRUE(set.add(range(0, 0x10000)).has_value());
    ASSERT_TRUE(set.remove(range(0x4000, 0x5000)).has_value());
    EXPECT_EQ(as_vector(set), (std::vector{range(0, 0x4000), range(0x5000, 0x10000)}));
    ASSERT_TRUE(set.remove(range(0, 0x1000)).has_value());
    ASSERT_TRUE(set.remove(range(0xf000, 0x20000)).has_value());
    EXPECT_EQ(as_vector(set), (std::vector{range(0x1000, 0x4000), range(0x5000, 0xf000)}));
    ASSERT_TRUE(set.remove(range(0x3000, 0x6000)).has_value()); // across the gap
    EXPECT_EQ(as_vector(set), (std::vector{range(0x1000, 0x3000), range(0x6000, 0xf000)}));
    ASSERT_TRUE(set.remove(range(0, 0x100000)).has_value());
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.bounds(), PhysRange{});
}

TEST(PhysRangeSet, builds_usable_memory_from_a_memory_map)
{
    // QEMU's map with 128 MiB, minus the first MiB, a kernel image and a module.
    PhysRangeSet usable;
    ASSERT_TRUE(usable.add(range(0, 0x9fc00)).has_value());
    ASSERT_TRUE(usable.add(range(0x100000, 0x7fe0000)).has_value());
    ASSERT_TRUE(usable.remove(range(0, 0x100000)).has_value());
    ASSERT_TRUE(usable.remove(range(0x100000, 0x1a3456)).has_value()); // kernel image
    ASSERT_TRUE(usable.remove(range(0x200000, 0x200abc)).has_value()); // a module
    usable.shrink_to_alignment(0x1000);
    EXPECT_EQ(as_vector(usable), (std::vector{range(0x1a4000, 0x200000), range(0x201000, 0x7fe0000)}));
    EXPECT_TRUE(usable.contains(arch::PhysAddr(0x1a4000)));
    EXPECT_FALSE(usable.contains(arch::PhysAddr(0x200000)));
    // Room for 1 MiB aligned to 2 MiB: the second range at 0x400000.
    auto space = usable.find_space(0x100000, 0x200000);
    ASSERT_TRUE(space.has_value());
    EXPECT_EQ(*space, arch::PhysAddr(0x400000));
    EXPECT_EQ(usable.find_space(0x1000, 0x1000), arch::PhysAddr(0x1a4000));
    EXPECT_FALSE(usable.find_space(0x8000000, 0x1000).has_value());
}

TEST(PhysRangeSet, shrink_drops_ranges_smaller_than_a_unit_and_near_the_top)
{
    PhysRangeSet set;
    ASSERT_TRUE(set.add(range(0x1800, 0x2800)).has_value()); // no whole page
    ASSERT_TRUE(set.add(range(0xFFFFFFFFFFFFF800, 0xFFFFFFFFFFFFFFFF)).has_value()); // rounding up wraps
    set.shrink_to_alignment(0x1000);
    EXPECT_TRUE(set.empty());
}

TEST(PhysRangeSet, reports_when_full)
{
    PhysRangeSet set;
    for (uint64_t i = 0; i < PhysRangeSet::capacity; ++i)
        ASSERT_TRUE(set.add(range(i * 0x2000, i * 0x2000 + 0x1000)).has_value());
    auto add = set.add(range(0x10000000, 0x10001000));
    ASSERT_FALSE(add.has_value());
    EXPECT_EQ(add.error().range, range(0x10000000, 0x10001000));
    kstd::StringBuffer<128> text;
    kstd::format_to(text, "{}", add.error());
    EXPECT_EQ(text.view(),
              "the range set is full (all 256 ranges in use) at [0x0000000010000000 - 0x0000000010001000)");
    // Splitting needs a slot too; a failed split changes nothing.
    auto split = set.remove(range(0x200, 0x400));
    ASSERT_FALSE(split.has_value());
    EXPECT_EQ(set.count(), PhysRangeSet::capacity);
    EXPECT_EQ(set.ranges()[0], range(0, 0x1000));
    // Merging frees slots: [0, 0x4000) joins the first three ranges (it
    // touches the third at 0x4000).
    ASSERT_TRUE(set.add(range(0, 0x4000)).has_value());
    EXPECT_EQ(set.count(), PhysRangeSet::capacity - 2);
}

TEST(PhysRangeSet, randomised_against_a_bitmap)
{
    constexpr uint64_t units = 4096, unit = 0x1000;
    host_test::Random random(host_test::test_seed("PhysRangeSet.randomised_against_a_bitmap"));
    PhysRangeSet set;
    std::bitset<units> model;
    for (int step = 0; step < 20000; ++step) {
        const uint64_t a = host_test::uniform<uint64_t>(random, 0, units);
        const uint64_t b = host_test::uniform<uint64_t>(random, a, std::min(units, a + 64));
        const bool add = host_test::uniform(random, 0, 1) == 0;
        auto result = add ? set.add(range(a * unit, b * unit)) : set.remove(range(a * unit, b * unit));
        if (!result)
            continue; // full: unchanged (checked below)
        for (uint64_t i = a; i < b; ++i)
            model[i] = add;
        // Same membership; ranges sorted, disjoint, not touching.
        std::bitset<units> seen;
        uint64_t previous_end = 0;
        bool first = true;
        for (const PhysRange& r : set.ranges()) {
            ASSERT_FALSE(r.empty());
            if (!first) {
                ASSERT_GT(r.start.value(), previous_end);
            }
            first = false;
            previous_end = r.end.value();
            for (uint64_t i = r.start.value() / unit; i < r.end.value() / unit; ++i)
                seen[i] = true;
        }
        ASSERT_EQ(seen, model) << "step " << step;
        ASSERT_EQ(set.total_bytes(), model.count() * unit);
    }
}

} // namespace

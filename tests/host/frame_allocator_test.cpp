// The buddy frame allocator against a reference model: made-up physical
// memory (the allocator never touches the frames), random allocate/free of
// runs of every order, and exact counters.

#include <gtest/gtest.h>
#include <algorithm>
#include <map>
#include <string>
#include <vector>
#include "mem/frame_allocator.h"
#include "test_seed.h"

namespace {

using mem::FrameAllocator;
using mem::FrameErrorKind;
using arch::PhysAddr;
using mem::PhysRange;
using arch::frame_size;

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

PhysRange range(uint64_t start, uint64_t end)
{
    return {arch::PhysAddr(start), arch::PhysAddr(end)};
}

template <typename T>
std::string text_of(const T& value)
{
    char buffer[256];
    return std::string(kstd::format_into(buffer, "{}", value).text);
}

// A frame allocator with its metadata in a vector.
struct Frames {
    explicit Frames(PhysRange span) : metadata(FrameAllocator::metadata_bytes(span))
    {
        EXPECT_TRUE(allocator.initialize(span, metadata).has_value());
    }
    std::vector<std::byte> metadata;
    FrameAllocator allocator;
};

// How many runs of each order the greedy split of `ranges` gives: what a
// fully merged allocator must hold.
std::vector<uint64_t> runs_of(const std::vector<PhysRange>& ranges)
{
    std::vector<uint64_t> counts(FrameAllocator::max_order + 1);
    for (const PhysRange& r : ranges) {
        uint64_t index = arch::align_up(r.start.value(), arch::frame_size) / arch::frame_size;
        const uint64_t last = arch::align_down(r.end.value(), arch::frame_size) / arch::frame_size;
        while (index < last) {
            unsigned order = FrameAllocator::max_order;
            while (order > 0 && ((index & ((uint64_t{1} << order) - 1)) != 0 || last - index < (uint64_t{1} << order)))
                --order;
            ++counts[order];
            index += uint64_t{1} << order;
        }
    }
    return counts;
}

TEST(FrameAllocator, metadata_is_about_thirteen_bytes_per_frame)
{
    EXPECT_EQ(FrameAllocator::metadata_bytes(range(0, 0)), 0u);
    // 128 MiB = 32768 frames: a state byte, two links and a reference count each.
    EXPECT_EQ(FrameAllocator::metadata_bytes(range(0, 128 * MiB)), 32768u * 13 + 3);
    // The span is managed from its start rounded down to 4 MiB.
    EXPECT_EQ(FrameAllocator::metadata_bytes(range(5 * MiB, 6 * MiB)),
              FrameAllocator::metadata_bytes(range(4 * MiB, 6 * MiB)));
}

TEST(FrameAllocator, allocates_and_frees_single_frames_with_exact_counters)
{
    Frames frames(range(0, 16 * MiB));
    FrameAllocator& a = frames.allocator;
    EXPECT_EQ(a.total_frames(), 0u);
    ASSERT_TRUE(a.add_free_range(range(1 * MiB, 3 * MiB)).has_value());
    EXPECT_EQ(a.total_frames(), 512u);
    EXPECT_EQ(a.free_frames(), 512u);

    auto first = a.allocate();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->is_aligned(arch::frame_size));
    EXPECT_GE(*first, arch::PhysAddr(1 * MiB));
    EXPECT_LT(*first, arch::PhysAddr(3 * MiB));
    EXPECT_EQ(a.free_frames(), 511u);
    EXPECT_EQ(a.used_frames(), 1u);
    auto second = a.allocate();
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(*first, *second);
    EXPECT_TRUE(a.free(*first).has_value());
    EXPECT_TRUE(a.free(*second).has_value());
    EXPECT_EQ(a.free_frames(), 512u);
    EXPECT_TRUE(a.check_consistency());
    // Merged back into the two 1 MiB runs (order 8) the range splits into.
    EXPECT_EQ(a.largest_free_order(), 8);
}

TEST(FrameAllocator, runs_are_aligned_to_their_size)
{
    Frames frames(range(0, 64 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0x3000, 60 * MiB + 0x5000)).has_value());
    for (unsigned order = 0; order <= FrameAllocator::max_order; ++order) {
        auto run = a.allocate_run(order);
        ASSERT_TRUE(run.has_value()) << "order " << order;
        EXPECT_TRUE(run->is_aligned(arch::frame_size << order)) << "order " << order << " at " << run->value();
    }
    EXPECT_TRUE(a.check_consistency());
}

TEST(FrameAllocator, counts_whole_frames_only)
{
    Frames frames(range(0, 1 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0x1001, 0x3fff)).has_value());
    EXPECT_EQ(a.total_frames(), 1u);
    auto frame = a.allocate();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(*frame, arch::PhysAddr(0x2000));
    EXPECT_FALSE(a.allocate().has_value());
}

TEST(FrameAllocator, out_of_memory_is_an_error_with_the_order)
{
    Frames frames(range(0, 1 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 64 * KiB)).has_value()); // 16 frames: one order-4 run
    auto too_big = a.allocate_run(5);
    ASSERT_FALSE(too_big.has_value());
    EXPECT_EQ(too_big.error().kind, FrameErrorKind::OutOfMemory);
    EXPECT_EQ(too_big.error().order, 5);
    EXPECT_EQ(text_of(too_big.error()), "out of physical memory: no free run of 32 frame(s) (order 5)");
    auto invalid = a.allocate_run(FrameAllocator::max_order + 1);
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error().kind, FrameErrorKind::InvalidOrder);
}

TEST(FrameAllocator, double_free_is_reported_with_the_address)
{
    Frames frames(range(0, 4 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    auto frame = a.allocate();
    auto other = a.allocate();
    ASSERT_TRUE(frame.has_value() && other.has_value());
    ASSERT_TRUE(a.free(*other).has_value()); // stays an unmerged free run while *frame is used
    ASSERT_TRUE(a.free(*frame).has_value()); // now both merged
    auto again = a.free(*frame);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_EQ(again.error().address, *frame);
    EXPECT_EQ(text_of(again.error()), "freeing frame " + text_of(*frame) + " (order 0): frame is already free (double free?)");
    // The buddy, merged into a larger free run, is a double free too.
    auto merged = a.free(*other);
    ASSERT_FALSE(merged.has_value());
    EXPECT_EQ(merged.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_EQ(a.free_frames(), a.total_frames());
    EXPECT_TRUE(a.check_consistency());
}

TEST(FrameAllocator, double_free_of_an_unmerged_run_is_reported)
{
    Frames frames(range(0, 4 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    auto first = a.allocate();
    auto second = a.allocate();
    ASSERT_TRUE(first.has_value() && second.has_value());
    ASSERT_TRUE(a.free(*second).has_value()); // its buddy *first is still used: no merge
    auto again = a.free(*second);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_EQ(again.error().address, *second);
}

TEST(FrameAllocator, freeing_a_frame_never_handed_out_is_reported)
{
    Frames frames(range(0, 8 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    auto run = a.allocate_run(3);
    ASSERT_TRUE(run.has_value());
    struct Case {
        arch::PhysAddr address;
        unsigned order;
        FrameErrorKind kind;
    };
    const Case cases[] = {
        {*run + arch::frame_size, 0, FrameErrorKind::NotAllocated},     // inside an allocated run
        {*run + 12, 0, FrameErrorKind::NotAllocated},             // not frame-aligned
        {arch::PhysAddr(6 * MiB), 0, FrameErrorKind::NotAllocated},     // in the span, never added
        {arch::PhysAddr(64 * MiB), 0, FrameErrorKind::NotAllocated},    // outside the span
        {*run, 2, FrameErrorKind::OrderMismatch},                 // freed with the wrong size
    };
    for (const Case& c : cases) {
        auto result = a.free_run(c.address, c.order);
        ASSERT_FALSE(result.has_value()) << c.address.value();
        EXPECT_EQ(result.error().kind, c.kind) << c.address.value();
        EXPECT_EQ(result.error().address, c.address);
    }
    auto mismatch = a.free_run(*run, 2);
    EXPECT_EQ(mismatch.error().actual_order, 3);
    EXPECT_EQ(text_of(mismatch.error()),
              "frame " + text_of(*run) + " starts a run of order 3 but was freed as order 2");
    EXPECT_EQ(text_of(a.free(arch::PhysAddr(6 * MiB)).error()),
              "freeing frame 0x0000000000600000 (order 0): frame was never handed out");
    // None of the failed calls changed anything.
    EXPECT_EQ(a.used_frames(), 8u);
    EXPECT_TRUE(a.free_run(*run, 3).has_value());
    EXPECT_EQ(a.used_frames(), 0u);
    EXPECT_TRUE(a.check_consistency());
}

TEST(FrameAllocator, setup_errors)
{
    std::vector<std::byte> small(10);
    FrameAllocator a;
    auto not_ready = a.allocate();
    ASSERT_FALSE(not_ready.has_value());
    EXPECT_EQ(not_ready.error().kind, FrameErrorKind::NotInitialized);
    auto too_small = a.initialize(range(0, 1 * MiB), small);
    ASSERT_FALSE(too_small.has_value());
    EXPECT_EQ(too_small.error().kind, FrameErrorKind::MetadataTooSmall);
    auto too_large = a.initialize(range(0, uint64_t{1} << 52), small);
    ASSERT_FALSE(too_large.has_value());
    EXPECT_EQ(too_large.error().kind, FrameErrorKind::SpanTooLarge);

    Frames frames(range(16 * MiB, 32 * MiB));
    FrameAllocator& b = frames.allocator;
    auto outside = b.add_free_range(range(15 * MiB, 17 * MiB));
    ASSERT_FALSE(outside.has_value());
    EXPECT_EQ(outside.error().kind, FrameErrorKind::OutsideSpan);
    ASSERT_TRUE(b.add_free_range(range(16 * MiB, 20 * MiB)).has_value());
    auto overlap = b.add_free_range(range(19 * MiB, 21 * MiB));
    ASSERT_FALSE(overlap.has_value());
    EXPECT_EQ(overlap.error().kind, FrameErrorKind::AlreadyAdded);
    EXPECT_EQ(overlap.error().address, arch::PhysAddr(19 * MiB));
    EXPECT_EQ(b.total_frames(), 1024u); // the failed call added nothing
    EXPECT_TRUE(b.add_free_range(range(20 * MiB, 20 * MiB)).has_value()); // empty: nothing to do
    EXPECT_TRUE(b.check_consistency());
}

TEST(FrameAllocator, adjacent_ranges_merge_into_large_runs)
{
    Frames frames(range(0, 16 * MiB));
    FrameAllocator& a = frames.allocator;
    // Two halves of a 4 MiB run, added separately and out of order.
    ASSERT_TRUE(a.add_free_range(range(6 * MiB, 8 * MiB)).has_value());
    ASSERT_TRUE(a.add_free_range(range(4 * MiB, 6 * MiB)).has_value());
    EXPECT_EQ(a.largest_free_order(), static_cast<int>(FrameAllocator::max_order));
    auto run = a.allocate_run(FrameAllocator::max_order);
    ASSERT_TRUE(run.has_value());
    EXPECT_EQ(*run, arch::PhysAddr(4 * MiB));
    EXPECT_TRUE(a.check_consistency());
}

// Allocate every frame, one at a time, then free them all: the counters
// return exactly and every run merges back.
TEST(FrameAllocator, allocate_everything_then_free_everything)
{
    const std::vector<PhysRange> ranges = {range(0x1000, 0x9f000), range(1 * MiB, 127 * MiB + 0x3000),
                                           range(130 * MiB + 0x800, 131 * MiB)};
    Frames frames(range(0, 132 * MiB));
    FrameAllocator& a = frames.allocator;
    for (const PhysRange& r : ranges)
        ASSERT_TRUE(a.add_free_range(r).has_value());
    const uint64_t total = a.total_frames();
    EXPECT_EQ(total, (0x9f000u - 0x1000) / arch::frame_size + (126 * MiB + 0x3000) / arch::frame_size + (1 * MiB - 0x1000) / arch::frame_size);

    std::vector<arch::PhysAddr> taken;
    while (true) {
        auto frame = a.allocate();
        if (!frame) {
            EXPECT_EQ(frame.error().kind, FrameErrorKind::OutOfMemory);
            break;
        }
        taken.push_back(*frame);
    }
    EXPECT_EQ(taken.size(), total);
    EXPECT_EQ(a.free_frames(), 0u);
    EXPECT_EQ(a.used_frames(), total);
    std::vector<arch::PhysAddr> sorted = taken;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "a frame was handed out twice";

    host_test::Random random(host_test::test_seed("FrameAllocator.allocate_everything_then_free_everything"));
    std::shuffle(taken.begin(), taken.end(), random);
    for (arch::PhysAddr frame : taken)
        ASSERT_TRUE(a.free(frame).has_value());
    EXPECT_EQ(a.free_frames(), total);
    EXPECT_EQ(a.used_frames(), 0u);
    EXPECT_TRUE(a.check_consistency());

    // Fully merged: as many max-order runs as the ranges can hold.
    const uint64_t max_runs = runs_of(ranges)[FrameAllocator::max_order];
    uint64_t got = 0;
    while (a.allocate_run(FrameAllocator::max_order))
        ++got;
    EXPECT_EQ(got, max_runs);
}

// Random allocations and frees of every order against a model of live runs.
TEST(FrameAllocator, randomised_stress_against_a_model)
{
    host_test::Random random(host_test::test_seed("FrameAllocator.randomised_stress_against_a_model"));
    // Usable ranges with holes and unaligned edges inside a 256 MiB span.
    std::vector<PhysRange> ranges;
    uint64_t cursor = 0x1000;
    while (cursor < 240 * MiB) {
        const uint64_t length = host_test::uniform<uint64_t>(random, 1, 8 * MiB);
        const uint64_t gap = host_test::uniform<uint64_t>(random, 0, 2 * MiB);
        ranges.push_back(range(cursor, cursor + length));
        cursor += length + gap;
    }
    Frames frames(range(0, 256 * MiB));
    FrameAllocator& a = frames.allocator;
    // Added in random order.
    std::vector<PhysRange> shuffled = ranges;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    for (const PhysRange& r : shuffled)
        ASSERT_TRUE(a.add_free_range(r).has_value());
    const uint64_t total = a.total_frames();

    auto usable = [&](uint64_t start, uint64_t end) {
        for (const PhysRange& r : ranges) {
            if (start >= arch::align_up(r.start.value(), arch::frame_size) && end <= arch::align_down(r.end.value(), arch::frame_size))
                return true;
        }
        return false;
    };

    std::map<uint64_t, unsigned> live; // start -> order
    uint64_t live_frames = 0;
    // 100000 steps: the sanitized build takes half a second for them; the
    // seed changes with KESTREL_TEST_SEED, so runs add up.
    for (int step = 0; step < 100000; ++step) {
        const bool allocate = live.empty() || host_test::uniform(random, 0, 99) < 52;
        if (allocate) {
            // Mostly single frames, sometimes larger runs.
            const int roll = host_test::uniform(random, 0, 99);
            const unsigned order = roll < 70 ? 0 : roll < 95 ? host_test::uniform(random, 1u, 4u)
                                                              : host_test::uniform(random, 5u, FrameAllocator::max_order);
            auto run = a.allocate_run(order);
            if (!run) {
                ASSERT_EQ(run.error().kind, FrameErrorKind::OutOfMemory);
                ASSERT_LT(a.largest_free_order(), static_cast<int>(order));
                continue;
            }
            const uint64_t start = run->value(), bytes = arch::frame_size << order;
            ASSERT_EQ(start % bytes, 0u) << "order " << order;
            ASSERT_TRUE(usable(start, start + bytes)) << "run outside usable memory at " << start;
            // No overlap with the live runs on either side.
            auto next = live.lower_bound(start);
            if (next != live.end()) {
                ASSERT_GE(next->first, start + bytes);
            }
            if (next != live.begin()) {
                auto previous = std::prev(next);
                ASSERT_LE(previous->first + (arch::frame_size << previous->second), start);
            }
            live.emplace(start, order);
            live_frames += uint64_t{1} << order;
        } else {
            auto victim = live.begin();
            std::advance(victim, host_test::uniform<size_t>(random, 0, live.size() - 1));
            ASSERT_TRUE(a.free_run(arch::PhysAddr(victim->first), victim->second).has_value());
            live_frames -= uint64_t{1} << victim->second;
            // A second free of the same run must be caught.
            if (host_test::uniform(random, 0, 99) == 0) {
                auto again = a.free_run(arch::PhysAddr(victim->first), victim->second);
                ASSERT_FALSE(again.has_value());
                ASSERT_EQ(again.error().kind, FrameErrorKind::DoubleFree);
            }
            live.erase(victim);
        }
        ASSERT_EQ(a.used_frames(), live_frames);
        ASSERT_EQ(a.free_frames(), total - live_frames);
        if (step % 20000 == 0) {
            ASSERT_TRUE(a.check_consistency()) << "step " << step;
        }
    }
    for (const auto& [start, order] : live)
        ASSERT_TRUE(a.free_run(arch::PhysAddr(start), order).has_value());
    EXPECT_EQ(a.free_frames(), total);
    EXPECT_TRUE(a.check_consistency());
    // Merged back exactly as a fresh allocator over the same ranges.
    const std::vector<uint64_t> expected = runs_of(ranges);
    std::vector<uint64_t> got(FrameAllocator::max_order + 1);
    for (int order = FrameAllocator::max_order; order >= 0; --order) {
        while (a.largest_free_order() == order && a.allocate_run(static_cast<unsigned>(order)))
            ++got[static_cast<size_t>(order)];
    }
    EXPECT_EQ(got, expected);
}

TEST(FrameAllocator, manages_a_large_sparse_span)
{
    // 8 GiB of address space with 256 MiB of RAM near the top: metadata is
    // about 13 bytes per frame of the span (26 MiB here).
    Frames frames(range(0, 8 * GiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(7 * GiB, 7 * GiB + 256 * MiB)).has_value());
    EXPECT_EQ(a.total_frames(), 256 * MiB / arch::frame_size);
    auto run = a.allocate_run(9); // a 2 MiB page
    ASSERT_TRUE(run.has_value());
    EXPECT_GE(*run, arch::PhysAddr(7 * GiB));
    EXPECT_TRUE(run->is_aligned(2 * MiB));
    EXPECT_TRUE(a.free_run(*run, 9).has_value());
}

// Reference counts: allocation starts one, share() adds, release() takes
// away and frees the run with the last; free() refuses a shared run.
TEST(FrameAllocator, references_are_counted_and_the_last_release_frees)
{
    Frames frames(range(0, 4 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    auto frame = a.allocate();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(a.reference_count(*frame), 1u);
    ASSERT_TRUE(a.share(*frame).has_value());
    ASSERT_TRUE(a.share(*frame).has_value());
    EXPECT_EQ(a.reference_count(*frame), 3u);
    EXPECT_TRUE(a.check_consistency());

    auto shared_free = a.free(*frame);
    ASSERT_FALSE(shared_free.has_value());
    EXPECT_EQ(shared_free.error().kind, FrameErrorKind::StillShared);
    EXPECT_EQ(shared_free.error().references, 3u);
    EXPECT_EQ(text_of(shared_free.error()), "freeing frame " + text_of(*frame)
                                                + " (order 0): frame is still shared (3 references): release it, do not free it");
    EXPECT_EQ(a.reference_count(*frame), 3u) << "the refused free changed nothing";

    EXPECT_EQ(a.release(*frame).value(), 2u);
    EXPECT_EQ(a.release(*frame).value(), 1u);
    EXPECT_EQ(a.used_frames(), 1u);
    EXPECT_EQ(a.release(*frame).value(), 0u);
    EXPECT_EQ(a.used_frames(), 0u) << "the last release freed the frame";
    EXPECT_EQ(a.reference_count(*frame), 0u);
    EXPECT_EQ(a.largest_free_order(), static_cast<int>(FrameAllocator::max_order)) << "and it merged back";
    EXPECT_TRUE(a.check_consistency());

    // A run is counted at its first frame and freed whole.
    auto run = a.allocate_run(4);
    ASSERT_TRUE(run.has_value());
    ASSERT_TRUE(a.share(*run).has_value());
    EXPECT_EQ(a.reference_count(*run + arch::frame_size), 0u) << "not the first frame: no count";
    EXPECT_EQ(a.release(*run).value(), 1u);
    EXPECT_TRUE(a.free_run(*run, 4).has_value()) << "one reference left: free() may take it";
    EXPECT_EQ(a.used_frames(), 0u);
    EXPECT_TRUE(a.check_consistency());
}

TEST(FrameAllocator, reference_misuse_is_reported_with_the_address)
{
    Frames frames(range(0, 8 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    auto frame = a.allocate();
    auto run = a.allocate_run(2);
    ASSERT_TRUE(frame.has_value() && run.has_value());
    ASSERT_TRUE(a.free(*frame).has_value());

    auto released_free = a.release(*frame);
    ASSERT_FALSE(released_free.has_value());
    EXPECT_EQ(released_free.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_EQ(released_free.error().address, *frame);
    EXPECT_EQ(text_of(released_free.error()),
              "releasing frame " + text_of(*frame) + ": frame is already free (double free?)");

    auto shared_free = a.share(*frame);
    ASSERT_FALSE(shared_free.has_value());
    EXPECT_EQ(shared_free.error().kind, FrameErrorKind::NotInUse);
    EXPECT_EQ(text_of(shared_free.error()), "sharing frame " + text_of(*frame) + ": frame is free: there is nothing to share");

    struct Case {
        arch::PhysAddr address;
        const char* what;
    };
    const Case never_handed_out[] = {
        {*run + arch::frame_size, "inside an allocated run"},
        {*run + 12, "not frame-aligned"},
        {arch::PhysAddr(6 * MiB), "in the span, never added"},
        {arch::PhysAddr(64 * MiB), "outside the span"},
    };
    for (const Case& c : never_handed_out) {
        auto shared = a.share(c.address);
        ASSERT_FALSE(shared.has_value()) << c.what;
        EXPECT_EQ(shared.error().kind, FrameErrorKind::NotAllocated) << c.what;
        EXPECT_EQ(shared.error().address, c.address) << c.what;
        auto released = a.release(c.address);
        ASSERT_FALSE(released.has_value()) << c.what;
        EXPECT_EQ(released.error().kind, FrameErrorKind::NotAllocated) << c.what;
        EXPECT_EQ(a.reference_count(c.address), 0u) << c.what;
    }
    EXPECT_EQ(text_of(a.release(arch::PhysAddr(6 * MiB)).error()),
              "releasing frame 0x0000000000600000: frame was never handed out");
    // None of the failed calls changed anything.
    EXPECT_EQ(a.reference_count(*run), 1u);
    EXPECT_EQ(a.used_frames(), 4u);
    EXPECT_TRUE(a.check_consistency());
}

TEST(FrameAllocator, a_reference_count_at_its_limit_refuses_another_share)
{
    Frames frames(range(0, 4 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0, 4 * MiB)).has_value());
    a.set_reference_limit(3); // the real limit, UINT32_MAX, takes 4 billion shares to reach
    auto frame = a.allocate();
    ASSERT_TRUE(frame.has_value());
    ASSERT_TRUE(a.share(*frame).has_value());
    ASSERT_TRUE(a.share(*frame).has_value());
    auto overflow = a.share(*frame);
    ASSERT_FALSE(overflow.has_value());
    EXPECT_EQ(overflow.error().kind, FrameErrorKind::TooManyReferences);
    EXPECT_EQ(overflow.error().references, 3u);
    EXPECT_EQ(text_of(overflow.error()),
              "sharing frame " + text_of(*frame) + ": it has 3 references, the most its count holds");
    EXPECT_EQ(a.reference_count(*frame), 3u) << "not wrapped, not changed";
    for (uint32_t left = 2;; --left) {
        ASSERT_EQ(a.release(*frame).value(), left);
        if (left == 0)
            break;
    }
    EXPECT_EQ(a.used_frames(), 0u);
    EXPECT_TRUE(a.check_consistency());
}

// Random allocations, shares, releases and frees against a model of each
// live run's reference count: the counts, the used frames and the metadata
// stay right, and everything merges back at the end.
TEST(FrameAllocator, randomised_shares_and_releases_against_a_model)
{
    host_test::Random random(host_test::test_seed("FrameAllocator.randomised_shares_and_releases_against_a_model"));
    Frames frames(range(0, 64 * MiB));
    FrameAllocator& a = frames.allocator;
    ASSERT_TRUE(a.add_free_range(range(0x1000, 60 * MiB)).has_value());
    const uint64_t total = a.total_frames();
    struct Live {
        arch::PhysAddr start;
        unsigned order;
        uint32_t references;
    };
    std::vector<Live> live; // in no order: a victim is swapped with the last and popped
    uint64_t live_frames = 0;
    auto forget = [&](size_t index) {
        live_frames -= uint64_t{1} << live[index].order;
        live[index] = live.back();
        live.pop_back();
    };
    for (int step = 0; step < 100000; ++step) {
        const int roll = host_test::uniform(random, 0, 99);
        if (live.empty() || roll < 35) {
            const unsigned order = host_test::uniform(random, 0, 99) < 80 ? 0 : host_test::uniform(random, 1u, 5u);
            auto run = a.allocate_run(order);
            if (!run)
                continue;
            live.push_back({*run, order, 1});
            live_frames += uint64_t{1} << order;
            continue;
        }
        const size_t index = host_test::uniform<size_t>(random, 0, live.size() - 1);
        Live& victim = live[index];
        if (roll < 60) {
            ASSERT_TRUE(a.share(victim.start).has_value());
            ++victim.references;
        } else if (roll < 90) {
            const uint32_t left = a.release(victim.start).value();
            ASSERT_EQ(left, --victim.references);
            if (left == 0)
                forget(index);
        } else {
            auto freed = a.free_run(victim.start, victim.order);
            if (victim.references > 1) {
                ASSERT_FALSE(freed.has_value());
                ASSERT_EQ(freed.error().kind, FrameErrorKind::StillShared);
            } else {
                ASSERT_TRUE(freed.has_value());
                forget(index);
            }
        }
        ASSERT_EQ(a.used_frames(), live_frames);
        if (step % 20000 == 0) {
            ASSERT_TRUE(a.check_consistency()) << "step " << step;
            for (const Live& run : live)
                ASSERT_EQ(a.reference_count(run.start), run.references);
        }
    }
    for (const Live& run : live) {
        ASSERT_EQ(a.reference_count(run.start), run.references);
        for (uint32_t i = 0; i < run.references; ++i)
            ASSERT_TRUE(a.release(run.start).has_value());
    }
    EXPECT_EQ(a.free_frames(), total);
    EXPECT_TRUE(a.check_consistency());
}

} // namespace

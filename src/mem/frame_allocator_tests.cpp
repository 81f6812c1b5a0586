// KTEST cases for the buddy frame allocator, run in the kernel with the
// kernel's compiler flags, each in the fixture `frame_allocator`. It manages made-up physical memory here (it never
// touches the frames), with its metadata in a static buffer: the kernel has
// no heap when these run. The randomised tests are on the host
// (tests/host/frame_allocator_test.cpp).

#include "ktest/ktest.h"
#include "mem/frame_allocator.h"

namespace {

using mem::FrameAllocator;
using mem::FrameErrorKind;
using arch::PhysAddr;
using mem::PhysRange;

constexpr uint64_t MiB = 1024 * 1024;
// 16 MiB of pretend RAM at 64 MiB: 4096 frames, 13 bytes of metadata each.
constexpr PhysRange test_span{arch::PhysAddr(64 * MiB), arch::PhysAddr(80 * MiB)};
alignas(8) std::byte metadata[4096 * 13 + 8];

// The fixture of every case: a fresh allocator over the pretend RAM, two
// ranges with a hole, edges not aligned to large runs. Cases read `frames`.
struct frame_allocator {
    FrameAllocator frames;
    void set_up()
    {
        ASSERT_LE(FrameAllocator::metadata_bytes(test_span), sizeof metadata);
        ASSERT_TRUE(frames.initialize(test_span, metadata).has_value());
        ASSERT_TRUE(frames.add_free_range({arch::PhysAddr(64 * MiB + 0x3000), arch::PhysAddr(70 * MiB)}).has_value());
        ASSERT_TRUE(frames.add_free_range({arch::PhysAddr(72 * MiB), arch::PhysAddr(80 * MiB - 0x5000)}).has_value());
    }
};

// Every run size the allocator hands out, 4 KiB (order 0) to 4 MiB.
constexpr unsigned every_order[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static_assert(sizeof every_order / sizeof every_order[0] == FrameAllocator::max_order + 1);

} // namespace

KTEST_F(frame_allocator, allocate_every_frame_then_free_them_all)
{
    const uint64_t total = frames.total_frames();
    EXPECT_EQ(total, (6 * MiB - 0x3000 + 8 * MiB - 0x5000) / arch::frame_size);
    // The frames themselves are never touched, so they can be remembered in
    // a bitmap of the span instead of a list.
    static uint8_t taken[4096 / 8];
    for (uint8_t& byte : taken)
        byte = 0;
    uint64_t count = 0;
    while (true) {
        auto frame = frames.allocate();
        if (!frame) {
            EXPECT_EQ(frame.error().kind, FrameErrorKind::OutOfMemory);
            break;
        }
        const uint64_t index = (frame->value() - test_span.start.value()) / arch::frame_size;
        ASSERT_LT(index, 4096u);
        ASSERT_EQ(taken[index / 8] & (1u << (index % 8)), 0u, "frame {} handed out twice", *frame);
        taken[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
        ++count;
    }
    EXPECT_EQ(count, total);
    EXPECT_EQ(frames.free_frames(), 0u);
    EXPECT_EQ(frames.used_frames(), total);
    for (uint64_t index = 0; index < 4096; ++index) {
        if (taken[index / 8] & (1u << (index % 8)))
            ASSERT_TRUE(frames.free(test_span.start + index * arch::frame_size).has_value());
    }
    EXPECT_EQ(frames.free_frames(), total);
    EXPECT_EQ(frames.used_frames(), 0u);
    EXPECT_TRUE(frames.check_consistency());
    EXPECT_EQ(frames.largest_free_order(), static_cast<int>(FrameAllocator::max_order));
}

KTEST_FP(frame_allocator, runs_are_aligned_to_their_size, every_order)
{
    auto run = frames.allocate_run(param);
    ASSERT_TRUE(run.has_value());
    EXPECT_TRUE(run->is_aligned(arch::frame_size << param), "at {}", *run);
    EXPECT_TRUE(frames.free_run(*run, param).has_value());
    EXPECT_EQ(frames.used_frames(), 0u);
    EXPECT_TRUE(frames.check_consistency());
}

KTEST_F(frame_allocator, misuse_is_an_error_with_the_address)
{
    auto frame = frames.allocate();
    ASSERT_TRUE(frame.has_value());
    ASSERT_TRUE(frames.free(*frame).has_value());
    auto twice = frames.free(*frame);
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_EQ(twice.error().address, *frame);

    auto never = frames.free(arch::PhysAddr(71 * MiB)); // in the hole
    ASSERT_FALSE(never.has_value());
    EXPECT_EQ(never.error().kind, FrameErrorKind::NotAllocated);
    EXPECT_EQ(never.error().address, arch::PhysAddr(71 * MiB));

    auto run = frames.allocate_run(2);
    ASSERT_TRUE(run.has_value());
    auto wrong_size = frames.free_run(*run, 1);
    ASSERT_FALSE(wrong_size.has_value());
    EXPECT_EQ(wrong_size.error().kind, FrameErrorKind::OrderMismatch);
    char text[128];
    EXPECT_STREQ(kstd::format_into(text, "{}", never.error()).text,
                 "freeing frame 0x0000000004700000 (order 0): frame was never handed out");
    EXPECT_TRUE(frames.free_run(*run, 2).has_value());
}

KTEST_F(frame_allocator, a_shared_run_is_freed_by_its_last_release)
{
    auto run = frames.allocate_run(3);
    ASSERT_TRUE(run.has_value());
    EXPECT_EQ(frames.reference_count(*run), 1u);
    ASSERT_TRUE(frames.share(*run).has_value());
    EXPECT_EQ(frames.reference_count(*run), 2u);
    auto still_shared = frames.free_run(*run, 3);
    ASSERT_FALSE(still_shared.has_value());
    EXPECT_EQ(still_shared.error().kind, FrameErrorKind::StillShared);
    EXPECT_EQ(still_shared.error().references, 2u);
    EXPECT_EQ(*frames.release(*run), 1u);
    EXPECT_EQ(frames.used_frames(), 8u, "one reference left: the run stays");
    EXPECT_EQ(*frames.release(*run), 0u);
    EXPECT_EQ(frames.used_frames(), 0u, "the last release freed all 8 frames");
    EXPECT_EQ(frames.reference_count(*run), 0u);
    auto again = frames.release(*run);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().kind, FrameErrorKind::DoubleFree);
    EXPECT_TRUE(frames.check_consistency());
}

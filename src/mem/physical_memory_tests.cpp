// KTEST cases of the kernel's physical memory manager (physical_memory.cpp),
// on the real frames of the running kernel. The algorithm itself is tested
// on the host and in frame_allocator_tests.cpp.

#include "ktest/ktest.h"
#include "mem/direct_map.h"
#include "arch/x86_64/page_size.h"
#include "mem/physical_memory.h"

extern "C" std::byte __kernel_phys_end[];

namespace {

uint64_t image_end()
{
    // A linker symbol: its address is the physical end of the image.
    return reinterpret_cast<uint64_t>(__kernel_phys_end);
}

} // namespace

KTEST(physical_memory, counters_describe_the_memory_map)
{
    const mem::physical::Statistics stats = mem::physical::statistics();
    EXPECT_GT(stats.total_frames, 1000u, "QEMU gives the test kernels 128 MiB");
    EXPECT_EQ(stats.free_frames + stats.used_frames, stats.total_frames);
    EXPECT_LE(stats.total_frames * arch::frame_size, stats.usable_bytes,
              "the first MiB, the image, the boot information and the metadata are not managed");
    EXPECT_GE(stats.metadata.start.value(), image_end(), "the metadata is not inside the image");
    EXPECT_TRUE(mem::physical::check_consistency());
}

KTEST(physical_memory, allocate_every_frame_then_free_all_and_the_counters_return)
{
    // The frames handed out are recorded in an array on the heap, allocated
    // first (its growth takes frames too), not in the frames themselves:
    // writing to every frame would make QEMU fault in all of the guest's RAM
    // on the host, which costs 5x as much as the test when the host has no
    // huge pages to give (measured: 60 ms or 330 ms, depending on that).
    const uint64_t capacity = mem::physical::statistics().free_frames;
    auto* frames = new arch::PhysAddr[capacity];
    const mem::physical::Statistics before = mem::physical::statistics();
    const mem::PhysRange metadata = before.metadata;
    uint64_t count = 0;
    uint64_t bad_frames = 0;
    for (;;) {
        auto frame = mem::physical::allocate();
        if (!frame) {
            EXPECT_EQ(static_cast<int>(frame.error().kind), static_cast<int>(mem::FrameErrorKind::OutOfMemory));
            break;
        }
        if (frame->value() < image_end() || metadata.contains(*frame) || !frame->is_aligned(arch::frame_size))
            ++bad_frames;
        ASSERT_LT(count, capacity, "more frames handed out than were free");
        frames[count++] = *frame;
    }
    EXPECT_EQ(count, before.free_frames, "every free frame was handed out");
    EXPECT_EQ(mem::physical::statistics().free_frames, 0u);
    EXPECT_EQ(bad_frames, 0u, "no frame of the first MiB, the image or the metadata");
    for (uint64_t i = 0; i < count; ++i)
        mem::physical::free(frames[i]);
    delete[] frames;
    const mem::physical::Statistics after = mem::physical::statistics();
    EXPECT_EQ(after.free_frames, before.free_frames);
    EXPECT_EQ(after.used_frames, before.used_frames);
    EXPECT_EQ(after.total_frames, before.total_frames);
    EXPECT_TRUE(mem::physical::check_consistency());
}

KTEST(physical_memory, a_run_of_order_9_is_a_2_mib_aligned_huge_page)
{
    auto run = mem::physical::allocate_run(9);
    ASSERT_TRUE(run.has_value());
    EXPECT_TRUE(run->is_aligned(2u << 20), "{}", *run);
    mem::physical::free_run(*run, 9);
}

KTEST(physical_memory, misuse_is_an_error_value_before_the_wrapper_panics)
{
    auto frame = mem::physical::allocate();
    ASSERT_TRUE(frame.has_value());
    EXPECT_TRUE(mem::physical::try_free(*frame).has_value());
    auto again = mem::physical::try_free(*frame);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(static_cast<int>(again.error().kind), static_cast<int>(mem::FrameErrorKind::DoubleFree));
    EXPECT_EQ(again.error().address, *frame);
    EXPECT_FALSE(mem::physical::try_free(arch::PhysAddr(image_end() - arch::frame_size)).has_value(),
                 "a frame of the kernel image was never handed out");
}

KTEST(physical_memory, freeing_a_frame_of_the_kernel_image_panics_with_its_address,
      ktest::should_panic("bad free of physical frame 0x0000000000101000"))
{
    mem::physical::free(arch::PhysAddr(0x101000));
}

KTEST(physical_memory, a_shared_frame_is_freed_by_its_last_release)
{
    const uint64_t free_before = mem::physical::statistics().free_frames;
    const arch::PhysAddr frame = MUST(mem::physical::allocate());
    EXPECT_EQ(mem::physical::reference_count(frame), 1u);
    mem::physical::share(frame);
    mem::physical::share(frame);
    EXPECT_EQ(mem::physical::reference_count(frame), 3u);
    EXPECT_EQ(mem::physical::release(frame), 2u);
    EXPECT_EQ(mem::physical::release(frame), 1u);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before - 1, "still in use");
    EXPECT_EQ(mem::physical::release(frame), 0u);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before, "the last release freed it");
    EXPECT_EQ(mem::physical::reference_count(frame), 0u);
    auto again = mem::physical::try_release(frame);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(static_cast<int>(again.error().kind), static_cast<int>(mem::FrameErrorKind::DoubleFree));
    EXPECT_TRUE(mem::physical::check_consistency());
}

KTEST(physical_memory, freeing_a_shared_frame_panics_naming_it,
      ktest::should_panic("frame is still shared (2 references): release it, do not free it"))
{
    const arch::PhysAddr frame = MUST(mem::physical::allocate());
    mem::physical::share(frame);
    // The refused free changes nothing: both references are given back after the panic.
    ktest::defer([frame] {
        mem::physical::release(frame);
        mem::physical::release(frame);
    });
    mem::physical::free(frame);
}

KTEST(physical_memory, releasing_a_free_frame_panics_as_a_double_free,
      ktest::should_panic("bad release of physical frame 0x"))
{
    const arch::PhysAddr frame = MUST(mem::physical::allocate());
    mem::physical::free(frame);
    mem::physical::release(frame);
}

KTEST(physical_memory, sharing_a_frame_never_handed_out_panics_with_its_address,
      ktest::should_panic("cannot share physical frame 0x0000000000101000: sharing frame 0x0000000000101000: frame was never handed out"))
{
    mem::physical::share(arch::PhysAddr(0x101000)); // in the kernel image
}

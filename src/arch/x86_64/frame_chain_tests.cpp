// KTEST cases of frame_chain.h: the walker over synthetic frame records, so
// every way a chain can end is taken on purpose.

#include "arch/x86_64/frame_chain.h"
#include "arch/x86_64/cpu.h"
#include "ktest/ktest.h"

namespace {

constexpr unsigned record_count = 4;
// Records in the image's .bss: in the top 2 GiB, 16-byte aligned, at rising
// addresses like real frames.
alignas(16) uint64_t g_records[2 * record_count];

constexpr uint64_t return_address(unsigned i)
{
    return arch::layout::kernel_vma + 0x10'1000 + 0x10 * i; // made up, but in the image's range
}

arch::VirtAddr record(unsigned i)
{
    return arch::VirtAddr::of(&g_records[2 * i]);
}

// Record i says: my caller's record is i + 1 (the last one ends the chain
// with a zero RBP, as boot.asm's first frame does).
void link_records()
{
    for (unsigned i = 0; i < record_count; ++i) {
        g_records[2 * i] = i + 1 < record_count ? record(i + 1).value() : 0;
        g_records[2 * i + 1] = return_address(i);
    }
}

// How many return addresses the walk from `start` yields, checking each
// against the synthetic chain from record `first` on.
unsigned walk_from(arch::VirtAddr start, unsigned first, arch::FrameRecordCheck check = nullptr)
{
    arch::FrameChain chain(start, check);
    unsigned count = 0;
    while (const auto address = chain.next()) {
        EXPECT_EQ(*address, arch::VirtAddr(return_address(first + count)), "frame {}", count);
        ++count;
    }
    EXPECT_FALSE(chain.next().has_value(), "an ended walk stays ended");
    return count;
}

unsigned walk(unsigned first, arch::FrameRecordCheck check = nullptr)
{
    return walk_from(record(first), first, check);
}

arch::VirtAddr g_refused;

bool refuse_one(arch::VirtAddr candidate)
{
    return candidate != g_refused;
}

} // namespace

KTEST(frame_chain, walks_a_chain_to_its_zero_end)
{
    link_records();
    EXPECT_EQ(walk(0), record_count);
    EXPECT_EQ(walk(2), record_count - 2, "from the middle");
}

KTEST(frame_chain, a_null_or_misaligned_or_low_frame_pointer_yields_nothing)
{
    link_records();
    EXPECT_EQ(walk_from(arch::VirtAddr(), 0), 0u);
    EXPECT_EQ(walk_from(record(0) + 4, 0), 0u);
    EXPECT_EQ(walk_from(arch::VirtAddr(0x10'0000), 0), 0u, "below the top 2 GiB");
    EXPECT_FALSE(arch::frame_record_plausible(record(0) + 4));
    EXPECT_TRUE(arch::frame_record_plausible(record(0)));
}

KTEST(frame_chain, stops_at_a_return_address_outside_the_kernel)
{
    link_records();
    g_records[2 * 2 + 1] = 0x40'1000; // record 2 returns into the lower half
    EXPECT_EQ(walk(0), 2u);
}

KTEST(frame_chain, stops_after_a_record_that_does_not_point_upwards)
{
    link_records();
    g_records[2 * 1] = record(1).value(); // record 1 points at itself: a loop
    EXPECT_EQ(walk(0), 2u, "record 1's own frame is still reported");
    link_records();
    g_records[2 * 1] = record(0).value(); // and back down
    EXPECT_EQ(walk(0), 2u);
}

KTEST(frame_chain, asks_the_check_before_reading_a_record)
{
    link_records();
    g_refused = record(2);
    EXPECT_EQ(walk(0, refuse_one), 2u);
    g_refused = record(0);
    EXPECT_EQ(walk(0, refuse_one), 0u);
}

KTEST(frame_chain, the_running_code_has_a_chain)
{
    arch::FrameChain chain(arch::read_frame_pointer(), nullptr);
    const auto caller = chain.next();
    ASSERT_TRUE(caller.has_value(), "this case was called from the executor");
    EXPECT_TRUE(*caller >= arch::VirtAddr(arch::layout::kernel_vma));
}

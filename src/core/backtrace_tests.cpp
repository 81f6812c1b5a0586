// KTEST cases of backtrace.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file).

#include "core/backtrace.h"
#include "ktest/ktest.h"
#include "mem/page_walk.h"

namespace {

constexpr unsigned record_count = 20; // more than a backtrace prints
alignas(16) uint64_t g_records[2 * record_count];

arch::VirtAddr chain_of_records()
{
    for (unsigned i = 0; i < record_count; ++i) {
        g_records[2 * i] = i + 1 < record_count ? arch::VirtAddr::of(&g_records[2 * (i + 1)]).value() : 0;
        g_records[2 * i + 1] = 0xFFFF'FFFF'8010'2000ull + i;
    }
    return arch::VirtAddr::of(g_records);
}

} // namespace

KTEST(backtrace, prints_one_line_per_frame_under_the_indent)
{
    const arch::VirtAddr chain = chain_of_records();
    g_records[2 * 1] = 0; // two frames
    kstd::StringBuffer<512> text;
    core::print_backtrace(text, chain, "  ");
    EXPECT_STREQ(text.view(), "  backtrace:\n"
                              "    #0 0xffffffff80102000\n"
                              "    #1 0xffffffff80102001\n");
}

KTEST(backtrace, an_interrupted_rip_comes_first)
{
    const arch::VirtAddr chain = chain_of_records();
    g_records[2 * 0] = 0; // one frame
    kstd::StringBuffer<512> text;
    core::print_backtrace_from(text, arch::VirtAddr(0xFFFF'FFFF'8010'3456ull), chain, "# ", mem::frame_record_mapped);
    EXPECT_STREQ(text.view(), "# backtrace:\n"
                              "#   #0 0xffffffff80103456\n"
                              "#   #1 0xffffffff80102000\n");
}

KTEST(backtrace, stops_at_sixteen_lines)
{
    const arch::VirtAddr chain = chain_of_records();
    kstd::StringBuffer<2048> text;
    core::print_backtrace(text, chain, "");
    EXPECT_TRUE(text.view().ends_with("\n  #15 0xffffffff8010200f\n"), "{}", text.view());
    text.clear();
    core::print_backtrace_from(text, arch::VirtAddr(0xFFFF'FFFF'8010'3456ull), chain, "", nullptr);
    EXPECT_TRUE(text.view().ends_with("\n  #15 0xffffffff8010200e\n"), "the RIP counts: {}", text.view());
}

KTEST(backtrace, mem_registered_its_check_for_panics)
{
    EXPECT_TRUE(core::frame_record_check() == &mem::frame_record_mapped);
}

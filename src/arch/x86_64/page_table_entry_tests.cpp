// KTEST cases of page-table entries (page_table_entry.h): the
// copy-on-write bit and how entries print.

#include "arch/x86_64/page_table_entry.h"
#include "ktest/ktest.h"

namespace {

using arch::PageFlags;
using arch::PageTableEntry;
using arch::PhysAddr;

// Bit 9 is one of the bits 9-11 the CPU ignores in every entry (SDM vol. 3,
// tables 4-15 to 4-20): software may use it freely.
static_assert(static_cast<uint64_t>(PageFlags::CopyOnWrite) == 1ull << 9);
static_assert(PageTableEntry(PhysAddr(0x12'3000), PageFlags::Present | PageFlags::User | PageFlags::CopyOnWrite).raw()
              == 0x12'3205ull);
static_assert(PageTableEntry(0x12'3205ull).copy_on_write());
static_assert(PageTableEntry(0x12'3205ull).address() == PhysAddr(0x12'3000), "not part of the address");
static_assert(!PageTableEntry(0x12'3205ull).protection().writable);
static_assert(!PageTableEntry(0x12'3205ull).with(PageFlags::CopyOnWrite, false).copy_on_write());

template <typename T>
std::string_view text_of(const T& value, char (&buffer)[128])
{
    return kstd::format_into(buffer, "{}", value).text;
}

} // namespace

KTEST(page_table_entry, flags_print_by_name_with_copy_on_write)
{
    char text[128];
    EXPECT_STREQ(text_of(PageFlags::Present | PageFlags::Writable | PageFlags::User, text), "present writable user");
    EXPECT_STREQ(text_of(PageFlags::Present | PageFlags::User | PageFlags::CopyOnWrite | PageFlags::NoExecute, text),
                 "present user copy-on-write no-execute");
    EXPECT_STREQ(text_of(PageFlags::None, text), "none");
    // A bit without a name (bit 10, another one left to software) prints as a number.
    EXPECT_STREQ(text_of(PageFlags::Present | static_cast<PageFlags>(1ull << 10), text), "present 0x400");
}

KTEST(page_table_entry, an_entry_prints_its_frame_and_flags)
{
    char text[128];
    EXPECT_STREQ(text_of(PageTableEntry(0x8000'0000'0012'3207ull), text),
                 "0x0000000000123000 present writable user copy-on-write no-execute");
    EXPECT_STREQ(text_of(PageTableEntry(), text), "0x0000000000000000 none");
}

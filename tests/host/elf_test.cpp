// The ELF64 parser (src/user/elf.cpp) on hand-built files: a static
// executable and a static PIE parse into what the loader maps, and every
// problem the parser names is found in a file that has just that problem.

#include <gtest/gtest.h>
#include <cstring>
#include <string>
#include <vector>
#include "tests/elf_builder.h"
#include "user/elf.h"

namespace {

using user::elf::Problem;
using test_elf::load, test_elf::interp, test_elf::phdr, test_elf::r, test_elf::w, test_elf::x;

// Headers, text and data+bss, each on pages of their own, in a 0x400-byte file.
test_elf::ElfFile standard_file()
{
    test_elf::ElfFile file;
    file.entry = 0x401200;
    file.add({load, r, 0, 0x400000, 0x200, 0x200, 0x1000});
    file.add({load, r | x, 0x200, 0x401200, 0x80, 0x80, 0x1000});
    file.add({load, r | w, 0x280, 0x402280, 0x40, 0x2000, 0x1000});
    return file;
}

kstd::Expected<user::elf::Image, user::elf::Error> parse(test_elf::ElfFile file)
{
    return user::elf::parse(file.bytes());
}

void expect_problem(test_elf::ElfFile file, Problem problem, uint32_t header)
{
    auto image = parse(file);
    ASSERT_FALSE(image.has_value());
    EXPECT_EQ(image.error().problem, problem) << user::elf::to_string(image.error().problem);
    EXPECT_EQ(image.error().header, header);
}

} // namespace

TEST(ElfParser, AStaticExecutableParsesIntoItsSegments)
{
    auto image = parse(standard_file());
    ASSERT_TRUE(image.has_value());
    EXPECT_EQ(image->entry, 0x401200u);
    EXPECT_EQ(image->load_bias, 0u);
    ASSERT_EQ(image->segment_count, 3u);
    EXPECT_EQ(image->segments[1].address, 0x401200u);
    EXPECT_TRUE(image->segments[1].executable);
    EXPECT_FALSE(image->segments[1].writable);
    EXPECT_EQ(image->segments[2].memory_size, 0x2000u) << "bss beyond the file bytes";
    EXPECT_EQ(image->program_headers, 0x400040u) << "AT_PHDR: in the first segment";
    EXPECT_EQ(image->program_header_count, 3u);
}

TEST(ElfParser, AStaticPieIsPlacedAtThePieBase)
{
    test_elf::ElfFile file;
    file.type = 3; // ET_DYN
    file.entry = 0x1210;
    file.add({phdr, r, 64, 64, 4 * 56, 4 * 56, 8});
    file.add({load, r, 0, 0, 0x200, 0x200, 0x1000});
    file.add({load, r | x, 0x200, 0x1200, 0x40, 0x40, 0x1000});
    file.add({load, r | w, 0x240, 0x2240, 0x40, 0x1000, 0x1000});
    auto image = parse(file);
    ASSERT_TRUE(image.has_value());
    EXPECT_EQ(image->load_bias, user::elf::pie_base);
    EXPECT_EQ(image->entry, user::elf::pie_base + 0x1210);
    EXPECT_EQ(image->segments[0].address, user::elf::pie_base);
    EXPECT_EQ(image->program_headers, user::elf::pie_base + 64);
}

TEST(ElfParser, EachBrokenHeaderIsNamed)
{
    test_elf::ElfFile small = standard_file();
    small.size = 63;
    expect_problem(small, Problem::TooSmall, user::elf::Error::no_segment);
    auto with = [](auto change) {
        static test_elf::ElfFile file;
        file = standard_file();
        const std::span<const std::byte> view = file.bytes();
        std::vector<std::byte> bytes(view.begin(), view.end());
        change(bytes);
        return user::elf::parse(bytes);
    };
    EXPECT_EQ(with([](auto& b) { b[1] = std::byte{'X'}; }).error().problem, Problem::NotElf);
    EXPECT_EQ(with([](auto& b) { b[4] = std::byte{1}; }).error().problem, Problem::Not64Bit);
    EXPECT_EQ(with([](auto& b) { b[5] = std::byte{2}; }).error().problem, Problem::NotLittleEndian);
    EXPECT_EQ(with([](auto& b) { b[6] = std::byte{0}; }).error().problem, Problem::BadVersion);
    EXPECT_EQ(with([](auto& b) { b[18] = std::byte{3}; }).error().problem, Problem::NotX86_64);
    EXPECT_EQ(with([](auto& b) { b[16] = std::byte{1}; }).error().problem, Problem::NotExecutable);
    EXPECT_EQ(with([](auto& b) { b[54] = std::byte{55}; }).error().problem, Problem::BadHeaderSize);
    EXPECT_EQ(with([](auto& b) { b[33] = std::byte{0x10}; }).error().problem, Problem::ProgramHeadersOutside);
    EXPECT_EQ(with([](auto& b) { b[39] = std::byte{0xFF}; }).error().problem, Problem::ProgramHeadersOutside)
        << "an offset near 2^64 does not wrap around";
}

TEST(ElfParser, EachBrokenSegmentIsNamedWithItsIndex)
{
    test_elf::ElfFile file = standard_file();
    file.header(1).filesz = 0x400; // past the end of the 0x400-byte file
    expect_problem(file, Problem::SegmentOutsideFile, 1);
    file = standard_file();
    file.header(2).offset = ~0ull - 8; // offset + size wraps
    expect_problem(file, Problem::SegmentOutsideFile, 2);
    file = standard_file();
    file.header(2).filesz = 0x41;
    file.header(2).memsz = 0x40;
    expect_problem(file, Problem::FileLargerThanMemory, 2);
    file = standard_file();
    file.header(0).vaddr = 0x1000; // below user_space_start
    file.header(0).align = 0x1000;
    expect_problem(file, Problem::SegmentOutsideUserSpace, 0);
    file = standard_file();
    file.header(2).vaddr = 0x7FFF'FFFF'F280;
    file.header(2).memsz = 0x10'0000; // runs into the canonical hole
    expect_problem(file, Problem::SegmentOutsideUserSpace, 2);
    file = standard_file();
    file.header(2).vaddr = ~0ull - 0x0D7F; // vaddr + memsz wraps
    expect_problem(file, Problem::SegmentOutsideUserSpace, 2);
    file = standard_file();
    file.header(1).align = 0x1800;
    expect_problem(file, Problem::BadAlignment, 1);
    file = standard_file();
    file.header(1).vaddr = 0x401300; // address and offset disagree within the page
    expect_problem(file, Problem::BadAlignment, 1);
    file = standard_file();
    file.header(1).flags = r | w | x;
    expect_problem(file, Problem::WritableAndExecutable, 1);
    file = standard_file();
    file.header(2).vaddr = 0x401280; // shares the text's page
    expect_problem(file, Problem::NotInOrder, 2);
    file = standard_file();
    file.insert_first({interp, r, 0x300, 0x400300, 16, 16, 1});
    expect_problem(file, Problem::NeedsInterpreter, 0);
}

TEST(ElfParser, TheEntryMustBeInAnExecutableSegment)
{
    test_elf::ElfFile file = standard_file();
    file.entry = 0x402280; // the data segment
    expect_problem(file, Problem::EntryNotExecutable, user::elf::Error::no_segment);
    file.entry = 0x401200 + 0x80; // one past the text
    expect_problem(file, Problem::EntryNotExecutable, user::elf::Error::no_segment);
}

TEST(ElfParser, SegmentLimits)
{
    test_elf::ElfFile none;
    none.add({phdr, r, 64, 0x400040, 56, 56, 8});
    expect_problem(none, Problem::NoSegments, user::elf::Error::no_segment);
    test_elf::ElfFile many;
    many.size = 0x2000;
    many.entry = 0x400000 + 0x1400;
    for (uint64_t i = 0; i <= user::elf::max_segments; ++i)
        many.add({load, i == 0 ? r | x : r, 0x1400 + 0x40 * i, 0x400000 + 0x1000 * i + 0x1400 + 0x40 * i,
                                16, 16, 0x1000});
    expect_problem(many, Problem::TooManySegments, user::elf::max_segments);
    many.remove_last();
    EXPECT_TRUE(parse(many).has_value());
}

TEST(ElfParser, ErrorsPrintWhatAndWhere)
{
    test_elf::ElfFile file = standard_file();
    file.header(1).flags = r | w | x;
    auto image = parse(file);
    ASSERT_FALSE(image.has_value());
    kstd::StringBuffer<128> text;
    kstd::format_to(text, "{}", image.error());
    EXPECT_EQ(std::string(text.view()), "ELF program header 1: writable and executable");
}

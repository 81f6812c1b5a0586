// The ELF64 parser (src/user/elf.cpp) on hand-built files: a static
// executable and a static PIE parse into what the loader maps, and every
// problem the parser names is found in a file that has just that problem.

#include <gtest/gtest.h>
#include <cstring>
#include <string>
#include <vector>
#include "user/elf.h"

namespace {

using user::elf::Problem;

struct Header {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

constexpr uint32_t load = 1, interp = 3, phdr = 6, r = 4, w = 2, x = 1;

// A file with the ELF header, `headers` as its program headers and room up
// to `size` bytes.
struct File {
    uint16_t type = 2; // ET_EXEC
    uint64_t entry = 0x401200;
    std::vector<Header> headers = {{load, r, 0, 0x400000, 0x200, 0x200, 0x1000},
                                   {load, r | x, 0x200, 0x401200, 0x80, 0x80, 0x1000},
                                   {load, r | w, 0x280, 0x402280, 0x40, 0x2000, 0x1000}};
    size_t size = 0x400;

    std::vector<std::byte> bytes() const
    {
        std::vector<std::byte> out(size);
        auto put = [&](size_t at, auto value) {
            if (at + sizeof value <= out.size())
                std::memcpy(out.data() + at, &value, sizeof value);
        };
        const unsigned char ident[16] = {0x7F, 'E', 'L', 'F', 2, 1, 1};
        std::memcpy(out.data(), ident, std::min(out.size(), sizeof ident));
        put(16, type);
        put(18, uint16_t{62});
        put(20, uint32_t{1});
        put(24, entry);
        put(32, uint64_t{64});
        put(52, uint16_t{64});
        put(54, uint16_t{56});
        put(56, static_cast<uint16_t>(headers.size()));
        for (size_t i = 0; i < headers.size(); ++i) {
            const Header& h = headers[i];
            const size_t at = 64 + 56 * i;
            put(at, h.type);
            put(at + 4, h.flags);
            put(at + 8, h.offset);
            put(at + 16, h.vaddr);
            put(at + 24, h.vaddr);
            put(at + 32, h.filesz);
            put(at + 40, h.memsz);
            put(at + 48, h.align);
        }
        return out;
    }
};

kstd::Expected<user::elf::Image, user::elf::Error> parse(const File& file)
{
    const std::vector<std::byte> bytes = file.bytes();
    return user::elf::parse(bytes);
}

void expect_problem(const File& file, Problem problem, uint32_t header)
{
    auto image = parse(file);
    ASSERT_FALSE(image.has_value());
    EXPECT_EQ(image.error().problem, problem) << user::elf::to_string(image.error().problem);
    EXPECT_EQ(image.error().header, header);
}

} // namespace

TEST(ElfParser, AStaticExecutableParsesIntoItsSegments)
{
    auto image = parse(File{});
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
    File file;
    file.type = 3; // ET_DYN
    file.entry = 0x1210;
    file.headers = {{phdr, r, 64, 64, 4 * 56, 4 * 56, 8},
                    {load, r, 0, 0, 0x200, 0x200, 0x1000},
                    {load, r | x, 0x200, 0x1200, 0x40, 0x40, 0x1000},
                    {load, r | w, 0x240, 0x2240, 0x40, 0x1000, 0x1000}};
    auto image = parse(file);
    ASSERT_TRUE(image.has_value());
    EXPECT_EQ(image->load_bias, user::elf::pie_base);
    EXPECT_EQ(image->entry, user::elf::pie_base + 0x1210);
    EXPECT_EQ(image->segments[0].address, user::elf::pie_base);
    EXPECT_EQ(image->program_headers, user::elf::pie_base + 64);
}

TEST(ElfParser, EachBrokenHeaderIsNamed)
{
    File small;
    small.size = 63;
    expect_problem(small, Problem::TooSmall, user::elf::Error::no_segment);
    auto with = [](auto change) {
        File file;
        std::vector<std::byte> bytes = file.bytes();
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
    File file;
    file.headers[1].filesz = 0x400; // past the end of the 0x400-byte file
    expect_problem(file, Problem::SegmentOutsideFile, 1);
    file = File{};
    file.headers[2].offset = ~0ull - 8; // offset + size wraps
    expect_problem(file, Problem::SegmentOutsideFile, 2);
    file = File{};
    file.headers[2].filesz = 0x41;
    file.headers[2].memsz = 0x40;
    expect_problem(file, Problem::FileLargerThanMemory, 2);
    file = File{};
    file.headers[0].vaddr = 0x1000; // below user_space_start
    file.headers[0].align = 0x1000;
    expect_problem(file, Problem::SegmentOutsideUserSpace, 0);
    file = File{};
    file.headers[2].vaddr = 0x7FFF'FFFF'F280;
    file.headers[2].memsz = 0x10'0000; // runs into the canonical hole
    expect_problem(file, Problem::SegmentOutsideUserSpace, 2);
    file = File{};
    file.headers[2].vaddr = ~0ull - 0x0D7F; // vaddr + memsz wraps
    expect_problem(file, Problem::SegmentOutsideUserSpace, 2);
    file = File{};
    file.headers[1].align = 0x1800;
    expect_problem(file, Problem::BadAlignment, 1);
    file = File{};
    file.headers[1].vaddr = 0x401300; // address and offset disagree within the page
    expect_problem(file, Problem::BadAlignment, 1);
    file = File{};
    file.headers[1].flags = r | w | x;
    expect_problem(file, Problem::WritableAndExecutable, 1);
    file = File{};
    file.headers[2].vaddr = 0x401280; // shares the text's page
    expect_problem(file, Problem::NotInOrder, 2);
    file = File{};
    file.headers.insert(file.headers.begin(), Header{interp, r, 0x300, 0x400300, 16, 16, 1});
    expect_problem(file, Problem::NeedsInterpreter, 0);
}

TEST(ElfParser, TheEntryMustBeInAnExecutableSegment)
{
    File file;
    file.entry = 0x402280; // the data segment
    expect_problem(file, Problem::EntryNotExecutable, user::elf::Error::no_segment);
    file.entry = 0x401200 + 0x80; // one past the text
    expect_problem(file, Problem::EntryNotExecutable, user::elf::Error::no_segment);
}

TEST(ElfParser, SegmentLimits)
{
    File none;
    none.headers = {{phdr, r, 64, 0x400040, 56, 56, 8}};
    expect_problem(none, Problem::NoSegments, user::elf::Error::no_segment);
    File many;
    many.size = 0x2000;
    many.entry = 0x400000 + 0x1400;
    many.headers.clear();
    for (uint64_t i = 0; i <= user::elf::max_segments; ++i)
        many.headers.push_back({load, i == 0 ? r | x : r, 0x1400 + 0x40 * i, 0x400000 + 0x1000 * i + 0x1400 + 0x40 * i,
                                16, 16, 0x1000});
    expect_problem(many, Problem::TooManySegments, user::elf::max_segments);
    many.headers.pop_back();
    EXPECT_TRUE(parse(many).has_value());
}

TEST(ElfParser, ErrorsPrintWhatAndWhere)
{
    File file;
    file.headers[1].flags = r | w | x;
    auto image = parse(file);
    ASSERT_FALSE(image.has_value());
    kstd::StringBuffer<128> text;
    kstd::format_to(text, "{}", image.error());
    EXPECT_EQ(std::string(text.view()), "ELF program header 1: writable and executable");
}

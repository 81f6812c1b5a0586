// kstd::format on the host: every argument kind, every spec, and what happens
// when the buffer is too small. (The kernel runs a subset of these as KTEST
// cases, src/lib/kstd/format_tests.cpp; compile-time misuse is covered by
// tests/compile_fail.)

#include <gtest/gtest.h>
#include <climits>
#include <cstdint>
#include <string>
#include "kstd/format.h"
#include "arch/x86_64/address.h"

namespace {

struct Point {
    int x, y;
};

void format_value(kstd::Sink& sink, const Point& p, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "({}, {})", p.x, p.y);
}

template <typename... Args>
std::string format(kstd::FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    char buffer[512];
    const kstd::FormatResult result = kstd::format_into<Args...>(buffer, fmt, args...);
    EXPECT_FALSE(result.truncated);
    return std::string(result.text);
}

TEST(Format, integers_of_every_width)
{
    EXPECT_EQ(format("{} {} {} {}", 0, -1, int8_t{127}, int8_t{-128}), "0 -1 127 -128");
    EXPECT_EQ(format("{} {} {}", uint8_t{255}, uint16_t{65535}, uint32_t{4294967295u}), "255 65535 4294967295");
    EXPECT_EQ(format("{} {}", int16_t{-32768}, int32_t{INT32_MIN}), "-32768 -2147483648");
    EXPECT_EQ(format("{}", UINT64_MAX), "18446744073709551615");
    EXPECT_EQ(format("{}", INT64_MIN), "-9223372036854775808");
    EXPECT_EQ(format("{} {}", static_cast<signed char>(-5), static_cast<unsigned char>(200)), "-5 200");
}

TEST(Format, bases_width_padding_and_alignment)
{
    EXPECT_EQ(format("{:x} {:X} {:#x} {:#X}", 255, 255, 255, 255), "ff FF 0xff 0xFF");
    EXPECT_EQ(format("{:08x} {:#010x}", 255u, 255u), "000000ff 0x000000ff");
    EXPECT_EQ(format("{:#b} {:b} {:o} {:#o}", 5, 0, 15, 15), "0b101 0 17 0o17");
    EXPECT_EQ(format("{:5}|{:<5}|{:>5}|{:05}", 42, 42, 42, -42), "   42|42   |   42|-0042");
    EXPECT_EQ(format("{:x} {:x}", -1ll, static_cast<uint64_t>(-1ll)), "-1 ffffffffffffffff");
    EXPECT_EQ(format("{:#x}", INT64_MIN), "-0x8000000000000000");
    EXPECT_EQ(format("{:<#8x}|", 10), "0xa     |");
    EXPECT_EQ(format("{:255}", 1).size(), 255u);
    EXPECT_EQ(format("{:d} {:x}", 'A', 'A'), "65 41");
}

TEST(Format, strings_chars_bools_and_braces)
{
    const char* null_string = nullptr;
    char mutable_text[] = "mut";
    const std::string_view view = std::string_view("abcdef").substr(1, 3);
    EXPECT_EQ(format("{} {} {} {}", "hi", view, null_string, static_cast<char*>(mutable_text)), "hi bcd (null) mut");
    EXPECT_EQ(format("{} {:c} {} {} {:d} {:s}", 'x', 65, true, false, true, false), "x A true false 1 false");
    EXPECT_EQ(format("[{:<5}] [{:>5}] [{:5}]", "ab", "ab", "ab"), "[ab   ] [   ab] [ab   ]");
    EXPECT_EQ(format("{{literal}} {} }}{{", 7), "{literal} 7 }{");
    EXPECT_EQ(format("no arguments"), "no arguments");
    EXPECT_EQ(format(""), "");
}

TEST(Format, pointers_print_as_full_width_hex)
{
    // Made-up addresses, only printed, never dereferenced.
    const void* pointer = reinterpret_cast<const void*>(uintptr_t{0xFFFFFFFF80101234});
    EXPECT_EQ(format("{} {}", pointer, nullptr), "0xffffffff80101234 0x0000000000000000");
    EXPECT_EQ(format("{:p}", reinterpret_cast<const int*>(uintptr_t{0x1000})), "0x0000000000001000");
    EXPECT_EQ(format("{:x}", reinterpret_cast<const int*>(uintptr_t{0x1000})), "1000");
}

TEST(Format, custom_types_and_addresses)
{
    EXPECT_EQ(format("p={}", Point{3, -4}), "p=(3, -4)");
    EXPECT_EQ(format("{} {}", arch::PhysAddr(0x1000), arch::VirtAddr(0xFFFFFFFF80000000)),
              "0x0000000000001000 0xffffffff80000000");
    EXPECT_EQ(format("{:#x}", arch::PhysAddr(0x1000)), "0x1000");
}

TEST(Format, full_buffer_truncates_and_says_so)
{
    char buffer[6];
    const kstd::FormatResult result = kstd::format_into(buffer, "{}-{}", 12345, 678);
    EXPECT_TRUE(result.truncated);
    EXPECT_EQ(result.text, "12345-");
    EXPECT_EQ(result.text.size(), sizeof buffer);
}

TEST(Format, exact_fit_is_not_truncated)
{
    char buffer[5];
    const kstd::FormatResult result = kstd::format_into(buffer, "{}", 12345);
    EXPECT_FALSE(result.truncated);
    EXPECT_EQ(result.text, "12345");
}

TEST(Format, empty_buffer_takes_nothing)
{
    const kstd::FormatResult result = kstd::format_into(std::span<char>(), "{}", 1);
    EXPECT_TRUE(result.truncated);
    EXPECT_EQ(result.text.size(), 0u);
}

TEST(Format, string_buffer_and_clear)
{
    kstd::StringBuffer<8> text;
    kstd::format_to(text, "{}", "0123456789");
    EXPECT_EQ(text.view(), "01234567");
    EXPECT_TRUE(text.truncated());
    text.clear();
    EXPECT_FALSE(text.truncated());
    kstd::format_to(text, "{:#x}", 16);
    EXPECT_EQ(text.view(), "0x10");
    // Writing continues after earlier output.
    kstd::format_to(text, "+{}", 1);
    EXPECT_EQ(text.view(), "0x10+1");
}

TEST(Format, padding_longer_than_the_internal_chunk)
{
    EXPECT_EQ(format("{:100}", 1), std::string(99, ' ') + "1");
    EXPECT_EQ(format("{:<100}|", "x"), "x" + std::string(99, ' ') + "|");
    EXPECT_EQ(format("{:0100}", 1), std::string(99, '0') + "1");
}

} // namespace

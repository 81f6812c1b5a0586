// KTEST cases for kstd::format (the same code is also tested on the host,
// tests/host/format_test.cpp). Compile-time misuse is covered by
// tests/compile_fail/.

#include <climits>
#include <cstdint>
#include "kstd/format.h"
#include "ktest/ktest.h"

namespace {

struct Point {
    int x, y;
};

void format_value(kstd::Sink& sink, const Point& p, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "({}, {})", p.x, p.y);
}

} // namespace

#define EXPECT_FORMAT(expected, ...)                                                                              \
    do {                                                                                                          \
        char buffer_[128];                                                                                        \
        const kstd::FormatResult result_ = kstd::format_into(buffer_, __VA_ARGS__);                               \
        EXPECT_FALSE(result_.truncated);                                                                          \
        EXPECT_STREQ(result_.text, expected);                                                                     \
    } while (0)

KTEST(format, integers_of_every_width)
{
    EXPECT_FORMAT("0 -1 127 -128", "{} {} {} {}", 0, -1, int8_t{127}, int8_t{-128});
    EXPECT_FORMAT("255 65535 4294967295", "{} {} {}", uint8_t{255}, uint16_t{65535}, uint32_t{4294967295u});
    EXPECT_FORMAT("-32768 -2147483648", "{} {}", int16_t{-32768}, int32_t{INT32_MIN});
    EXPECT_FORMAT("18446744073709551615", "{}", UINT64_MAX);
    EXPECT_FORMAT("-9223372036854775808", "{}", INT64_MIN);
}

KTEST(format, hex_binary_octal_width_and_padding)
{
    EXPECT_FORMAT("ff FF 0xff", "{:x} {:X} {:#x}", 255, 255, 255);
    EXPECT_FORMAT("000000ff 0x000000ff", "{:08x} {:#010x}", 255u, 255u);
    EXPECT_FORMAT("0b101 17 0o17", "{:#b} {:o} {:#o}", 5, 15, 15);
    EXPECT_FORMAT("   42|42   |-0042", "{:5}|{:<5}|{:05}", 42, 42, -42);
    // As in std::format, a negative number keeps its sign in every base.
    EXPECT_FORMAT("-1 ffffffffffffffff", "{:x} {:x}", -1ll, static_cast<uint64_t>(-1ll));
}

KTEST(format, strings_chars_bools_and_braces)
{
    const char* null_string = nullptr;
    const std::string_view view = std::string_view("abcdef").substr(1, 3);
    EXPECT_FORMAT("hi bcd (null)", "{} {} {}", "hi", view, null_string);
    EXPECT_FORMAT("x A true false 1", "{} {:c} {} {} {:d}", 'x', 65, true, false, true);
    EXPECT_FORMAT("[ab   ] [   ab]", "[{:<5}] [{:>5}]", "ab", "ab");
    EXPECT_FORMAT("{literal} 7", "{{literal}} {}", 7);
}

KTEST(format, pointers_print_as_full_width_hex)
{
    const void* pointer = reinterpret_cast<const void*>(uintptr_t{0xFFFFFFFF80101234}); // a made-up address
    EXPECT_FORMAT("0xffffffff80101234 0x0000000000000000", "{} {}", pointer, nullptr);
    EXPECT_FORMAT("0x0000000000001000", "{:p}", reinterpret_cast<const int*>(uintptr_t{0x1000}));
}

KTEST(format, custom_types_through_format_value)
{
    EXPECT_FORMAT("p=(3, -4)", "p={}", Point{3, -4});
}

KTEST(format, full_buffer_truncates_and_says_so)
{
    char buffer[6];
    const kstd::FormatResult result = kstd::format_into(buffer, "{}-{}", 12345, 678);
    EXPECT_TRUE(result.truncated);
    EXPECT_STREQ(result.text, "12345-");
    EXPECT_EQ(result.text.size(), sizeof buffer);
}

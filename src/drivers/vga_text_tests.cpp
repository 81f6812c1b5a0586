// KTEST cases for the VGA text console (src/drivers/vga_text.cpp).
//
// The cases write to the real screen, so the suite takes the VGA console off
// the kernel's console mux while it runs (KTAP output then goes to COM1 only).

#include "drivers/vga_text.h"
#include "core/print.h"
#include "ktest/ktest.h"

namespace {

std::string_view row_text(const drivers::VgaTextConsole& vga, size_t row, size_t length, char* buffer)
{
    for (size_t column = 0; column < length; ++column)
        buffer[column] = vga.char_at(row, column);
    return {buffer, length};
}

} // namespace

KTEST_SUITE_SETUP(vga_text)
{
    core::console().detach(drivers::vga_text());
}

KTEST_SUITE_TEARDOWN(vga_text)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    vga.set_color(drivers::VgaColor::LightGray, drivers::VgaColor::Black);
    vga.clear();
    ASSERT_OK(core::console().attach(vga));
}

KTEST_SETUP(vga_text)
{
    drivers::vga_text().clear();
}

KTEST(vga_text, writes_characters_with_the_current_colour)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    vga.set_color(drivers::VgaColor::Yellow, drivers::VgaColor::Blue);
    vga.write("Hi!");
    char buffer[3];
    EXPECT_STREQ(row_text(vga, 0, 3, buffer), "Hi!");
    EXPECT_EQ(vga.attribute_at(0, 0), 0x1E);
    EXPECT_EQ(vga.cursor_column(), 3u);
}

KTEST(vga_text, newline_tab_and_backspace)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    vga.write("ab\ncd\tX\bY");
    EXPECT_EQ(vga.char_at(0, 1), 'b');
    EXPECT_EQ(vga.char_at(1, 0), 'c');
    EXPECT_EQ(vga.char_at(1, 8), 'Y', "a tab moves to column 8; backspace replaced X");
    EXPECT_EQ(vga.cursor_row(), 1u);
    EXPECT_EQ(vga.cursor_column(), 9u);
}

KTEST(vga_text, scrolls_when_the_screen_is_full)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    for (int line = 0; line < 30; ++line)
        kstd::format_to(vga, "line {}\n", line);
    // 30 lines and a final newline: the last 24 lines remain, the bottom row is empty.
    char buffer[7];
    EXPECT_STREQ(row_text(vga, 0, 6, buffer), "line 6");
    EXPECT_STREQ(row_text(vga, 23, 7, buffer), "line 29");
    EXPECT_EQ(vga.char_at(24, 0), ' ');
    EXPECT_EQ(vga.cursor_row(), 24u);
}

KTEST(vga_text, scrolling_moves_the_screen_start_and_wraps_at_the_end_of_the_window)
{
    // 400 lines scroll the screen through the 32 KiB window twice: each
    // scroll moves the start address a row on, and at the window's end the
    // screen is copied back to its top with nothing lost.
    drivers::VgaTextConsole& vga = drivers::vga_text();
    size_t wraps = 0, previous = vga.screen_start();
    for (int line = 0; line < 400; ++line) {
        kstd::format_to(vga, "line {}\n", line);
        if (vga.screen_start() < previous)
            ++wraps;
        previous = vga.screen_start();
        ASSERT_LE(vga.screen_start() + drivers::VgaTextConsole::width * drivers::VgaTextConsole::height,
                  16u * 1024, "the screen stays inside the window");
        ASSERT_EQ(vga.hardware_screen_start(), vga.screen_start(), "after line {}", line);
    }
    EXPECT_EQ(wraps, 2u);
    char buffer[8];
    EXPECT_STREQ(row_text(vga, 0, 8, buffer), "line 376");
    EXPECT_STREQ(row_text(vga, 23, 8, buffer), "line 399");
    EXPECT_EQ(vga.char_at(24, 0), ' ');
    vga.write("ab");
    EXPECT_EQ(vga.hardware_cursor_position(), 24 * drivers::VgaTextConsole::width + 2);
}

KTEST(vga_text, long_lines_wrap)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    for (size_t i = 0; i < drivers::VgaTextConsole::width + 2; ++i)
        vga.write("z");
    EXPECT_EQ(vga.cursor_row(), 1u);
    EXPECT_EQ(vga.cursor_column(), 2u);
    EXPECT_EQ(vga.char_at(1, 1), 'z');
}

KTEST(vga_text, hardware_cursor_follows_the_text)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    vga.write("\n\nabc");
    EXPECT_EQ(vga.hardware_cursor_position(), 2 * drivers::VgaTextConsole::width + 3);
}

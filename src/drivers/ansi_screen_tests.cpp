// KTEST cases for the escape-sequence interpreter both screen consoles
// share (drivers/ansi_screen.cpp), on a fake screen of 10 x 4 cells in RAM:
// what busybox's line editing and common programs send.

#include "drivers/ansi_screen.h"
#include "ktest/ktest.h"

namespace {

class FakeScreen final : public drivers::AnsiScreen {
public:
    static constexpr size_t width = 10, height = 4;

    FakeScreen()
    {
        set_color(drivers::VgaColor::LightGray, drivers::VgaColor::Black);
        erase_screen_and_home();
    }
    char char_at(size_t row, size_t column) const { return static_cast<char>(m_cells[row][column]); }
    uint8_t attribute_at(size_t row, size_t column) const { return m_attributes[row][column]; }
    std::string_view row_text(size_t row)
    {
        for (size_t column = 0; column < width; ++column)
            m_row_text[column] = char_at(row, column);
        return {m_row_text, width};
    }
    size_t scrolls = 0, finished_writes = 0;

private:
    size_t columns() const override { return width; }
    size_t rows() const override { return height; }
    void set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute) override
    {
        m_cells[row][column] = code_point;
        m_attributes[row][column] = attribute;
    }
    void scroll_up(uint8_t attribute) override
    {
        ++scrolls;
        for (size_t row = 0; row + 1 < height; ++row) {
            for (size_t column = 0; column < width; ++column) {
                m_cells[row][column] = m_cells[row + 1][column];
                m_attributes[row][column] = m_attributes[row + 1][column];
            }
        }
        for (size_t column = 0; column < width; ++column)
            set_cell(height - 1, column, U' ', attribute);
    }
    void finish_write() override { ++finished_writes; }

    char32_t m_cells[height][width] = {};
    uint8_t m_attributes[height][width] = {};
    char m_row_text[width] = {};
};

kstd::StringBuffer<64> g_replies;

void record_reply(void*, std::string_view reply)
{
    g_replies.write(reply);
}

} // namespace

KTEST(ansi_screen, carriage_return_line_feed_backspace_and_tab)
{
    FakeScreen screen;
    screen.write_terminal("abc\rX\n");
    EXPECT_STREQ(screen.row_text(0), "Xbc       ");
    EXPECT_EQ(screen.cursor_row(), 1u);
    EXPECT_EQ(screen.cursor_column(), 1u, "a program's LF only moves down");
    screen.write("\n");
    EXPECT_EQ(screen.cursor_column(), 0u, "the kernel's newline returns to column 0 too");
    screen.write_terminal("ab\b\bc\tT\b\b");
    EXPECT_STREQ(screen.row_text(2), "cb      T ");
    EXPECT_EQ(screen.cursor_column(), 7u, "backspace moves without erasing");
}

KTEST(ansi_screen, the_last_column_wraps_only_when_more_comes)
{
    FakeScreen screen;
    screen.write_terminal("0123456789");
    EXPECT_EQ(screen.cursor_row(), 0u);
    EXPECT_EQ(screen.cursor_column(), 9u, "deferred wrap: the cursor stays on the last column");
    screen.write_terminal("\r\n");
    EXPECT_EQ(screen.cursor_row(), 1u, "no empty line after a full one");
    screen.write_terminal("0123456789x");
    EXPECT_EQ(screen.char_at(2, 0), 'x');
    EXPECT_EQ(screen.cursor_column(), 1u);
}

KTEST(ansi_screen, line_feed_at_the_bottom_scrolls)
{
    FakeScreen screen;
    screen.write("1\n2\n3\n4\n5");
    EXPECT_EQ(screen.scrolls, 1u);
    EXPECT_EQ(screen.char_at(0, 0), '2');
    EXPECT_EQ(screen.char_at(3, 0), '5');
}

KTEST(ansi_screen, cursor_movement_sequences)
{
    FakeScreen screen;
    screen.write_terminal("\x1B[3;5H*"); // row 3, column 5 (1-based)
    EXPECT_EQ(screen.char_at(2, 4), '*');
    screen.write_terminal("\x1B[2A\x1B[D+"); // up 2, left 1 (back onto the column after *)
    EXPECT_EQ(screen.char_at(0, 4), '+');
    screen.write_terminal("\x1B[B\x1B[3C-"); // down 1 (default), right 3
    EXPECT_EQ(screen.char_at(1, 8), '-');
    screen.write_terminal("\x1B[99A\x1B[99D");
    EXPECT_EQ(screen.cursor_row(), 0u, "movement stops at the edges");
    EXPECT_EQ(screen.cursor_column(), 0u);
    screen.write_terminal("\x1B[99;99H");
    EXPECT_EQ(screen.cursor_row(), 3u);
    EXPECT_EQ(screen.cursor_column(), 9u);
    screen.write_terminal("\x1B[H");
    EXPECT_EQ(screen.cursor_row(), 0u, "ESC[H is the top left");
    EXPECT_EQ(screen.cursor_column(), 0u);
    screen.write_terminal("\x1B[2;3f\x1B" "7\x1B[H\x1B" "8");
    EXPECT_EQ(screen.cursor_row(), 1u, "ESC 7 / ESC 8 save and restore the cursor");
    EXPECT_EQ(screen.cursor_column(), 2u);
    screen.write_terminal("\x1B[4G");
    EXPECT_EQ(screen.cursor_column(), 3u);
}

KTEST(ansi_screen, erase_in_line_and_display)
{
    FakeScreen screen;
    screen.write_terminal("aaaaaaaaaa\r\nbbbbbbbbbb\r\ncccccccccc\r\ndddddddddd");
    screen.write_terminal("\x1B[2;4H\x1B[K"); // row 2 from column 4 on
    EXPECT_STREQ(screen.row_text(1), "bbb       ");
    screen.write_terminal("\x1B[1;4H\x1B[1K"); // row 1 up to column 4
    EXPECT_STREQ(screen.row_text(0), "    aaaaaa");
    screen.write_terminal("\x1B[3;2H\x1B[2K");
    EXPECT_STREQ(screen.row_text(2), "          ");
    screen.write_terminal("\x1B[1;8H\x1B[J"); // from the cursor to the end
    EXPECT_STREQ(screen.row_text(0), "    aaa   ");
    EXPECT_STREQ(screen.row_text(3), "          ");
    EXPECT_EQ(screen.cursor_row(), 0u, "erasing does not move the cursor");
    EXPECT_EQ(screen.cursor_column(), 7u);
    screen.write_terminal("x\x1B[2J");
    EXPECT_STREQ(screen.row_text(0), "          ");
}

KTEST(ansi_screen, colours_and_renditions)
{
    FakeScreen screen;
    screen.write_terminal("\x1B[31ma\x1B[1mb\x1B[0mc\x1B[44;93md\x1B[39;49me\x1B[7mf\x1B[27;32;47mg");
    EXPECT_EQ(screen.attribute_at(0, 0), 0x04, "red on black");
    EXPECT_EQ(screen.attribute_at(0, 1), 0x0C, "bold is the bright colour");
    EXPECT_EQ(screen.attribute_at(0, 2), 0x07, "SGR 0 is the default");
    EXPECT_EQ(screen.attribute_at(0, 3), 0x1E, "bright yellow on blue");
    EXPECT_EQ(screen.attribute_at(0, 4), 0x07, "39 and 49: default colours");
    EXPECT_EQ(screen.attribute_at(0, 5), 0x70, "reverse video");
    EXPECT_EQ(screen.attribute_at(0, 6), 0x72, "green on light grey");
    screen.write_terminal("\x1B[m\x1B[38;5;1mh\x1B[38;2;1;2;3mi");
    EXPECT_EQ(screen.attribute_at(0, 7), 0x04, "256-colour index 1 is red");
    EXPECT_EQ(screen.attribute_at(0, 8), 0x04, "an RGB colour's values are not renditions");
}

KTEST(ansi_screen, cursor_position_report_answers_through_the_reply_handler)
{
    FakeScreen screen;
    g_replies.clear();
    screen.write_terminal("\x1B[6n");
    EXPECT_STREQ(g_replies.view(), "", "no handler: no answer, no crash");
    screen.set_reply_handler(&record_reply, nullptr);
    screen.write_terminal("ab\r\ncde\x1B[6n");
    EXPECT_STREQ(g_replies.view(), "\x1B[2;4R");
    g_replies.clear();
    screen.write_terminal("\x1B[5n");
    EXPECT_STREQ(g_replies.view(), "\x1B[0n");
    EXPECT_STREQ(screen.row_text(1), "cde       ", "requests show nothing");
}

KTEST(ansi_screen, unknown_and_private_sequences_are_swallowed)
{
    FakeScreen screen;
    screen.write_terminal("a\x1B[?25lb\x1B[?1049hc\x1B]0;title\x07" "d\x1B(Be\x1B[5Zf\x1B[1 qg\x1B]2;t\x1B\\h\x01\x7Fi");
    EXPECT_STREQ(screen.row_text(0), "abcdefghi ");
    screen.write_terminal("\x1B[3");
    screen.write_terminal("1mj"); // a sequence split across writes
    EXPECT_EQ(screen.char_at(0, 9), 'j');
    EXPECT_EQ(screen.attribute_at(0, 9), 0x04);
    screen.write_terminal("\x1B[1\x18k"); // CAN cancels the sequence
    EXPECT_EQ(screen.char_at(1, 0), 'k');
}

KTEST(ansi_screen, busybox_line_editing_redraw)
{
    // What busybox's lineedit sends to move back over a line and redraw it:
    // CR, the prompt and text again, then clear to the end of the screen.
    FakeScreen screen;
    screen.write_terminal("$ hello");
    screen.write_terminal("\r$ help\x1B[J");
    EXPECT_STREQ(screen.row_text(0), "$ help    ");
    EXPECT_STREQ(screen.row_text(1), "          ");
    screen.write_terminal("\b\b\x1B[1C");
    EXPECT_EQ(screen.cursor_column(), 5u);
}

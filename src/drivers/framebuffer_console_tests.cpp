// KTEST cases for the framebuffer console (src/drivers/framebuffer_console.cpp).
// Each case draws into RAM standing in for a framebuffer and checks the
// pixels against the glyphs of the font compiled into the kernel: the
// colours, the cursor, scrolling, the pixel formats, and that only changed
// cells are drawn again. The screen's own console is left alone.

#include "drivers/framebuffer_console.h"
#include <cstring>
#include "ktest/ktest.h"

namespace {

using drivers::FramebufferConsole;
using drivers::FramebufferConsoleError;
using drivers::PixelSurface;
using drivers::VgaColor;

constexpr uint32_t glyph_width = 8;   // Lat15-Fixed16 (CMake's CONSOLE_FONT); the cases check the font is that size
constexpr uint32_t glyph_height = 16;
constexpr uint32_t columns = 10;
constexpr uint32_t rows = 4;
constexpr uint32_t margin = 5; // pixels right of and below the cells
constexpr uint32_t width = columns * glyph_width + margin;
constexpr uint32_t height = rows * glyph_height + margin;
constexpr size_t max_pixel_bytes = 4;

alignas(16) std::byte g_pixels[width * height * max_pixel_bytes];
FramebufferConsole::Cell g_text[columns * rows];
FramebufferConsole::Cell g_shown[columns * rows];

// A console on g_pixels with `pixel_bytes` per pixel (x8r8g8b8, r8g8b8 or
// r5g6b5), the memory first filled with 0xAA so that nothing passes by luck.
PixelSurface surface_of(uint8_t pixel_bytes)
{
    PixelSurface surface{g_pixels, width, height, width * pixel_bytes, pixel_bytes};
    if (pixel_bytes == 2) {
        surface.red = {11, 5};
        surface.green = {5, 6};
        surface.blue = {0, 5};
    }
    return surface;
}

FramebufferConsole& fresh_console(uint8_t pixel_bytes = 4)
{
    static FramebufferConsole console;
    std::memset(g_pixels, 0xAA, sizeof g_pixels);
    MUST(console.initialize(surface_of(pixel_bytes), drivers::console_font(), g_text, g_shown));
    console.set_color(VgaColor::LightGray, VgaColor::Black);
    return console;
}

uint32_t pixel_at(const FramebufferConsole& console, uint32_t x, uint32_t y)
{
    const PixelSurface& surface = console.surface();
    uint32_t value = 0;
    std::memcpy(&value, surface.pixels + size_t{y} * surface.pitch + size_t{x} * surface.bytes_per_pixel,
                surface.bytes_per_pixel);
    return value;
}

// The pixels of cell (row, column) that differ from what the font says the
// code point looks like in these colours (with the cursor's underline on
// the bottom two rows when `cursor`); 0 when the cell is drawn exactly.
size_t wrong_pixels(const FramebufferConsole& console, size_t row, size_t column, char32_t code_point,
                    VgaColor foreground, VgaColor background, bool cursor = false)
{
    const drivers::ConsoleFont& font = console.font();
    const std::span<const uint8_t> glyph = font.glyph(font.glyph_for(code_point));
    size_t wrong = 0;
    for (uint32_t y = 0; y < font.height; ++y) {
        for (uint32_t x = 0; x < font.width; ++x) {
            const bool on = (cursor && y >= font.height - 2u) ||
                            (glyph[y * font.bytes_per_row + x / 8] & (0x80 >> (x % 8))) != 0;
            const uint32_t expected = console.pixel_value(on ? foreground : background);
            if (pixel_at(console, static_cast<uint32_t>(column * font.width + x),
                         static_cast<uint32_t>(row * font.height + y)) != expected)
                ++wrong;
        }
    }
    return wrong;
}

size_t lit_pixels(uint16_t glyph_index)
{
    size_t lit = 0;
    for (uint8_t byte : drivers::console_font().glyph(glyph_index))
        lit += static_cast<size_t>(__builtin_popcount(byte));
    return lit;
}

} // namespace

KTEST(framebuffer_console, the_font_is_the_one_the_cases_assume)
{
    const drivers::ConsoleFont& font = drivers::console_font();
    ASSERT_EQ(font.width, glyph_width);
    ASSERT_EQ(font.height, glyph_height);
    EXPECT_GT(font.glyph_count, 255u);
    EXPECT_GT(lit_pixels(font.glyph_for(U'A')), 10u, "'A' has a visible glyph");
    EXPECT_EQ(lit_pixels(font.glyph_for(U' ')), 0u, "the space is blank");
    EXPECT_NE(font.glyph_for(U'A'), font.glyph_for(U'B'));
    EXPECT_EQ(font.glyph_for(U'\U0001F600'), font.replacement, "a code point the font lacks");
}

KTEST(framebuffer_console, clears_the_whole_surface_and_shows_the_cursor)
{
    FramebufferConsole& console = fresh_console();
    EXPECT_EQ(console.columns(), columns);
    EXPECT_EQ(console.rows(), rows);
    EXPECT_EQ(console.cells_drawn(), columns * rows);
    EXPECT_EQ(wrong_pixels(console, 0, 0, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
    EXPECT_EQ(wrong_pixels(console, 3, 9, U' ', VgaColor::LightGray, VgaColor::Black), 0u);
    // The margins right of and below the cells are black too.
    EXPECT_EQ(pixel_at(console, width - 1, 0), 0u);
    EXPECT_EQ(pixel_at(console, 0, height - 1), 0u);
    EXPECT_EQ(pixel_at(console, width - 1, height - 1), 0u);
}

KTEST(framebuffer_console, draws_each_character_with_its_glyph)
{
    FramebufferConsole& console = fresh_console();
    console.write("Hi, A&z!");
    EXPECT_EQ(console.char_at(0, 0), 'H');
    EXPECT_EQ(console.char_at(0, 7), '!');
    EXPECT_EQ(console.attribute_at(0, 0), 0x07);
    const char32_t expected[] = U"Hi, A&z!";
    for (size_t column = 0; column < 8; ++column)
        EXPECT_EQ(wrong_pixels(console, 0, column, expected[column], VgaColor::LightGray, VgaColor::Black), 0u,
                  "column {}", column);
    EXPECT_EQ(console.cursor_column(), 8u);
    EXPECT_EQ(wrong_pixels(console, 0, 8, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
}

KTEST(framebuffer_console, sixteen_vga_colours)
{
    FramebufferConsole& console = fresh_console();
    EXPECT_EQ(console.pixel_value(VgaColor::Black), 0x000000u);
    EXPECT_EQ(console.pixel_value(VgaColor::Blue), 0x0000AAu);
    EXPECT_EQ(console.pixel_value(VgaColor::Brown), 0xAA5500u);
    EXPECT_EQ(console.pixel_value(VgaColor::LightGray), 0xAAAAAAu);
    EXPECT_EQ(console.pixel_value(VgaColor::Yellow), 0xFFFF55u);
    EXPECT_EQ(console.pixel_value(VgaColor::White), 0xFFFFFFu);
    console.set_color(VgaColor::Yellow, VgaColor::Blue);
    console.write("#");
    console.set_color(VgaColor::LightGray, VgaColor::Black);
    console.write("#");
    EXPECT_EQ(console.attribute_at(0, 0), 0x1E);
    EXPECT_EQ(console.attribute_at(0, 1), 0x07);
    EXPECT_EQ(wrong_pixels(console, 0, 0, U'#', VgaColor::Yellow, VgaColor::Blue), 0u);
    EXPECT_EQ(wrong_pixels(console, 0, 1, U'#', VgaColor::LightGray, VgaColor::Black), 0u);
}

KTEST(framebuffer_console, the_cursor_follows_the_text)
{
    FramebufferConsole& console = fresh_console();
    console.write("ab");
    EXPECT_EQ(wrong_pixels(console, 0, 2, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
    console.write("\n");
    EXPECT_EQ(console.cursor_row(), 1u);
    EXPECT_EQ(console.cursor_column(), 0u);
    EXPECT_EQ(wrong_pixels(console, 0, 2, U' ', VgaColor::LightGray, VgaColor::Black), 0u, "the old cursor is gone");
    EXPECT_EQ(wrong_pixels(console, 1, 0, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
    console.write("xy\b");
    EXPECT_EQ(console.char_at(1, 1), 'y', "backspace only moves the cursor, as on a VT100");
    EXPECT_EQ(wrong_pixels(console, 1, 1, U'y', VgaColor::LightGray, VgaColor::Black, true), 0u);
    console.write("\r");
    EXPECT_EQ(wrong_pixels(console, 1, 0, U'x', VgaColor::LightGray, VgaColor::Black, true), 0u,
              "the cursor underlines the character under it");
}

KTEST(framebuffer_console, scrolls_when_the_screen_is_full)
{
    FramebufferConsole& console = fresh_console();
    for (int line = 0; line < 6; ++line)
        kstd::format_to(console, "line {}\n", line);
    // 4 rows: lines 3, 4 and 5, then the empty row with the cursor.
    EXPECT_EQ(console.char_at(0, 5), '3');
    EXPECT_EQ(console.char_at(2, 5), '5');
    EXPECT_EQ(console.char_at(3, 0), ' ');
    EXPECT_EQ(console.cursor_row(), 3u);
    const char32_t expected[] = U"line 3";
    for (size_t column = 0; column < 6; ++column)
        EXPECT_EQ(wrong_pixels(console, 0, column, expected[column], VgaColor::LightGray, VgaColor::Black), 0u,
                  "column {}", column);
    EXPECT_EQ(wrong_pixels(console, 2, 5, U'5', VgaColor::LightGray, VgaColor::Black), 0u);
    EXPECT_EQ(wrong_pixels(console, 3, 0, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
    EXPECT_EQ(wrong_pixels(console, 3, 5, U' ', VgaColor::LightGray, VgaColor::Black), 0u);
}

KTEST(framebuffer_console, a_full_line_wraps_and_clear_starts_over)
{
    FramebufferConsole& console = fresh_console();
    console.write("0123456789abc");
    EXPECT_EQ(console.char_at(0, 9), '9');
    EXPECT_EQ(console.char_at(1, 0), 'a');
    EXPECT_EQ(console.cursor_row(), 1u);
    EXPECT_EQ(console.cursor_column(), 3u);
    console.write("\tT");
    EXPECT_EQ(console.char_at(1, 8), 'T');
    console.clear();
    EXPECT_EQ(console.char_at(0, 0), ' ');
    EXPECT_EQ(console.cursor_row(), 0u);
    EXPECT_EQ(wrong_pixels(console, 1, 0, U' ', VgaColor::LightGray, VgaColor::Black), 0u);
    EXPECT_EQ(wrong_pixels(console, 0, 0, U' ', VgaColor::LightGray, VgaColor::Black, true), 0u);
}

KTEST(framebuffer_console, only_changed_cells_are_drawn)
{
    FramebufferConsole& console = fresh_console();
    const uint64_t after_clear = console.cells_drawn();
    console.write("a");
    EXPECT_EQ(console.cells_drawn() - after_clear, 2u, "the 'a' (where the cursor was) and the cursor's new cell");
    console.write("");
    EXPECT_EQ(console.cells_drawn() - after_clear, 2u, "nothing changed");
    // Scrolling with one line of text: its cells move (drawn at the old row
    // and blanked at the new one); cells blank before and after are not drawn.
    console.write("\n\n\n");
    const uint64_t before_scroll = console.cells_drawn();
    console.write("\n");
    EXPECT_EQ(console.char_at(0, 0), ' ');
    EXPECT_LE(console.cells_drawn() - before_scroll, 4u);
}

KTEST(framebuffer_console, utf8_becomes_code_points)
{
    FramebufferConsole& console = fresh_console();
    console.write("\xC3\xA9");          // U+00E9, é
    console.write("\xE2\x82");          // U+20AC, €, split across writes
    console.write("\xAC");
    console.write("\xC3(");             // cut short: U+FFFD, then '('
    EXPECT_EQ(console.code_point_at(0, 0), U'\u00E9');
    EXPECT_EQ(console.code_point_at(0, 1), U'\u20AC');
    EXPECT_EQ(console.code_point_at(0, 2), U'\uFFFD');
    EXPECT_EQ(console.char_at(0, 3), '(');
    EXPECT_EQ(console.char_at(0, 1), '?', "code points above 255 read as '?'");
    EXPECT_EQ(wrong_pixels(console, 0, 0, U'\u00E9', VgaColor::LightGray, VgaColor::Black), 0u);
    EXPECT_EQ(wrong_pixels(console, 0, 1, U'\u20AC', VgaColor::LightGray, VgaColor::Black), 0u);
}

KTEST(framebuffer_console, sixteen_and_twenty_four_bits_per_pixel)
{
    FramebufferConsole& console16 = fresh_console(2);
    EXPECT_EQ(console16.pixel_value(VgaColor::White), 0xFFFFu);
    EXPECT_EQ(console16.pixel_value(VgaColor::Blue), 21u, "0xAA of 5 bits: 21");
    EXPECT_EQ(console16.pixel_value(VgaColor::Yellow), (31u << 11) | (63u << 5) | 10u);
    console16.set_color(VgaColor::Yellow, VgaColor::Blue);
    console16.write("Kq");
    EXPECT_EQ(wrong_pixels(console16, 0, 0, U'K', VgaColor::Yellow, VgaColor::Blue), 0u);
    EXPECT_EQ(wrong_pixels(console16, 0, 1, U'q', VgaColor::Yellow, VgaColor::Blue), 0u);
    EXPECT_EQ(pixel_at(console16, width - 1, height - 1), 0u);

    FramebufferConsole& console24 = fresh_console(3);
    EXPECT_EQ(console24.pixel_value(VgaColor::LightCyan), 0x55FFFFu);
    console24.set_color(VgaColor::LightCyan, VgaColor::Red);
    console24.write("Kq");
    EXPECT_EQ(wrong_pixels(console24, 0, 0, U'K', VgaColor::LightCyan, VgaColor::Red), 0u);
    EXPECT_EQ(wrong_pixels(console24, 0, 1, U'q', VgaColor::LightCyan, VgaColor::Red), 0u);
    EXPECT_EQ(pixel_at(console24, width - 1, height - 1), 0u);
}

KTEST(framebuffer_console, cell_storage_limits_the_rows)
{
    static FramebufferConsole console;
    std::memset(g_pixels, 0xAA, sizeof g_pixels);
    ASSERT_OK(console.initialize(surface_of(4), drivers::console_font(), std::span(g_text).first(25),
                                 std::span(g_shown)));
    EXPECT_EQ(console.columns(), columns);
    EXPECT_EQ(console.rows(), 2u);
    for (int line = 0; line < 3; ++line)
        kstd::format_to(console, "{}\n", line);
    EXPECT_EQ(console.char_at(0, 0), '2');
}

KTEST(framebuffer_console, refuses_what_it_cannot_draw)
{
    static FramebufferConsole console;
    PixelSurface surface = surface_of(4);
    surface.bytes_per_pixel = 1;
    EXPECT_ERROR(console.initialize(surface, drivers::console_font(), g_text, g_shown),
                 FramebufferConsoleError::UnsupportedPixelSize);
    surface = surface_of(4);
    surface.height = glyph_height - 1;
    EXPECT_ERROR(console.initialize(surface, drivers::console_font(), g_text, g_shown),
                 FramebufferConsoleError::ScreenTooSmall);
    EXPECT_ERROR(console.initialize(surface_of(4), drivers::console_font(), std::span(g_text).first(5), g_shown),
                 FramebufferConsoleError::CellStorageTooSmall);
    EXPECT_FALSE(console.initialized());
    console.write("nothing happens before initialize");
}

KTEST(framebuffer_console, an_indexed_framebuffer_is_refused)
{
    boot::FramebufferInfo info{arch::PhysAddr(0xa0000), 320, 320, 200, 8, boot::FramebufferType::Indexed};
    if (drivers::screen_framebuffer_console() != nullptr)
        KTEST_SKIP("the screen's console is open already (it would be returned)");
    EXPECT_ERROR(drivers::open_screen_framebuffer_console(info), FramebufferConsoleError::NotRgb);
}

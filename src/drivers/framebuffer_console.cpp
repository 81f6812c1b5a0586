#include "drivers/framebuffer_console.h"
#include <cstring>
#include <new>
#include "arch/x86_64/page_table_entry.h"
#include "mem/physical_mapping.h"

namespace drivers {

namespace {

// The 16 colours of VGA text mode as the default VGA palette (IBM VGA
// Technical Reference; colour 6 is brown, not dark yellow) gives them, 0xRRGGBB.
constexpr uint32_t vga_rgb[16] = {
    0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
    0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
};

constexpr size_t max_pixel_bytes = 4;
constexpr size_t max_glyph_width = 32; // 4 bytes per glyph row (tools/psf.py refuses wider fonts)

// An 8-bit channel scaled to the field's size (rounded) and moved to its position.
uint32_t channel(uint32_t value, boot::ColorField field)
{
    const uint64_t top = (uint64_t{1} << field.size) - 1;
    return static_cast<uint32_t>((value * top + 127) / 255 << field.position);
}

// The rows of a glyph the cursor covers: the bottom eighth, at least one.
size_t cursor_height(const ConsoleFont& font)
{
    return font.height / 8 ? font.height / 8 : 1;
}

FramebufferConsole* g_screen = nullptr;

} // namespace

std::string_view to_string(FramebufferConsoleError error)
{
    switch (error) {
    case FramebufferConsoleError::NotRgb: return "the framebuffer is not direct RGB colour";
    case FramebufferConsoleError::UnsupportedPixelSize: return "pixels are not 16, 24 or 32 bits";
    case FramebufferConsoleError::ScreenTooSmall: return "the screen is smaller than one character";
    case FramebufferConsoleError::CellStorageTooSmall: return "the cell grids cannot hold one row";
    case FramebufferConsoleError::OutOfMemory: return "no memory for the cell grids";
    case FramebufferConsoleError::MappingFailed: return "the framebuffer could not be mapped";
    }
    return "unknown framebuffer console error";
}

kstd::Expected<void, FramebufferConsoleError> FramebufferConsole::initialize(const PixelSurface& surface,
                                                                            const ConsoleFont& font,
                                                                            std::span<Cell> text,
                                                                            std::span<Cell> shown)
{
    if (surface.bytes_per_pixel < 2 || surface.bytes_per_pixel > max_pixel_bytes)
        return kstd::unexpected(FramebufferConsoleError::UnsupportedPixelSize);
    if (font.width == 0 || font.width > max_glyph_width || surface.width < font.width ||
        surface.height < font.height || font.height == 0)
        return kstd::unexpected(FramebufferConsoleError::ScreenTooSmall);
    size_t columns = surface.width / font.width;
    size_t rows = surface.height / font.height;
    const size_t capacity = text.size() < shown.size() ? text.size() : shown.size();
    if (capacity < columns)
        return kstd::unexpected(FramebufferConsoleError::CellStorageTooSmall);
    if (columns * rows > capacity)
        rows = capacity / columns;

    m_surface = surface;
    m_font = &font;
    m_columns = columns;
    m_rows = rows;
    m_text = text.first(columns * rows);
    m_shown = shown.first(columns * rows);
    m_cells_drawn = 0;
    m_cursor_drawn_at = 0;
    set_color(VgaColor::LightGray, VgaColor::Black); // as VGA text mode starts
    for (size_t i = 0; i < 16; ++i) {
        const uint32_t rgb = vga_rgb[i];
        m_palette[i] = channel(rgb >> 16 & 0xFF, surface.red) | channel(rgb >> 8 & 0xFF, surface.green) |
                       channel(rgb & 0xFF, surface.blue);
    }
    // Black everywhere, the margins beside and below the cells included; then
    // every cell is drawn once (the shown grid holds nothing a cell could be).
    fill_rect(0, 0, surface.width, surface.height, m_palette[0]);
    for (Cell& cell : m_shown)
        cell = Cell{0, 0xFFFF, 0xFF, false};
    clear();
    return {};
}

FramebufferConsole::Cell FramebufferConsole::blank(uint8_t attribute) const
{
    return Cell{U' ', m_font->glyph_for(U' '), attribute, false};
}

void FramebufferConsole::clear()
{
    if (!initialized())
        return;
    erase_screen_and_home();
    m_dirty_first = 0;
    m_dirty_last = m_rows - 1;
    flush();
}

void FramebufferConsole::set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute)
{
    at(row, column) = Cell{code_point, m_font->glyph_for(code_point), attribute, false};
    mark_dirty(row);
}

// Rows 1.. move up one row in RAM; the framebuffer catches up at the next
// flush, cell by changed cell.
void FramebufferConsole::scroll_up(uint8_t attribute)
{
    std::memmove(m_text.data(), m_text.data() + m_columns, (m_rows - 1) * m_columns * sizeof(Cell));
    for (size_t column = 0; column < m_columns; ++column)
        at(m_rows - 1, column) = blank(attribute);
    m_dirty_first = 0;
    m_dirty_last = m_rows - 1;
}

void FramebufferConsole::mark_dirty(size_t row)
{
    if (m_dirty_first > m_dirty_last) {
        m_dirty_first = m_dirty_last = row;
        return;
    }
    if (row < m_dirty_first)
        m_dirty_first = row;
    if (row > m_dirty_last)
        m_dirty_last = row;
}

void FramebufferConsole::flush()
{
    const size_t cursor = cursor_row() * m_columns + cursor_column();
    if (cursor != m_cursor_drawn_at) {
        mark_dirty(m_cursor_drawn_at / m_columns);
        mark_dirty(cursor_row());
    }
    if (m_dirty_first > m_dirty_last)
        return;
    for (size_t row = m_dirty_first; row <= m_dirty_last; ++row) {
        for (size_t column = 0; column < m_columns; ++column) {
            const size_t index = row * m_columns + column;
            Cell wanted = m_text[index];
            wanted.cursor = index == cursor;
            if (wanted == m_shown[index])
                continue;
            draw(row, column, wanted);
            m_shown[index] = wanted;
        }
    }
    m_cursor_drawn_at = cursor;
    m_dirty_first = 1;
    m_dirty_last = 0;
}

void FramebufferConsole::draw(size_t row, size_t column, const Cell& cell)
{
    const ConsoleFont& font = *m_font;
    const size_t pixel_bytes = m_surface.bytes_per_pixel;
    const uint32_t foreground = m_palette[cell.attribute & 0x0F];
    const uint32_t background = m_palette[cell.attribute >> 4];
    const std::span<const uint8_t> glyph = font.glyph(cell.glyph);
    const size_t cursor_from = cell.cursor ? font.height - cursor_height(font) : font.height;
    std::byte* first = m_surface.pixels + row * font.height * m_surface.pitch + column * font.width * pixel_bytes;
    std::byte line[max_glyph_width * max_pixel_bytes];
    for (size_t y = 0; y < font.height; ++y) {
        const uint8_t* bits = glyph.data() + y * font.bytes_per_row;
        for (size_t x = 0; x < font.width; ++x) {
            const bool on = y >= cursor_from || (bits[x / 8] & (0x80 >> (x % 8))) != 0;
            // The pixel's bytes, little-endian (x86 and the boot loader's field positions agree).
            std::memcpy(line + x * pixel_bytes, on ? &foreground : &background, pixel_bytes);
        }
        // The framebuffer is only written, never read back, so plain stores
        // do: nothing can see them but the device, and the compiler cannot
        // drop stores through a pointer that escapes the function.
        std::memcpy(first + y * m_surface.pitch, line, font.width * pixel_bytes);
    }
    ++m_cells_drawn;
}

void FramebufferConsole::fill_rect(uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t pixel)
{
    const size_t pixel_bytes = m_surface.bytes_per_pixel;
    for (uint32_t line = y; line < y + height; ++line) {
        std::byte* out = m_surface.pixels + size_t{line} * m_surface.pitch + size_t{x} * pixel_bytes;
        for (uint32_t i = 0; i < width; ++i)
            std::memcpy(out + i * pixel_bytes, &pixel, pixel_bytes);
    }
}

char FramebufferConsole::char_at(size_t row, size_t column) const
{
    const char32_t code_point = code_point_at(row, column);
    return code_point < 256 ? static_cast<char>(code_point) : '?';
}

char32_t FramebufferConsole::code_point_at(size_t row, size_t column) const
{
    return initialized() && row < m_rows && column < m_columns ? at(row, column).code_point : U'\0';
}

uint8_t FramebufferConsole::attribute_at(size_t row, size_t column) const
{
    return initialized() && row < m_rows && column < m_columns ? at(row, column).attribute : 0;
}

kstd::Expected<FramebufferConsole*, FramebufferConsoleError> open_screen_framebuffer_console(
    const boot::FramebufferInfo& framebuffer)
{
    if (g_screen != nullptr)
        return g_screen;
    if (framebuffer.type != boot::FramebufferType::Rgb)
        return kstd::unexpected(FramebufferConsoleError::NotRgb);
    const uint32_t pixel_bytes = framebuffer.bytes_per_pixel();
    if (pixel_bytes < 2 || pixel_bytes > max_pixel_bytes)
        return kstd::unexpected(FramebufferConsoleError::UnsupportedPixelSize);
    const ConsoleFont& font = console_font();
    const size_t cells = size_t{framebuffer.width / font.width} * (framebuffer.height / font.height);
    if (cells == 0)
        return kstd::unexpected(FramebufferConsoleError::ScreenTooSmall);

    constexpr arch::Protection write_combining{.writable = true, .caching = arch::Caching::WriteCombining};
    auto mapped = mem::map_physical(framebuffer.address, framebuffer.size_bytes(), write_combining);
    if (!mapped)
        return kstd::unexpected(FramebufferConsoleError::MappingFailed);
    // The grids live as long as the kernel: never freed.
    auto* text = new (std::nothrow) FramebufferConsole::Cell[cells];
    auto* shown = new (std::nothrow) FramebufferConsole::Cell[cells];
    if (text == nullptr || shown == nullptr) {
        delete[] text;
        delete[] shown;
        return kstd::unexpected(FramebufferConsoleError::OutOfMemory);
    }
    // map_physical mapped the whole frame (pitch * height bytes) writable at this address.
    const PixelSurface surface{mapped->as_pointer<std::byte>(), framebuffer.width, framebuffer.height,
                               framebuffer.pitch, static_cast<uint8_t>(pixel_bytes), framebuffer.red,
                               framebuffer.green, framebuffer.blue};
    static FramebufferConsole console;
    TRY(console.initialize(surface, font, {text, cells}, {shown, cells}));
    g_screen = &console;
    return g_screen;
}

FramebufferConsole* screen_framebuffer_console()
{
    return g_screen;
}

} // namespace drivers

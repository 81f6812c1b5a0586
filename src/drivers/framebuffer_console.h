#pragma once
// A text console drawn into an RGB framebuffer: the screen under UEFI, where
// there is no VGA text mode. The same interface as VgaTextConsole (the 16
// VGA colours, clear, scrolling, a visible cursor, char_at/attribute_at for
// tests), drawn with the font compiled into the kernel (drivers/console_font.h).
//
// The text lives in a grid of cells in RAM; the framebuffer is only ever
// written, never read (reading video memory is slow on real hardware and, when
// write-combining, uncached). A second grid records what each cell on the
// screen shows, so that after each write only the cells that changed are
// drawn: scrolling moves the text grid up one row in RAM and redraws the
// cells whose content moved (a blank cell that stays blank costs nothing).
//
// The cursor is an underline over the cell's last rows (the bottom eighth of
// the glyph, 2 rows of a 16-row font: where VGA draws its cursor), in the
// cell's foreground colour.
//
// Pixels are 2, 3 or 4 bytes (16, 24 or 32 bits per pixel, the colour fields
// where the boot loader says). Control characters and escape sequences:
// drivers/ansi_screen.h. write() never allocates: it runs while a panic
// prints.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include "boot/boot_info.h"
#include "core/console.h"
#include "drivers/console_font.h"
#include "drivers/ansi_screen.h"
#include "kstd/expected.h"

namespace drivers {

enum class FramebufferConsoleError : uint8_t {
    NotRgb,                // the framebuffer is not direct colour (indexed, or EGA text)
    UnsupportedPixelSize,  // not 2, 3 or 4 bytes per pixel
    ScreenTooSmall,        // not one whole cell fits
    CellStorageTooSmall,   // the cell grids cannot hold one row
    OutOfMemory,           // no heap for the cell grids
    MappingFailed,         // the framebuffer could not be mapped
};
std::string_view to_string(FramebufferConsoleError error);

// The pixels a console draws into: the boot loader's framebuffer, or RAM
// standing in for one (the tests).
struct PixelSurface {
    std::byte* pixels = nullptr; // the first pixel of the first line
    uint32_t width = 0;          // pixels
    uint32_t height = 0;
    uint32_t pitch = 0;          // bytes from one line to the next
    uint8_t bytes_per_pixel = 4;
    boot::ColorField red{16, 8};
    boot::ColorField green{8, 8};
    boot::ColorField blue{0, 8};
};

class FramebufferConsole final : public AnsiScreen {
public:
    struct Cell {
        char32_t code_point = U' ';
        uint16_t glyph = 0;
        uint8_t attribute = 0x07; // background << 4 | foreground, as in VGA text mode
        bool cursor = false;      // in the shown grid: drawn with the cursor
        bool operator==(const Cell&) const = default;
    };

    // Takes over `surface`, clears it to black and draws the cursor (colours
    // light grey on black, as VGA text mode starts; the cursor at the top left). The two
    // grids must hold at least one row each; the console uses as many whole
    // rows of cells as fit both the surface and the grids.
    [[nodiscard]] kstd::Expected<void, FramebufferConsoleError> initialize(const PixelSurface& surface,
                                                                         const ConsoleFont& font,
                                                                         std::span<Cell> text,
                                                                         std::span<Cell> shown);
    void clear();

    bool initialized() const { return m_surface.pixels != nullptr; }
    size_t columns() const override { return m_columns; }
    size_t rows() const override { return m_rows; }
    const PixelSurface& surface() const { return m_surface; }
    const ConsoleFont& font() const { return *m_font; }

    // For tests and diagnostics: what the screen holds. char_at gives code
    // points above 255 as '?'.
    char char_at(size_t row, size_t column) const;
    char32_t code_point_at(size_t row, size_t column) const;
    uint8_t attribute_at(size_t row, size_t column) const;
    // A VGA colour as this surface stores it (the bytes of a pixel, little-endian).
    uint32_t pixel_value(VgaColor color) const { return m_palette[static_cast<uint8_t>(color)]; }
    // Cells drawn into the framebuffer since initialize (each costs a glyph's pixels).
    uint64_t cells_drawn() const { return m_cells_drawn; }

private:
    void set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute) override;
    void scroll_up(uint8_t attribute) override;
    void finish_write() override { flush(); }
    void mark_dirty(size_t row);
    void flush();
    void draw(size_t row, size_t column, const Cell& cell);
    void fill_rect(uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t pixel);
    Cell blank(uint8_t attribute) const;
    Cell& at(size_t row, size_t column) { return m_text[row * m_columns + column]; }
    const Cell& at(size_t row, size_t column) const { return m_text[row * m_columns + column]; }

    PixelSurface m_surface{};
    const ConsoleFont* m_font = nullptr;
    std::span<Cell> m_text;  // what the screen should show
    std::span<Cell> m_shown; // what the framebuffer shows
    size_t m_columns = 0;
    size_t m_rows = 0;
    size_t m_dirty_first = 0; // rows [first, last] may differ from what is shown; first > last: none
    size_t m_dirty_last = 0;
    size_t m_cursor_drawn_at = 0; // the cell index the cursor was last drawn at
    uint32_t m_palette[16] = {};
    uint64_t m_cells_drawn = 0;
};

// The screen's framebuffer console: maps the boot loader's RGB framebuffer
// write-combining (mem::map_physical), takes its cell grids from the heap
// and initialises the console on it. Needs the Memory stage. Once it
// succeeded, screen_framebuffer_console() returns it.
[[nodiscard]] kstd::Expected<FramebufferConsole*, FramebufferConsoleError> open_screen_framebuffer_console(
    const boot::FramebufferInfo& framebuffer);
FramebufferConsole* screen_framebuffer_console();

} // namespace drivers

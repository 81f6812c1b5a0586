#pragma once
// VGA text mode 80x25 (the mode GRUB leaves us in). Each cell is a 16-bit
// value, the character in the low byte, the colour attribute (background << 4
// | foreground) in the high, in the 32 KiB text window at physical 0xB8000.
//
// The screen shows 2000 cells of that window from the CRT controller's start
// address on. Scrolling moves the start address down one row and clears the
// new bottom row (81 writes) instead of copying the screen up (4000 accesses
// to device memory, each one a trap into the emulator under QEMU); only when
// the window runs out are the visible rows copied back to its top, once every
// 179 lines. Rows and columns below are always those of the screen.
// Control characters and escape sequences: drivers/ansi_screen.h.

#include <cstddef>
#include <cstdint>
#include "drivers/ansi_screen.h"

namespace drivers {

class VgaTextConsole final : public AnsiScreen {
public:
    static constexpr size_t width = 80;
    static constexpr size_t height = 25;

    // Clears the screen and turns on the hardware cursor.
    void initialize();
    void clear();

    // For tests and diagnostics: what the screen holds.
    char char_at(size_t row, size_t column) const;
    uint8_t attribute_at(size_t row, size_t column) const;
    // Where the hardware cursor really is, read back from the CRT controller,
    // as a cell of the screen (row * width + column).
    uint16_t hardware_cursor_position() const;
    // The cell of the text window at the top left of the screen, as the
    // driver keeps it and as the CRT controller has it.
    size_t screen_start() const { return m_origin; }
    uint16_t hardware_screen_start() const;

private:
    size_t columns() const override { return m_buffer ? width : 0; }
    size_t rows() const override { return m_buffer ? height : 0; }
    void set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute) override;
    void scroll_up(uint8_t attribute) override;
    void finish_write() override { update_hardware_cursor(); }
    void update_hardware_cursor();
    void set_screen_start(size_t cell);
    volatile uint16_t& at(size_t row, size_t column) const { return m_buffer[m_origin + row * width + column]; }

    static constexpr size_t window_cells = 32 * 1024 / 2;

    volatile uint16_t* m_buffer = nullptr;
    size_t m_origin = 0; // the screen's first cell in the window
};

VgaTextConsole& vga_text();

} // namespace drivers

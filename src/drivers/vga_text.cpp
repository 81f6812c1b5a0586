#include "drivers/vga_text.h"
#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/port.h"

namespace drivers {

namespace {
constexpr arch::PhysAddr vga_text_phys(0xB8000);
static_assert(vga_text_phys.value() < arch::layout::boot_map_size, "the boot window reaches the VGA buffer");

// CRT controller (VGA register reference: CRTC registers 0x0A, 0x0B, 0x0E, 0x0F).
constexpr arch::Port8 crtc_index(0x3D4);
constexpr arch::Port8 crtc_data(0x3D5);
constexpr uint8_t crtc_cursor_start = 0x0A;
constexpr uint8_t crtc_cursor_end = 0x0B;
constexpr uint8_t crtc_start_address_high = 0x0C;
constexpr uint8_t crtc_start_address_low = 0x0D;
constexpr uint8_t crtc_cursor_location_high = 0x0E;
constexpr uint8_t crtc_cursor_location_low = 0x0F;

uint8_t read_crtc(uint8_t index)
{
    crtc_index.write(index);
    return crtc_data.read();
}

void write_crtc(uint8_t index, uint8_t value)
{
    crtc_index.write(index);
    crtc_data.write(value);
}
} // namespace

void VgaTextConsole::initialize()
{
    // The text buffer is reached through the boot window onto low memory.
    // The VGA text buffer, in the boot window (the static_assert above).
    m_buffer = MUST(arch::boot_map_virtual(vga_text_phys)).as_pointer<volatile uint16_t>();
    clear();
    // A thin underline cursor on scan lines 14-15; keep the reserved bits.
    write_crtc(crtc_cursor_start, static_cast<uint8_t>((read_crtc(crtc_cursor_start) & 0xC0) | 14));
    write_crtc(crtc_cursor_end, static_cast<uint8_t>((read_crtc(crtc_cursor_end) & 0xE0) | 15));
    update_hardware_cursor();
}

namespace {
// A code point as a cell: code page 437 has glyphs for 0x20-0x7E as in
// ASCII; anything else shows as a block.
uint16_t cell(char32_t code_point, uint8_t attribute)
{
    const bool printable = code_point >= 0x20 && code_point <= 0x7E;
    return static_cast<uint16_t>((printable ? code_point : 0xFE) | attribute << 8);
}
} // namespace

void VgaTextConsole::clear()
{
    if (!m_buffer)
        return;
    set_screen_start(0);
    erase_screen_and_home();
    update_hardware_cursor();
}

void VgaTextConsole::set_screen_start(size_t first_cell)
{
    m_origin = first_cell;
    write_crtc(crtc_start_address_high, static_cast<uint8_t>(first_cell >> 8));
    write_crtc(crtc_start_address_low, static_cast<uint8_t>(first_cell & 0xFF));
}

void VgaTextConsole::set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute)
{
    at(row, column) = cell(code_point, attribute);
}

void VgaTextConsole::scroll_up(uint8_t attribute)
{
    if (m_origin + width + width * height <= window_cells) {
        set_screen_start(m_origin + width);
    } else {
        // The window is used up: rows 1.. of the screen to the window's top.
        for (size_t i = 0; i < width * (height - 1); ++i)
            m_buffer[i] = m_buffer[m_origin + width + i];
        set_screen_start(0);
    }
    for (size_t column = 0; column < width; ++column)
        at(height - 1, column) = cell(U' ', attribute);
}

void VgaTextConsole::update_hardware_cursor()
{
    const uint16_t position = static_cast<uint16_t>(m_origin + cursor_row() * width + cursor_column());
    write_crtc(crtc_cursor_location_low, static_cast<uint8_t>(position & 0xFF));
    write_crtc(crtc_cursor_location_high, static_cast<uint8_t>(position >> 8));
}

uint16_t VgaTextConsole::hardware_cursor_position() const
{
    const uint16_t in_window =
        static_cast<uint16_t>(read_crtc(crtc_cursor_location_high) << 8 | read_crtc(crtc_cursor_location_low));
    return static_cast<uint16_t>(in_window - m_origin);
}

uint16_t VgaTextConsole::hardware_screen_start() const
{
    return static_cast<uint16_t>(read_crtc(crtc_start_address_high) << 8 | read_crtc(crtc_start_address_low));
}

char VgaTextConsole::char_at(size_t row, size_t column) const
{
    return m_buffer ? static_cast<char>(at(row, column) & 0xFF) : '\0';
}

uint8_t VgaTextConsole::attribute_at(size_t row, size_t column) const
{
    return m_buffer ? static_cast<uint8_t>(at(row, column) >> 8) : 0;
}

VgaTextConsole& vga_text()
{
    static VgaTextConsole console;
    return console;
}

} // namespace drivers

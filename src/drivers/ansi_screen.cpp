#include "drivers/ansi_screen.h"
#include "kstd/format.h"

namespace drivers {

namespace {

constexpr char32_t escape_code = 0x1B, cancel = 0x18, substitute = 0x1A, bell = 0x07;
constexpr size_t tab_width = 8;
constexpr unsigned max_parameter_value = 9999;

// SGR's colour numbers 0-7 (black, red, green, yellow, blue, magenta, cyan,
// white) as VGA's palette indices (which put blue first).
constexpr uint8_t ansi_to_vga[8] = {0, 4, 2, 6, 1, 5, 3, 7};

uint8_t extended_color(unsigned index)
{
    return index < 8 ? ansi_to_vga[index] : static_cast<uint8_t>(ansi_to_vga[index - 8] | 8);
}

} // namespace

void AnsiScreen::write(std::string_view text)
{
    write_bytes(text, true);
}

void AnsiScreen::write_terminal(std::string_view bytes)
{
    write_bytes(bytes, false);
}

void AnsiScreen::write_bytes(std::string_view bytes, bool newline_returns)
{
    if (columns() == 0 || rows() == 0)
        return;
    m_newline_returns = newline_returns;
    for (char c : bytes)
        put_byte(static_cast<uint8_t>(c));
    finish_write();
}

void AnsiScreen::set_color(VgaColor foreground, VgaColor background)
{
    m_default_foreground = m_foreground = static_cast<uint8_t>(foreground);
    m_default_background = m_background = static_cast<uint8_t>(background);
    m_bold = m_reverse = false;
    update_attribute();
}

void AnsiScreen::update_attribute()
{
    uint8_t foreground = m_foreground | (m_bold ? 8 : 0); // bold is the bright colour, as on Linux's console
    uint8_t background = m_background;
    if (m_reverse) {
        const uint8_t swap = foreground;
        foreground = background;
        background = swap;
    }
    m_attribute = static_cast<uint8_t>(background << 4 | (foreground & 0x0F));
}

// UTF-8 to code points; a broken sequence shows as U+FFFD.
void AnsiScreen::put_byte(uint8_t byte)
{
    if (m_utf8_pending > 0) {
        if ((byte & 0xC0) == 0x80) {
            m_utf8_code = m_utf8_code << 6 | (byte & 0x3F);
            if (--m_utf8_pending == 0)
                put(m_utf8_code);
            return;
        }
        m_utf8_pending = 0;
        put(U'\uFFFD'); // the sequence was cut short; this byte starts afresh
    }
    if (byte < 0x80) {
        put(byte);
    } else if ((byte & 0xE0) == 0xC0) {
        m_utf8_code = byte & 0x1F;
        m_utf8_pending = 1;
    } else if ((byte & 0xF0) == 0xE0) {
        m_utf8_code = byte & 0x0F;
        m_utf8_pending = 2;
    } else if ((byte & 0xF8) == 0xF0) {
        m_utf8_code = byte & 0x07;
        m_utf8_pending = 3;
    } else {
        put(U'\uFFFD');
    }
}

void AnsiScreen::put(char32_t c)
{
    if (c == cancel || c == substitute) {
        m_state = State::Ground; // both abort a sequence (ECMA-48, 8.3.6 and 8.3.148)
        return;
    }
    switch (m_state) {
    case State::Ground:
        if (c < 0x20 || c == 0x7F)
            control(c);
        else
            print(c);
        return;
    case State::Escape:
        escape(c);
        return;
    case State::EscapeIntermediate:
        if (c < 0x20 || c > 0x2F)
            m_state = State::Ground; // the byte after ESC ( and the like: swallowed
        return;
    case State::Csi:
        if (c == escape_code)
            m_state = State::Escape;
        else if (c < 0x20)
            control(c); // a VT100 acts on C0 controls in the middle of a sequence
        else
            csi_byte(c);
        return;
    case State::String: // OSC, DCS, ...: up to BEL or ESC backslash, unseen
        if (c == bell)
            m_state = State::Ground;
        else if (c == escape_code)
            m_state = State::StringEscape;
        return;
    case State::StringEscape:
        m_state = State::Ground;
        if (c != '\\')
            escape(c); // not a terminator: ESC began a new sequence
        return;
    }
}

void AnsiScreen::print(char32_t c)
{
    if (m_wrap_pending) {
        m_column = 0;
        line_feed();
    }
    set_cell(m_row, m_column, c, m_attribute);
    if (m_column + 1 == columns())
        m_wrap_pending = true; // the cursor stays on the last column until more comes
    else
        ++m_column;
}

void AnsiScreen::control(char32_t c)
{
    switch (c) {
    case '\b':
        if (m_column > 0)
            --m_column; // only moves: erasing is "\b \b"
        m_wrap_pending = false;
        return;
    case '\t': {
        const size_t stop = (m_column / tab_width + 1) * tab_width;
        m_column = stop < columns() ? stop : columns() - 1;
        return;
    }
    case '\n':
    case '\v':
    case '\f':
        line_feed();
        if (m_newline_returns)
            m_column = 0;
        return;
    case '\r':
        m_column = 0;
        m_wrap_pending = false;
        return;
    case escape_code:
        m_state = State::Escape;
        return;
    default:
        return; // BEL and the rest show nothing
    }
}

void AnsiScreen::escape(char32_t c)
{
    m_state = State::Ground;
    switch (c) {
    case '[':
        m_state = State::Csi;
        m_parameter_count = 0;
        for (unsigned& parameter : m_parameters)
            parameter = 0;
        m_private = m_intermediate = false;
        return;
    case ']': // OSC
    case 'P': // DCS
    case 'X': // SOS
    case '^': // PM
    case '_': // APC
        m_state = State::String;
        return;
    case '(':
    case ')':
    case '*':
    case '+':
    case '#':
    case '%':
        m_state = State::EscapeIntermediate; // charset designations and DEC tests: one more byte
        return;
    case '7':
        m_saved_row = m_row;
        m_saved_column = m_column;
        m_saved_attribute = m_attribute;
        return;
    case '8':
        move_to(m_saved_row, m_saved_column);
        m_attribute = m_saved_attribute;
        return;
    case 'D': line_feed(); return;
    case 'E':
        line_feed();
        m_column = 0;
        return;
    case 'M': reverse_line_feed(); return;
    case 'c':
        m_foreground = m_default_foreground;
        m_background = m_default_background;
        m_bold = m_reverse = false;
        update_attribute();
        erase_screen_and_home();
        return;
    case escape_code: m_state = State::Escape; return;
    default: return;
    }
}

void AnsiScreen::csi_byte(char32_t c)
{
    if (c >= '0' && c <= '9') {
        if (m_parameter_count == 0)
            m_parameter_count = 1;
        if (m_parameter_count <= max_parameters) {
            unsigned& value = m_parameters[m_parameter_count - 1];
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > max_parameter_value)
                value = max_parameter_value;
        }
    } else if (c == ';') {
        m_parameter_count = (m_parameter_count == 0 ? 1 : m_parameter_count) + 1;
    } else if (c == '?' || c == '>' || c == '=' || c == '<') {
        m_private = true;
    } else if (c >= 0x20 && c <= 0x2F) {
        m_intermediate = true;
    } else if (c >= 0x40 && c <= 0x7E) {
        m_state = State::Ground;
        if (!m_private && !m_intermediate)
            csi_final(static_cast<char>(c));
    } else if (c == 0x7F || c > 0x7E) {
        m_state = State::Ground; // not part of any sequence: give up on it
    }
}

unsigned AnsiScreen::parameter(size_t index, unsigned fallback) const
{
    if (index >= m_parameter_count || index >= max_parameters || m_parameters[index] == 0)
        return fallback;
    return m_parameters[index];
}

void AnsiScreen::csi_final(char final_byte)
{
    const size_t n = parameter(0, 1);
    const size_t last_row = rows() - 1, last_column = columns() - 1;
    switch (final_byte) {
    case 'A': move_to(m_row > n ? m_row - n : 0, m_column); return;
    case 'B':
    case 'e': move_to(m_row + n < last_row ? m_row + n : last_row, m_column); return;
    case 'C':
    case 'a': move_to(m_row, m_column + n < last_column ? m_column + n : last_column); return;
    case 'D': move_to(m_row, m_column > n ? m_column - n : 0); return;
    case 'E': move_to(m_row + n < last_row ? m_row + n : last_row, 0); return;
    case 'F': move_to(m_row > n ? m_row - n : 0, 0); return;
    case 'G':
    case '`': move_to(m_row, n - 1 < last_column ? n - 1 : last_column); return;
    case 'd': move_to(n - 1 < last_row ? n - 1 : last_row, m_column); return;
    case 'H':
    case 'f': {
        const size_t row = n - 1, column = parameter(1, 1) - 1;
        move_to(row < last_row ? row : last_row, column < last_column ? column : last_column);
        return;
    }
    case 'J': erase_display(parameter(0, 0)); return;
    case 'K': erase_line(parameter(0, 0)); return;
    case 'X': erase(m_row, m_column, m_column + n < columns() ? m_column + n : columns()); return;
    case 'm': select_graphic_rendition(); return;
    case 'n':
        if (parameter(0, 0) == 5) {
            reply("\x1B[0n"); // "no malfunction"
        } else if (parameter(0, 0) == 6) {
            kstd::StringBuffer<24> position;
            kstd::format_to(position, "\x1B[{};{}R", m_row + 1, m_column + 1);
            reply(position.view());
        }
        return;
    case 's':
        m_saved_row = m_row;
        m_saved_column = m_column;
        return;
    case 'u': move_to(m_saved_row, m_saved_column); return;
    default: return; // unknown: swallowed
    }
}

void AnsiScreen::select_graphic_rendition()
{
    const size_t count = m_parameter_count == 0 ? 1 : (m_parameter_count < max_parameters ? m_parameter_count : max_parameters);
    for (size_t i = 0; i < count; ++i) {
        const unsigned p = m_parameters[i];
        if (p == 0) {
            m_foreground = m_default_foreground;
            m_background = m_default_background;
            m_bold = m_reverse = false;
        } else if (p == 1) {
            m_bold = true;
        } else if (p == 22) {
            m_bold = false;
        } else if (p == 7) {
            m_reverse = true;
        } else if (p == 27) {
            m_reverse = false;
        } else if (p >= 30 && p <= 37) {
            m_foreground = ansi_to_vga[p - 30];
        } else if (p == 39) {
            m_foreground = m_default_foreground;
        } else if (p >= 40 && p <= 47) {
            m_background = ansi_to_vga[p - 40];
        } else if (p == 49) {
            m_background = m_default_background;
        } else if (p >= 90 && p <= 97) {
            m_foreground = static_cast<uint8_t>(ansi_to_vga[p - 90] | 8);
        } else if (p >= 100 && p <= 107) {
            m_background = static_cast<uint8_t>(ansi_to_vga[p - 100] | 8);
        } else if (p == 38 || p == 48) {
            // 38;5;N (256 colours: the first 16 are ours) or 38;2;R;G;B: the
            // values after are not renditions of their own.
            const unsigned kind = i + 1 < count ? m_parameters[i + 1] : 0;
            if (kind == 5 && i + 2 < count) {
                if (m_parameters[i + 2] < 16)
                    (p == 38 ? m_foreground : m_background) = extended_color(m_parameters[i + 2]);
                i += 2;
            } else if (kind == 2) {
                i += 4;
            } else {
                i = count;
            }
        }
    }
    update_attribute();
}

void AnsiScreen::line_feed()
{
    m_wrap_pending = false;
    if (m_row + 1 < rows())
        ++m_row;
    else
        scroll_up(m_attribute);
}

void AnsiScreen::reverse_line_feed()
{
    m_wrap_pending = false;
    if (m_row > 0)
        --m_row; // at the top a terminal would scroll down; we stay
}

void AnsiScreen::move_to(size_t row, size_t column)
{
    m_row = row;
    m_column = column;
    m_wrap_pending = false;
}

void AnsiScreen::erase(size_t row, size_t from_column, size_t to_column)
{
    for (size_t column = from_column; column < to_column; ++column)
        set_cell(row, column, U' ', m_attribute);
}

void AnsiScreen::erase_display(unsigned mode)
{
    switch (mode) {
    case 0: // the cursor to the end
        erase(m_row, m_column, columns());
        for (size_t row = m_row + 1; row < rows(); ++row)
            erase(row, 0, columns());
        return;
    case 1: // the start to the cursor
        for (size_t row = 0; row < m_row; ++row)
            erase(row, 0, columns());
        erase(m_row, 0, m_column + 1);
        return;
    case 2:
    case 3: // 3: the scrollback too, which we do not keep
        for (size_t row = 0; row < rows(); ++row)
            erase(row, 0, columns());
        return;
    default: return;
    }
}

void AnsiScreen::erase_line(unsigned mode)
{
    switch (mode) {
    case 0: erase(m_row, m_column, columns()); return;
    case 1: erase(m_row, 0, m_column + 1); return;
    case 2: erase(m_row, 0, columns()); return;
    default: return;
    }
}

void AnsiScreen::erase_screen_and_home()
{
    if (columns() == 0)
        return;
    erase_display(2);
    move_to(0, 0);
    m_state = State::Ground;
    m_utf8_pending = 0;
}

void AnsiScreen::reply(std::string_view text)
{
    if (m_reply != nullptr)
        m_reply(m_reply_context, text);
}

} // namespace drivers

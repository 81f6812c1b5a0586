#pragma once
// What a screen console does with the text written to it, as a terminal
// would: one interpreter of control characters and ANSI/VT100 escape
// sequences (ECMA-48; the subset Linux's console and xterm share) for the
// VGA text console and the framebuffer console alike. A subclass only
// stores cells and scrolls; this class decodes UTF-8, keeps the cursor and
// the colours, and turns sequences into cell writes.
//
//   bytes ─> UTF-8 ─> code points ─┬─ printable ──> set_cell(), cursor on (deferred wrap)
//                                  ├─ CR LF BS TAB ─> cursor moves (LF at the bottom: scroll_up())
//                                  └─ ESC ... ───> parser ─> cursor moves, erases, colours, replies
//
// Understood: ESC[nA/B/C/D/E/F/G, ESC[r;cH and f, ESC[nd, ESC[J (0, 1, 2,
// 3), ESC[K (0, 1, 2), ESC[nX, ESC[m (SGR 0, 1, 2, 7, 22, 27, 30-37, 39,
// 40-47, 49, 90-97, 100-107), ESC[5n and ESC[6n (answered through the reply
// handler: ESC[0n, ESC[row;colR), ESC[s/u, ESC 7/8, ESC D/E/M, ESC c.
// Anything else that starts with ESC (private modes ESC[?..h/l, OSC
// strings, charset designations ESC ( B) is swallowed, never shown. Other
// control characters show nothing.
//
// write() is the kernel's text, where '\n' returns to column 0 too;
// write_terminal() is a program's, where '\n' is only a line feed.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "core/console.h"

namespace drivers {

// The 16 colours of VGA text mode, which both screen consoles show.
enum class VgaColor : uint8_t {
    Black = 0, Blue, Green, Cyan, Red, Magenta, Brown, LightGray,
    DarkGray, LightBlue, LightGreen, LightCyan, LightRed, LightMagenta, Yellow, White,
};

class AnsiScreen : public core::Console {
public:
    void write(std::string_view text) override;
    void write_terminal(std::string_view bytes) override;

    // The colours of text written from now on, and those SGR 0 goes back to.
    void set_color(VgaColor foreground, VgaColor background);

    size_t cursor_row() const { return m_row; }
    size_t cursor_column() const { return m_column; }

    // Receives the answers to status requests (ESC[6n), as the bytes a
    // terminal would type; called in the middle of a write, with the
    // console mux's lock held (interrupts off): it may only copy them.
    using ReplyHandler = void (*)(void* context, std::string_view reply);
    void set_reply_handler(ReplyHandler handler, void* context)
    {
        m_reply = handler;
        m_reply_context = context;
    }

protected:
    ~AnsiScreen() = default;

    // What the subclass provides: the grid's size (0 until it can show
    // anything), one cell, and scrolling the whole grid up one row with a
    // blank bottom row in `attribute`.
    virtual size_t columns() const = 0;
    virtual size_t rows() const = 0;
    virtual void set_cell(size_t row, size_t column, char32_t code_point, uint8_t attribute) = 0;
    virtual void scroll_up(uint8_t attribute) = 0;
    // After each write: move the hardware cursor, draw what changed.
    virtual void finish_write() = 0;

    // Blanks every cell and homes the cursor (the subclasses' clear()).
    void erase_screen_and_home();
    uint8_t attribute() const { return m_attribute; }

private:
    enum class State : uint8_t { Ground, Escape, EscapeIntermediate, Csi, String, StringEscape };
    static constexpr size_t max_parameters = 8;

    void write_bytes(std::string_view bytes, bool newline_returns);
    void put_byte(uint8_t byte);
    void put(char32_t code_point);
    void print(char32_t code_point);
    void control(char32_t code_point);
    void escape(char32_t code_point);
    void csi_byte(char32_t code_point);
    void csi_final(char final_byte);
    void select_graphic_rendition();
    void line_feed();
    void reverse_line_feed();
    void move_to(size_t row, size_t column);
    void erase(size_t row, size_t from_column, size_t to_column); // [from, to)
    void erase_display(unsigned mode);
    void erase_line(unsigned mode);
    void reply(std::string_view text);
    void update_attribute();
    unsigned parameter(size_t index, unsigned fallback) const;

    // The cursor; m_wrap_pending: a character went into the last column and
    // the next printable one starts a new line (a VT100's deferred wrap).
    size_t m_row = 0, m_column = 0;
    bool m_wrap_pending = false;
    bool m_newline_returns = true; // during write(): LF is CR LF
    size_t m_saved_row = 0, m_saved_column = 0;
    uint8_t m_saved_attribute = 0x07;

    // Colours: VGA's 4-bit indices; SGR 0 returns to the defaults.
    uint8_t m_default_foreground = 7, m_default_background = 0;
    uint8_t m_foreground = 7, m_background = 0;
    bool m_bold = false, m_reverse = false;
    uint8_t m_attribute = 0x07; // background << 4 | foreground, from the above

    State m_state = State::Ground;
    unsigned m_parameters[max_parameters] = {};
    size_t m_parameter_count = 0; // parameters begun (the one being typed included)
    bool m_private = false;       // ESC[? ... (or > =): a private sequence, swallowed
    bool m_intermediate = false;  // ESC[ ... with a byte 0x20-0x2F: swallowed

    // A UTF-8 sequence in progress across writes (RFC 3629).
    char32_t m_utf8_code = 0;
    uint8_t m_utf8_pending = 0;

    ReplyHandler m_reply = nullptr;
    void* m_reply_context = nullptr;
};

} // namespace drivers

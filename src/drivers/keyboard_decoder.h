#pragma once
// Turning PS/2 scan code set 1 into key events and US-layout characters.
//
// Set 1 is what the keyboard controller delivers with translation on (the
// BIOS default, and drivers/keyboard.cpp makes sure). A key sends its make
// code when pressed (repeated while held) and make | 0x80 when released.
// Keys added after the XT are prefixed by 0xE0; Pause sends the six bytes
// E1 1D 45 E1 9D C5 and no release; Print Screen is E0 2A E0 37 (a "fake
// shift" then the key). Scan code tables: OSDev wiki "PS/2 Keyboard", scan
// code set 1; the IBM PC/AT Technical Reference.
//
// The decoder is plain code: tests feed it bytes.

#include <cstdint>
#include <optional>
#include <string_view>

namespace drivers::keyboard {

enum class Key : uint8_t {
    Unknown,
    Escape, Backspace, Tab, Enter, Space,
    A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z,
    Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
    Minus, Equals, LeftBracket, RightBracket, Backslash, Semicolon, Apostrophe, Grave, Comma, Period, Slash,
    NonUsBackslash,
    LeftShift, RightShift, LeftCtrl, RightCtrl, LeftAlt, RightAlt, LeftGui, RightGui, Menu,
    CapsLock, NumLock, ScrollLock,
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
    Insert, Delete, Home, End, PageUp, PageDown, Up, Down, Left, Right,
    Keypad0, Keypad1, Keypad2, Keypad3, Keypad4, Keypad5, Keypad6, Keypad7, Keypad8, Keypad9,
    KeypadPeriod, KeypadPlus, KeypadMinus, KeypadMultiply, KeypadDivide, KeypadEnter,
    PrintScreen, SysRq, Pause,
};

std::string_view to_string(Key key);

struct Modifiers {
    bool shift = false; // either Shift key held
    bool ctrl = false;
    bool alt = false;
    bool caps_lock = false; // toggled on
    bool num_lock = true;   // toggled on (the BIOS turns it on at boot)
};

struct KeyEvent {
    Key key;
    bool pressed;        // false: released
    Modifiers modifiers; // as they are after this event
    char character;      // what the key types (US layout) if pressed, else 0
    uint8_t scancode;    // the code's last byte, without the release bit
    bool extended;       // E0-prefixed
};

// What a terminal sends for a key press, as Linux's console does (TERM=linux):
// the key's character; Enter as CR ('\r', which ICRNL turns into '\n');
// Backspace as DEL (0x7F, VERASE); Ctrl with a letter or one of @ [ \ ] ^ _
// as the control code (Ctrl-C 0x03, Ctrl-\\ 0x1C); Alt as an ESC before the
// key's bytes; and VT100/VT220 sequences for the other keys: arrows ESC [ A-D,
// Home ESC [ 1 ~, Insert ESC [ 2 ~, Delete ESC [ 3 ~, End ESC [ 4 ~,
// Page Up/Down ESC [ 5 ~ / 6 ~, F1-F5 ESC [ [ A-E, F6-F12 ESC [ 17 ~ .. 24 ~
// (the keypad without Num Lock as the keys it stands for). Releases and
// modifiers alone send nothing.
struct TerminalBytes {
    char bytes[8] = {};
    uint8_t length = 0;
    std::string_view view() const { return {bytes, length}; }
};
TerminalBytes terminal_bytes(const KeyEvent& event);

class ScancodeDecoder {
public:
    // Feeds one byte; returns an event when a key's sequence is complete.
    // Prefixes, fake shifts and controller responses (ACK 0xFA, resend
    // 0xFE, echo 0xEE, errors 0x00/0xFF) yield nothing.
    std::optional<KeyEvent> feed(uint8_t byte);

    const Modifiers& modifiers() const { return m_modifiers; }
    // Forgets a half-received sequence (e.g. after bytes were lost).
    void reset_sequence() { m_prefix = Prefix::None; m_pause_bytes_left = 0; }

private:
    enum class Prefix : uint8_t { None, E0 };

    KeyEvent make_event(Key key, bool pressed, uint8_t code, bool extended);
    void track_modifiers(Key key, bool pressed);
    char character_for(Key key) const;

    Prefix m_prefix = Prefix::None;
    uint8_t m_pause_bytes_left = 0;
    Modifiers m_modifiers;
    bool m_left_shift = false, m_right_shift = false;
    bool m_left_ctrl = false, m_right_ctrl = false;
    bool m_left_alt = false, m_right_alt = false;
    bool m_caps_held = false, m_num_held = false; // a held toggle key repeats its make code
};

} // namespace drivers::keyboard

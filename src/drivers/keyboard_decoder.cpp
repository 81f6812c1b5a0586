#include "drivers/keyboard_decoder.h"

namespace drivers::keyboard {

namespace {

constexpr uint8_t release_bit = 0x80;
constexpr uint8_t prefix_e0 = 0xE0;
constexpr uint8_t prefix_e1 = 0xE1;
constexpr uint8_t pause_sequence_length = 5; // bytes after E1: 1D 45 E1 9D C5
// Bytes the keyboard sends that are not keys (scan code set 1 has no key
// with these make codes): acknowledge, resend, echo, error/overrun.
constexpr uint8_t response_ack = 0xFA;
constexpr uint8_t response_resend = 0xFE;
constexpr uint8_t response_echo = 0xEE;
constexpr uint8_t response_error = 0x00;
constexpr uint8_t response_overrun = 0xFF;
// E0 2A / E0 36 (and their releases) are the "fake shifts" some keys send
// around themselves so that old software sees an unshifted key.
constexpr uint8_t fake_left_shift = 0x2A;
constexpr uint8_t fake_right_shift = 0x36;

using K = Key;

// Make codes 0x00-0x58 without prefix.
constexpr Key g_plain[0x59] = {
    K::Unknown, K::Escape, K::Digit1, K::Digit2, K::Digit3, K::Digit4, K::Digit5, K::Digit6,  // 00-07
    K::Digit7, K::Digit8, K::Digit9, K::Digit0, K::Minus, K::Equals, K::Backspace, K::Tab,    // 08-0F
    K::Q, K::W, K::E, K::R, K::T, K::Y, K::U, K::I,                                           // 10-17
    K::O, K::P, K::LeftBracket, K::RightBracket, K::Enter, K::LeftCtrl, K::A, K::S,           // 18-1F
    K::D, K::F, K::G, K::H, K::J, K::K, K::L, K::Semicolon,                                   // 20-27
    K::Apostrophe, K::Grave, K::LeftShift, K::Backslash, K::Z, K::X, K::C, K::V,              // 28-2F
    K::B, K::N, K::M, K::Comma, K::Period, K::Slash, K::RightShift, K::KeypadMultiply,        // 30-37
    K::LeftAlt, K::Space, K::CapsLock, K::F1, K::F2, K::F3, K::F4, K::F5,                     // 38-3F
    K::F6, K::F7, K::F8, K::F9, K::F10, K::NumLock, K::ScrollLock, K::Keypad7,                // 40-47
    K::Keypad8, K::Keypad9, K::KeypadMinus, K::Keypad4, K::Keypad5, K::Keypad6, K::KeypadPlus, K::Keypad1, // 48-4F
    K::Keypad2, K::Keypad3, K::Keypad0, K::KeypadPeriod, K::SysRq, K::Unknown, K::NonUsBackslash, K::F11, // 50-57
    K::F12,                                                                                   // 58
};

Key extended_key(uint8_t code)
{
    switch (code) {
    case 0x1C: return K::KeypadEnter;
    case 0x1D: return K::RightCtrl;
    case 0x35: return K::KeypadDivide;
    case 0x37: return K::PrintScreen;
    case 0x38: return K::RightAlt;
    case 0x47: return K::Home;
    case 0x48: return K::Up;
    case 0x49: return K::PageUp;
    case 0x4B: return K::Left;
    case 0x4D: return K::Right;
    case 0x4F: return K::End;
    case 0x50: return K::Down;
    case 0x51: return K::PageDown;
    case 0x52: return K::Insert;
    case 0x53: return K::Delete;
    case 0x5B: return K::LeftGui;
    case 0x5C: return K::RightGui;
    case 0x5D: return K::Menu;
    default: return K::Unknown;
    }
}

bool is_letter(Key key)
{
    return key >= K::A && key <= K::Z;
}

struct Symbol {
    Key key;
    char plain;
    char shifted;
};

// The US layout's non-letter keys (IBM PC keyboard, ANSI layout).
constexpr Symbol g_symbols[] = {
    {K::Digit1, '1', '!'}, {K::Digit2, '2', '@'}, {K::Digit3, '3', '#'}, {K::Digit4, '4', '$'},
    {K::Digit5, '5', '%'}, {K::Digit6, '6', '^'}, {K::Digit7, '7', '&'}, {K::Digit8, '8', '*'},
    {K::Digit9, '9', '('}, {K::Digit0, '0', ')'}, {K::Minus, '-', '_'}, {K::Equals, '=', '+'},
    {K::LeftBracket, '[', '{'}, {K::RightBracket, ']', '}'}, {K::Backslash, '\\', '|'},
    {K::Semicolon, ';', ':'}, {K::Apostrophe, '\'', '"'}, {K::Grave, '`', '~'}, {K::Comma, ',', '<'},
    {K::Period, '.', '>'}, {K::Slash, '/', '?'}, {K::NonUsBackslash, '\\', '|'}, {K::Space, ' ', ' '},
    {K::Enter, '\n', '\n'}, {K::KeypadEnter, '\n', '\n'}, {K::Tab, '\t', '\t'}, {K::Backspace, '\b', '\b'},
    {K::Escape, '\x1B', '\x1B'}, {K::KeypadMultiply, '*', '*'}, {K::KeypadMinus, '-', '-'},
    {K::KeypadPlus, '+', '+'}, {K::KeypadDivide, '/', '/'},
};

// With Num Lock on the keypad types digits; off, it is a second set of
// navigation keys (which type nothing).
constexpr Symbol g_keypad_digits[] = {
    {K::Keypad0, '0', 0}, {K::Keypad1, '1', 0}, {K::Keypad2, '2', 0}, {K::Keypad3, '3', 0},
    {K::Keypad4, '4', 0}, {K::Keypad5, '5', 0}, {K::Keypad6, '6', 0}, {K::Keypad7, '7', 0},
    {K::Keypad8, '8', 0}, {K::Keypad9, '9', 0}, {K::KeypadPeriod, '.', 0},
};

constexpr std::string_view g_names[] = {
    "unknown", "escape", "backspace", "tab", "enter", "space",
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
    "w", "x", "y", "z",
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "minus", "equals", "left bracket", "right bracket", "backslash", "semicolon", "apostrophe", "grave", "comma",
    "period", "slash", "non-US backslash",
    "left shift", "right shift", "left ctrl", "right ctrl", "left alt", "right alt", "left GUI", "right GUI",
    "menu", "caps lock", "num lock", "scroll lock",
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
    "insert", "delete", "home", "end", "page up", "page down", "up", "down", "left", "right",
    "keypad 0", "keypad 1", "keypad 2", "keypad 3", "keypad 4", "keypad 5", "keypad 6", "keypad 7", "keypad 8",
    "keypad 9", "keypad period", "keypad plus", "keypad minus", "keypad multiply", "keypad divide",
    "keypad enter", "print screen", "sysrq", "pause",
};
static_assert(sizeof g_names / sizeof g_names[0] == static_cast<size_t>(K::Pause) + 1, "a name for every key");

// The sequence a key without a character of its own sends (Linux's
// console keymap, TERM=linux); null: none.
const char* key_sequence(Key key, bool num_lock)
{
    switch (key) {
    case K::Up: return "\x1B[A";
    case K::Down: return "\x1B[B";
    case K::Right: return "\x1B[C";
    case K::Left: return "\x1B[D";
    case K::Home: return "\x1B[1~";
    case K::Insert: return "\x1B[2~";
    case K::Delete: return "\x1B[3~";
    case K::End: return "\x1B[4~";
    case K::PageUp: return "\x1B[5~";
    case K::PageDown: return "\x1B[6~";
    case K::F1: return "\x1B[[A";
    case K::F2: return "\x1B[[B";
    case K::F3: return "\x1B[[C";
    case K::F4: return "\x1B[[D";
    case K::F5: return "\x1B[[E";
    case K::F6: return "\x1B[17~";
    case K::F7: return "\x1B[18~";
    case K::F8: return "\x1B[19~";
    case K::F9: return "\x1B[20~";
    case K::F10: return "\x1B[21~";
    case K::F11: return "\x1B[23~";
    case K::F12: return "\x1B[24~";
    default: break;
    }
    if (num_lock)
        return nullptr;
    switch (key) { // the keypad's second meaning
    case K::Keypad8: return key_sequence(K::Up, true);
    case K::Keypad2: return key_sequence(K::Down, true);
    case K::Keypad6: return key_sequence(K::Right, true);
    case K::Keypad4: return key_sequence(K::Left, true);
    case K::Keypad7: return key_sequence(K::Home, true);
    case K::Keypad0: return key_sequence(K::Insert, true);
    case K::KeypadPeriod: return key_sequence(K::Delete, true);
    case K::Keypad1: return key_sequence(K::End, true);
    case K::Keypad9: return key_sequence(K::PageUp, true);
    case K::Keypad3: return key_sequence(K::PageDown, true);
    default: return nullptr;
    }
}

// Ctrl with a symbol: the control code of its ASCII column (@ [ \ ] ^ _ and
// the keys they share), as xterm and Linux send; 0xFF: none.
uint8_t control_symbol(char c)
{
    switch (c) {
    case '@': case '2': case ' ': return 0x00;
    case '[': case '{': return 0x1B;
    case '\\': case '|': return 0x1C;
    case ']': case '}': return 0x1D;
    case '^': case '6': case '~': case '`': return 0x1E;
    case '_': case '-': case '/': case '?': return 0x1F;
    default: return 0xFF;
    }
}

} // namespace

TerminalBytes terminal_bytes(const KeyEvent& event)
{
    TerminalBytes out;
    if (!event.pressed)
        return out;
    auto append = [&out](std::string_view bytes) {
        for (char c : bytes) {
            if (out.length < sizeof out.bytes)
                out.bytes[out.length++] = c;
        }
    };
    if (const char* sequence = key_sequence(event.key, event.modifiers.num_lock)) {
        append(sequence);
        return out;
    }
    char c = event.character;
    if (event.key == K::Enter || event.key == K::KeypadEnter)
        c = '\r';
    else if (event.key == K::Backspace)
        c = '\x7F';
    else if (event.modifiers.ctrl && !is_letter(event.key) && c != '\0') {
        const uint8_t code = control_symbol(c);
        if (code != 0xFF)
            c = static_cast<char>(code);
    }
    if (c == '\0' && !(event.modifiers.ctrl && control_symbol(event.character) == 0))
        return out; // a modifier, a lock, a key that types nothing
    if (event.modifiers.alt)
        append("\x1B"); // Meta sends an escape first
    append(std::string_view(&c, 1));
    return out;
}

std::string_view to_string(Key key)
{
    return g_names[static_cast<size_t>(key)];
}

std::optional<KeyEvent> ScancodeDecoder::feed(uint8_t byte)
{
    if (m_pause_bytes_left > 0) {
        if (--m_pause_bytes_left == 0)
            return make_event(K::Pause, true, 0x45, false);
        return std::nullopt;
    }
    switch (byte) {
    case response_ack:
    case response_resend:
    case response_echo:
    case response_error:
    case response_overrun:
        return std::nullopt;
    case prefix_e0:
        m_prefix = Prefix::E0;
        return std::nullopt;
    case prefix_e1:
        m_prefix = Prefix::None;
        m_pause_bytes_left = pause_sequence_length;
        return std::nullopt;
    default:
        break;
    }
    const bool extended = m_prefix == Prefix::E0;
    m_prefix = Prefix::None;
    const bool pressed = (byte & release_bit) == 0;
    const uint8_t code = byte & static_cast<uint8_t>(~release_bit);
    if (extended && (code == fake_left_shift || code == fake_right_shift))
        return std::nullopt;
    const Key key = extended ? extended_key(code) : code < sizeof g_plain ? g_plain[code] : K::Unknown;
    return make_event(key, pressed, code, extended);
}

KeyEvent ScancodeDecoder::make_event(Key key, bool pressed, uint8_t code, bool extended)
{
    track_modifiers(key, pressed);
    return {key, pressed, m_modifiers, pressed ? character_for(key) : '\0', code, extended};
}

void ScancodeDecoder::track_modifiers(Key key, bool pressed)
{
    switch (key) {
    case K::LeftShift: m_left_shift = pressed; break;
    case K::RightShift: m_right_shift = pressed; break;
    case K::LeftCtrl: m_left_ctrl = pressed; break;
    case K::RightCtrl: m_right_ctrl = pressed; break;
    case K::LeftAlt: m_left_alt = pressed; break;
    case K::RightAlt: m_right_alt = pressed; break;
    case K::CapsLock:
        // Toggle on the first make only: holding the key repeats the make code.
        if (pressed && !m_caps_held)
            m_modifiers.caps_lock = !m_modifiers.caps_lock;
        m_caps_held = pressed;
        break;
    case K::NumLock:
        if (pressed && !m_num_held)
            m_modifiers.num_lock = !m_modifiers.num_lock;
        m_num_held = pressed;
        break;
    default: break;
    }
    m_modifiers.shift = m_left_shift || m_right_shift;
    m_modifiers.ctrl = m_left_ctrl || m_right_ctrl;
    m_modifiers.alt = m_left_alt || m_right_alt;
}

char ScancodeDecoder::character_for(Key key) const
{
    if (is_letter(key)) {
        const char letter = static_cast<char>('a' + (static_cast<int>(key) - static_cast<int>(K::A)));
        if (m_modifiers.ctrl)
            return static_cast<char>(letter & 0x1F); // Ctrl+A = 0x01 ... Ctrl+Z = 0x1A
        // Caps Lock affects letters only, and Shift inverts it.
        const bool upper = m_modifiers.shift != m_modifiers.caps_lock;
        return upper ? static_cast<char>(letter - 'a' + 'A') : letter;
    }
    for (const Symbol& symbol : g_symbols) {
        if (symbol.key == key)
            return m_modifiers.shift ? symbol.shifted : symbol.plain;
    }
    if (m_modifiers.num_lock) {
        for (const Symbol& symbol : g_keypad_digits) {
            if (symbol.key == key)
                return symbol.plain;
        }
    }
    return '\0';
}

} // namespace drivers::keyboard

// KTEST cases of keyboard_decoder.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and keyboard_decoder.cpp has strings of its own.

#include "drivers/keyboard_decoder.h"
#include "ktest/ktest.h"

namespace {

using drivers::keyboard::Key;
using drivers::keyboard::KeyEvent;
using drivers::keyboard::ScancodeDecoder;

// Feeds `bytes` and collects the characters of the key presses.
template <size_t N>
std::string_view type(ScancodeDecoder& decoder, const uint8_t (&bytes)[N], kstd::StringBuffer<64>& text)
{
    text.clear();
    for (uint8_t byte : bytes) {
        if (auto event = decoder.feed(byte); event && event->character != '\0')
            text.write(std::string_view(&event->character, 1));
    }
    return text.view();
}

} // namespace

KTEST(keyboard_decoder, make_and_break_codes)
{
    ScancodeDecoder decoder;
    auto press = decoder.feed(0x1E);
    ASSERT_TRUE(press.has_value());
    EXPECT_EQ(press->key, Key::A);
    EXPECT_TRUE(press->pressed);
    EXPECT_EQ(press->character, 'a');
    auto release = decoder.feed(0x9E);
    ASSERT_TRUE(release.has_value());
    EXPECT_EQ(release->key, Key::A);
    EXPECT_FALSE(release->pressed);
    EXPECT_EQ(release->character, '\0', "a release types nothing");
}

KTEST(keyboard_decoder, shift_makes_capitals_and_symbols)
{
    ScancodeDecoder decoder;
    kstd::StringBuffer<64> text;
    // Shift down, h, i, 1, Shift up, h, 1; then right Shift with '/'.
    constexpr uint8_t bytes[] = {0x2A, 0x23, 0xA3, 0x17, 0x97, 0x02, 0x82, 0xAA, 0x23, 0xA3, 0x02, 0x82,
                                 0x36, 0x35, 0xB5, 0xB6};
    EXPECT_STREQ(type(decoder, bytes, text), "HI!h1?");
    EXPECT_FALSE(decoder.modifiers().shift);
}

KTEST(keyboard_decoder, caps_lock_toggles_letters_only_and_shift_inverts_it)
{
    ScancodeDecoder decoder;
    kstd::StringBuffer<64> text;
    // Caps Lock (held: the make repeats), a, 1, Shift+a, Caps Lock again, a.
    constexpr uint8_t bytes[] = {0x3A, 0x3A, 0x3A, 0xBA, 0x1E, 0x9E, 0x02, 0x82, 0x2A, 0x1E, 0x9E, 0xAA,
                                 0x3A, 0xBA, 0x1E, 0x9E};
    EXPECT_STREQ(type(decoder, bytes, text), "A1aa");
    EXPECT_FALSE(decoder.modifiers().caps_lock);
}

KTEST(keyboard_decoder, e0_prefixed_keys)
{
    ScancodeDecoder decoder;
    EXPECT_FALSE(decoder.feed(0xE0).has_value(), "a prefix alone is no event");
    auto up = decoder.feed(0x48);
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->key, Key::Up);
    EXPECT_TRUE(up->extended);
    EXPECT_EQ(up->character, '\0');
    // Without the prefix, 0x48 is keypad 8 (Num Lock is on).
    auto keypad = decoder.feed(0x48);
    ASSERT_TRUE(keypad.has_value());
    EXPECT_EQ(keypad->key, Key::Keypad8);
    EXPECT_EQ(keypad->character, '8');
    kstd::StringBuffer<64> text;
    constexpr uint8_t divide_and_enter[] = {0xE0, 0x35, 0xE0, 0xB5, 0xE0, 0x1C, 0xE0, 0x9C};
    EXPECT_STREQ(type(decoder, divide_and_enter, text), "/\n");
}

KTEST(keyboard_decoder, ctrl_makes_control_characters)
{
    ScancodeDecoder decoder;
    kstd::StringBuffer<64> text;
    // Right Ctrl (E0 1D) + c, then left Ctrl + z.
    constexpr uint8_t bytes[] = {0xE0, 0x1D, 0x2E, 0xAE, 0xE0, 0x9D, 0x1D, 0x2C, 0xAC, 0x9D, 0x2E};
    EXPECT_STREQ(type(decoder, bytes, text), "\x03\x1A" "c");
}

KTEST(keyboard_decoder, print_screen_pause_and_controller_responses)
{
    ScancodeDecoder decoder;
    // Print Screen: E0 2A (fake shift, ignored) E0 37.
    EXPECT_FALSE(decoder.feed(0xE0).has_value());
    EXPECT_FALSE(decoder.feed(0x2A).has_value());
    EXPECT_FALSE(decoder.feed(0xE0).has_value());
    auto print_screen = decoder.feed(0x37);
    ASSERT_TRUE(print_screen.has_value());
    EXPECT_EQ(print_screen->key, Key::PrintScreen);
    EXPECT_FALSE(decoder.modifiers().shift, "the fake shift is not a Shift");
    // Pause: six bytes, one event.
    constexpr uint8_t pause[] = {0xE1, 0x1D, 0x45, 0xE1, 0x9D};
    for (uint8_t byte : pause)
        EXPECT_FALSE(decoder.feed(byte).has_value());
    auto pause_event = decoder.feed(0xC5);
    ASSERT_TRUE(pause_event.has_value());
    EXPECT_EQ(pause_event->key, Key::Pause);
    // An ACK from the keyboard is not a key.
    EXPECT_FALSE(decoder.feed(0xFA).has_value());
    EXPECT_STREQ(drivers::keyboard::to_string(Key::PageDown), "page down");
}
namespace {

// The bytes a terminal sends for the key presses among `bytes`, as
// fs::Terminal receives them.
template <size_t N>
std::string_view send(ScancodeDecoder& decoder, const uint8_t (&bytes)[N], kstd::StringBuffer<64>& text)
{
    text.clear();
    for (uint8_t byte : bytes) {
        if (auto event = decoder.feed(byte))
            text.write(drivers::keyboard::terminal_bytes(*event).view());
    }
    return text.view();
}

} // namespace

KTEST(keyboard_decoder, terminal_bytes_of_navigation_keys_are_vt100_sequences)
{
    ScancodeDecoder decoder;
    kstd::StringBuffer<64> text;
    constexpr uint8_t arrows[] = {0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x50, 0xE0, 0x4D, 0xE0, 0x4B}; // up (and release), down, right, left
    EXPECT_STREQ(send(decoder, arrows, text), "\x1B[A\x1B[B\x1B[C\x1B[D");
    constexpr uint8_t editing[] = {0xE0, 0x47, 0xE0, 0x4F, 0xE0, 0x53, 0xE0, 0x52, 0xE0, 0x49, 0xE0, 0x51};
    EXPECT_STREQ(send(decoder, editing, text), "\x1B[1~\x1B[4~\x1B[3~\x1B[2~\x1B[5~\x1B[6~",
                 "Home, End, Delete, Insert, Page Up, Page Down");
    constexpr uint8_t function_keys[] = {0x3B, 0x3F, 0x40, 0x58};
    EXPECT_STREQ(send(decoder, function_keys, text), "\x1B[[A\x1B[[E\x1B[17~\x1B[24~", "F1, F5, F6, F12");
    constexpr uint8_t keypad[] = {0x48, 0x45, 0xC5, 0x48, 0x4F}; // keypad 8; Num Lock off; keypad 8 and 1
    EXPECT_STREQ(send(decoder, keypad, text), "8\x1B[A\x1B[4~", "without Num Lock the keypad navigates");
}

KTEST(keyboard_decoder, terminal_bytes_of_enter_backspace_and_control_keys)
{
    ScancodeDecoder decoder;
    kstd::StringBuffer<64> text;
    constexpr uint8_t keys[] = {0x1E, 0x9E, 0x1C, 0x9C, 0x0E, 0x8E, 0x0F, 0x01}; // a, Enter, Backspace, Tab, Esc
    EXPECT_STREQ(send(decoder, keys, text), "a\r\x7F\t\x1B", "Enter is CR, Backspace is DEL (VERASE)");
    // Ctrl held: C, backslash, [, 2 (NUL); then Ctrl released.
    constexpr uint8_t control[] = {0x1D, 0x2E, 0x2B, 0x1A, 0x03, 0x9D};
    EXPECT_EQ(send(decoder, control, text).size(), 4u);
    EXPECT_STREQ(text.view(), std::string_view("\x03\x1C\x1B\0", 4));
    constexpr uint8_t alt[] = {0x38, 0x2D, 0xB8, 0x2A, 0xAA}; // Alt+x, then Shift alone
    EXPECT_STREQ(send(decoder, alt, text), "\x1Bx", "Alt sends ESC first; a modifier alone sends nothing");
}

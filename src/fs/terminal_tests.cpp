// KTEST cases for the line discipline (fs/terminal.cpp): each case has a
// terminal of its own, whose output a recorder keeps (or a screen that
// answers ESC[6n), and types into it with receive().

#include "fs/terminal.h"
#include <optional>
#include "core/console_recorder.h"
#include "ktest/ktest.h"
#include "sched/test_threads.h"
#include "sched/thread.h"

namespace {

using namespace std::chrono_literals;
using fs::Terminal;
using fs::Termios;
namespace tty = fs::tty;

core::ConsoleRecorder g_output;
std::optional<Terminal> g_terminal;

Terminal& fresh_terminal(core::Console& output = g_output)
{
    g_output.clear();
    g_terminal.reset();
    g_terminal.emplace(output);
    g_terminal->open_input();
    return *g_terminal;
}

// What the terminal wrote since the last call.
std::string_view output()
{
    static char copy[core::ConsoleRecorder::capacity];
    const std::string_view text = g_output.text();
    for (size_t i = 0; i < text.size(); ++i)
        copy[i] = text[i];
    g_output.clear();
    return {copy, text.size()};
}

struct ReadResult {
    char bytes[128] = {};
    size_t length = 0;
    std::string_view view() const { return {bytes, length}; }
};

ReadResult read_from(Terminal& terminal, size_t size = sizeof ReadResult::bytes)
{
    ReadResult result;
    auto got = terminal.read(std::span(reinterpret_cast<std::byte*>(result.bytes), size));
    KASSERT(got.has_value(), "a read in a kernel thread is not interrupted");
    result.length = *got;
    return result;
}

// Changes local flags, c_cc and the rest through attributes()/set_attributes().
void set_modes(Terminal& terminal, uint32_t local_off, uint32_t local_on, int minimum = 1, int time = 0,
               uint32_t input_off = 0, uint32_t output_off = 0)
{
    Termios termios = terminal.attributes();
    termios.local = (termios.local & ~local_off) | local_on;
    termios.input &= ~input_off;
    termios.output &= ~output_off;
    termios.characters[tty::vmin] = static_cast<uint8_t>(minimum);
    termios.characters[tty::vtime] = static_cast<uint8_t>(time);
    terminal.set_attributes(termios, false);
}

void raw(Terminal& terminal, int minimum = 1, int time = 0)
{
    set_modes(terminal, tty::icanon | tty::echo, 0, minimum, time);
}

struct Interrupt {
    uint64_t group = 0;
    int signal = 0;
    int calls = 0;
};
Interrupt g_interrupt;

void record_interrupt(uint64_t group, int signal)
{
    g_interrupt = {group, signal, g_interrupt.calls + 1};
}

} // namespace

KTEST(terminal, starts_with_linux_defaults)
{
    Terminal& terminal = fresh_terminal();
    const Termios termios = terminal.attributes();
    EXPECT_EQ(termios.input, 0x500u, "ICRNL | IXON");
    EXPECT_EQ(termios.output, 0x5u, "OPOST | ONLCR");
    EXPECT_EQ(termios.control, 0x4BFu, "B38400 | CS8 | CREAD | HUPCL");
    EXPECT_EQ(termios.local, 0x8A3Bu, "ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN");
    const uint8_t expected[19] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0};
    for (size_t i = 0; i < 19; ++i)
        EXPECT_EQ(termios.characters[i], expected[i], "c_cc[{}]", i);
    const fs::WindowSize size = terminal.window_size();
    EXPECT_EQ(size.rows, 25u, "the test kernel's screen: VGA text");
    EXPECT_EQ(size.columns, 80u);
    terminal.set_window_size({50, 132, 0, 0});
    EXPECT_EQ(terminal.window_size().columns, 132u, "TIOCSWINSZ is kept");
}

KTEST(terminal, canonical_mode_edits_a_line_and_echoes_it)
{
    Terminal& terminal = fresh_terminal();
    terminal.receive("ab\x7F" "c\r"); // DEL erases, Enter (CR) ends the line
    EXPECT_STREQ(read_from(terminal).view(), "ac\n");
    EXPECT_STREQ(output(), "ab\b \bc\r\n", "echoed, the erase as \\b \\b, the newline as CR LF");
    terminal.receive("xyz\x15q\n"); // Ctrl-U kills the line
    EXPECT_STREQ(read_from(terminal).view(), "q\n");
    EXPECT_STREQ(output(), "xyz\b \b\b \b\b \bq\r\n");
    terminal.receive("one two \x17three\n"); // Ctrl-W erases a word
    EXPECT_STREQ(read_from(terminal).view(), "one three\n");
    terminal.receive("\x01\x7F\t\x7F!\n"); // a control character shows as ^A, two columns to erase
    EXPECT_STREQ(read_from(terminal).view(), "!\n");
    const std::string_view echo = output();
    EXPECT_TRUE(echo.find("^A\b \b\b \b") != std::string_view::npos, "echo: {}", echo);
    terminal.receive("\x16\x7F\n"); // Ctrl-V: the next byte is data, even DEL
    EXPECT_STREQ(read_from(terminal).view(), "\x7F\n");
}

KTEST(terminal, a_line_is_read_in_pieces_and_ctrl_d_ends_input)
{
    Terminal& terminal = fresh_terminal();
    terminal.receive("hello\nworld\n");
    EXPECT_STREQ(read_from(terminal, 3).view(), "hel");
    EXPECT_STREQ(read_from(terminal).view(), "lo\n", "a read never goes past a line's end");
    EXPECT_STREQ(read_from(terminal).view(), "world\n");
    terminal.receive("abc\x04");
    EXPECT_STREQ(read_from(terminal).view(), "abc", "Ctrl-D ends the line without a newline");
    terminal.receive("\x04");
    EXPECT_EQ(read_from(terminal).length, 0u, "Ctrl-D at a line's start: the end of input");
    EXPECT_STREQ(output(), "hello\r\nworld\r\nabc", "Ctrl-D is not echoed");
}

KTEST(terminal, raw_mode_delivers_bytes_as_typed)
{
    Terminal& terminal = fresh_terminal();
    raw(terminal);
    terminal.receive("a\x1B[A\x7F\x15");
    EXPECT_EQ(terminal.readable(), 6u, "FIONREAD: every byte");
    EXPECT_STREQ(read_from(terminal).view(), "a\x1B[A\x7F\x15", "no editing, no line");
    EXPECT_STREQ(output(), "", "ECHO off");
    terminal.receive("\r");
    EXPECT_STREQ(read_from(terminal).view(), "\n", "ICRNL still turns Enter into a newline");
    set_modes(terminal, 0, 0, 1, 0, tty::icrnl);
    terminal.receive("\r");
    EXPECT_STREQ(read_from(terminal).view(), "\r", "without ICRNL a raw reader gets the CR");
}

KTEST(terminal, vmin_and_vtime)
{
    Terminal& terminal = fresh_terminal();
    raw(terminal, 0, 0);
    EXPECT_EQ(read_from(terminal).length, 0u, "VMIN 0, VTIME 0: a poll");
    raw(terminal, 0, 1);
    uint64_t start = sched::now_ns();
    EXPECT_EQ(read_from(terminal).length, 0u, "VMIN 0, VTIME 1: nothing within 0.1 s");
    EXPECT_GE(sched::now_ns() - start, 90'000'000u, "it waited the tenth of a second");
    terminal.receive("q");
    EXPECT_STREQ(read_from(terminal).view(), "q", "a byte there: at once");

    // VMIN 3, VTIME 0: the read waits for three bytes typed one by one.
    raw(terminal, 3, 0);
    auto typist = [&terminal] {
        for (char c : {'x', 'y', 'z'}) {
            sched::sleep_for(5ms);
            terminal.receive(c);
        }
        return 0;
    };
    sched::Thread& thread = sched::testing::start("typist", typist);
    EXPECT_STREQ(read_from(terminal).view(), "xyz");
    (void)sched::join(thread);
    terminal.receive("12345");
    EXPECT_STREQ(read_from(terminal, 2).view(), "12", "VMIN is cut to the buffer's size");
    EXPECT_STREQ(read_from(terminal).view(), "345", "then all that is there, VMIN or more");

    // VMIN 4, VTIME 1: two bytes and a tenth of a second of silence end the read.
    raw(terminal, 4, 1);
    terminal.receive("ab");
    start = sched::now_ns();
    EXPECT_STREQ(read_from(terminal).view(), "ab");
    EXPECT_GE(sched::now_ns() - start, 90'000'000u, "the inter-byte timer ran out");
}

KTEST(terminal, echo_off_hides_what_is_typed)
{
    Terminal& terminal = fresh_terminal();
    set_modes(terminal, tty::echo, 0);
    terminal.receive("secret\x7Fs\n");
    EXPECT_STREQ(read_from(terminal).view(), "secres\n");
    EXPECT_STREQ(output(), "", "nothing shown, not even the erase");
    set_modes(terminal, 0, tty::echonl);
    terminal.receive("pin\n");
    EXPECT_STREQ(read_from(terminal).view(), "pin\n");
    EXPECT_STREQ(output(), "\r\n", "ECHONL shows only the newline");
}

KTEST(terminal, isig_sends_intr_and_quit_to_the_foreground_group)
{
    Terminal& terminal = fresh_terminal();
    g_interrupt = {};
    terminal.set_interrupt_handler(&record_interrupt);
    terminal.set_foreground_group(7);
    terminal.receive("abc\x03");
    EXPECT_EQ(g_interrupt.calls, 1);
    EXPECT_EQ(g_interrupt.group, 7u);
    EXPECT_EQ(g_interrupt.signal, 2, "SIGINT");
    EXPECT_STREQ(output(), "abc^C", "ECHOCTL shows ^C");
    terminal.receive("\x1C");
    EXPECT_EQ(g_interrupt.signal, 3, "Ctrl-\\ is SIGQUIT");
    EXPECT_EQ(terminal.readable(), 0u, "the interrupted line is gone");

    // No foreground job (the shell at its prompt): an empty line instead.
    terminal.set_foreground_group(0);
    terminal.receive("xy\x03");
    EXPECT_EQ(g_interrupt.calls, 2);
    EXPECT_STREQ(read_from(terminal).view(), "\n");
}

KTEST(terminal, without_isig_ctrl_c_is_just_a_byte)
{
    Terminal& terminal = fresh_terminal();
    g_interrupt = {};
    terminal.set_interrupt_handler(&record_interrupt);
    terminal.set_foreground_group(7);
    set_modes(terminal, tty::isig | tty::icanon | tty::echo, 0);
    terminal.receive("\x03\x1C");
    EXPECT_STREQ(read_from(terminal).view(), "\x03\x1C");
    EXPECT_EQ(g_interrupt.calls, 0, "no signal");
}

KTEST(terminal, tcsetsf_flushes_pending_input)
{
    Terminal& terminal = fresh_terminal();
    terminal.receive("old line\npartial");
    EXPECT_EQ(terminal.readable(), 9u, "FIONREAD in canonical mode: finished lines only");
    terminal.set_attributes(terminal.attributes(), true);
    EXPECT_EQ(terminal.readable(), 0u);
    terminal.receive("new\n");
    EXPECT_STREQ(read_from(terminal).view(), "new\n", "neither the old line nor the partial one");
    terminal.receive("gone\n");
    terminal.flush_input(); // TCFLSH
    terminal.receive("kept\n");
    EXPECT_STREQ(read_from(terminal).view(), "kept\n");
}

KTEST(terminal, leaving_canonical_mode_hands_over_the_line_being_typed)
{
    Terminal& terminal = fresh_terminal();
    terminal.receive("typed");
    raw(terminal, 1, 0);
    EXPECT_STREQ(read_from(terminal).view(), "typed");
}

KTEST(terminal, output_processing_onlcr)
{
    Terminal& terminal = fresh_terminal();
    const char text[] = "a\nb\r";
    const std::span data(reinterpret_cast<const std::byte*>(text), 4);
    EXPECT_EQ(*terminal.write(data), 4u, "the caller's count, not the expanded one");
    EXPECT_STREQ(output(), "a\r\nb\r", "ONLCR: NL becomes CR NL");
    set_modes(terminal, 0, 0, 1, 0, 0, tty::onlcr);
    (void)terminal.write(data);
    EXPECT_STREQ(output(), "a\nb\r", "without ONLCR a bare line feed");
    Termios termios = terminal.attributes();
    termios.output = tty::opost | tty::ocrnl;
    terminal.set_attributes(termios, false);
    (void)terminal.write(data);
    EXPECT_STREQ(output(), "a\nb\n", "OCRNL");
    termios.output = tty::onlcr; // without OPOST nothing is processed
    terminal.set_attributes(termios, false);
    (void)terminal.write(data);
    EXPECT_STREQ(output(), "a\nb\r");
}

namespace {

// A screen that only keeps the cursor: enough to answer ESC[6n.
class AnsweringScreen final : public drivers::AnsiScreen {
    size_t columns() const override { return 80; }
    size_t rows() const override { return 25; }
    void set_cell(size_t, size_t, char32_t, uint8_t) override {}
    void scroll_up(uint8_t) override {}
    void finish_write() override {}
};

} // namespace

KTEST(terminal, the_screens_cursor_report_is_typed_into_the_terminal)
{
    static std::optional<AnsweringScreen> screen;
    screen.emplace(); // the cursor at the top left, whichever round this is
    Terminal& terminal = fresh_terminal(*screen);
    terminal.take_answers_from(*screen);
    raw(terminal, 1, 0);
    const char ask[] = "$ \x1B[6n";
    (void)terminal.write(std::span(reinterpret_cast<const std::byte*>(ask), sizeof ask - 1));
    EXPECT_STREQ(read_from(terminal).view(), "\x1B[1;3R", "as busybox's line editing asks and reads it");
}

#pragma once
// The console as a terminal: the line discipline between the keyboard and
// COM1 on one side and the programs reading and writing descriptors 0-2 on
// the other, with Linux's termios (POSIX's "General Terminal Interface";
// Linux's n_tty is the model, docs/terminal.md the description).
//
//   keyboard (VT100 bytes) ─┐
//   COM1 (as sent) ─────────┼─> receive(c): ISTRIP, ICRNL/INLCR/IGNCR
//   screen replies (ESC[6n) ┘     │ ISIG: VINTR/VQUIT ─> interrupt handler (SIGINT/SIGQUIT, the foreground group)
//                                 │ ECHO ─> write_echo() ─┐
//                                 ▼                       │
//       ICANON: the line being edited (VERASE, VWERASE,   │
//               VKILL, VLNEXT, VREPRINT; VEOF, '\n', VEOL  │
//               end it) ──> the input queue               │
//       raw:    each byte ─> the input queue              │
//                                 ▼                       ▼
//   read() <── a line, or VMIN/VTIME's bytes     OPOST: ONLCR, OCRNL, ONOCR, ONLRET ──> the consoles
//   write() ───────────────────────────────────────────────┘
//
// An input thread (start()) drains the keyboard's and COM1's interrupt
// rings into receive(). VINTR/VQUIT call the interrupt handler the user
// layer registered with the foreground process group the shell set
// (TIOCSPGRP); with none, VINTR in canonical mode drops the line and gives
// the reader an empty one (a shell at its prompt shows a new one), and in
// raw mode it is an ordinary byte.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "core/console.h"
#include "drivers/ansi_screen.h"
#include "kstd/errno.h"
#include "sched/condition_variable.h"
#include "sched/mutex.h"

namespace fs {

// struct termios as Linux's x86-64 kernel has it (asm-generic/termbits.h,
// what TCGETS/TCSETS copy): 36 bytes.
struct Termios {
    uint32_t input = 0;   // c_iflag
    uint32_t output = 0;  // c_oflag
    uint32_t control = 0; // c_cflag
    uint32_t local = 0;   // c_lflag
    uint8_t line = 0;     // c_line (N_TTY)
    uint8_t characters[19] = {}; // c_cc
};
static_assert(sizeof(Termios) == 36, "Linux's struct termios");

// struct winsize (TIOCGWINSZ).
struct WindowSize {
    uint16_t rows = 0, columns = 0, x_pixels = 0, y_pixels = 0;
};
static_assert(sizeof(WindowSize) == 8, "Linux's struct winsize");

// Linux's flag bits (octal, as termbits.h writes them) and c_cc indices.
namespace tty {
inline constexpr uint32_t ignbrk = 01, brkint = 02, istrip = 040, inlcr = 0100, igncr = 0200, icrnl = 0400,
                          ixon = 02000, ixany = 04000, imaxbel = 020000, iutf8 = 040000;
inline constexpr uint32_t opost = 01, onlcr = 04, ocrnl = 010, onocr = 020, onlret = 040;
inline constexpr uint32_t b38400 = 017, cs8 = 060, cread = 0200, hupcl = 02000;
inline constexpr uint32_t isig = 01, icanon = 02, echo = 010, echoe = 020, echok = 040, echonl = 0100,
                          noflsh = 0200, tostop = 0400, echoctl = 01000, echoprt = 02000, echoke = 04000,
                          iexten = 0100000;
enum : uint8_t {
    vintr = 0, vquit = 1, verase = 2, vkill = 3, veof = 4, vtime = 5, vmin = 6, vswtc = 7, vstart = 8, vstop = 9,
    vsusp = 10, veol = 11, vreprint = 12, vdiscard = 13, vwerase = 14, vlnext = 15, veol2 = 16,
};
inline constexpr int sigint = 2, sigquit = 3;
// What a new terminal has: Linux's tty_std_termios and INIT_C_CC.
Termios default_termios();
} // namespace tty

class Terminal {
public:
    static constexpr size_t queue_capacity = 4096; // Linux's N_TTY_BUF_SIZE
    static constexpr size_t max_line = 1024;

    // The console's terminal: output to every console (core::console()).
    static Terminal& console();
    // A terminal writing to `output` (tests: a recorder); its input is closed
    // until open_input().
    explicit Terminal(core::Console& output, core::ConsoleMux* mux = nullptr);

    // Starts the input thread (keyboard and COM1) and opens input; before
    // it, reads find the end of input at once. Once, from the kernel's main thread.
    void start();
    bool started() const { return m_started; }
    // Reads wait for input from now on (start(); tests feed receive()).
    void open_input();
    // What `screen` answers (ESC[6n's cursor position) is typed into this
    // terminal, after the write that asked (start(): the screen consoles).
    void take_answers_from(drivers::AnsiScreen& screen);

    // Canonical mode: a finished line (or what of it fits `buffer`), 0 at
    // VEOF; otherwise bytes as VMIN and VTIME say. EINTR if the reader's
    // process is being killed while it waits. `nonblocking` (O_NONBLOCK):
    // EAGAIN where it would wait (a raw read with VMIN and VTIME 0 gives 0).
    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer, bool nonblocking = false);
    // Through output processing (OPOST) to the consoles; all of it.
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data);
    // Whether a read would return at once (poll's POLLIN): input a read
    // takes now (a finished line; in raw mode VMIN bytes, or any with VMIN
    // 0), or the terminal is not started (the end).
    bool input_ready();
    // Bytes typed (the input thread; screen replies; tests).
    void receive(char c);
    void receive(std::string_view bytes);

    Termios attributes();
    // TCSETS; `flush_input`: TCSETSF, pending input is dropped first.
    void set_attributes(const Termios& termios, bool flush_input);
    // TCFLSH: drops what was typed and not read (output is never queued).
    void flush_input();
    // FIONREAD: what a read could return now (canonical: finished lines).
    size_t readable();
    WindowSize window_size();
    void set_window_size(const WindowSize& size);

    // Called after VINTR (SIGINT) or VQUIT (SIGQUIT) with the foreground group.
    using InterruptHandler = void (*)(uint64_t group, int signal);
    void set_interrupt_handler(InterruptHandler handler) { m_interrupt = handler; }
    void set_foreground_group(uint64_t group);
    uint64_t foreground_group();

private:
    enum class Kind : uint8_t { Data, LineEnd, EndOfFile }; // of each queued byte
    struct Signal {
        uint64_t group = 0;
        int number = 0;
    };

    // All with m_lock held.
    Signal receive_locked(uint8_t c);
    Signal interrupt(uint8_t c, int signal);
    void add_to_line(uint8_t c);
    void erase(uint8_t c);
    void erase_last();
    void reprint();
    bool push(uint8_t c, Kind kind);
    void finish_line(uint8_t delimiter, Kind kind);
    void drop_pending_input();
    size_t take(std::span<std::byte> buffer, bool canonical);
    kstd::ErrorOr<size_t> read_raw(std::span<std::byte> buffer);
    bool is(uint8_t c, uint8_t index) const;
    void echo(uint8_t c);     // as ECHO and ECHOCTL show it
    void echo_raw(std::string_view text);
    void output(std::string_view bytes); // OPOST, then the consoles
    void emit(std::string_view bytes);
    size_t take_replies(char* into, size_t capacity);
    static void on_screen_reply(void* terminal, std::string_view reply);

    core::Console& m_output;
    core::ConsoleMux* m_mux; // when m_output is the mux: a write holds its lock throughout
    sched::Mutex m_lock{"terminal"};
    sched::ConditionVariable m_input_ready{"terminal input"};
    Termios m_termios = tty::default_termios(); // guarded by m_lock, as is all below
    WindowSize m_window{};                      // rows 0: the screen's own size
    // Typed and finished input, oldest at m_head, each byte with its kind;
    // m_delimiters: the LineEnd and EndOfFile entries among them.
    uint8_t m_queue[queue_capacity];
    Kind m_kinds[queue_capacity];
    size_t m_head = 0, m_count = 0, m_delimiters = 0;
    // The canonical line being edited, and the columns each byte's echo took.
    uint8_t m_line[max_line];
    uint8_t m_echo_width[max_line];
    size_t m_line_length = 0;
    bool m_literal_next = false; // VLNEXT: the next byte is data
    size_t m_column = 0;         // where output left the cursor (for erasing tabs)
    // An answer a screen gave (ESC[6n) while writing: guarded by the console
    // mux's lock, which every write to an attached screen holds.
    char m_replies[32];
    size_t m_reply_length = 0;
    uint64_t m_foreground = 0;
    InterruptHandler m_interrupt = nullptr;
    bool m_input_open = false;
    bool m_started = false;
};

} // namespace fs

#pragma once
// The console as a terminal: the line discipline between the keyboard and
// COM1 on one side and the programs reading descriptor 0 on the other (a
// canonical-mode TTY, as POSIX's "General Terminal Interface" describes).
//
//   typed ──> receive(c) ── echo to the screen and COM1
//               │  Backspace erases, Ctrl-U kills the line, Enter ends it,
//               │  Ctrl-D ends input (0 bytes at the start of a line),
//               │  Ctrl-C drops the line and interrupts the foreground job
//               ▼
//            finished lines ──> read() (blocks until a line is there)
//
// An input thread (start()) drains the keyboard's and COM1's interrupt
// rings into receive(). Ctrl-C calls the interrupt handler the user layer
// registered with the foreground process group the shell set (TIOCSPGRP);
// with none, it just gives the reader an empty line, so a shell at its
// prompt shows a new one.

#include <cstddef>
#include <cstdint>
#include <span>
#include "kstd/errno.h"
#include "sched/condition_variable.h"
#include "sched/mutex.h"

namespace fs {

class Terminal {
public:
    static constexpr size_t max_line = 256;
    static constexpr size_t max_lines = 16;

    static Terminal& console();

    // Starts the input thread (keyboard and COM1); before it, reads find
    // the end of input at once. Once, from the kernel's main thread.
    void start();
    bool started() const { return m_started; }

    // A finished line (or what of it fits `buffer`); 0 at the end of input;
    // EINTR if the reader's process is being killed.
    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer);
    // Whether a read would return at once (input is there, or the terminal
    // is not started: the end).
    bool input_ready();
    // One character typed (the input thread; tests).
    void receive(char c);

    using InterruptHandler = void (*)(uint64_t group);
    void set_interrupt_handler(InterruptHandler handler) { m_interrupt = handler; }
    void set_foreground_group(uint64_t group);
    uint64_t foreground_group();

private:
    void echo(std::string_view text);
    void finish_line(bool newline); // with m_lock held

    sched::Mutex m_lock{"terminal"};
    sched::ConditionVariable m_line_ready{"terminal input"};
    char m_editing[max_line];          // the line being typed; guarded by m_lock
    size_t m_editing_length = 0;
    char m_lines[max_lines][max_line]; // finished lines, oldest at m_first
    size_t m_line_length[max_lines] = {};
    size_t m_first = 0, m_count = 0, m_consumed = 0; // m_consumed: bytes of the first line read so far
    uint64_t m_foreground = 0;
    InterruptHandler m_interrupt = nullptr;
    bool m_started = false;
};

} // namespace fs

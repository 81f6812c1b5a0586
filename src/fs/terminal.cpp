#include "fs/terminal.h"
#include "core/print.h"
#include "drivers/keyboard.h"
#include "drivers/serial_input.h"
#include "sched/thread.h"
#include "sched/wait_queue.h"
#include "fs/readiness.h"

namespace fs {

namespace {

constexpr char ctrl_c = 3, ctrl_d = 4, backspace = 8, ctrl_u = 21, del = 127;

// The input thread sleeps here until an interrupt handler queued a byte.
sched::WaitQueue g_input{"terminal input"};

void wake_input_thread()
{
    (void)g_input.wake_one(); // from interrupt context: only a wake-up
}

// Drains both interrupt rings into the terminal, then sleeps until more comes.
int input_thread(void* argument)
{
    Terminal& terminal = *static_cast<Terminal*>(argument); // start() passes the terminal
    for (;;) {
        while (auto event = drivers::keyboard::next_event()) {
            if (!event->pressed)
                continue;
            char c = event->character;
            if (event->modifiers.ctrl && c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 'a' + 1); // Ctrl-A .. Ctrl-Z
            if (c != 0)
                terminal.receive(c);
        }
        while (auto byte = drivers::serial_input::read_byte()) {
            char c = static_cast<char>(*byte);
            if (c == '\r')
                c = '\n'; // a serial terminal's Enter (ICRNL)
            terminal.receive(c);
        }
        sched::SchedulerLock lock;
        if (!drivers::keyboard::has_pending() && !drivers::serial_input::has_pending())
            (void)g_input.wait(lock);
    }
}

} // namespace

Terminal& Terminal::console()
{
    static Terminal terminal;
    return terminal;
}

void Terminal::start()
{
    if (m_started)
        return;
    drivers::keyboard::set_input_listener(&wake_input_thread);
    drivers::serial_input::set_input_listener(&wake_input_thread);
    (void)drivers::serial_input::initialize(); // without COM1, the keyboard alone
    if (auto thread = sched::Thread::create("terminal", &input_thread, this, sched::Priority::High)) {
        sched::detach(**thread);
        m_started = true;
    } else {
        core::println("terminal: no input thread ({}): the console cannot be read", thread.error());
    }
}

void Terminal::echo(std::string_view text)
{
    const core::ConsoleMux::Guard guard(core::console());
    core::console().write(text);
}

void Terminal::finish_line(bool newline)
{
    if (m_count == max_lines)
        return; // nobody reads: the line is dropped, as a full TTY queue drops input
    const size_t slot = (m_first + m_count) % max_lines;
    __builtin_memcpy(m_lines[slot], m_editing, m_editing_length);
    size_t length = m_editing_length;
    if (newline)
        m_lines[slot][length++] = '\n';
    m_line_length[slot] = length;
    ++m_count;
    m_editing_length = 0;
    m_line_ready.notify_all();
    readiness_changed();
}

void Terminal::receive(char c)
{
    uint64_t interrupted_group = 0;
    {
        sched::MutexGuard guard(m_lock);
        switch (c) {
        case backspace:
        case del:
            if (m_editing_length > 0) {
                --m_editing_length;
                echo("\b \b");
            }
            break;
        case ctrl_u:
            while (m_editing_length > 0) {
                --m_editing_length;
                echo("\b \b");
            }
            break;
        case ctrl_c:
            echo("^C\n");
            m_editing_length = 0;
            if (m_foreground != 0 && m_interrupt != nullptr)
                interrupted_group = m_foreground;
            else
                finish_line(true); // the shell at its prompt: an empty line, so a new prompt
            break;
        case ctrl_d: finish_line(false); break; // at a line's start: 0 bytes, the end of input
        case '\n':
            echo("\n");
            finish_line(true);
            break;
        default:
            if (static_cast<unsigned char>(c) < ' ' && c != '\t')
                break; // other control characters are not typed into lines
            if (m_editing_length + 1 < max_line) { // room for the newline
                m_editing[m_editing_length++] = c;
                echo(std::string_view(&c, 1));
            }
            break;
        }
    }
    if (interrupted_group != 0)
        m_interrupt(interrupted_group);
}

bool Terminal::input_ready()
{
    if (!m_started)
        return true;
    sched::MutexGuard guard(m_lock);
    return m_count > 0;
}

kstd::ErrorOr<size_t> Terminal::read(std::span<std::byte> buffer)
{
    if (!m_started)
        return size_t{0};
    sched::MutexGuard guard(m_lock);
    while (m_count == 0) {
        if (m_line_ready.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
            return kstd::unexpected(kstd::Errno::eintr);
    }
    const size_t length = m_line_length[m_first];
    size_t done = 0;
    while (done < buffer.size() && m_consumed < length)
        buffer[done++] = static_cast<std::byte>(m_lines[m_first][m_consumed++]);
    if (m_consumed == length) {
        m_first = (m_first + 1) % max_lines;
        --m_count;
        m_consumed = 0;
    }
    return done;
}

void Terminal::set_foreground_group(uint64_t group)
{
    sched::MutexGuard guard(m_lock);
    m_foreground = group;
}

uint64_t Terminal::foreground_group()
{
    sched::MutexGuard guard(m_lock);
    return m_foreground;
}

} // namespace fs

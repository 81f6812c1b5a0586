#include "fs/terminal.h"
#include <optional>
#include "core/print.h"
#include "drivers/framebuffer_console.h"
#include "drivers/keyboard.h"
#include "drivers/serial_input.h"
#include "drivers/vga_text.h"
#include "sched/thread.h"
#include "sched/wait_queue.h"
#include "fs/readiness.h"

namespace fs {

namespace tty {

Termios default_termios()
{
    Termios termios;
    termios.input = icrnl | ixon;
    termios.output = opost | onlcr;
    termios.control = b38400 | cs8 | cread | hupcl;
    termios.local = isig | icanon | echo | echoe | echok | echoctl | echoke | iexten;
    // INIT_C_CC: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, -, ^Q ^S ^Z, -, ^R ^O ^W ^V, -.
    constexpr uint8_t characters[] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0};
    for (size_t i = 0; i < sizeof characters; ++i)
        termios.characters[i] = characters[i];
    return termios;
}

} // namespace tty

namespace {

using namespace std::chrono_literals;

constexpr size_t tab_width = 8;
constexpr sched::Duration vtime_unit = 100ms; // VTIME counts tenths of a second

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
        while (auto event = drivers::keyboard::next_event())
            terminal.receive(drivers::keyboard::terminal_bytes(*event).view());
        while (auto byte = drivers::serial_input::read_byte())
            terminal.receive(static_cast<char>(*byte)); // as the terminal at the other end sent it
        sched::SchedulerLock lock;
        if (!drivers::keyboard::has_pending() && !drivers::serial_input::has_pending())
            (void)g_input.wait(lock);
    }
}

bool is_control(uint8_t c)
{
    return c < 0x20 || c == 0x7F;
}

bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

} // namespace

Terminal& Terminal::console()
{
    static Terminal terminal(core::console(), &core::console());
    return terminal;
}

Terminal::Terminal(core::Console& output, core::ConsoleMux* mux) : m_output(output), m_mux(mux) {}

void Terminal::open_input()
{
    sched::MutexGuard guard(m_lock);
    m_input_open = true;
}

void Terminal::start()
{
    if (m_started)
        return;
    open_input();
    take_answers_from(drivers::vga_text());
    if (drivers::FramebufferConsole* screen = drivers::screen_framebuffer_console())
        take_answers_from(*screen);
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

// --- Output -----------------------------------------------------------------

void Terminal::emit(std::string_view bytes)
{
    m_output.write_terminal(bytes);
}

// Output post-processing (termios(3), c_oflag), and the column it leaves
// the cursor at, as Linux's n_tty keeps it for erasing tabs.
void Terminal::output(std::string_view bytes)
{
    const uint32_t flags = m_termios.output;
    const bool post = (flags & tty::opost) != 0;
    char out[256];
    size_t length = 0;
    for (const char byte : bytes) {
        if (length + 2 > sizeof out) {
            emit({out, length});
            length = 0;
        }
        const auto c = static_cast<uint8_t>(byte);
        if (post && c == '\n') {
            if (flags & (tty::onlcr | tty::onlret))
                m_column = 0;
            if (flags & tty::onlcr)
                out[length++] = '\r';
            out[length++] = '\n';
            continue;
        }
        if (post && c == '\r') {
            if ((flags & tty::onocr) && m_column == 0)
                continue;
            if (flags & tty::ocrnl) {
                out[length++] = '\n';
                if (flags & tty::onlret)
                    m_column = 0;
                continue;
            }
        }
        out[length++] = byte;
        if (c == '\r')
            m_column = 0;
        else if (c == '\t')
            m_column = (m_column / tab_width + 1) * tab_width;
        else if (c == '\b' && m_column > 0)
            --m_column;
        else if (!is_control(c) && (c & 0xC0) != 0x80) // a UTF-8 continuation byte takes no column
            ++m_column;
    }
    if (length > 0)
        emit({out, length});
}

void Terminal::echo_raw(std::string_view text)
{
    output(text);
}

// ECHOCTL shows a control character as ^X (DEL as ^?); tab and newline as they are.
void Terminal::echo(uint8_t c)
{
    if ((m_termios.local & tty::echoctl) && is_control(c) && c != '\t' && c != '\n') {
        const char caret[] = {'^', static_cast<char>(c ^ 0x40)};
        echo_raw({caret, 2});
        return;
    }
    echo_raw({reinterpret_cast<const char*>(&c), 1}); // one byte, seen as text
}

kstd::ErrorOr<size_t> Terminal::write(std::span<const std::byte> data)
{
    char replies[sizeof m_replies];
    size_t reply_length = 0;
    {
        sched::MutexGuard guard(m_lock);
        std::optional<core::ConsoleMux::Guard> whole; // one write is not cut by another's line
        if (m_mux != nullptr)
            whole.emplace(*m_mux);
        // Bytes as they come: the view only reinterprets them.
        output(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
        reply_length = take_replies(replies, sizeof replies);
    }
    receive(std::string_view(replies, reply_length)); // a screen's answer, typed as a terminal types it
    return data.size();
}

void Terminal::take_answers_from(drivers::AnsiScreen& screen)
{
    const core::ConsoleMux::Guard guard(core::console()); // no write in between sees half of it
    screen.set_reply_handler(&on_screen_reply, this);
}

void Terminal::on_screen_reply(void* context, std::string_view reply)
{
    Terminal& terminal = *static_cast<Terminal*>(context); // take_answers_from() registered it
    for (char c : reply) {
        if (terminal.m_reply_length < sizeof terminal.m_replies)
            terminal.m_replies[terminal.m_reply_length++] = c;
    }
}

size_t Terminal::take_replies(char* into, size_t capacity)
{
    const size_t length = m_reply_length < capacity ? m_reply_length : capacity;
    for (size_t i = 0; i < length; ++i)
        into[i] = m_replies[i];
    m_reply_length = 0;
    return length;
}

// --- Input ------------------------------------------------------------------

bool Terminal::is(uint8_t c, uint8_t index) const
{
    const uint8_t special = m_termios.characters[index];
    return special != 0 && special == c; // 0 is _POSIX_VDISABLE on Linux
}

void Terminal::receive(char c)
{
    receive(std::string_view(&c, 1));
}

void Terminal::receive(std::string_view bytes)
{
    for (const char c : bytes) {
        Signal signal;
        {
            sched::MutexGuard guard(m_lock);
            signal = receive_locked(static_cast<uint8_t>(c));
        }
        if (signal.group != 0)
            m_interrupt(signal.group, signal.number);
    }
}

Terminal::Signal Terminal::receive_locked(uint8_t c)
{
    const uint32_t input = m_termios.input, local = m_termios.local;
    const bool canonical = (local & tty::icanon) != 0, echoing = (local & tty::echo) != 0;
    if (m_literal_next) {
        m_literal_next = false;
        if (canonical) {
            add_to_line(c);
        } else if (push(c, Kind::Data)) {
            if (echoing)
                echo(c);
            m_input_ready.notify_all();
            readiness_changed(); // and pollers (fs/readiness.h)
        }
        return {};
    }
    if (input & tty::istrip)
        c &= 0x7F;
    if (c == '\r') {
        if (input & tty::igncr)
            return {};
        if (input & tty::icrnl)
            c = '\n';
    } else if (c == '\n' && (input & tty::inlcr)) {
        c = '\r';
    }
    if (local & tty::isig) {
        if (is(c, tty::vintr))
            return interrupt(c, tty::sigint);
        if (is(c, tty::vquit))
            return interrupt(c, tty::sigquit);
        if (is(c, tty::vsusp)) { // no stopped processes yet: shown and dropped
            if (!(local & tty::noflsh))
                drop_pending_input();
            if (echoing)
                echo(c);
            return {};
        }
    }
    if ((input & tty::ixon) && (is(c, tty::vstart) || is(c, tty::vstop)))
        return {}; // flow control: output is never held back here, so nothing to do
    if (canonical) {
        const bool extended = (local & tty::iexten) != 0;
        if (is(c, tty::verase) || is(c, tty::vkill) || (extended && is(c, tty::vwerase))) {
            erase(c);
        } else if (extended && is(c, tty::vlnext)) {
            m_literal_next = true;
            if (echoing && (local & tty::echoctl))
                echo_raw("^\b"); // the next character's echo covers the caret
        } else if (extended && is(c, tty::vreprint)) {
            if (echoing)
                reprint();
        } else if (c == '\n') {
            if (echoing || (local & tty::echonl))
                echo_raw("\n");
            finish_line('\n', Kind::LineEnd);
        } else if (is(c, tty::veof)) {
            finish_line(0, Kind::EndOfFile); // not shown, not read: 0 bytes at a line's start
        } else if (is(c, tty::veol) || is(c, tty::veol2)) {
            if (echoing)
                echo(c);
            finish_line(c, Kind::LineEnd);
        } else {
            add_to_line(c);
        }
        return {};
    }
    if (push(c, Kind::Data)) {
        if (echoing)
            echo(c);
        m_input_ready.notify_all();
        readiness_changed(); // and pollers (fs/readiness.h)
    }
    return {};
}

Terminal::Signal Terminal::interrupt(uint8_t c, int signal)
{
    const uint32_t local = m_termios.local;
    if (!(local & tty::noflsh))
        drop_pending_input();
    if (local & tty::echo)
        echo(c);
    if (m_foreground != 0 && m_interrupt != nullptr)
        return {m_foreground, signal};
    // No foreground job: the shell at its prompt named itself (TIOCSPGRP).
    if (local & tty::icanon) {
        if (signal == tty::sigint) { // an empty line, so it shows a new prompt
            if (local & tty::echo)
                echo_raw("\n");
            finish_line('\n', Kind::LineEnd);
        }
    } else if (push(c, Kind::Data)) { // a raw reader (a line editor) sees the key itself
        m_input_ready.notify_all();
        readiness_changed(); // and pollers (fs/readiness.h)
    }
    return {};
}

void Terminal::add_to_line(uint8_t c)
{
    if (m_line_length + 1 >= max_line)
        return; // full: room is kept for the newline only
    const size_t before = m_column;
    if (m_termios.local & tty::echo)
        echo(c);
    const size_t width = m_column > before ? m_column - before : 0;
    m_line[m_line_length] = c;
    m_echo_width[m_line_length] = static_cast<uint8_t>(width < 255 ? width : 255);
    ++m_line_length;
}

// Takes the last character off the line (with IUTF8, all its bytes) and,
// with ECHOE, off the screen: as many "\b \b" as columns its echo took.
void Terminal::erase_last()
{
    const uint32_t local = m_termios.local;
    size_t columns = 0;
    for (;;) {
        --m_line_length;
        columns += m_echo_width[m_line_length];
        const bool continuation = (m_line[m_line_length] & 0xC0) == 0x80;
        if (!continuation || !(m_termios.input & tty::iutf8) || m_line_length == 0)
            break;
    }
    if (!(local & tty::echo))
        return;
    if (local & tty::echoe) {
        for (size_t i = 0; i < columns; ++i)
            echo_raw("\b \b");
    } else {
        echo(m_termios.characters[tty::verase]);
    }
}

void Terminal::erase(uint8_t c)
{
    const uint32_t local = m_termios.local;
    if (is(c, tty::verase)) {
        if (m_line_length > 0)
            erase_last();
        return;
    }
    if (is(c, tty::vkill)) {
        const uint32_t visual = tty::echok | tty::echoke | tty::echoe;
        if (!(local & tty::echo) || (local & visual) != visual) {
            m_line_length = 0;
            if (local & tty::echo) {
                echo(c);
                if (local & tty::echok)
                    echo_raw("\n");
            }
            return;
        }
        while (m_line_length > 0)
            erase_last();
        return;
    }
    // VWERASE: the blanks before the cursor, then the word.
    while (m_line_length > 0 && is_blank(m_line[m_line_length - 1]))
        erase_last();
    while (m_line_length > 0 && !is_blank(m_line[m_line_length - 1]))
        erase_last();
}

void Terminal::reprint()
{
    echo(m_termios.characters[tty::vreprint]);
    echo_raw("\n");
    for (size_t i = 0; i < m_line_length; ++i) {
        const size_t before = m_column;
        echo(m_line[i]);
        const size_t width = m_column > before ? m_column - before : 0;
        m_echo_width[i] = static_cast<uint8_t>(width < 255 ? width : 255);
    }
}

bool Terminal::push(uint8_t c, Kind kind)
{
    if (m_count == queue_capacity)
        return false; // nobody reads: the byte is dropped, as a full TTY queue drops input
    const size_t slot = (m_head + m_count) % queue_capacity;
    m_queue[slot] = c;
    m_kinds[slot] = kind;
    ++m_count;
    if (kind != Kind::Data)
        ++m_delimiters;
    return true;
}

void Terminal::finish_line(uint8_t delimiter, Kind kind)
{
    if (queue_capacity - m_count >= m_line_length + 1) {
        for (size_t i = 0; i < m_line_length; ++i)
            (void)push(m_line[i], Kind::Data);
        (void)push(delimiter, kind);
        m_input_ready.notify_all();
        readiness_changed(); // and pollers (fs/readiness.h)
    }
    m_line_length = 0;
}

void Terminal::drop_pending_input()
{
    m_head = m_count = m_delimiters = 0;
    m_line_length = 0;
    m_literal_next = false;
}

// --- Reading ------------------------------------------------------------------

// Moves queued bytes into `buffer`; canonically, up to and including the
// first delimiter (an end-of-file mark is taken but not given).
size_t Terminal::take(std::span<std::byte> buffer, bool canonical)
{
    size_t done = 0;
    while (m_count > 0 && done < buffer.size()) {
        const uint8_t c = m_queue[m_head];
        const Kind kind = m_kinds[m_head];
        m_head = (m_head + 1) % queue_capacity;
        --m_count;
        if (kind != Kind::Data)
            --m_delimiters;
        if (kind != Kind::EndOfFile)
            buffer[done++] = static_cast<std::byte>(c);
        if (kind != Kind::Data && canonical)
            break;
    }
    return done;
}

bool Terminal::input_ready()
{
    if (!m_started)
        return true;
    sched::MutexGuard guard(m_lock);
    if (!m_input_open)
        return true; // the end: a read returns 0 at once
    if (m_termios.local & tty::icanon)
        return m_delimiters > 0; // a finished line (or an end-of-file mark)
    return m_count > 0;
}

kstd::ErrorOr<size_t> Terminal::read(std::span<std::byte> buffer, bool nonblocking)
{
    if (buffer.empty())
        return size_t{0};
    sched::MutexGuard guard(m_lock);
    for (;;) {
        if (!m_input_open)
            return size_t{0};
        const bool canonical = (m_termios.local & tty::icanon) != 0;
        const bool would_wait = canonical ? m_delimiters == 0
                                          : m_count == 0 && (m_termios.characters[tty::vmin] != 0
                                                             || m_termios.characters[tty::vtime] != 0);
        if (nonblocking && would_wait)
            return kstd::unexpected(kstd::Errno::eagain);
        if (!(m_termios.local & tty::icanon))
            return read_raw(buffer);
        if (m_delimiters > 0)
            return take(buffer, true);
        if (m_input_ready.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
            return kstd::unexpected(kstd::Errno::eintr);
    }
}

// Non-canonical reads (termios(3), "MIN > 0, TIME > 0" and the others).
// The timed waits are not interruptible: a kill waits at most VTIME.
kstd::ErrorOr<size_t> Terminal::read_raw(std::span<std::byte> buffer)
{
    const size_t minimum = m_termios.characters[tty::vmin];
    const sched::Duration interval = m_termios.characters[tty::vtime] * vtime_unit;
    const size_t wanted = minimum < buffer.size() ? minimum : buffer.size();
    if (minimum == 0) { // polling (TIME 0) or a read with a timeout
        if (interval.count() > 0)
            (void)m_input_ready.wait_until(m_lock, [this] { return m_count > 0; }, sched::Deadline::after(interval));
        return take(buffer, false);
    }
    while (m_count == 0) {
        if (m_input_ready.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
            return kstd::unexpected(kstd::Errno::eintr);
    }
    for (size_t seen = m_count; m_count < wanted; seen = m_count) {
        if (interval.count() == 0) {
            if (m_input_ready.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
                return kstd::unexpected(kstd::Errno::eintr);
        } else if (m_input_ready.wait_until(m_lock, sched::Deadline::after(interval)) ==
                       sched::WaitResult::TimedOut &&
                   m_count == seen) {
            break; // TIME passed since the last byte
        }
    }
    return take(buffer, false);
}

size_t Terminal::readable()
{
    sched::MutexGuard guard(m_lock);
    const bool canonical = (m_termios.local & tty::icanon) != 0;
    size_t data = 0, complete = 0;
    for (size_t i = 0; i < m_count; ++i) {
        const Kind kind = m_kinds[(m_head + i) % queue_capacity];
        data += kind != Kind::EndOfFile ? 1 : 0;
        if (kind != Kind::Data)
            complete = data;
    }
    return canonical ? complete : data;
}

// --- Settings -------------------------------------------------------------------

Termios Terminal::attributes()
{
    sched::MutexGuard guard(m_lock);
    return m_termios;
}

void Terminal::set_attributes(const Termios& termios, bool flush_input)
{
    sched::MutexGuard guard(m_lock);
    if (flush_input)
        drop_pending_input();
    const bool was_canonical = (m_termios.local & tty::icanon) != 0;
    m_termios = termios;
    if (was_canonical && !(termios.local & tty::icanon)) {
        // The line being typed becomes bytes a raw reader gets, as on Linux.
        for (size_t i = 0; i < m_line_length; ++i)
            (void)push(m_line[i], Kind::Data);
        m_line_length = 0;
    }
    m_input_ready.notify_all(); // readers check again under the new rules
    readiness_changed(); // and pollers (fs/readiness.h)
}

void Terminal::flush_input()
{
    sched::MutexGuard guard(m_lock);
    drop_pending_input();
}

WindowSize Terminal::window_size()
{
    {
        sched::MutexGuard guard(m_lock);
        if (m_window.rows != 0)
            return m_window;
    }
    // The screen's own size: the framebuffer console's cells, or VGA text.
    if (const drivers::FramebufferConsole* screen = drivers::screen_framebuffer_console())
        return {static_cast<uint16_t>(screen->rows()), static_cast<uint16_t>(screen->columns()), 0, 0};
    return {drivers::VgaTextConsole::height, drivers::VgaTextConsole::width, 0, 0};
}

void Terminal::set_window_size(const WindowSize& size)
{
    sched::MutexGuard guard(m_lock);
    m_window = size;
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

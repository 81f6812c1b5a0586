#include "async/keyboard.h"
#include "core/panic.h"
#include "sync/interrupt_guard.h"

namespace async {

namespace {
// The awaiting task's awaitable; written with interrupts off, read by the
// keyboard's interrupt handler (through on_input).
KeyboardInput* g_waiting = nullptr;
Waker g_waker;

void on_input()
{
    // Interrupt context: hand the waiting task its wake-up, once.
    if (g_waiting == nullptr)
        return;
    g_waiting = nullptr;
    g_waker.wake();
}
} // namespace

void KeyboardInput::wait(Waker waker)
{
    const sync::InterruptGuard no_keyboard_interrupt;
    if (g_waiting != nullptr)
        core::panic("two tasks await the keyboard at once");
    drivers::keyboard::set_input_listener(&on_input);
    // A byte that came after await_ready() looked: wake at once.
    if (drivers::keyboard::has_pending()) {
        waker.wake();
        return;
    }
    g_waker = waker;
    g_waiting = this;
}

KeyboardInput::~KeyboardInput()
{
    const sync::InterruptGuard no_keyboard_interrupt;
    if (g_waiting == this) // destroyed while waiting (a cancelled task): take the waker back
        g_waiting = nullptr;
}

Task<drivers::keyboard::KeyEvent> next_key()
{
    for (;;) {
        if (auto event = drivers::keyboard::next_event())
            co_return *event;
        co_await KeyboardInput{};
    }
}

} // namespace async

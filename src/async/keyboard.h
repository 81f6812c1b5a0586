#pragma once
// The keyboard as an awaitable: the next key event, decoded.
//
//   for (;;) {
//       const auto event = co_await async::next_key();
//       ...
//   }
//
// The task waits without polling: the keyboard's interrupt handler calls
// the waker of the task awaiting (drivers::keyboard::set_input_listener).
// Bytes lost to a full scan code ring are counted by the driver and
// reported by the next read (drivers/keyboard.h). One task at a time may
// await the keyboard: a second is a panic.

#include "async/executor.h"
#include "async/task.h"
#include "drivers/keyboard.h"

namespace async {

// Ready when scan code bytes wait in the driver's ring.
class KeyboardInput {
public:
    KeyboardInput() = default;
    ~KeyboardInput();
    KeyboardInput(const KeyboardInput&) = delete;
    KeyboardInput& operator=(const KeyboardInput&) = delete;

    bool await_ready() const { return drivers::keyboard::has_pending(); }
    template <typename Promise>
    void await_suspend(std::coroutine_handle<Promise> handle)
    {
        wait(suspend(handle));
    }
    void await_resume() const {}

private:
    void wait(Waker waker);
};

// The next key event (presses and releases): decodes what is queued, and
// awaits more bytes while that makes no event.
Task<drivers::keyboard::KeyEvent> next_key();

} // namespace async

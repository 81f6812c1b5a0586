#pragma once
// The PS/2 keyboard on the 8042 controller's first port, IRQ 1.
//
// The interrupt handler does the minimum: it reads the byte the controller
// holds and queues it in a fixed-size lock-free ring (sync/spsc_ring.h). A
// full ring drops the byte and counts it. Everything else (decoding, the
// modifier state, echoing) happens outside the interrupt, in whoever calls
// next_event(), which also reports lost bytes the first time it sees them.
// 8042 programming: OSDev wiki "8042 PS/2 Controller"; IBM PC/AT Technical
// Reference, "Keyboard Controller".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include "drivers/keyboard_decoder.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers::keyboard {

inline constexpr size_t queue_capacity = 128;

enum class Error : uint8_t { NoController, ControllerTimeout, IrqUnavailable };
std::string_view to_string(Error error);

// Sets up the controller (port 1 on with its interrupt and translation to
// scan code set 1, port 2 off) and takes IRQ 1. Call with interrupts off.
kstd::Expected<void, Error> initialize();
bool initialized();

// The next queued scan code byte, if any (consumer side of the ring).
std::optional<uint8_t> read_scancode();
// Whether scan code bytes wait in the ring (check with interrupts off before
// halting, see sync/idle.h).
bool has_pending();
// Drains the ring through the decoder until a key event comes out. Prints
// a warning the first time it notices bytes were lost to a full queue.
std::optional<KeyEvent> next_event();

// Called by the interrupt handler after each byte it queued (or dropped
// because the ring was full), in interrupt context: it must only wake
// someone (async/keyboard.h wakes the task awaiting a key). Null: none.
using InputListener = void (*)();
void set_input_listener(InputListener listener);

// Bytes received by the interrupt handler, and lost because the ring was full.
uint64_t received_scancodes();
uint64_t dropped_scancodes();

// Asks the controller to deliver `byte` as if the keyboard had sent it
// (command 0xD2): it arrives through IRQ 1 like a key. For tests.
kstd::Expected<void, Error> inject_scancode(uint8_t byte);

} // namespace drivers::keyboard

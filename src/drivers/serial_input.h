#pragma once
// What arrives on COM1: the 16550's receive interrupt (IRQ 4) takes every
// byte the UART holds into a lock-free ring, as the keyboard driver does
// with scan codes, and wakes whoever listens. The terminal (fs/terminal.h)
// drains it, so a person at the serial line types to the shell as at the
// keyboard. 16550: "Interrupt Enable Register", bit 0, received data
// available; "Line Status Register", bit 0, data ready.

#include <cstdint>
#include <optional>

namespace drivers::serial_input {

// Turns COM1's receive interrupt on and takes IRQ 4 (after the PICs are
// set up; COM1 must be present). False if the line is taken or no UART.
bool initialize();
std::optional<uint8_t> read_byte();
bool has_pending();
// Called in interrupt context after bytes were queued: it may only wake.
using InputListener = void (*)();
void set_input_listener(InputListener listener);
uint64_t dropped_bytes();

} // namespace drivers::serial_input

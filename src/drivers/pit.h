#pragma once
// The 8253/8254 programmable interval timer. Its input clock runs at
// 1.193182 MHz on every PC, which makes it the reference for measuring
// other clocks.

#include <cstdint>

namespace drivers::pit {

inline constexpr uint32_t input_hz = 1'193'182;

// Counts TSC ticks while PIT channel 2 counts down `microseconds` (at most
// 54 ms: one 16-bit count). Uses polling, no interrupts. Returns 0 if the
// PIT never signals the end (no PIT present).
uint64_t measure_tsc_ticks(uint32_t microseconds);

} // namespace drivers::pit

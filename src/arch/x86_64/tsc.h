#pragma once
// The time-stamp counter as a clock. Its rate is measured once at boot
// against the PIT (which ticks at a known 1.193182 MHz).

#include <cstdint>

namespace arch::tsc {

// Measures the TSC rate against PIT channel 2 (the shortest of five 2 ms
// runs, about 10 ms in all). Safe to call again.
void calibrate();
bool calibrated();
uint64_t frequency_hz();
uint64_t now();
// Converts a TSC tick count to nanoseconds (0 before calibration).
uint64_t to_nanoseconds(uint64_t ticks);

} // namespace arch::tsc

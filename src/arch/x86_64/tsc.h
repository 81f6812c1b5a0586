#pragma once
// The time-stamp counter as a clock. Its rate is measured once at boot
// against the PIT (which ticks at a known 1.193182 MHz).

#include <cstdint>

namespace arch::tsc {

// Measures the TSC rate against PIT channel 2 (the shortest of five 2 ms
// runs, about 10 ms in all). Safe to call again.
void calibrate();

// The TSC rate from the shortest of `runs` PIT channel 2 counts of
// `microseconds` each, or 0 if the PIT never answers. Keeping the shortest
// discards runs the host stretched by descheduling the guest.
uint64_t measure_frequency_hz(int runs, uint32_t microseconds);
bool calibrated();
uint64_t frequency_hz();
uint64_t now();
// Converts a TSC tick count to nanoseconds (0 before calibration).
uint64_t to_nanoseconds(uint64_t ticks);

} // namespace arch::tsc

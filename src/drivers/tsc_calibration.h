#pragma once
// Measuring the TSC's rate against the PIT, whose input clock is a known
// 1.193182 MHz (drivers/pit.h), and handing it to arch::tsc.

#include <cstdint>

namespace drivers {

// Measures the TSC rate against PIT channel 2 (the shortest of five 2 ms
// runs, about 10 ms in all) and sets it as arch::tsc's rate. Safe to call
// again. Returns the rate, 0 if the PIT never answered.
uint64_t calibrate_tsc();

// The TSC rate from the shortest of `runs` PIT channel 2 counts of
// `microseconds` each, or 0 if the PIT never answers. Keeping the shortest
// discards runs the host stretched by descheduling the guest.
uint64_t measure_tsc_frequency_hz(int runs, uint32_t microseconds);

} // namespace drivers

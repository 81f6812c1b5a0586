#pragma once
// The time-stamp counter as a clock. Its rate is measured at boot against
// the PIT (drivers/tsc_calibration.h) and handed over with set_frequency_hz().

#include <cstdint>

namespace arch::tsc {

// The measured rate, in ticks per second (0: durations stay unknown).
void set_frequency_hz(uint64_t hz);
bool calibrated();
uint64_t frequency_hz();
uint64_t now();
// Converts a TSC tick count to nanoseconds (0 before calibration).
uint64_t to_nanoseconds(uint64_t ticks);

} // namespace arch::tsc

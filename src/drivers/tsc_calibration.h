#pragma once
// Measuring the TSC's rate against the PIT, whose input clock is a known
// 1.193182 MHz (drivers/pit.h), and handing it to arch::tsc.

#include <cstdint>
#include "drivers/pit.h"
#include "kstd/expected.h"

namespace drivers {

// Measures the TSC rate against PIT channel 2 (2 ms runs, at most five,
// keeping the shortest; it stops early once two runs agree within 0.2%,
// which two undisturbed runs do: 4 ms on a quiet host) and sets it as
// arch::tsc's rate. Safe to call again; on an error arch::tsc keeps the rate
// it had.
[[nodiscard]] kstd::Expected<uint64_t, pit::MeasureError> calibrate_tsc();

// The TSC rate from the shortest of `runs` (at least one) PIT channel 2
// counts of `microseconds` each; an error only if no run succeeded.
// Keeping the shortest discards runs the host stretched by descheduling the
// guest.
// With `agreeing` true, stops as soon as two successful runs agree within
// 0.2% (the shortest of them is kept).
[[nodiscard]] kstd::Expected<uint64_t, pit::MeasureError> measure_tsc_frequency_hz(int runs, uint32_t microseconds,
                                                                                 bool agreeing = false);

} // namespace drivers

#pragma once
// The time-stamp counter as a clock. Its rate is measured at boot against
// the PIT (drivers/tsc_calibration.h) and handed over with set_frequency_hz().

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace arch::tsc {

enum class Error : uint8_t {
    NotCalibrated, // no rate measured yet (or the PIT never answered): durations are unknown
};
std::string_view to_string(Error error);

// The measured rate, in ticks per second (0 forgets it).
void set_frequency_hz(uint64_t hz);
bool calibrated();
[[nodiscard]] kstd::Expected<uint64_t, Error> frequency_hz();
uint64_t now();
// Converts a TSC tick count to nanoseconds.
[[nodiscard]] kstd::Expected<uint64_t, Error> to_nanoseconds(uint64_t ticks);

} // namespace arch::tsc

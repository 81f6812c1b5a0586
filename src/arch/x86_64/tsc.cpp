#include "arch/x86_64/tsc.h"
#include <cstdint>
#include "arch/x86_64/cpu.h"

namespace arch::tsc {

namespace {
uint64_t g_frequency_hz = 0;
} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NotCalibrated: return "the TSC rate is not calibrated";
    }
    return "unknown TSC error";
}

void set_frequency_hz(uint64_t hz)
{
    g_frequency_hz = hz;
}

bool calibrated()
{
    return g_frequency_hz != 0;
}

kstd::Expected<uint64_t, Error> frequency_hz()
{
    if (g_frequency_hz == 0)
        return kstd::unexpected(Error::NotCalibrated);
    return g_frequency_hz;
}

uint64_t now()
{
    return read_timestamp_counter();
}

kstd::Expected<uint64_t, Error> to_nanoseconds(uint64_t ticks)
{
    if (g_frequency_hz == 0)
        return kstd::unexpected(Error::NotCalibrated);
    // ticks * 1e9 / f, split so nothing overflows for any f below 18 GHz
    // (and without 128-bit division, which would pull in libgcc code).
    const uint64_t seconds = ticks / g_frequency_hz;
    const uint64_t remainder = ticks % g_frequency_hz;
    return seconds * 1'000'000'000u + remainder * 1'000'000'000u / g_frequency_hz;
}

} // namespace arch::tsc

#include "arch/x86_64/tsc.h"
#include <cstdint>
#include "arch/x86_64/cpu.h"

namespace arch::tsc {

namespace {
uint64_t g_frequency_hz = 0;
} // namespace

void set_frequency_hz(uint64_t hz)
{
    g_frequency_hz = hz;
}

bool calibrated()
{
    return g_frequency_hz != 0;
}

uint64_t frequency_hz()
{
    return g_frequency_hz;
}

uint64_t now()
{
    return read_timestamp_counter();
}

uint64_t to_nanoseconds(uint64_t ticks)
{
    if (g_frequency_hz == 0)
        return 0;
    // ticks * 1e9 / f, split so nothing overflows for any f below 18 GHz
    // (and without 128-bit division, which would pull in libgcc code).
    const uint64_t seconds = ticks / g_frequency_hz;
    const uint64_t remainder = ticks % g_frequency_hz;
    return seconds * 1'000'000'000u + remainder * 1'000'000'000u / g_frequency_hz;
}

} // namespace arch::tsc

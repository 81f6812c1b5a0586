#include "arch/x86_64/tsc.h"
#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "drivers/pit.h"

namespace arch::tsc {

namespace {
uint64_t g_frequency_hz = 0;
// Several short runs, keeping the shortest: if the host deschedules the
// guest during a run, the end of the PIT count is seen late and that run
// comes out longer, never shorter (seen under load with one 10 ms run:
// 3.2-4.5 GHz for a 2.6 GHz TSC).
constexpr int calibration_runs = 5;
constexpr uint32_t run_microseconds = 2'000;
} // namespace

uint64_t measure_frequency_hz(int runs, uint32_t microseconds)
{
    uint64_t fewest = UINT64_MAX;
    for (int run = 0; run < runs; ++run) {
        const uint64_t ticks = drivers::pit::measure_tsc_ticks(microseconds);
        if (ticks != 0 && ticks < fewest)
            fewest = ticks;
    }
    if (fewest == UINT64_MAX)
        return 0; // no PIT
    // The PIT counted a whole number of its input clocks (2386 for 2 ms).
    const uint64_t pit_clocks = static_cast<uint64_t>(drivers::pit::input_hz) * microseconds / 1'000'000;
    return fewest * drivers::pit::input_hz / pit_clocks;
}

void calibrate()
{
    g_frequency_hz = measure_frequency_hz(calibration_runs, run_microseconds); // 0: durations stay unknown
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

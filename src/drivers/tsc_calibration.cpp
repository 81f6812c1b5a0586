#include "drivers/tsc_calibration.h"
#include "arch/x86_64/tsc.h"
#include "drivers/pit.h"

namespace drivers {

namespace {
// Several short runs, keeping the shortest: if the host deschedules the
// guest during a run, the end of the PIT count is seen late and that run
// comes out longer, never shorter (seen under load with one 10 ms run:
// 3.2-4.5 GHz for a 2.6 GHz TSC).
constexpr int calibration_runs = 5;
constexpr uint32_t run_microseconds = 2'000;
} // namespace

uint64_t measure_tsc_frequency_hz(int runs, uint32_t microseconds)
{
    uint64_t fewest = UINT64_MAX;
    for (int run = 0; run < runs; ++run) {
        const uint64_t ticks = pit::measure_tsc_ticks(microseconds);
        if (ticks != 0 && ticks < fewest)
            fewest = ticks;
    }
    if (fewest == UINT64_MAX)
        return 0; // no PIT
    // The PIT counted a whole number of its input clocks (2386 for 2 ms).
    const uint64_t pit_clocks = static_cast<uint64_t>(pit::input_hz) * microseconds / 1'000'000;
    return fewest * pit::input_hz / pit_clocks;
}

uint64_t calibrate_tsc()
{
    const uint64_t hz = measure_tsc_frequency_hz(calibration_runs, run_microseconds);
    arch::tsc::set_frequency_hz(hz);
    return hz;
}

} // namespace drivers

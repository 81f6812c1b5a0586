#include "drivers/tsc_calibration.h"
#include "arch/x86_64/tsc.h"
#include "core/panic.h"

namespace drivers {

namespace {
// Several short runs, keeping the shortest: if the host deschedules the
// guest during a run, the end of the PIT count is seen late and that run
// comes out longer, never shorter (seen under load with one 10 ms run:
// 3.2-4.5 GHz for a 2.6 GHz TSC). A stretched run is stretched by far more
// than 0.2% (the host's time slices are milliseconds), so two runs that agree
// that closely were both undisturbed, and the rest need not be made.
constexpr int calibration_runs = 5;
constexpr uint64_t agreement_per_mille = 2;
constexpr uint32_t run_microseconds = 2'000;
} // namespace

kstd::Expected<uint64_t, pit::MeasureError> measure_tsc_frequency_hz(int runs, uint32_t microseconds, bool agreeing)
{
    KASSERT(runs >= 1, "runs = {}", runs);
    uint64_t fewest = UINT64_MAX;
    pit::MeasureError last_error = pit::MeasureError::NoResponse;
    for (int run = 0; run < runs; ++run) {
        auto ticks = pit::measure_tsc_ticks(microseconds);
        if (!ticks) {
            if (ticks.error() == pit::MeasureError::DurationOutOfRange)
                return kstd::unexpected(ticks.error()); // every run would say the same
            last_error = ticks.error();
            continue;
        }
        const uint64_t previous = fewest;
        if (*ticks < fewest)
            fewest = *ticks;
        // The two shortest so far agree: both runs were undisturbed.
        const uint64_t other = *ticks < previous ? previous : *ticks;
        if (agreeing && previous != UINT64_MAX && (other - fewest) * 1000 <= fewest * agreement_per_mille)
            break;
    }
    if (fewest == UINT64_MAX)
        return kstd::unexpected(last_error);
    // The PIT counted a whole number of its input clocks (2386 for 2 ms).
    return fewest * pit::input_hz / pit::measure_count(microseconds);
}

kstd::Expected<uint64_t, pit::MeasureError> calibrate_tsc()
{
    const uint64_t hz = TRY(measure_tsc_frequency_hz(calibration_runs, run_microseconds, true));
    arch::tsc::set_frequency_hz(hz);
    return hz;
}

} // namespace drivers

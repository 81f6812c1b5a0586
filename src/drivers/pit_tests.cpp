// KTEST cases of pit.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and pit.cpp has strings of its own.

#include "drivers/pit.h"
#include "arch/x86_64/cpu.h"
#include "drivers/tsc_calibration.h"
#include "ktest/ktest.h"
#include "sched/thread.h"
#include "sync/interrupt_guard.h"

// Rates measured against the TSC: tests/integration/timer.cpp.
//
// Where the local APIC timer is the tick (the default with an APIC), the
// PIT's channel 0 does not run: the cases of its tick skip, and CTest runs
// them in unit.ktest_with_8259s (apic=off on the command line).

#include "drivers/system_timer.h"

namespace {
bool pit_is_the_tick()
{
    return drivers::system_timer::source() == drivers::system_timer::Source::Pit;
}
} // namespace

#define SKIP_UNLESS_THE_PIT_TICKS()                                                                               \
    do {                                                                                                          \
        if (!pit_is_the_tick())                                                                                   \
            KTEST_SKIP("the local APIC timer is the tick (unit.ktest_with_8259s runs this with apic=off)");   \
    } while (0)

KTEST(pit, rejects_rates_it_cannot_produce)
{
    auto too_slow = drivers::pit::start_timer(18);
    ASSERT_FALSE(too_slow.has_value());
    EXPECT_EQ(too_slow.error(), drivers::pit::TimerError::FrequencyOutOfRange);
    EXPECT_FALSE(drivers::pit::start_timer(20'000).has_value());
    SKIP_UNLESS_THE_PIT_TICKS();
    EXPECT_EQ(drivers::pit::timer_frequency_hz(), drivers::pit::default_timer_hz, "the rate is unchanged");
}

KTEST(pit, measuring_refuses_a_duration_one_count_cannot_hold)
{
    using drivers::pit::MeasureError;
    EXPECT_ERROR(drivers::pit::measure_tsc_ticks(0), MeasureError::DurationOutOfRange);
    EXPECT_ERROR(drivers::pit::measure_tsc_ticks(drivers::pit::max_measure_microseconds + 1),
                 MeasureError::DurationOutOfRange);
    EXPECT_ERROR(drivers::measure_tsc_frequency_hz(2, drivers::pit::max_measure_microseconds + 1),
                 MeasureError::DurationOutOfRange);
    auto ticks = drivers::pit::measure_tsc_ticks(100);
    ASSERT_OK(ticks);
    EXPECT_GT(*ticks, 0u);
}

KTEST(pit, the_divisor_and_period_follow_from_the_input_clock)
{
    SKIP_UNLESS_THE_PIT_TICKS();
    // 1193182 / 1000 = 1193.182: divisor 1193, period 1193 / 1193182 s.
    EXPECT_EQ(drivers::pit::timer_divisor(), 1193u);
    EXPECT_EQ(drivers::pit::timer_period_ns(), 999'847u);
}

namespace {
struct TimerReading {
    uint64_t ticks;
    uint64_t uptime_ns;
};

// Both counters from the same instant: a tick between two separate reads
// would count in one and not the other (seen once in 40 runs under load).
TimerReading read_timer()
{
    sync::InterruptGuard no_tick_in_between;
    return {drivers::pit::ticks(), drivers::pit::uptime_ns()};
}
} // namespace

KTEST(pit, ticks_and_uptime_advance_together)
{
    SKIP_UNLESS_THE_PIT_TICKS();
    const TimerReading before = read_timer();
    sched::sleep_for(std::chrono::milliseconds(3));
    const TimerReading after = read_timer();
    const uint64_t ticks = after.ticks - before.ticks;
    const uint64_t uptime = after.uptime_ns - before.uptime_ns;
    EXPECT_GE(ticks, 3u);
    // Each tick adds one period of PIT input clocks; only the rounding of
    // the period to whole nanoseconds (under 1 ns per tick) may differ.
    const uint64_t by_period = ticks * drivers::pit::timer_period_ns();
    EXPECT_GE(uptime + 1, by_period);
    EXPECT_LE(uptime, by_period + ticks);
}

KTEST(pit, sleep_waits_for_the_timer)
{
    SKIP_UNLESS_THE_PIT_TICKS();
    // Real time against the TSC: tests/integration/timer.cpp (it needs
    // retries on a busy host). Here: the timer's own view.
    const TimerReading before = read_timer();
    sched::sleep_for(std::chrono::milliseconds(5));
    const TimerReading after = read_timer();
    EXPECT_GE(after.uptime_ns - before.uptime_ns, 5'000'000u + drivers::pit::timer_period_ns());
    EXPECT_GE(after.ticks - before.ticks, 6u, "5 ms and the period lost to rounding, at 1 kHz");
}

KTEST(pit, calibration_that_stops_early_agrees_with_a_long_one)
{
    // The early stop (two runs within 0.2%) against the shortest of 20 runs:
    // the same rate within 5%, or the early stop kept a run the host
    // stretched by descheduling the guest (milliseconds: tens of per cent).
    // Closer is not promised: on a busy host every run is stretched a little,
    // alike.
    auto quick = drivers::measure_tsc_frequency_hz(5, 2'000, true);
    auto careful = drivers::measure_tsc_frequency_hz(20, 2'000);
    ASSERT_OK(quick);
    ASSERT_OK(careful);
    EXPECT_LE(*quick, *careful + *careful / 20, "quick {} Hz, careful {} Hz", *quick, *careful);
    EXPECT_GE(*quick + *careful / 20, *careful, "quick {} Hz, careful {} Hz", *quick, *careful);
}

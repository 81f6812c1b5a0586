// KTEST cases of pit.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and pit.cpp has strings of its own.

#include "drivers/pit.h"
#include "arch/x86_64/cpu.h"
#include "ktest/ktest.h"

// Rates measured against the TSC: tests/integration/timer.cpp.

KTEST(pit, rejects_rates_it_cannot_produce)
{
    auto too_slow = drivers::pit::start_timer(18);
    ASSERT_FALSE(too_slow.has_value());
    EXPECT_EQ(too_slow.error(), drivers::pit::TimerError::FrequencyOutOfRange);
    EXPECT_FALSE(drivers::pit::start_timer(20'000).has_value());
    EXPECT_EQ(drivers::pit::timer_frequency_hz(), drivers::pit::default_timer_hz, "the rate is unchanged");
}

KTEST(pit, the_divisor_and_period_follow_from_the_input_clock)
{
    // 1193182 / 1000 = 1193.182: divisor 1193, period 1193 / 1193182 s.
    EXPECT_EQ(drivers::pit::timer_divisor(), 1193u);
    EXPECT_EQ(drivers::pit::timer_period_ns(), 999'847u);
}

KTEST(pit, ticks_and_uptime_advance_together)
{
    const uint64_t ticks_before = drivers::pit::ticks();
    const uint64_t uptime_before = drivers::pit::uptime_ns();
    drivers::pit::sleep_ms(3);
    const uint64_t ticks = drivers::pit::ticks() - ticks_before;
    const uint64_t uptime = drivers::pit::uptime_ns() - uptime_before;
    EXPECT_GE(ticks, 3u);
    // Each tick adds one period of PIT input clocks; only the rounding of
    // the period to whole nanoseconds (under 1 ns per tick) may differ.
    const uint64_t by_period = ticks * drivers::pit::timer_period_ns();
    EXPECT_GE(uptime + 1, by_period);
    EXPECT_LE(uptime, by_period + ticks);
}

KTEST(pit, sleep_waits_for_the_timer)
{
    // Real time against the TSC: tests/integration/timer.cpp (it needs
    // retries on a busy host). Here: the timer's own view.
    const uint64_t ticks = drivers::pit::ticks();
    const uint64_t uptime = drivers::pit::uptime_ns();
    drivers::pit::sleep_ms(5);
    EXPECT_GE(drivers::pit::uptime_ns() - uptime, 5'000'000u + drivers::pit::timer_period_ns());
    EXPECT_GE(drivers::pit::ticks() - ticks, 6u, "5 ms and the period lost to rounding, at 1 kHz");
}

KTEST(pit, sleeping_with_interrupts_off_panics, ktest::should_panic("interrupts disabled"))
{
    arch::disable_interrupts();
    drivers::pit::sleep_ms(1);
}

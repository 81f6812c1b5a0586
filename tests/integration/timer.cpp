// The system timer ticks at the configured rate, measured against the TSC:
// the local APIC timer (the default, periodic or TSC-deadline) or the PIT
// (apic=off), as CTest boots this kernel each way.
//
// Under QEMU's TCG on a shared host the guest can be descheduled at any
// moment. Its clocks keep running meanwhile (the TSC and the PIT both follow
// host time), but the timer interrupts that fell due while it was not
// running are lost (at most one stays pending). So the measurements notice
// when the guest was not running: a busy-wait loop that reads the TSC sees
// a gap. The checks then work with the time the guest actually ran:
//   ticks <= 110% of what the whole window allows (+1)          always
//   ticks >=  65% of what the time the guest ran allows (-1)    always
// and if the host kept the guest away for more than 40% of every attempt,
// the rate cannot be judged and the case is skipped, saying so. Whenever it
// can judge, a rate off by a factor of two (or no timer at all) fails.
//
// The time "the guest ran" leaves out the times its timer was starved (see
// measure()). The lower bound is 65%, which still catches half the rate.
//
// The TSC rate used as the reference is measured here: the shortest of many
// 2 ms runs against PIT channel 2 (a run the host interrupted only comes out
// longer), independent of the boot calibration, which it is compared with.

#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/pit.h"
#include "drivers/system_timer.h"
#include "drivers/tsc_calibration.h"
#include "core/print.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "sched/thread.h"

KTEST_INIT_STAGE(Everything);

namespace {

constexpr int attempts = 6;
constexpr uint64_t lower_bound_percent = 65; // of the ticks the time the guest ran allows (above)
constexpr int reference_runs = 20;
constexpr uint32_t reference_microseconds = 2'000;

uint64_t reference_tsc_hz()
{
    static uint64_t hz = 0;
    if (hz == 0) {
        // Without a reference rate nothing here can be judged: a broken invariant of this kernel.
        hz = MUST(drivers::measure_tsc_frequency_hz(reference_runs, reference_microseconds));
        core::println("    # timer: TSC {} kHz (shortest of {} runs of {} us; the boot calibration said {} kHz)",
                        hz / 1000, reference_runs, reference_microseconds, MUST(arch::tsc::frequency_hz()) / 1000);
    }
    return hz;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
    const uint64_t hz = reference_tsc_hz();
    return ticks / hz * 1'000'000'000 + ticks % hz * 1'000'000'000 / hz;
}

struct Measurement {
    uint64_t ticks;
    uint64_t elapsed_ns;
    uint64_t uptime_ns;
    uint64_t stalled_ns; // the guest or its timer did not run (see measure())

    uint64_t ran_ns() const { return elapsed_ns - stalled_ns; }
    bool judgeable() const { return stalled_ns * 10 <= elapsed_ns * 4; }
};

// Busy-waits `ms` on the TSC (interrupts on), counting the timer ticks and
// the time the guest or its timer was not running: gaps of over 100 us
// between two TSC reads (the vCPU was descheduled), and, while the guest ran,
// gaps of over 2.5 periods between two ticks (QEMU raises the PIT interrupt
// from its main-loop thread, which a loaded host starves while the vCPU runs;
// measured: 22 ticks in 37 ms of running at 1000 Hz). A tick every 2 periods,
// half the rate, is not such a gap: the rate checks still see it.
Measurement measure(uint64_t ms)
{
    const uint64_t window = reference_tsc_hz() / 1000 * ms;
    const uint64_t gap_limit = reference_tsc_hz() / 10'000;
    const uint64_t period = reference_tsc_hz() * drivers::system_timer::period_ns() / 1'000'000'000;
    const uint64_t tick_gap_limit = period * 5 / 2;
    const uint64_t ticks = drivers::system_timer::ticks();
    const uint64_t uptime = drivers::system_timer::uptime_ns();
    const uint64_t start = arch::tsc::now();
    uint64_t last = start, stalled = 0, last_tick_count = ticks, last_tick_at = start, stalled_at_last_tick = 0;
    for (uint64_t now = start; now - start < window; now = arch::tsc::now()) {
        if (now - last > gap_limit)
            stalled += now - last;
        last = now;
        if (const uint64_t count = drivers::system_timer::ticks(); count != last_tick_count) {
            // The time since the last tick the guest ran, beyond one period.
            const uint64_t ran_since = now - last_tick_at - (stalled - stalled_at_last_tick);
            if (ran_since > tick_gap_limit)
                stalled += ran_since - period;
            last_tick_count = count;
            last_tick_at = now;
            stalled_at_last_tick = stalled;
        }
        arch::pause();
    }
    const uint64_t elapsed = arch::tsc::now() - start;
    return {drivers::system_timer::ticks() - ticks, tsc_to_ns(elapsed), drivers::system_timer::uptime_ns() - uptime,
            tsc_to_ns(stalled < elapsed ? stalled : elapsed)};
}

uint64_t periods_in(uint64_t ns, uint32_t hz)
{
    return ns * hz / 1'000'000'000;
}

bool rate_plausible(const Measurement& m, uint32_t hz)
{
    return m.ticks * 100 <= periods_in(m.elapsed_ns, hz) * 110 + 100
        && m.ticks * 100 + 100 >= periods_in(m.ran_ns(), hz) * lower_bound_percent;
}

void check_rate(uint32_t hz)
{
    ASSERT_TRUE(drivers::system_timer::restart(hz));
    sched::sleep_for(std::chrono::milliseconds(2)); // the new rate takes effect at the next period
    const uint64_t window_ms = hz >= 400 ? 50 : 20'000 / hz; // at least 20 periods
    Measurement best{};
    for (int i = 0; i < attempts; ++i) {
        const Measurement m = measure(window_ms);
        core::println("    # timer: {} Hz: {} ticks in {} us (expected {}); the guest ran {} us of it", hz, m.ticks,
                        m.elapsed_ns / 1000, periods_in(m.elapsed_ns, hz), m.ran_ns() / 1000);
        if (i == 0 || m.stalled_ns * best.elapsed_ns < best.stalled_ns * m.elapsed_ns)
            best = m;
        if (m.judgeable() && rate_plausible(m, hz))
            break;
    }
    if (!best.judgeable())
        KTEST_SKIP("the host kept the guest descheduled for over 40% of every attempt: cannot judge the rate");
    EXPECT_LE(best.ticks * 100, periods_in(best.elapsed_ns, hz) * 110 + 100, "{} Hz: too many ticks", hz);
    EXPECT_GE(best.ticks * 100 + 100, periods_in(best.ran_ns(), hz) * lower_bound_percent, "{} Hz: too few ticks", hz);
}

} // namespace

KTEST_SETUP(timer)
{
    ASSERT_TRUE(drivers::system_timer::running());
    ASSERT_NE(reference_tsc_hz(), 0u, "PIT channel 2 answers");
}

KTEST_TEARDOWN(timer)
{
    ASSERT_TRUE(drivers::system_timer::restart(drivers::pit::default_timer_hz));
}

KTEST(timer, ticks_at_the_default_1000_hz)
{
    check_rate(1000);
}

KTEST(timer, ticks_at_100_hz)
{
    check_rate(100);
}

KTEST(timer, ticks_at_500_hz)
{
    check_rate(500);
}

KTEST(timer, uptime_follows_real_time)
{
    const uint64_t period = drivers::system_timer::period_ns();
    Measurement best{};
    for (int i = 0; i < attempts; ++i) {
        const Measurement m = measure(50);
        core::println("    # timer: uptime advanced {} us in {} us; the guest ran {} us of it", m.uptime_ns / 1000,
                        m.elapsed_ns / 1000, m.ran_ns() / 1000);
        EXPECT_LE(m.uptime_ns, m.elapsed_ns + m.elapsed_ns / 20 + period, "uptime never runs ahead of real time");
        if (i == 0 || m.stalled_ns < best.stalled_ns)
            best = m;
        if (m.judgeable() && m.uptime_ns * 100 + period * 100 >= m.ran_ns() * lower_bound_percent)
            break;
    }
    if (!best.judgeable())
        KTEST_SKIP("the host kept the guest descheduled for over 40% of every attempt");
    EXPECT_GE(best.uptime_ns * 100 + period * 100, best.ran_ns() * lower_bound_percent);
}

KTEST(timer, sleep_lasts_at_least_the_requested_time)
{
    uint64_t shortest_us = ~0ull;
    for (int i = 0; i < 3; ++i) {
        const uint64_t start = arch::tsc::now();
        sched::sleep_for(std::chrono::milliseconds(20));
        const uint64_t elapsed_us = tsc_to_ns(arch::tsc::now() - start) / 1000;
        core::println("    # timer: sleep_for(20 ms) took {} us", elapsed_us);
        // Never shorter, whatever the host does (1% for the TSC reference).
        EXPECT_GE(elapsed_us, 19'800u);
        if (elapsed_us < shortest_us)
            shortest_us = elapsed_us;
    }
    // One or two periods late by design; beyond that only host delays,
    // generous because a halted guest cannot tell it was descheduled.
    EXPECT_LE(shortest_us, 35'000u);
}

KTEST(timer, tsc_and_timer_agree)
{
    // The TSC across 25 timer periods against the TSC rate measured on PIT
    // channel 2: two views of one clock through the two PIT channels, which
    // checks the timer's period arithmetic. Only attempts where the guest
    // ran throughout count (no gap of over a quarter period between TSC
    // reads), and the shortest of up to three is kept. The bounds allow for
    // the latency of the two ticks that delimit the interval (QEMU raises
    // the PIT interrupt from its main loop, which a busy host delays): a
    // late first tick shortens it a little, lost ticks lengthen it more.
    constexpr uint64_t periods = 25;
    const uint64_t period = drivers::system_timer::period_ns();
    const uint64_t gap_limit = reference_tsc_hz() / 4'000;
    uint64_t fewest = 0;
    int clean = 0;
    for (int i = 0; i < attempts * 2 && clean < 3; ++i) {
        const uint64_t first = drivers::system_timer::ticks();
        while (drivers::system_timer::ticks() == first)
            arch::pause();
        const uint64_t start = arch::tsc::now();
        const uint64_t start_ticks = drivers::system_timer::ticks();
        uint64_t last = start;
        bool stalled = false;
        while (drivers::system_timer::ticks() - start_ticks < periods) {
            const uint64_t now = arch::tsc::now();
            stalled |= now - last > gap_limit;
            last = now;
            arch::pause();
        }
        const uint64_t tsc = arch::tsc::now() - start;
        if (!stalled && (clean++ == 0 || tsc < fewest))
            fewest = tsc;
    }
    if (clean == 0)
        KTEST_SKIP("the host never let the guest run 25 timer periods undisturbed");
    const uint64_t by_timer_hz = fewest * 1'000'000'000 / (periods * period);
    core::println("    # timer: TSC {} kHz over {} timer periods, {} kHz against PIT channel 2", by_timer_hz / 1000,
                    periods, reference_tsc_hz() / 1000);
    EXPECT_GE(by_timer_hz * 100, reference_tsc_hz() * 90);
    EXPECT_LE(by_timer_hz * 100, reference_tsc_hz() * 125);
}

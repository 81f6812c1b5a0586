#include "drivers/local_apic_timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/pit.h"
#include "drivers/system_timer.h"
#include "interrupts/local_apic.h"
#include "sync/atomic.h"

namespace drivers::local_apic_timer {

namespace {

namespace apic = interrupts::local_apic;

constexpr uint32_t divide_by_16 = 0b0011;             // divide configuration register (SDM figure 11-10)
constexpr uint32_t mode_periodic = 1u << 17;          // LVT timer mode bits 18-17: 01
constexpr uint32_t mode_tsc_deadline = 2u << 17;      // 10
constexpr uint32_t tsc_deadline_msr = 0x6E0;          // IA32_TSC_DEADLINE
constexpr uint64_t calibration_ns = 10'000'000;       // 10 ms of TSC time per run
constexpr int calibration_runs = 3;

sync::Atomic<uint64_t> g_counts_per_second{0};
sync::Atomic<uint64_t> g_period_tsc{0}; // TSC-deadline mode: TSC ticks per period
KESTREL_PER_CPU uint64_t g_next_deadline; // this CPU's next IA32_TSC_DEADLINE
KESTREL_PER_CPU bool g_deadline_mode;

bool keeps_time()
{
    return arch::this_cpu_data().id == 0; // the boot CPU
}

void on_tick(arch::InterruptFrame&)
{
    if (arch::this_cpu(g_deadline_mode)) {
        // The next deadline one period after the last: no drift. Behind by
        // more than a period (a long stretch with interrupts off): from now.
        uint64_t& next = arch::this_cpu(g_next_deadline);
        const uint64_t period = g_period_tsc.load(sync::MemoryOrder::Relaxed);
        next += period;
        const uint64_t now = arch::tsc::now();
        if (next <= now)
            next = now + period;
        arch::msr::write(tsc_deadline_msr, next);
    }
    system_timer::tick(keeps_time());
}

} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NoLocalApic: return "the local APIC is not enabled";
    case Error::TscNotCalibrated: return "the TSC is not calibrated, so there is no reference";
    case Error::CalibrationFailed: return "the timer's count did not move as a timer's would";
    case Error::FrequencyOutOfRange: return "the frequency is outside 19-10000 Hz";
    }
    return "unknown local APIC timer error";
}

kstd::Expected<uint64_t, Error> calibrate()
{
    if (!apic::enabled())
        return kstd::unexpected(Error::NoLocalApic);
    auto tsc_hz = arch::tsc::frequency_hz();
    if (!tsc_hz)
        return kstd::unexpected(Error::TscNotCalibrated);
    const uint64_t wait_tsc = *tsc_hz / (1'000'000'000 / calibration_ns);
    uint64_t best = 0;
    for (int run = 0; run < calibration_runs; ++run) {
        apic::write(apic::reg::timer_divide, divide_by_16);
        apic::write(apic::reg::lvt_timer, apic::lvt_masked | apic::timer_vector); // one-shot, masked
        const uint64_t start = arch::tsc::now();
        apic::write(apic::reg::timer_initial_count, 0xFFFF'FFFF);
        while (arch::tsc::now() - start < wait_tsc)
            arch::pause();
        const uint32_t left = apic::read(apic::reg::timer_current_count);
        const uint64_t elapsed_tsc = arch::tsc::now() - start;
        apic::write(apic::reg::timer_initial_count, 0); // stops it
        const uint64_t counted = 0xFFFF'FFFFull - left;
        if (counted == 0 || left == 0)
            continue; // did not move, or ran out (a timer faster than 429 GHz / 16: no)
        // counts per second = counted / (elapsed_tsc / tsc_hz); the largest
        // of the runs: a run stretched by the host (TCG) counts a longer TSC
        // time than the timer saw, so it errs low.
        const uint64_t rate = static_cast<uint64_t>(static_cast<unsigned __int128>(counted) * *tsc_hz / elapsed_tsc);
        if (rate > best)
            best = rate;
    }
    if (best < 1000) // slower than 1 kHz after the divider: not a working timer
        return kstd::unexpected(Error::CalibrationFailed);
    g_counts_per_second.store(best, sync::MemoryOrder::Relaxed);
    return best;
}

uint64_t counts_per_second()
{
    return g_counts_per_second.load(sync::MemoryOrder::Relaxed);
}

kstd::Expected<void, Error> start_this_cpu(uint32_t hz, bool use_tsc_deadline)
{
    if (!apic::enabled())
        return kstd::unexpected(Error::NoLocalApic);
    if (hz < pit::min_timer_hz || hz > pit::max_timer_hz)
        return kstd::unexpected(Error::FrequencyOutOfRange);
    apic::set_handler(apic::timer_vector, &on_tick);
    const bool deadline = use_tsc_deadline && arch::cpu_features().tsc_deadline && arch::tsc::calibrated();
    if (deadline) {
        const uint64_t tsc_hz = *arch::tsc::frequency_hz();
        const uint64_t period = tsc_hz / hz;
        g_period_tsc.store(period, sync::MemoryOrder::Relaxed);
        arch::this_cpu(g_deadline_mode) = true;
        apic::write(apic::reg::lvt_timer, mode_tsc_deadline | apic::timer_vector);
        // The LVT write must be done before the MSR is armed (SDM vol. 3,
        // 11.5.4.2): MFENCE orders the MMIO store before the WRMSR.
        asm volatile("mfence" ::: "memory");
        uint64_t& next = arch::this_cpu(g_next_deadline);
        next = arch::tsc::now() + period;
        arch::msr::write(tsc_deadline_msr, next);
        if (keeps_time())
            system_timer::set_source(system_timer::Source::LocalApicTscDeadline, hz, *arch::tsc::to_nanoseconds(period));
        return {};
    }
    const uint64_t per_second = counts_per_second();
    if (per_second == 0)
        return kstd::unexpected(Error::CalibrationFailed);
    const uint64_t count = (per_second + hz / 2) / hz;
    if (count == 0 || count > 0xFFFF'FFFF)
        return kstd::unexpected(Error::FrequencyOutOfRange);
    arch::this_cpu(g_deadline_mode) = false;
    apic::write(apic::reg::timer_divide, divide_by_16);
    apic::write(apic::reg::lvt_timer, mode_periodic | apic::timer_vector);
    apic::write(apic::reg::timer_initial_count, static_cast<uint32_t>(count));
    if (keeps_time())
        system_timer::set_source(system_timer::Source::LocalApicPeriodic, hz, count * 1'000'000'000 / per_second);
    return {};
}

void stop_this_cpu()
{
    if (!apic::enabled())
        return;
    apic::write(apic::reg::lvt_timer, apic::lvt_masked | apic::timer_vector);
    apic::write(apic::reg::timer_initial_count, 0);
    if (arch::this_cpu(g_deadline_mode))
        arch::msr::write(tsc_deadline_msr, 0);
}

} // namespace drivers::local_apic_timer

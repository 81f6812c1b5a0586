#include "drivers/pit.h"
#include "drivers/system_timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "interrupts/irq.h"
#include "core/panic.h"
#include "sync/atomic.h"
#include "sync/interrupt_guard.h"
#include "sync/preemption.h"

namespace drivers::pit {

namespace {
constexpr arch::Port8 channel0_data(0x40);
constexpr arch::Port8 channel2_data(0x42);
constexpr arch::Port8 mode_command(0x43);
// Port 0x61 (system control port B): bit 0 gates channel 2, bit 1 drives the
// speaker from it, bit 5 reads channel 2's output.
constexpr arch::Port8 control_port_b(0x61);
constexpr uint8_t gate2 = 0x01;
constexpr uint8_t speaker = 0x02;
constexpr uint8_t out2 = 0x20;
// Mode/command byte: channel (7-6), access (5-4: 11 = low byte then high
// byte), mode (3-1), BCD (0: binary). 82C54 datasheet, "Control Word Format".
// Channel 2, mode 0 (output rises at terminal count).
constexpr uint8_t channel2_mode0 = 0b10'11'000'0;
// Channel 0, mode 2 (rate generator: one pulse every `divisor` input clocks,
// which the PIC sees as one rising edge per period).
constexpr uint8_t channel0_mode2 = 0b00'11'010'0;
constexpr uint64_t give_up_after_tsc_ticks = 10'000'000'000ull;
constexpr uint64_t nanoseconds_per_second = 1'000'000'000;

// Written by the IRQ 0 handler (interrupts off) or with interrupts off.
sync::Atomic<uint64_t> g_ticks{0};
sync::Atomic<uint64_t> g_input_cycles{0}; // PIT input clocks elapsed: exact uptime
sync::Atomic<uint32_t> g_divisor{0};
sync::Atomic<uint32_t> g_requested_hz{0};
bool g_irq_registered = false;

void on_timer_interrupt(arch::InterruptFrame&)
{
    g_ticks.fetch_add(1, sync::MemoryOrder::Relaxed);
    g_input_cycles.fetch_add(g_divisor.load(sync::MemoryOrder::Relaxed), sync::MemoryOrder::Relaxed);
    // The machine's one PIT is the system timer's source (or nothing is
    // but the PIT's own counters, when the local APIC timer is).
    if (system_timer::source() == system_timer::Source::Pit)
        system_timer::tick(true);
}

uint64_t cycles_to_ns(uint64_t cycles)
{
    // cycles * 1e9 / input_hz without overflow (cycles % input_hz < 2^21).
    return cycles / input_hz * nanoseconds_per_second + cycles % input_hz * nanoseconds_per_second / input_hz;
}

} // namespace

static_assert(measure_count(max_measure_microseconds) <= 0xFFFF && measure_count(max_measure_microseconds + 1) > 0xFFFF);

std::string_view to_string(MeasureError error)
{
    switch (error) {
    case MeasureError::DurationOutOfRange: return "the duration does not fit one PIT channel 2 count (1 us to 54.9 ms)";
    case MeasureError::NoResponse: return "PIT channel 2 never reached its terminal count (no PIT?)";
    }
    return "unknown PIT measurement error";
}

kstd::Expected<uint64_t, MeasureError> measure_tsc_ticks(uint32_t microseconds)
{
    const uint64_t count = measure_count(microseconds);
    if (count == 0 || count > 0xFFFF)
        return kstd::unexpected(MeasureError::DurationOutOfRange);

    // Both TSC reads on one CPU: a thread moved to another CPU in between
    // would subtract one CPU's counter from another's. (Interrupts stay on;
    // a tick in between only makes the run longer, and the callers keep the
    // shortest.)
    const sync::PreemptionGuard stay_on_this_cpu;
    const uint8_t saved = control_port_b.read();
    control_port_b.write(static_cast<uint8_t>(saved & ~(gate2 | speaker))); // gate low: hold
    mode_command.write(channel2_mode0);
    channel2_data.write(static_cast<uint8_t>(count & 0xFF));
    channel2_data.write(static_cast<uint8_t>(count >> 8));

    control_port_b.write(static_cast<uint8_t>((saved & ~speaker) | gate2)); // gate high: count
    const uint64_t start = arch::read_timestamp_counter();
    uint64_t now = start;
    while ((control_port_b.read() & out2) == 0) {
        now = arch::read_timestamp_counter();
        if (now - start > give_up_after_tsc_ticks) {
            control_port_b.write(saved);
            return kstd::unexpected(MeasureError::NoResponse);
        }
    }
    now = arch::read_timestamp_counter();
    control_port_b.write(saved);
    return now - start;
}

std::string_view to_string(TimerError error)
{
    switch (error) {
    case TimerError::FrequencyOutOfRange: return "timer frequency out of range (19-10000 Hz)";
    case TimerError::IrqUnavailable: return "IRQ 0 is taken by another handler";
    }
    return "unknown timer error";
}

kstd::Expected<void, TimerError> start_timer(uint32_t hz)
{
    if (hz < min_timer_hz || hz > max_timer_hz)
        return kstd::unexpected(TimerError::FrequencyOutOfRange);
    const uint32_t divisor = (input_hz + hz / 2) / hz;
    {
        // No tick may see the new divisor before the PIT runs with it.
        sync::InterruptGuard guard;
        mode_command.write(channel0_mode2);
        channel0_data.write(static_cast<uint8_t>(divisor & 0xFF));
        channel0_data.write(static_cast<uint8_t>(divisor >> 8));
        g_divisor.store(divisor, sync::MemoryOrder::Relaxed);
        g_requested_hz.store(hz, sync::MemoryOrder::Relaxed);
        system_timer::set_source(system_timer::Source::Pit, hz, cycles_to_ns(divisor));
    }
    if (!g_irq_registered) {
        if (!interrupts::register_irq_handler(interrupts::irq::timer, &on_timer_interrupt))
            return kstd::unexpected(TimerError::IrqUnavailable);
        g_irq_registered = true;
    }
    return {};
}

bool timer_running()
{
    return g_irq_registered;
}

uint32_t timer_frequency_hz()
{
    return g_requested_hz.load(sync::MemoryOrder::Relaxed);
}

uint32_t timer_divisor()
{
    return g_divisor.load(sync::MemoryOrder::Relaxed);
}

uint64_t timer_period_ns()
{
    return cycles_to_ns(timer_divisor());
}

uint64_t ticks()
{
    return g_ticks.load(sync::MemoryOrder::Relaxed);
}

uint64_t uptime_ns()
{
    return cycles_to_ns(g_input_cycles.load(sync::MemoryOrder::Relaxed));
}

uint64_t uptime_ms()
{
    return uptime_ns() / 1'000'000;
}

} // namespace drivers::pit

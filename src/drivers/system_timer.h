#pragma once
// The system timer: the periodic tick that drives the scheduler and keeps
// the kernel's uptime, whichever device makes it.
//
//   local APIC timer  each CPU's own (drivers/local_apic_timer.h), periodic
//                     or TSC-deadline; the default where there is an APIC
//   PIT channel 0     IRQ 0 (drivers/pit.h), one for the machine: the
//                     fallback without an APIC (or with apic=off)
//
// Every CPU's tick asks its scheduler for a reschedule; the boot CPU's tick
// also advances the uptime by the tick's exact period, so time is kept by
// one CPU and read by all.

#include <cstdint>
#include <string_view>

namespace drivers::system_timer {

enum class Source : uint8_t {
    None,
    Pit,
    LocalApicPeriodic,
    LocalApicTscDeadline,
};
std::string_view to_string(Source source);

// The tick source starts: `hz` asked for, `period_ns` as programmed.
void set_source(Source source, uint32_t hz, uint64_t period_ns);
Source source();
bool running();
uint32_t frequency_hz();
uint64_t period_ns();

// Starts the current source again at `hz` (the PIT, or this CPU's local APIC
// timer in the mode it runs in): for tests of the rate. False when the
// source refuses the rate or none runs.
[[nodiscard]] bool restart(uint32_t hz);

// Called by the tick's interrupt handler on the CPU that took it: counts
// this CPU's tick and, on the CPU that keeps time, the uptime by `period_ns`.
void tick(bool keeps_time);

// Ticks of the time-keeping CPU since the timer started: monotonic.
uint64_t ticks();
// Time since the timer started, advanced by each tick's exact period.
uint64_t uptime_ns();
uint64_t uptime_ms();
// This CPU's ticks (each CPU's timer interrupts; the scheduler's time slices).
uint64_t cpu_ticks();

} // namespace drivers::system_timer

#pragma once
// The local APIC timer as the system timer's tick (drivers/system_timer.h):
// each CPU has its own, so each CPU gets its own scheduler tick (Intel SDM
// vol. 3, 11.5.4 "APIC Timer").
//
// Its rate is not architectural (the bus or core crystal, divided): it is
// measured once against the TSC, already calibrated against the PIT
// (drivers/tsc_calibration.h): a one-shot count from 0xFFFFFFFF runs masked
// for a few milliseconds of TSC time. Then each CPU runs it either
//   - in TSC-deadline mode where CPUID 01h ECX[24] says it has it: the timer
//     fires when the TSC reaches IA32_TSC_DEADLINE, which the handler moves
//     one period on each time (so the ticks do not drift), or
//   - periodic: the count reloads itself every period.

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers::local_apic_timer {

enum class Error : uint8_t {
    NoLocalApic,         // the local APIC is not enabled (interrupts/local_apic.h)
    TscNotCalibrated,    // the reference is missing
    CalibrationFailed,   // the count did not move, or moved implausibly
    FrequencyOutOfRange, // not 19 to 10000 Hz, as for the PIT
};
std::string_view to_string(Error error);

// Measures the timer's rate (the boot CPU, once; the divider is 16).
[[nodiscard]] kstd::Expected<uint64_t, Error> calibrate();
// Counts per second at divide-by-16, as calibrate() measured it (0: not yet).
uint64_t counts_per_second();

// Starts this CPU's timer at `hz` as the system timer's tick; the boot CPU's
// call makes it the system timer's source. `use_tsc_deadline` is honoured
// only where the CPU has the mode.
[[nodiscard]] kstd::Expected<void, Error> start_this_cpu(uint32_t hz, bool use_tsc_deadline);
// Stops this CPU's timer (masked), e.g. before the CPU halts for good.
void stop_this_cpu();

} // namespace drivers::local_apic_timer

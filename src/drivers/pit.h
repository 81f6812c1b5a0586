#pragma once
// The 8253/8254 programmable interval timer. Its input clock runs at
// 1.193182 MHz on every PC, which makes it the reference for measuring
// other clocks (channel 2, polled) and the kernel's periodic timer
// interrupt (channel 0, IRQ 0). Intel 82C54 datasheet; OSDev wiki
// "Programmable Interval Timer".

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers::pit {

inline constexpr uint32_t input_hz = 1'193'182;

enum class MeasureError : uint8_t {
    DurationOutOfRange, // not 1 to 54925 us: one 16-bit count of channel 2
    NoResponse,         // channel 2 never reached its terminal count (no PIT?)
};
std::string_view to_string(MeasureError error);

// The longest channel 2 can count in one go: 0xFFFF input clocks.
inline constexpr uint32_t max_measure_microseconds = 54'925;

// Counts TSC ticks while PIT channel 2 counts down `microseconds` (1 to
// max_measure_microseconds). Uses polling, no interrupts.
[[nodiscard]] kstd::Expected<uint64_t, MeasureError> measure_tsc_ticks(uint32_t microseconds);
// The channel 2 count (PIT input clocks) measure_tsc_ticks() waits for.
constexpr uint64_t measure_count(uint32_t microseconds)
{
    return static_cast<uint64_t>(input_hz) * microseconds / 1'000'000;
}

// --- The periodic timer: channel 0 on IRQ 0 ----------------------------------

inline constexpr uint32_t default_timer_hz = 1000;
inline constexpr uint32_t min_timer_hz = 19;     // divisor 62799; 65536 would be 18.2 Hz
inline constexpr uint32_t max_timer_hz = 10'000; // a tick every 100 us is plenty

enum class TimerError : uint8_t { FrequencyOutOfRange, IrqUnavailable };
std::string_view to_string(TimerError error);

// Programs channel 0 as a rate generator at `hz` (the divisor input_hz / hz
// rounded, so the real rate differs slightly: see timer_period_ns()) and
// takes IRQ 0. May be called again to change the rate; ticks and uptime go
// on counting from where they were.
kstd::Expected<void, TimerError> start_timer(uint32_t hz);
bool timer_running();
uint32_t timer_frequency_hz(); // as requested
uint32_t timer_divisor();
uint64_t timer_period_ns();    // as programmed

// Timer interrupts since the timer started: monotonic, never reset.
uint64_t ticks();
// Time since the timer started, advanced by each tick's exact period.
uint64_t uptime_ns();
uint64_t uptime_ms();

// Sleeping is the scheduler's: sched::sleep_for (sched/thread.h) blocks the
// thread on the timer queue, which each tick checks.

} // namespace drivers::pit

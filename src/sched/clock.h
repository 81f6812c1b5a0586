#pragma once
// Time as the scheduler keeps it: the PIT's uptime (drivers/pit.h), advanced
// by every timer tick, so a deadline is met at the first tick at or after it.
//
//   sched::sleep_for(10ms);
//   queue.wait(lock, sched::Deadline::after(5ms));
//
// Durations are std::chrono's (header-only, so usable freestanding), with
// `using namespace std::chrono_literals` for 10ms, 500us and so on.

#include <chrono>
#include <cstdint>

namespace sched {

using Duration = std::chrono::nanoseconds;

// Nanoseconds since the timer started.
uint64_t now_ns();

// A point in time a wait gives up at, or never.
class Deadline {
public:
    static constexpr Deadline never() { return Deadline(UINT64_MAX); }
    // At least `duration` from now: one timer period is added, since the
    // clock lags real time by up to one period, so a wait is never shorter
    // than asked (and at most about one period longer).
    static Deadline after(Duration duration);
    static constexpr Deadline at_ns(uint64_t ns) { return Deadline(ns); }

    constexpr bool is_never() const { return m_ns == UINT64_MAX; }
    constexpr uint64_t ns() const { return m_ns; }
    constexpr bool operator==(const Deadline&) const = default;
    constexpr auto operator<=>(const Deadline&) const = default;

private:
    constexpr explicit Deadline(uint64_t ns) : m_ns(ns) {}
    uint64_t m_ns;
};

} // namespace sched

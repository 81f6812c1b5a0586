#pragma once
// A condition variable, used with a Mutex that guards the condition:
//
//   sched::MutexGuard guard(lock);
//   while (!ready)
//       changed.wait(lock);
//   // or: if (!changed.wait_until(lock, [&] { return ready; }, Deadline::after(10ms))) timed out
//
// wait() lets the mutex go and blocks in one step (no notify between the
// two can be lost), then takes the mutex again before it returns. Waiters
// wake in FIFO order; spurious wake-ups do not happen, but the condition
// must still be checked again (another thread may have changed it first).

#include "sched/clock.h"
#include "sched/mutex.h"
#include "sched/wait_queue.h"

namespace sched {

class ConditionVariable {
public:
    explicit ConditionVariable(const char* name = "condition variable") : m_waiters(name) {}
    ConditionVariable(const ConditionVariable&) = delete;
    ConditionVariable& operator=(const ConditionVariable&) = delete;

    // `mutex` is held by the caller, and held again when these return.
    void wait(Mutex& mutex, const std::source_location& where = std::source_location::current());
    WaitResult wait_until(Mutex& mutex, Deadline deadline,
                          const std::source_location& where = std::source_location::current());
    WaitResult wait_for(Mutex& mutex, Duration duration,
                        const std::source_location& where = std::source_location::current())
    {
        return wait_until(mutex, Deadline::after(duration), where);
    }
    // As wait(), but sched::interrupt() ends it too (WaitResult::Interrupted).
    WaitResult wait_interruptible(Mutex& mutex, const std::source_location& where = std::source_location::current());
    // Waits until `ready()` (checked with the mutex held) or the deadline;
    // returns the last value of ready().
    template <typename Predicate>
    bool wait_until(Mutex& mutex, Predicate ready, Deadline deadline,
                    const std::source_location& where = std::source_location::current())
    {
        while (!ready()) {
            if (wait_until(mutex, deadline, where) == WaitResult::TimedOut)
                return ready();
        }
        return true;
    }

    void notify_one() { (void)m_waiters.wake_one(); }
    void notify_all() { (void)m_waiters.wake_all(); }
    uint32_t waiters() const { return m_waiters.waiter_count(); }

private:
    WaitQueue m_waiters;
};

} // namespace sched

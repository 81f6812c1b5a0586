#pragma once
// The scheduler lock: what guards the run queue, the timer queue, every
// wait queue and each thread's state, on every CPU. It is interrupts off,
// the preemption count (sync/preemption.h) and one spinlock for the whole
// machine (one run queue shared by all CPUs: docs/scheduling.md says why),
// held by a CPU, not a thread: SchedulerLocks nest on the CPU holding it
// (a depth per CPU), and the thread a switch goes to releases what the
// thread switched away from took.
//
// The rules, as xv6 holds p->lock and Linux the run-queue lock across a
// switch:
// - Every context switch happens with the scheduler lock held exactly once
//   (preemption count 1, interrupts off): the thread switched away from
//   holds it, and the thread switched to returns from its own switch still
//   holding it, then releases it. A new thread releases it as it starts.
// - Making a thread runnable while the lock is held only marks a
//   reschedule as pending; the switch happens when the lock is released, so
//   a waker always finishes its bookkeeping before the woken thread runs,
//   and a waiter is queued before anyone can wake it.

#include "sync/interrupt_guard.h"
#include "sync/preemption.h"

namespace sched {

namespace detail {
// Takes the machine-wide spinlock unless this CPU holds it already (then
// only the depth goes up); interrupts must be off.
void acquire_scheduler_lock();
// One level down; at zero the spinlock is free for the other CPUs.
void release_scheduler_lock();
} // namespace detail

class SchedulerLock {
public:
    SchedulerLock() { detail::acquire_scheduler_lock(); }
    ~SchedulerLock() { detail::release_scheduler_lock(); }
    SchedulerLock(const SchedulerLock&) = delete;
    SchedulerLock& operator=(const SchedulerLock&) = delete;

    // Whether interrupts were on when the lock was taken: blocking with it
    // is allowed only then (sched/might_sleep.h).
    bool interrupts_were_enabled() const { return m_interrupts.interrupts_were_enabled(); }

private:
    // Interrupts off first, then the count up (no tick in between), then
    // the spinlock (the constructor's body); released the other way round:
    // the spinlock first (the destructor's body), then the count drops with
    // interrupts still off, so a reschedule that was pending runs (and may
    // switch, taking the lock again) right there, and interrupts come back
    // as the holder had them when its turn returns.
    sync::InterruptGuard m_interrupts;
    sync::PreemptionGuard m_preemption;
};

} // namespace sched

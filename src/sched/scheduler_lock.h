#pragma once
// The scheduler lock: what guards the run queues, the timer queue, every
// wait queue and each thread's state. On one CPU it is interrupts off plus
// the preemption count (sync/preemption.h); SMP makes it a spinlock as
// well, with the same rules.
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

class SchedulerLock {
public:
    SchedulerLock() = default;
    SchedulerLock(const SchedulerLock&) = delete;
    SchedulerLock& operator=(const SchedulerLock&) = delete;

    // Whether interrupts were on when the lock was taken: blocking with it
    // is allowed only then (sched/might_sleep.h).
    bool interrupts_were_enabled() const { return m_interrupts.interrupts_were_enabled(); }

private:
    // Interrupts off first, then the count up (no tick in between); released
    // the other way round: the count drops with interrupts still off, so a
    // reschedule that was pending runs (and may switch) right there, and
    // interrupts come back as the holder had them when its turn returns.
    sync::InterruptGuard m_interrupts;
    sync::PreemptionGuard m_preemption;
};

} // namespace sched

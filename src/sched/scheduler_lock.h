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

#include "arch/x86_64/cpu.h"
#include "sync/preemption.h"

namespace sched {

class SchedulerLock {
public:
    SchedulerLock() : m_interrupts_were_enabled(arch::interrupts_enabled())
    {
        arch::disable_interrupts(); // before the count rises: no tick in between
        sync::disable_preemption();
    }
    ~SchedulerLock()
    {
        // Interrupts back first, then the count: a reschedule that was
        // pending runs as the count drops to zero (sync/preemption.cpp turns
        // interrupts off again to decide), as Spinlock::unlock does.
        if (m_interrupts_were_enabled)
            arch::enable_interrupts();
        sync::enable_preemption();
    }
    SchedulerLock(const SchedulerLock&) = delete;
    SchedulerLock& operator=(const SchedulerLock&) = delete;

    // Whether interrupts were on when the lock was taken: blocking with it
    // is allowed only then (sched/might_sleep.h).
    bool interrupts_were_enabled() const { return m_interrupts_were_enabled; }

private:
    bool m_interrupts_were_enabled;
};

} // namespace sched

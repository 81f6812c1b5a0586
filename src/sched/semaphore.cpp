#include "sched/semaphore.h"
#include "sched/might_sleep.h"

namespace sched {

void Semaphore::acquire(const std::source_location& where)
{
    (void)acquire_until(Deadline::never(), where);
}

bool Semaphore::acquire_until(Deadline deadline, const std::source_location& where)
{
    might_sleep("Semaphore::acquire", where);
    SchedulerLock lock;
    // A woken waiter takes its unit here, so a unit released meanwhile to
    // nobody in particular can be taken by whoever comes first: check again.
    while (m_count == 0) {
        if (m_waiters.wait(lock, deadline, where) == WaitResult::TimedOut && m_count == 0)
            return false;
    }
    --m_count;
    return true;
}

bool Semaphore::try_acquire()
{
    SchedulerLock lock;
    if (m_count == 0)
        return false;
    --m_count;
    return true;
}

void Semaphore::release(uint32_t units)
{
    SchedulerLock lock;
    m_count += units;
    for (uint32_t i = 0; i < units && m_waiters.wake_one() != nullptr; ++i) {
    }
}

} // namespace sched

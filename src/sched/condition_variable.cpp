#include "sched/condition_variable.h"
#include "core/panic.h"
#include "sched/might_sleep.h"

namespace sched {

void ConditionVariable::wait(Mutex& mutex, const std::source_location& where)
{
    (void)wait_until(mutex, Deadline::never(), where);
}

WaitResult ConditionVariable::wait_until(Mutex& mutex, Deadline deadline, const std::source_location& where)
{
    might_sleep("ConditionVariable::wait", where);
    WaitResult result;
    {
        SchedulerLock lock;
        // Both under the scheduler lock: a notify after the mutex goes finds
        // us queued, and the waiter it is handed to runs only once we are.
        mutex.release_locked(where);
        result = m_waiters.wait(lock, deadline, where);
    }
    mutex.lock(where);
    return result;
}

WaitResult ConditionVariable::wait_interruptible(Mutex& mutex, const std::source_location& where)
{
    might_sleep("ConditionVariable::wait", where);
    WaitResult result;
    {
        SchedulerLock lock;
        mutex.release_locked(where);
        result = m_waiters.wait(lock, Deadline::never(), where, Interruptible::Yes);
    }
    mutex.lock(where);
    return result;
}

} // namespace sched

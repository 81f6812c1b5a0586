#include "sched/mutex.h"
#include "core/panic.h"
#include "sched/might_sleep.h"
#include "sched/scheduler.h"

namespace sched {

bool Mutex::is_locked_by_current_thread() const
{
    SchedulerLock lock;
    return m_owner == &Scheduler::current();
}

void Mutex::lock(const std::source_location& where)
{
    might_sleep("Mutex::lock", where);
    SchedulerLock lock;
    Thread& self = Scheduler::current();
    if (m_owner == &self)
        core::panic("mutex \"{}\" locked twice by thread {} \"{}\": it took it at {}:{} and asks again at {}:{}",
                    m_name, self.id(), self.name(), m_locked_at.file_name(), m_locked_at.line(), where.file_name(),
                    where.line());
    // Woken by unlock(), the mutex is free, but a running thread may have
    // taken it first (see mutex.h): then wait again, at the back.
    while (m_owner != nullptr)
        (void)m_waiters.wait(lock, Deadline::never(), where);
    m_owner = &self;
    m_locked_at = where;
}

bool Mutex::try_lock(const std::source_location& where)
{
    SchedulerLock lock;
    if (m_owner != nullptr)
        return false;
    m_owner = &Scheduler::current();
    m_locked_at = where;
    return true;
}

void Mutex::release_locked(const std::source_location& where)
{
    Thread& self = Scheduler::current();
    if (m_owner == nullptr)
        core::panic("mutex \"{}\" unlocked at {}:{} by thread {} \"{}\" but it is not locked", m_name,
                    where.file_name(), where.line(), self.id(), self.name());
    if (m_owner != &self)
        core::panic("mutex \"{}\" unlocked at {}:{} by thread {} \"{}\" but thread {} \"{}\" holds it (taken at {}:{})",
                    m_name, where.file_name(), where.line(), self.id(), self.name(), m_owner->id(), m_owner->name(),
                    m_locked_at.file_name(), m_locked_at.line());
    m_owner = nullptr;
    (void)m_waiters.wake_one();
}

void Mutex::unlock(const std::source_location& where)
{
    SchedulerLock lock;
    release_locked(where);
}

} // namespace sched

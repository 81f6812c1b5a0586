#include "sched/mutex.h"
#include "core/panic.h"
#include "sched/might_sleep.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

namespace sched {

bool Mutex::is_locked_by_current_thread() const
{
    return owner() == &current_thread();
}

void Mutex::lock(const std::source_location& where)
{
    might_sleep("Mutex::lock", where);
    Thread& self = current_thread();
    uintptr_t expected = 0;
    // Free: ours in one step. Acquire: what the last owner wrote is seen.
    if (__atomic_compare_exchange_n(&m_state, &expected, reinterpret_cast<uintptr_t>(&self), false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
        m_locked_at = where;
        return;
    }
    lock_contended(self, where);
}

void Mutex::lock_contended(Thread& self, const std::source_location& where)
{
    SchedulerLock lock;
    if (owner() == &self)
        core::panic("mutex \"{}\" locked twice by thread {} \"{}\": it took it at {}:{} and asks again at {}:{}",
                    m_name, self.id(), self.name(), m_locked_at.file_name(), m_locked_at.line(), where.file_name(),
                    where.line());
    // Woken by unlock(), the mutex is free, but a running thread may have
    // taken it first (see mutex.h): then wait again, at the back. Whoever
    // takes it while others wait keeps the waiters bit, so its unlock wakes one.
    for (;;) {
        uintptr_t state = this->state();
        if (state == 0) {
            const uintptr_t taken = reinterpret_cast<uintptr_t>(&self) | (m_waiters.has_waiters() ? waiters_bit : 0);
            if (__atomic_compare_exchange_n(&m_state, &state, taken, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                break;
            continue;
        }
        if ((state & waiters_bit) == 0
            && !__atomic_compare_exchange_n(&m_state, &state, state | waiters_bit, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
            continue; // the owner let go meanwhile: look again
        (void)m_waiters.wait(lock, Deadline::never(), where);
    }
    m_locked_at = where;
}

bool Mutex::try_lock(const std::source_location& where)
{
    uintptr_t expected = 0;
    if (!__atomic_compare_exchange_n(&m_state, &expected, reinterpret_cast<uintptr_t>(&current_thread()), false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return false;
    m_locked_at = where;
    return true;
}

void Mutex::release_locked(const std::source_location& where)
{
    Thread& self = Scheduler::current();
    Thread* owner = owner_of(state());
    if (owner == nullptr)
        core::panic("mutex \"{}\" unlocked at {}:{} by thread {} \"{}\" but it is not locked", m_name,
                    where.file_name(), where.line(), self.id(), self.name());
    if (owner != &self)
        core::panic("mutex \"{}\" unlocked at {}:{} by thread {} \"{}\" but thread {} \"{}\" holds it (taken at {}:{})",
                    m_name, where.file_name(), where.line(), self.id(), self.name(), owner->id(), owner->name(),
                    m_locked_at.file_name(), m_locked_at.line());
    __atomic_store_n(&m_state, uintptr_t{0}, __ATOMIC_RELEASE);
    (void)m_waiters.wake_one();
}

void Mutex::unlock(const std::source_location& where)
{
    // Ours and nobody waits: free in one step. Release: our writes are
    // seen by the next owner.
    uintptr_t expected = reinterpret_cast<uintptr_t>(&current_thread());
    if (__atomic_compare_exchange_n(&m_state, &expected, uintptr_t{0}, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        return;
    SchedulerLock lock;
    release_locked(where); // waiters to wake, or a misuse to report
}

} // namespace sched

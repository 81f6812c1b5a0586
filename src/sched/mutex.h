#pragma once
// A sleeping mutex: a thread that finds it locked blocks (in a FIFO wait
// queue) instead of spinning, and unlock wakes the longest waiter (one, no
// thundering herd). The mutex is free when it wakes, not handed to it: a
// thread still running may take it again first ("barging"). A strict
// hand-off would be fairer but turns a busy mutex into a convoy, two
// switches per lock once one holder is preempted (8 threads x 100,000
// increments took 5.3 s that way, against well under one here).
//
//   sched::Mutex g_log_lock{"log"};
//   { sched::MutexGuard guard(g_log_lock); ... }
//
// It records its owner: locking it again from the owning thread, or
// unlocking it from another, is a panic naming both threads and where each
// call was made. Blocking is only for threads: locking it under a spinlock,
// with interrupts off or in an interrupt handler panics (might_sleep.h).
// No priority inheritance (yet): docs/scheduling.md.

#include <cstdint>
#include <source_location>
#include "sched/wait_queue.h"

namespace sched {

class Thread;

class Mutex {
public:
    explicit Mutex(const char* name) : m_waiters(name), m_name(name) {}
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock(const std::source_location& where = std::source_location::current());
    [[nodiscard]] bool try_lock(const std::source_location& where = std::source_location::current());
    void unlock(const std::source_location& where = std::source_location::current());

    bool is_locked() const { return state() != 0; }
    bool is_locked_by_current_thread() const;
    const Thread* owner() const { return owner_of(state()); }
    const char* name() const { return m_name; }
    uint32_t waiters() const { return m_waiters.waiter_count(); }

private:
    friend class ConditionVariable;
    // With the scheduler lock held: gives the mutex to the next waiter or frees it.
    void release_locked(const std::source_location& where);
    void lock_contended(Thread& self, const std::source_location& where);

    // The owner's Thread*, with bit 0 (a Thread is 16-byte aligned) set
    // while threads wait: then unlock takes the slow path, which wakes one.
    // Locking and unlocking a free mutex is one compare-and-swap each;
    // everything else happens under the scheduler lock.
    static constexpr uintptr_t waiters_bit = 1;
    uintptr_t state() const { return __atomic_load_n(&m_state, __ATOMIC_ACQUIRE); }
    static Thread* owner_of(uintptr_t state)
    {
        return reinterpret_cast<Thread*>(state & ~waiters_bit); // the word holds a Thread* (see above)
    }
    uintptr_t m_state = 0;
    std::source_location m_locked_at{};
    WaitQueue m_waiters;
    const char* m_name;
};

class MutexGuard {
public:
    explicit MutexGuard(Mutex& mutex, const std::source_location& where = std::source_location::current())
        : m_mutex(mutex)
    {
        m_mutex.lock(where);
    }
    ~MutexGuard() { m_mutex.unlock(); }
    MutexGuard(const MutexGuard&) = delete;
    MutexGuard& operator=(const MutexGuard&) = delete;

    Mutex& mutex() { return m_mutex; }

private:
    Mutex& m_mutex;
};

} // namespace sched

#pragma once
// A wait queue: threads blocked until something happens, woken in the order
// they came (FIFO). The building block of every sleeping primitive here
// (Mutex, Semaphore, ConditionVariable, join, the executor's idle wait):
//
//   sched::SchedulerLock lock;          // guards the condition's data too
//   while (!ready)
//       queue.wait(lock);               // queued, switched away, woken
//
//   // elsewhere, any context, interrupt handlers included:
//   ready = true;
//   queue.wake_one();
//
// The condition is checked with the scheduler lock held and the thread is
// queued before the lock is let go (by the switch itself), so a wake-up
// between the check and the sleep cannot be missed.

#include <cstdint>
#include <source_location>
#include "kstd/intrusive_list.h"
#include "sched/clock.h"
#include "sched/scheduler_lock.h"

namespace sched {

class Thread;
struct RunQueueTag {}; // a thread is in one run queue or one wait queue, never both

// Interrupted: sched::interrupt() ended an interruptible wait (the thread's
// process is being killed); the waiter gives up and returns EINTR.
enum class WaitResult : uint8_t { Woken, TimedOut, Interrupted };
enum class Interruptible : bool { No, Yes };

class WaitQueue {
public:
    // `what` names the queue in thread listings ("mutex \"log\"", "join").
    explicit WaitQueue(const char* what = "wait queue");
    // Destroying a queue that threads still wait on is a panic.
    ~WaitQueue();
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Blocks the calling thread until a wake_* picks it or `deadline`
    // passes. The caller holds `lock`, once, taken with interrupts on: a
    // wait from an interrupt handler, under a spinlock or with interrupts
    // off panics ("sleeping in atomic context", sched/might_sleep.h).
    // With Interruptible::Yes, sched::interrupt() ends the wait too, and a
    // thread already interrupted does not wait at all.
    WaitResult wait(SchedulerLock& lock, Deadline deadline = Deadline::never(),
                    const std::source_location& where = std::source_location::current(),
                    Interruptible interruptible = Interruptible::No);

    // Wakes the thread that has waited longest; returns it, or null if none
    // waits. Callable anywhere, with or without the scheduler lock.
    Thread* wake_one();
    // Wakes every waiter; returns how many.
    uint32_t wake_all();

    bool has_waiters() const { return !m_waiters.empty(); }
    uint32_t waiter_count() const { return static_cast<uint32_t>(m_waiters.size()); }
    const char* what() const { return m_what; }

private:
    friend struct Scheduler;
    kstd::IntrusiveList<Thread, RunQueueTag> m_waiters;
    const char* m_what;
};

} // namespace sched

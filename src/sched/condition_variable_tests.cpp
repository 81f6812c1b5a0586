// KTEST cases of condition_variable.cpp: waits that time out, notifies that
// come first, and the mutex held again after either.

#include "sched/condition_variable.h"
#include "drivers/system_timer.h"
#include "ktest/ktest.h"
#include "sched/test_threads.h"

using namespace std::chrono_literals;

KTEST(condition_variable, a_wait_with_a_timeout_and_no_notify_times_out_with_the_mutex_held)
{
    sched::Mutex lock{"state"};
    sched::ConditionVariable changed{"changed"};
    const sched::MutexGuard guard(lock);
    const uint64_t before = drivers::system_timer::uptime_ns();
    EXPECT_EQ(changed.wait_for(lock, 4ms), sched::WaitResult::TimedOut);
    const uint64_t waited = drivers::system_timer::uptime_ns() - before;
    EXPECT_GE(waited, 4'000'000u);
    // Loose on purpose (missed ticks come in a burst after the host stops
    // the guest); the timer queue's accuracy: scheduler.sleep_for_wakes_...
    EXPECT_LE(waited, 4'000'000u + 20 * drivers::system_timer::period_ns());
    EXPECT_TRUE(lock.is_locked_by_current_thread(), "held again after the timeout");
    EXPECT_EQ(changed.waiters(), 0u, "the timed-out waiter left the queue");
}

KTEST(condition_variable, a_notify_before_the_deadline_wakes_the_waiter_with_the_condition_true)
{
    sched::Mutex lock{"state"};
    sched::ConditionVariable changed{"changed"};
    bool ready = false;
    auto notifier = [&] {
        sched::sleep_for(2ms);
        const sched::MutexGuard guard(lock);
        ready = true;
        changed.notify_one();
        return 0;
    };
    sched::Thread& thread = sched::testing::start("notifier", notifier);
    {
        const sched::MutexGuard guard(lock);
        EXPECT_TRUE(changed.wait_until(lock, [&] { return ready; }, sched::Deadline::after(1000ms)));
        EXPECT_TRUE(lock.is_locked_by_current_thread());
    }
    sched::join(thread);
}

KTEST(condition_variable, notify_all_wakes_every_waiter)
{
    sched::Mutex lock{"state"};
    sched::ConditionVariable go{"go"};
    bool released = false;
    int woke = 0;
    auto waiter = [&] {
        const sched::MutexGuard guard(lock);
        while (!released)
            go.wait(lock);
        ++woke;
        return 0;
    };
    sched::Thread* threads[] = {&sched::testing::start("w", waiter), &sched::testing::start("w", waiter),
                                &sched::testing::start("w", waiter)};
    while (go.waiters() < 3)
        sched::yield();
    {
        const sched::MutexGuard guard(lock);
        released = true;
        go.notify_all();
    }
    for (auto* thread : threads)
        sched::join(*thread);
    EXPECT_EQ(woke, 3);
}

KTEST(condition_variable, interrupt_ends_an_interruptible_wait_and_every_later_one)
{
    sched::Mutex lock{"state"};
    sched::ConditionVariable changed{"changed"};
    sched::WaitResult first = sched::WaitResult::Woken, second = sched::WaitResult::Woken;
    auto waiter = [&] {
        const sched::MutexGuard guard(lock);
        first = changed.wait_interruptible(lock);  // nothing notifies: only interrupt() ends it
        second = changed.wait_interruptible(lock); // interrupted already: no wait at all
        return 0;
    };
    sched::Thread& thread = sched::testing::start("waiter", waiter);
    while (changed.waiters() == 0)
        sched::sleep_for(1ms);
    sched::interrupt(thread);
    EXPECT_EQ(sched::join(thread), 0);
    EXPECT_EQ(first, sched::WaitResult::Interrupted);
    EXPECT_EQ(second, sched::WaitResult::Interrupted);
    EXPECT_EQ(changed.waiters(), 0u);
}

KTEST(condition_variable, interrupt_leaves_an_ordinary_wait_alone)
{
    sched::Mutex lock{"state"};
    sched::ConditionVariable changed{"changed"};
    bool ready = false;
    auto waiter = [&] {
        const sched::MutexGuard guard(lock);
        while (!ready)
            changed.wait(lock);
        return 0;
    };
    sched::Thread& thread = sched::testing::start("waiter", waiter);
    while (changed.waiters() == 0)
        sched::sleep_for(1ms);
    sched::interrupt(thread);
    sched::sleep_for(2ms);
    EXPECT_EQ(changed.waiters(), 1u, "still waiting: its wait is not interruptible");
    {
        const sched::MutexGuard guard(lock);
        ready = true;
        changed.notify_one();
    }
    EXPECT_EQ(sched::join(thread), 0);
}

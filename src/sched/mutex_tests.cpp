// KTEST cases of mutex.cpp: exclusion under real preemption, the hand-off
// order, and the owner checks.

#include "sched/mutex.h"
#include "ktest/ktest.h"
#include "sched/test_threads.h"
#include "sync/spinlock.h"

namespace {

constexpr int thread_count = 8;
constexpr int increments = 100'000;

// Waits a little with the value in hand: the window in which the timer's
// preemption loses an update when nothing excludes the other threads.
inline void dawdle()
{
    for (int i = 0; i < 8; ++i)
        asm volatile("" ::: "memory"); // an empty asm the compiler must keep: a few cycles of delay
}

struct Counter {
    sched::Mutex lock{"counter"};
    volatile uint64_t value = 0;
};

struct Race {
    uint64_t total;       // the counter's value at the end
    uint64_t preemptions; // the timer's turns taken from the threads
};

// thread_count threads each add 1 to the counter `each` times by
// read-dawdle-write, under the mutex or not.
Race increment_concurrently(uint64_t each, bool guarded)
{
    Counter counter;
    auto body = [&] {
        for (uint64_t i = 0; i < each; ++i) {
            if (guarded)
                counter.lock.lock();
            const uint64_t seen = counter.value;
            dawdle();
            counter.value = seen + 1;
            if (guarded)
                counter.lock.unlock();
        }
        return 0;
    };
    sched::Thread* threads[thread_count];
    for (auto& thread : threads)
        thread = &sched::testing::start(guarded ? "incrementer" : "racer", body);
    uint64_t preemptions = 0;
    for (auto* thread : threads) {
        preemptions += thread->preemptions();
        sched::join(*thread);
    }
    KASSERT(!counter.lock.is_locked());
    return {counter.value, preemptions};
}

} // namespace

KTEST(mutex, eight_threads_increment_a_counter_exactly_under_the_mutex, ktest::slow)
{
    const Race race = increment_concurrently(increments, true);
    EXPECT_EQ(race.total, uint64_t{thread_count} * increments);
    EXPECT_GT(race.preemptions, 0u, "the timer took turns from the incrementers: the mutex had something to exclude");
}

KTEST(mutex, without_the_mutex_the_same_threads_lose_updates)
{
    // The proof that the threads above really interleave: the same
    // read-dawdle-write with no mutex loses increments to preemption. A round
    // where the timer happened to fall only outside the window is retried.
    uint64_t lost = 0;
    for (int round = 0; round < 5 && lost == 0; ++round)
        lost = uint64_t{thread_count} * (increments / 4) - increment_concurrently(increments / 4, false).total;
    EXPECT_GT(lost, 0u, "unguarded increments interleaved by preemption must lose some");
}

KTEST(mutex, unlock_hands_the_mutex_to_the_waiters_in_the_order_they_came)
{
    sched::Mutex lock{"fifo"};
    char order[4] = {};
    int next = 0;
    lock.lock();
    auto waiter = [&](char name) {
        return [&, name] {
            const sched::MutexGuard guard(lock);
            order[next++] = name;
            return 0;
        };
    };
    auto a = waiter('a');
    auto b = waiter('b');
    auto c = waiter('c');
    sched::Thread& ta = sched::testing::start("a", a);
    while (lock.waiters() < 1)
        sched::yield();
    sched::Thread& tb = sched::testing::start("b", b);
    while (lock.waiters() < 2)
        sched::yield();
    sched::Thread& tc = sched::testing::start("c", c);
    while (lock.waiters() < 3)
        sched::yield();
    EXPECT_STREQ(ta.waiting_on(), "fifo", "a blocked thread names what it waits on");
    lock.unlock();
    sched::join(ta);
    sched::join(tb);
    sched::join(tc);
    EXPECT_EQ(std::string_view(order, 3), std::string_view("abc"));
}

KTEST(mutex, try_lock_fails_while_another_thread_holds_it)
{
    sched::Mutex lock{"try"};
    bool got_it = true;
    auto body = [&] {
        got_it = lock.try_lock();
        return 0;
    };
    lock.lock();
    sched::join(sched::testing::start("trier", body));
    EXPECT_FALSE(got_it);
    lock.unlock();
    sched::join(sched::testing::start("trier", body));
    EXPECT_TRUE(got_it);
    EXPECT_TRUE(lock.is_locked());
}

KTEST(mutex, locking_it_twice_from_one_thread_panics, ktest::should_panic("mutex \"twice\" locked twice by thread"))
{
    static sched::Mutex lock{"twice"};
    lock.lock();
    ktest::defer([] { lock.unlock(); });
    lock.lock();
}

KTEST(mutex, unlocking_it_from_another_thread_panics, ktest::should_panic("but thread"))
{
    // The panic ends the other thread (ktest: a thread of the case that
    // panics ends there); this one still holds the mutex and lets it go.
    static sched::Mutex lock{"owned"};
    lock.lock();
    ktest::defer([] { lock.unlock(); });
    auto body = [] {
        lock.unlock();
        return 0;
    };
    EXPECT_EQ(sched::join(sched::testing::start("intruder", body)), sched::killed_status);
}

KTEST(mutex, locking_it_under_a_spinlock_is_sleeping_in_atomic_context,
      ktest::should_panic("sleeping in atomic context: Mutex::lock"))
{
    // Locals: the panic abandons them (held), and a rerun makes fresh ones.
    sync::Spinlock spin{"held spinlock"};
    sched::Mutex lock{"sleeper"};
    const sync::SpinlockGuard guard(spin);
    lock.lock();
}

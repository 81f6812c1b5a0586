// KBENCH benchmarks of the scheduler and its sleeping locks (`make bench`;
// docs/performance.md puts them beside Linux's figures from the same QEMU).
// TSC cycles per operation. The partner threads run in the benchmark
// case's own thread's company: nothing else is runnable.

#include "ktest/bench.h"
#include "sched/mutex.h"
#include "sched/semaphore.h"
#include "sched/test_threads.h"

namespace {
volatile bool g_stop = false;
} // namespace

// Thread to thread through yield(): each yield is one switch there and the
// partner's yield one switch back; cycles per switch.
KBENCH(sched, yield_switch)
{
    g_stop = false;
    auto partner = [] {
        while (!g_stop)
            sched::yield();
        return 0;
    };
    sched::Thread& other = sched::testing::start("yield partner", partner);
    const uint64_t n = bench.iterations(20'000);
    bench.rounds(2 * n, [&](ktest::BenchTimer& timer) {
        timer.start();
        for (uint64_t i = 0; i < n; ++i)
            sched::yield();
        timer.stop();
    });
    g_stop = true;
    sched::join(other);
}

// A round trip through two semaphores (the in-kernel counterpart of a pipe
// ping-pong between two threads): two wake-ups and two switches.
KBENCH(sched, semaphore_ping_pong)
{
    sched::Semaphore ping{0, "ping"}, pong{0, "pong"};
    g_stop = false;
    auto partner = [&] {
        for (;;) {
            ping.acquire();
            if (g_stop)
                return 0;
            pong.release();
        }
    };
    sched::Thread& other = sched::testing::start("ping-pong partner", partner);
    const uint64_t n = bench.iterations(10'000);
    bench.rounds(n, [&](ktest::BenchTimer& timer) {
        timer.start();
        for (uint64_t i = 0; i < n; ++i) {
            ping.release();
            pong.acquire();
        }
        timer.stop();
    });
    g_stop = true;
    ping.release();
    sched::join(other);
}

// Wake-up latency: from a release of the semaphore a thread is blocked on
// until that thread runs (the releaser then blocks itself, so the switch
// comes at once; the timer is stopped by the woken thread).
KBENCH(sched, wake_up_latency)
{
    sched::Semaphore wake{0, "wake"}, back{0, "back"};
    ktest::BenchTimer* timing = nullptr;
    g_stop = false;
    auto sleeper = [&] {
        for (;;) {
            wake.acquire();
            if (g_stop)
                return 0;
            timing->stop();
            back.release();
        }
    };
    sched::Thread& other = sched::testing::start("sleeper", sleeper);
    const uint64_t n = bench.iterations(10'000);
    bench.rounds(n, [&](ktest::BenchTimer& timer) {
        timing = &timer;
        for (uint64_t i = 0; i < n; ++i) {
            timer.start();
            wake.release();
            back.acquire();
        }
    });
    g_stop = true;
    wake.release();
    sched::join(other);
}

KBENCH(sched, mutex_uncontended_lock_unlock)
{
    sched::Mutex lock{"bench"};
    bench.run(50'000, [&] {
        lock.lock();
        lock.unlock();
    });
}

// A contended hand-off: thread B waits in lock() while A holds the mutex; timed
// from A's unlock until B's lock() returns (A blocks right after its unlock,
// so B runs at once). Between hand-offs, untimed, A takes the mutex back and
// B queues on it again.
KBENCH(sched, mutex_contended_hand_off)
{
    sched::Mutex lock{"contended"};
    sched::Semaphore a_turn{0, "a's turn"}, b_queued{0, "b queued"};
    ktest::BenchTimer* timing = nullptr;
    uint64_t remaining = 0;
    auto b = [&] {
        for (;;) {
            lock.lock(); // blocks until A's unlock
            if (remaining == 0) {
                lock.unlock();
                return 0;
            }
            timing->stop();
            lock.unlock();
            a_turn.release();
            b_queued.acquire(); // until A holds the mutex again
        }
    };
    const uint64_t n = bench.iterations(10'000);
    lock.lock();
    remaining = 1;
    sched::Thread& other = sched::testing::start("waiter", b);
    bench.rounds(n, [&](ktest::BenchTimer& timer) {
        timing = &timer;
        for (uint64_t i = 0; i < n; ++i) {
            while (lock.waiters() == 0)
                sched::yield(); // B is on its way into lock()
            timer.start();
            lock.unlock();
            a_turn.acquire(); // B runs: it holds the mutex, then lets it go
            lock.lock();
            b_queued.release();
        }
    });
    remaining = 0;
    while (lock.waiters() == 0)
        sched::yield();
    lock.unlock();
    sched::join(other);
}

KBENCH(sched, thread_create_join)
{
    auto nothing = [] { return 0; };
    bench.run(2'000, [&] { sched::join(sched::testing::start("short", nothing)); });
}

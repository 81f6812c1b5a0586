// Detector: two threads of a case that deadlock (each holds the mutex the
// other wants) are caught by the kernel's watchdog before the runner's
// timeout: it prints every thread's state, what it waits on and its
// backtrace, fails the case, kills and frees its threads, and the run goes
// on with the next case.
// ktest-runner-args: --expect failed --expect-case detector.two_threads_deadlock --case-timeout 1
// ktest-runner-args: --expect-output "# watchdog: detector.two_threads_deadlock still runs after 800 ms"
// ktest-runner-args: --expect-output "second lock (tests/detectors/thread_deadlock.cpp:"
// ktest-runner-args: --expect-output "first lock (tests/detectors/thread_deadlock.cpp:"
// ktest-runner-args: --expect-output "backtrace:" --expect-output "#1 0xffffffff80"
// ktest-runner-args: --expect-output "was left blocked by the case: killed and freed"
// ktest-runner-args: --expect-passed 1

#include "ktest/ktest.h"
#include "sched/mutex.h"
#include "sched/test_threads.h"

using namespace std::chrono_literals;

namespace {
uint32_t g_threads_before = 0;
} // namespace

KTEST(detector, two_threads_deadlock)
{
    g_threads_before = sched::live_threads();
    sched::Mutex first{"first lock"};
    sched::Mutex second{"second lock"};
    auto one = [&] {
        const sched::MutexGuard a(first);
        sched::sleep_for(2ms);
        const sched::MutexGuard b(second);
        return 0;
    };
    auto two = [&] {
        const sched::MutexGuard b(second);
        sched::sleep_for(2ms);
        const sched::MutexGuard a(first);
        return 0;
    };
    sched::Thread& a = sched::testing::start("takes first", one);
    sched::Thread& b = sched::testing::start("takes second", two);
    sched::join(a); // never returns
    sched::join(b);
}

KTEST(detector, runs_after_the_deadlock_with_every_thread_gone)
{
    // The case thread of the deadlocked case and both of its threads are
    // freed: only this case's own thread is new.
    EXPECT_EQ(sched::live_threads(), g_threads_before);
}

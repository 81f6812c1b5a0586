// Detector: the threads a case starts are part of it. A failed ASSERT or a
// panic in one ends that thread and fails the case; a thread the case
// leaves behind is reported, killed and freed, and fails the case; cleanup
// actions (ktest::defer) run after a failed ASSERT; the next case starts
// clean.
// ktest-runner-args: --expect failed --expect-case detector.an_assert_in_a_thread_of_the_case_fails_it
// ktest-runner-args: --expect-output "\"checker\" of the case ends here: an ASSERT_* failed"
// ktest-runner-args: --expect-output "\"panicker\" of the case ends here: it panicked"
// ktest-runner-args: --expect-output "\"forgotten\" was left blocked by the case: killed and freed"
// ktest-runner-args: --expect-output "\"finished\" was left exited by the case: freed"
// ktest-runner-args: --expect-passed 1

#include "core/panic.h"
#include "ktest/ktest.h"
#include "sched/mutex.h"
#include "sched/semaphore.h"
#include "sched/test_threads.h"

using namespace std::chrono_literals;

namespace {
sched::Mutex g_lock{"deferred unlock"};
bool g_cleanup_ran = false;
bool g_after_assert = false;
uint32_t g_threads_at_start = 0;
} // namespace

KTEST(detector, an_assert_in_a_thread_of_the_case_fails_it)
{
    g_threads_at_start = sched::live_threads();
    auto body = [] {
        ASSERT_TRUE(false, "deliberately, in a thread of the case");
        return 0;
    };
    EXPECT_EQ(sched::join(sched::testing::start("checker", body)), sched::killed_status);
}

KTEST(detector, a_panic_in_a_thread_of_the_case_fails_it)
{
    auto body = []() -> int { core::panic("deliberate panic in a thread of the case"); };
    EXPECT_EQ(sched::join(sched::testing::start("panicker", body)), sched::killed_status);
}

KTEST(detector, a_case_that_leaves_threads_behind_fails)
{
    static sched::Semaphore never{0, "never released"};
    auto blocked = [] {
        never.acquire();
        return 0;
    };
    auto quick = [] { return 0; };
    (void)sched::testing::start("forgotten", blocked);
    sched::Thread& finished = sched::testing::start("finished", quick);
    (void)sched::wait_until_exited(finished, sched::Deadline::never()); // exited, never joined
}

KTEST(detector, cleanup_actions_run_after_a_failed_assert)
{
    g_lock.lock();
    ktest::defer([] {
        g_lock.unlock();
        g_cleanup_ran = true;
    });
    ASSERT_TRUE(false, "deliberately, with the lock held");
    g_after_assert = true;
}

KTEST(detector, the_next_case_starts_clean)
{
    EXPECT_TRUE(g_cleanup_ran, "the deferred action ran");
    EXPECT_FALSE(g_after_assert, "the ASSERT ended its case");
    EXPECT_FALSE(g_lock.is_locked(), "and let the lock go");
    EXPECT_EQ(sched::live_threads(), g_threads_at_start, "every thread of the cases before is gone");
}

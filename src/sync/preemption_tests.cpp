// KTEST cases of preemption.cpp.

#include "sync/preemption.h"
#include "ktest/ktest.h"
#include "arch/x86_64/per_cpu.h"
#include "sync/interrupt_guard.h"
#include "sync/spinlock.h"

namespace {
int g_reschedules = 0;
sync::RescheduleHook g_scheduler_hook = nullptr; // the scheduler's, put back after each case
uint32_t g_counting_cpu = 0;                     // the case's CPU (it holds interrupts off)
// Counts this case's reschedules; the other CPUs' ticks (the hook is the
// machine's) go on to the scheduler as usual.
void count_reschedule()
{
    if (arch::this_cpu_data().id == g_counting_cpu)
        ++g_reschedules;
    else if (g_scheduler_hook != nullptr)
        g_scheduler_hook();
}
} // namespace

KTEST_SETUP(preemption)
{
    g_scheduler_hook = sync::reschedule_hook();
}

KTEST_TEARDOWN(preemption)
{
    sync::set_reschedule_hook(g_scheduler_hook);
}

KTEST(preemption, guards_and_spinlocks_nest_in_the_count)
{
    ASSERT_EQ(sync::preemption_depth(), 0u, "cases start preemptible");
    {
        const sync::PreemptionGuard outer;
        EXPECT_EQ(sync::preemption_depth(), 1u);
        sync::Spinlock lock("test");
        {
            const sync::SpinlockGuard held(lock);
            EXPECT_EQ(sync::preemption_depth(), 2u, "a held spinlock keeps its CPU");
            EXPECT_FALSE(sync::preemptible());
        }
        EXPECT_EQ(sync::preemption_depth(), 1u);
    }
    EXPECT_TRUE(sync::preemptible());
}

KTEST(preemption, a_reschedule_asked_for_while_held_runs_when_the_count_drops_to_zero)
{
    // No timer ticks here: each asks for a reschedule too.
    const sync::InterruptGuard no_ticks; // and the case stays on this CPU
    g_reschedules = 0;
    g_counting_cpu = arch::this_cpu_data().id;
    sync::set_reschedule_hook(&count_reschedule);
    {
        const sync::PreemptionGuard outer;
        {
            const sync::PreemptionGuard inner;
            sync::request_reschedule();
            sync::request_reschedule(); // asked twice, runs once
        }
        EXPECT_EQ(g_reschedules, 0, "not while the count is above zero");
    }
    EXPECT_EQ(g_reschedules, 1);
    sync::request_reschedule();
    EXPECT_EQ(g_reschedules, 2, "at once when preemptible");
    {
        const sync::PreemptionGuard quiet;
    }
    EXPECT_EQ(g_reschedules, 2, "nothing pending: nothing runs");
}

KTEST(preemption, enabling_more_often_than_disabling_panics, ktest::should_panic("without a matching disable_preemption"))
{
    sync::enable_preemption();
}

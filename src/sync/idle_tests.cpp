#include "sync/idle.h"
#include "drivers/system_timer.h"
#include "ktest/ktest.h"
#include "sync/interrupt_guard.h"

KTEST(idle, wait_for_interrupt_returns_after_a_timer_tick_and_keeps_interrupts_off)
{
    ASSERT_TRUE(drivers::system_timer::running(), "the Interrupts init stage starts the timer");
    sync::InterruptGuard guard;
    const uint64_t before = drivers::system_timer::ticks();
    // With interrupts off nothing can wake us except what we enable here.
    while (drivers::system_timer::ticks() == before)
        sync::wait_for_interrupt();
    EXPECT_FALSE(arch::interrupts_enabled(), "the caller's state (off) is restored");
    EXPECT_GT(drivers::system_timer::ticks(), before);
}

KTEST(idle, interrupt_guard_nests_and_restores_the_previous_state)
{
    ASSERT_TRUE(arch::interrupts_enabled());
    {
        sync::InterruptGuard outer;
        EXPECT_TRUE(outer.interrupts_were_enabled());
        EXPECT_FALSE(arch::interrupts_enabled());
        {
            sync::InterruptGuard inner;
            EXPECT_FALSE(inner.interrupts_were_enabled());
        }
        EXPECT_FALSE(arch::interrupts_enabled(), "the inner guard must not turn interrupts on");
    }
    EXPECT_TRUE(arch::interrupts_enabled());
}

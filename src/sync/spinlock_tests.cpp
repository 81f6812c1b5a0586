// KTEST cases of spinlock.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and spinlock.cpp has strings of its own.

#include "sync/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "ktest/ktest.h"

KTEST(spinlock, disables_interrupts_while_held_and_restores_them)
{
    ASSERT_TRUE(arch::interrupts_enabled());
    sync::Spinlock lock("test");
    {
        sync::SpinlockGuard guard(lock);
        EXPECT_TRUE(lock.is_locked());
        EXPECT_FALSE(arch::interrupts_enabled());
    }
    EXPECT_FALSE(lock.is_locked());
    EXPECT_TRUE(arch::interrupts_enabled());
}

KTEST(spinlock, keeps_interrupts_off_if_they_were_off)
{
    sync::Spinlock lock("test");
    arch::disable_interrupts();
    {
        sync::SpinlockGuard guard(lock);
    }
    const bool enabled_after = arch::interrupts_enabled();
    arch::enable_interrupts();
    EXPECT_FALSE(enabled_after);
}

KTEST(spinlock, try_lock_fails_while_held)
{
    sync::Spinlock lock("test");
    sync::SpinlockGuard guard(lock);
    bool were_enabled = true;
    EXPECT_FALSE(lock.try_lock(were_enabled));
    EXPECT_FALSE(arch::interrupts_enabled(), "a failed try_lock leaves the state as it was");
}

KTEST(spinlock, protected_data_is_reached_only_under_the_lock)
{
    sync::SpinlockProtected<int> counter("counter", 41);
    const int seen = counter.with([&](int& value) {
        EXPECT_TRUE(counter.is_locked());
        return ++value;
    });
    EXPECT_EQ(seen, 42);
    EXPECT_FALSE(counter.is_locked());
}

KTEST(spinlock, taking_a_held_lock_on_the_same_cpu_panics, ktest::should_panic("taken twice on this CPU"))
{
    sync::Spinlock lock("twice", 10'000); // a short patience: the default takes seconds under TCG
    sync::SpinlockGuard first(lock);
    sync::SpinlockGuard second(lock);
}

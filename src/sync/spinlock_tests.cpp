// KTEST cases of spinlock.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and spinlock.cpp has strings of its own.

#include "sync/spinlock.h"
#include <cstddef>
#include <optional>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "sync/preemption.h"
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

KTEST(spinlock, records_the_cpu_that_holds_it)
{
    sync::Spinlock lock("test");
    EXPECT_FALSE(lock.owner_cpu().has_value());
    {
        sync::SpinlockGuard guard(lock);
        ASSERT_TRUE(lock.owner_cpu().has_value());
        EXPECT_EQ(*lock.owner_cpu(), arch::this_cpu_data().id);
    }
    EXPECT_FALSE(lock.owner_cpu().has_value());
    bool were_enabled = false;
    ASSERT_TRUE(lock.try_lock(were_enabled)); // interrupts off while held: the case stays on this CPU
    EXPECT_EQ(lock.owner_cpu(), std::optional<uint32_t>(arch::this_cpu_data().id));
    lock.unlock(were_enabled);
}

// With the default patience (10 million spins, seconds under TCG): the
// recursion is known from the owner, not guessed after spinning.
KTEST(spinlock, taking_a_held_lock_on_the_same_cpu_panics_at_once,
      ktest::should_panic("spinlock \"twice\" taken twice on CPU "))
{
    sync::Spinlock lock("twice");
    sync::SpinlockGuard first(lock);
    sync::SpinlockGuard second(lock);
}

// Every case ends on its CPU's own per-CPU area, whatever it loaded (ktest
// reloads it when a panic ends a case), with the preemption count and the
// held-lock record it started with (a case that panics holding a lock, on
// another CPU's area, leaves both behind on its own).
KTEST_TEARDOWN(spinlock)
{
    sync::restore_preemption_depth(0);
    sync::forget_held_locks_above(0);
}

// Another CPU's release, tried on this CPU by loading a second per-CPU area
// (id 99, which no CPU has) into GS before unlocking (the teardown loads
// this CPU's back; the panic leaves the lock held, on this case's abandoned
// stack).
KTEST(spinlock, releasing_on_another_cpu_than_the_holder_panics,
      ktest::should_panic("spinlock \"handed over\" released on CPU 99 but held by CPU "))
{
    sync::Spinlock lock("handed over");
    alignas(128) static std::byte area[16 * 1024]; // the per-CPU area is 7 KiB in the unit kernel
    ASSERT_LE(arch::per_cpu_area_size(), sizeof area);
    const bool were_enabled = lock.lock();
    arch::load_cpu_data(arch::make_cpu_data({area, arch::per_cpu_area_size()}, 99));
    lock.unlock(were_enabled);
}

KTEST(spinlock, ranked_locks_taken_in_order_pass_the_checker)
{
    sync::Spinlock heap("test heap", sync::LockRank::KernelHeap);
    sync::Spinlock space("test address space", sync::LockRank::AddressSpace);
    sync::Spinlock frames("test frames", sync::LockRank::FrameAllocator);
    sync::Spinlock unranked("test unranked");
    const uint32_t before = sync::held_lock_count();
    {
        const sync::SpinlockGuard a(heap);
        const sync::SpinlockGuard b(space);
        const sync::SpinlockGuard c(unranked); // not checked, in any order
        const sync::SpinlockGuard d(frames);
        EXPECT_EQ(sync::held_lock_count(), before + 4);
    }
    EXPECT_EQ(sync::held_lock_count(), before);
}

// The checker fires: the frame allocator's rank, then the heap's.
KTEST(spinlock, taking_locks_out_of_rank_order_panics_naming_both,
      ktest::should_panic("lock order: taking \"test heap\" (rank kernel heap)"))
{
    sync::Spinlock frames("test frames", sync::LockRank::FrameAllocator);
    sync::Spinlock heap("test heap", sync::LockRank::KernelHeap);
    const sync::SpinlockGuard a(frames);
    const sync::SpinlockGuard b(heap);
}

KTEST(spinlock, a_rank_may_not_be_taken_twice, ktest::should_panic("while holding \"first frames\" (rank frame allocator)"))
{
    sync::Spinlock first("first frames", sync::LockRank::FrameAllocator);
    sync::Spinlock second("second frames", sync::LockRank::FrameAllocator);
    const sync::SpinlockGuard a(first);
    const sync::SpinlockGuard b(second);
}

#include "sched/might_sleep.h"
#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "kstd/format.h"
#include "sync/preemption.h"
#include "sync/spinlock.h"

namespace sched {

namespace {
// `expected_depth`: the count the caller may hold (its scheduler lock).
void check(const char* what, const std::source_location& where, bool interrupts_on, uint32_t expected_depth)
{
    const uint32_t depth = sync::preemption_depth();
    if (interrupts_on && depth == expected_depth)
        return;
    kstd::StringBuffer<320> locks;
    sync::describe_held_locks(locks);
    const uint32_t extra = depth > expected_depth ? depth - expected_depth : 0;
    if (!interrupts_on && extra == 0)
        core::panic("sleeping in atomic context: {} at {}:{} with interrupts off", what, where.file_name(),
                    where.line());
    core::panic("sleeping in atomic context: {} at {}:{} with preemption disabled (count {}: a spinlock, an "
                "interrupt handler or a PreemptionGuard){}{}{}",
                what, where.file_name(), where.line(), extra, interrupts_on ? "" : " and interrupts off",
                locks.view().empty() ? "" : ", holding ", locks.view());
}
} // namespace

void might_sleep(const char* what, const std::source_location& where)
{
    check(what, where, arch::interrupts_enabled(), 0);
}

void might_sleep(const SchedulerLock& lock, const char* what, const std::source_location& where)
{
    check(what, where, lock.interrupts_were_enabled(), 1);
}

} // namespace sched

// A kernel thread that overflows its stack runs into the guard page below
// it; the page fault cannot be delivered on that stack, the double fault
// switches to IST1, and the report names the thread and its stack (found
// through the scheduler's stack lookup, arch/x86_64/kernel_stacks.h).

#include "kernel/deliberate_faults.h"
#include "ktest/binary.h"
#include "ktest/should_panic.h"
#include "sched/thread.h"

KTEST_INIT_STAGE(Everything);

namespace {
int overflow(void*)
{
    return static_cast<int>(kernel::deliberate::overflow_stack());
}
} // namespace

KTEST_SHOULD_PANIC(thread_stack_overflow, "kernel stack overflow: the stack of thread 2 \"overflower\" ran into its guard page")
{
    auto thread = MUST(sched::Thread::create("overflower", &overflow, nullptr));
    sched::join(*thread);
}

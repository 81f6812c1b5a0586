#include "kernel/deliberate_faults.h"
#include "arch/x86_64/cpu.h"
#include "sync/interrupt_guard.h"
#include "sched/thread.h"
#include "core/panic.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/address.h"

namespace kernel::deliberate {

namespace {
// Never reached; volatile, so the compiler cannot prove the recursion below
// endless (GCC refuses an obviously infinite one) or turn it into a loop.
volatile uint64_t g_recursion_limit = ~0ull;
} // namespace

void breakpoint()
{
    // INT3 raises #BP; the handler returns to the instruction after it.
    asm volatile("int3" ::: "memory");
}

[[gnu::noinline]] void write_through_null()
{
    // A pointer the compiler cannot see through (it would turn a literal
    // null dereference into UD2).
    auto* target = arch::VirtAddr().as_pointer<volatile uint64_t>();
    // An empty asm that claims to change `target` in its register: the
    // compiler can no longer tell it is null.
    asm volatile("" : "+r"(target));
    // Nothing is mapped below the kernel's half, so this store faults.
    *target = 0xDEAD;
}

[[gnu::noinline]] uint64_t overflow_stack(uint64_t depth)
{
    if (depth == g_recursion_limit)
        return depth;
    volatile uint64_t frame[32];
    frame[depth % 32] = depth;
    // Not a tail call: the result is used after the recursive call returns.
    return overflow_stack(depth + 1) + frame[depth % 32];
}

namespace {
uint32_t g_ready = 0; // spinners in place (GCC atomics)
bool g_go = false;

[[noreturn]] void panic_now()
{
    uint32_t cpu;
    {
        sync::InterruptGuard stay;
        cpu = arch::this_cpu_data().id;
    }
    core::panic("demo: CPU {} panics, as every other CPU does at this moment", cpu);
}

int spinner(void*)
{
    __atomic_add_fetch(&g_ready, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&g_go, __ATOMIC_ACQUIRE))
        arch::pause();
    panic_now();
}
} // namespace

void panic_on_every_cpu()
{
    const uint32_t others = arch::online_cpu_count() - 1;
    for (uint32_t i = 0; i < others; ++i) {
        auto thread = sched::Thread::create("panicker", &spinner, nullptr);
        if (!thread)
            core::panic("demo: cannot start a panicking thread: {}", thread.error());
    }
    // Every spinner running on its own CPU (this thread holds this one).
    while (__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE) < others)
        sched::yield();
    __atomic_store_n(&g_go, true, __ATOMIC_RELEASE);
    panic_now();
}

} // namespace kernel::deliberate

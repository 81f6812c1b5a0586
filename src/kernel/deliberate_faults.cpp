#include "kernel/deliberate_faults.h"
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

} // namespace kernel::deliberate

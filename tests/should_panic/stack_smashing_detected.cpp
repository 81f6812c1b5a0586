// -fstack-protector-strong: overwriting a local array's canary panics when
// the function returns.

#include <cstddef>
#include "ktest/should_panic.h"

namespace {

[[gnu::noinline]] void overflow_a_local_buffer(size_t bytes)
{
    char buffer[16];
    char* target = buffer;
    // An empty asm that "may change" the pointer hides the overflow from the
    // compiler's own checks (it would otherwise warn or drop the stores).
    asm volatile("" : "+r"(target));
    for (size_t i = 0; i < bytes; ++i)
        target[i] = 'x';
    asm volatile("" : : "r"(target) : "memory");
}

} // namespace

KTEST_SHOULD_PANIC(stack_smashing_detected, "stack smashing detected")
{
    overflow_a_local_buffer(32);
}

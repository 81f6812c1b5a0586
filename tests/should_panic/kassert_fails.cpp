// A failed KASSERT panics with the failed expression.

#include "core/panic.h"
#include "ktest/should_panic.h"

namespace {
int volatile g_two = 2; // volatile: the compiler cannot fold the check away
}

KTEST_SHOULD_PANIC(kassert_fails, "assertion failed: g_two + 1 == 4")
{
    KASSERT(g_two + 1 == 4);
}

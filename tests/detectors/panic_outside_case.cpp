// Detector: a kernel panic outside any test case is reported as a panic
// (the kernel's real panic path; nothing recovers from it).
// ktest-runner-args: --expect panic --expect-output "PANIC: deliberate panic outside any case"

#include "core/panic.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"

KTEST_BINARY_SETUP()
{
    core::panic("deliberate panic outside any case");
}

KTEST(detector, never_runs)
{
    EXPECT_TRUE(false, "the kernel panicked before the cases");
}

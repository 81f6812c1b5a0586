// Detector: a case that never ends is reported as a timeout that names it.
// ktest-runner-args: --expect timeout --expect-case detector.hangs_forever --case-timeout 0.5

#include "arch/x86_64/cpu.h"
#include "ktest/ktest.h"

KTEST(detector, passes_first)
{
    EXPECT_TRUE(true);
}

KTEST(detector, hangs_forever)
{
    arch::halt_forever();
}

// Detector: a panic inside a case that is not marked should_panic fails that
// case (with the panic message and location) and the run goes on.
// ktest-runner-args: --expect failed --expect-case detector.panics
// ktest-runner-args: --expect-output "# PANIC: deliberate panic in a case" --expect-passed 1

#include "core/panic.h"
#include "ktest/ktest.h"

KTEST(detector, panics)
{
    core::panic("deliberate panic in a case");
}

KTEST(detector, runs_after_the_panic)
{
    EXPECT_EQ(2 + 2, 4);
}

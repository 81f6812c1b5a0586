// Detector: output cut short is a failure even with the "pass" exit status:
// this kernel ends QEMU with the pass code in the middle of its run, after
// announcing three cases and reporting one.
// ktest-runner-args: --expect failed --expect-output "KTAP output incomplete"

#include "ktest/ktest.h"
#include "ktest/qemu_exit.h"

KTEST(detector, reports_ok)
{
    EXPECT_TRUE(true);
}

KTEST(detector, ends_qemu_early)
{
    ktest::qemu_exit(ktest::ExitCode::Passed);
}

KTEST(detector, never_reported) {}

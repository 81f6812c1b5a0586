// Detector: a sanitizer report outside any test case (here UBSan's, before
// the cases run) is a panic, with the report as its message: no case can
// take the blame, so the kernel stops (core/sanitizer_report.h).
// ktest-runner-args: --expect panic
// ktest-runner-args: --expect-output "PANIC: UBSan: shift-out-of-bounds at tests/detectors/sanitizer_report_outside_case.cpp:"
// ktest-runner-args: --expect-output "shift exponent 40 is too large for 32-bit type 'unsigned int'"

#include <cstdint>
#include "ktest/binary.h"
#include "ktest/ktest.h"

namespace {
volatile uint32_t g_sink;
} // namespace

KTEST_BINARY_SETUP()
{
    volatile unsigned exponent = 40;
    g_sink = 1u << exponent;
}

KTEST(detector, never_runs)
{
    EXPECT_TRUE(false, "the kernel panicked before the cases");
}

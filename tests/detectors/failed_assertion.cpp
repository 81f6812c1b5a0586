// Detector: a failed EXPECT is reported as failed at its file:line with both
// values, the case goes on after it, a failed ASSERT ends its case, and the
// run continues with the next case.
// ktest-runner-args: --expect failed --expect-case detector.expect_eq_fails
// ktest-runner-args: --expect-failure-marked tests/detectors/failed_assertion.cpp
// ktest-runner-args: --expect-output "sum = 2 (0x2)" --expect-passed 1

#include "ktest/ktest.h"

namespace {
bool g_went_on_after_expect = false;
bool g_went_on_after_assert = false;
} // namespace

KTEST(detector, expect_eq_fails)
{
    const int sum = 1 + 1;
    EXPECT_EQ(sum, 3); // expected failure here
    g_went_on_after_expect = true;
}

KTEST(detector, assert_ends_the_case)
{
    ASSERT_TRUE(g_went_on_after_assert, "this ASSERT fails on purpose");
    g_went_on_after_assert = true;
}

KTEST(detector, runs_after_the_failures)
{
    EXPECT_TRUE(g_went_on_after_expect);
    EXPECT_FALSE(g_went_on_after_assert);
}

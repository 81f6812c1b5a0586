// Detector: a fixture's tear_down and destructor run after an EXPECT_* failure
// and after an ASSERT_* failure (which leaves the body early through
// ktest/case_context.asm); the case after them sees both torn down, and the
// body did not go on after the ASSERT.
// ktest-runner-args: --expect failed --expect-case detector_fixture.assert_fails_in_the_body --expect-passed 1
// ktest-runner-args: --expect-failure-marked tests/detectors/fixture_tear_down_after_failures.cpp
// ktest-runner-args: --expect-output "tear_down after detector_fixture.expect_fails_in_the_body"
// ktest-runner-args: --expect-output "tear_down after detector_fixture.assert_fails_in_the_body"
// ktest-runner-args: --expect-output "ok 3 both_fixtures_were_torn_down_and_destroyed"

#include "core/print.h"
#include "ktest/internal.h"
#include "ktest/ktest.h"

namespace {

int g_tear_downs = 0;
int g_destroyed = 0;
bool g_went_on_after_assert = false;

struct detector_fixture {
    int member = 1;
    ~detector_fixture() { ++g_destroyed; }
    void tear_down()
    {
        ++g_tear_downs;
        core::println("    # tear_down after {}.{}", ktest::internal::state().current->suite,
                      ktest::internal::state().current->name);
    }
};

} // namespace

KTEST_F(detector_fixture, expect_fails_in_the_body)
{
    EXPECT_EQ(member, 2);
}

KTEST_F(detector_fixture, assert_fails_in_the_body)
{
    ASSERT_EQ(member + 1, 3); // expected failure here
    g_went_on_after_assert = true;
}

KTEST_F(detector_fixture, both_fixtures_were_torn_down_and_destroyed)
{
    EXPECT_EQ(g_tear_downs, 2);
    EXPECT_EQ(g_destroyed, 2);
    EXPECT_FALSE(g_went_on_after_assert, "ASSERT_EQ ended its case");
}

// Real programs, built with musl-gcc -static (user/), started from the
// initial ramdisk: what they print and how they end.

#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "tests/user/run_program.h"

KTEST_INIT_STAGE(Everything);

using user_tests::ProgramRun;
using user_tests::run_program;

namespace {
ProgramRun g_run;
}

KTEST(programs, hello_prints_through_musl_stdio_and_exits_0)
{
    run_program(g_run, "/bin/hello", {"hello", "one", "two words"});
    EXPECT_EQ(g_run.status, 0);
    EXPECT_TRUE(g_run.output_contains("hello from hello, a musl program in ring 3 (argc 3)"));
    EXPECT_TRUE(g_run.output_contains("argv[2] = \"two words\""));
}

KTEST(programs, usertests_pass)
{
    run_program(g_run, "/tests/usertests", {"usertests"});
    EXPECT_EQ(g_run.status, 0, "usertests' exit status is its number of failed checks");
    EXPECT_TRUE(g_run.output_contains("usertests: 0 failure(s)"));
    EXPECT_FALSE(g_run.output_contains("not ok"));
}

KTEST(programs, linux_interfaces_for_real_programs)
{
    // Symbolic links, /proc's links, poll and select, getrandom, limits,
    // the auxiliary vector, clone as glibc's fork calls it (issue 14).
    run_program(g_run, "/tests/linuxapi", {"linuxapi", "two words", "x"});
    EXPECT_EQ(g_run.status, 0, "linuxapi's exit status is its number of failed checks");
    EXPECT_TRUE(g_run.output_contains("linuxapi: 0 failure(s)"));
    EXPECT_FALSE(g_run.output_contains("not ok"));
}

KTEST(programs, signals_pass)
{
    run_program(g_run, "/tests/signals", {"signals"});
    EXPECT_EQ(g_run.status, 0, "the exit status is the number of failed checks");
    EXPECT_TRUE(g_run.output_contains("signals: 0 failure(s)"));
    EXPECT_FALSE(g_run.output_contains("not ok"));
}

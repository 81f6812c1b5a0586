// The framework tests itself: filters, options, skips, hooks, should-panic
// cases, and the C++ start-up it relies on. (The verdicts the runner gives for
// failing kernels are proven by the detector kernels in tests/detectors.)

#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "ktest/glob.h"
#include "ktest/internal.h"
#include "ktest/ktest.h"
#include "ktest/options.h"

namespace {

// Set by a global constructor: proves kernel_start ran .init_array.
struct ConstructorProbe {
    ConstructorProbe() : value(0x5EED) {}
    int value;
};
ConstructorProbe g_constructor_probe;

int g_suite_setups = 0;
int g_suite_teardowns = 0;
int g_case_setups = 0;
int g_case_teardowns = 0;
int g_cases_run = 0;

} // namespace

KTEST(ktest_self, global_constructors_ran_before_kernel_main)
{
    EXPECT_EQ(g_constructor_probe.value, 0x5EED);
}

KTEST(ktest_self, glob_matching)
{
    EXPECT_TRUE(ktest::glob_match("format.*", "format.integers"));
    EXPECT_TRUE(ktest::glob_match("*.int?gers", "format.integers"));
    EXPECT_TRUE(ktest::glob_match("*", ""));
    EXPECT_TRUE(ktest::glob_match("a*b*c", "aXXbYYc"));
    EXPECT_FALSE(ktest::glob_match("format.*", "formats.x"));
    EXPECT_FALSE(ktest::glob_match("a*b", "aXXbY"));
    EXPECT_FALSE(ktest::glob_match("?", ""));
}

KTEST(ktest_self, filters_include_and_exclude)
{
    EXPECT_TRUE(ktest::filter_selects("", "any.case"));
    EXPECT_TRUE(ktest::filter_selects("vga.*,serial.*", "serial.x"));
    EXPECT_FALSE(ktest::filter_selects("vga.*,serial.*", "format.x"));
    EXPECT_FALSE(ktest::filter_selects("vga.*,-vga.slow_*", "vga.slow_scroll"));
    EXPECT_TRUE(ktest::filter_selects("-vga.*", "format.x"), "only exclusions: everything else is in");
}

KTEST(ktest_self, options_parse_and_reject_bad_words)
{
    ktest::Options options;
    auto parsed = ktest::parse_options("quiet ktest.filter=a.*,b.* ktest.seed=42 ktest.repeat=3 ktest.skip_slow",
                                       options);
    ASSERT_TRUE(parsed.has_value(), "{}", parsed.error());
    EXPECT_STREQ(options.filter(), "a.*,b.*");
    EXPECT_TRUE(options.shuffle, "a seed implies shuffling");
    EXPECT_EQ(options.seed, 42u);
    EXPECT_EQ(options.repeat, 3u);
    EXPECT_TRUE(options.skip_slow);
    EXPECT_FALSE(options.list);

    ktest::Options other;
    auto unknown = ktest::parse_options("ktest.fliter=x", other);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_STREQ(unknown.error().what, "unknown ktest option");
    EXPECT_STREQ(unknown.error().word, "ktest.fliter=x");
    EXPECT_STREQ(ktest::parse_options("ktest.repeat=0", other).error().what, "repeat must be between 1 and 10000");
    EXPECT_STREQ(ktest::parse_options("ktest.seed=12x", other).error().what, "not a decimal number");
    EXPECT_STREQ(ktest::parse_options("ktest.list=yes", other).error().what, "this option takes no value");
}

KTEST(ktest_self, comparisons_mix_signed_and_unsigned_by_value)
{
    const int minus_one = -1;
    const unsigned big = 4'000'000'000u;
    EXPECT_LT(minus_one, big, "a plain < would convert -1 to 4294967295");
    EXPECT_NE(minus_one, static_cast<unsigned>(-1));
    EXPECT_EQ(uint8_t{200}, 200);
    const char* null_text = nullptr;
    EXPECT_NULL(null_text);
    EXPECT_NOT_NULL("text");
    const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 3};
    EXPECT_MEMEQ(a, b, sizeof a);
}

KTEST(ktest_self, skip_ends_the_case_as_skipped)
{
    KTEST_SKIP("this case shows how a skip is reported");
    EXPECT_TRUE(false, "never reached: KTEST_SKIP leaves the case");
}

KTEST(ktest_self, slow_cases_are_marked, ktest::slow)
{
    ASSERT_NOT_NULL(ktest::internal::state().current);
    EXPECT_TRUE(ktest::internal::state().current->attributes.slow, "ktest::slow reached the registry");
    EXPECT_FALSE(ktest::internal::state().current->attributes.should_panic);
}

KTEST(ktest_self, should_panic_with_a_message, ktest::should_panic("value 7 out of range"))
{
    core::panic("value {} out of range", 7);
}

KTEST(ktest_self, should_panic_on_a_failed_kassert, ktest::should_panic("assertion failed: two + 2 == 5"))
{
    volatile int two = 2;
    KASSERT(two + 2 == 5);
}

KTEST(ktest_self, recovery_restores_the_interrupt_flag)
{
    // panic() clears RFLAGS.IF; resuming the executor restores the RFLAGS
    // saved when the case started. The unit kernel runs with interrupts on
    // (Interrupts stage), so after the should-panic cases above they must
    // be on again, here and in every later case.
    EXPECT_TRUE(arch::interrupts_enabled(), "interrupts are off after a recovered panic");
}

// Hooks: the counters prove they run, and when. The checks hold in any order
// (ktest.shuffle) and for any number of repetitions (ktest.repeat).
KTEST_SUITE_SETUP(ktest_hooks)
{
    ++g_suite_setups;
}

KTEST_SUITE_TEARDOWN(ktest_hooks)
{
    ++g_suite_teardowns;
}

KTEST_SETUP(ktest_hooks)
{
    ++g_case_setups;
}

KTEST_TEARDOWN(ktest_hooks)
{
    ++g_case_teardowns;
}

namespace {
void check_hook_counts()
{
    EXPECT_EQ(g_suite_setups, g_suite_teardowns + 1, "inside the suite: set up, not yet torn down");
    EXPECT_EQ(g_case_setups, g_cases_run + 1, "this case's setup ran");
    EXPECT_EQ(g_case_teardowns, g_cases_run, "every earlier case was torn down");
    ++g_cases_run;
}
} // namespace

KTEST(ktest_hooks, hooks_run_around_a_case)
{
    check_hook_counts();
}

KTEST(ktest_hooks, hooks_run_around_another_case)
{
    check_hook_counts();
}

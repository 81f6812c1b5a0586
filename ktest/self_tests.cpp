// The framework tests itself: filters, options, skips, hooks, should-panic
// cases, parameterised and fixture cases, and the C++ start-up it relies on. (The verdicts the runner gives for
// failing kernels are proven by the detector kernels in tests/detectors.)

#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "ktest/bench.h"
#include "ktest/expect_fault.h"
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

KTEST(ktest_self, filters_treat_each_value_as_a_case)
{
    // A value of a parameterised case answers to its own name and to its case's.
    EXPECT_TRUE(ktest::filter_selects("heap.pair[64]", "heap.pair[64]", "heap.pair"));
    EXPECT_FALSE(ktest::filter_selects("heap.pair[64]", "heap.pair[16]", "heap.pair"));
    EXPECT_TRUE(ktest::filter_selects("heap.pair", "heap.pair[16]", "heap.pair"), "the case selects every value");
    EXPECT_FALSE(ktest::filter_selects("-heap.pair", "heap.pair[16]", "heap.pair"), "and excludes every value");
    EXPECT_FALSE(ktest::filter_selects("heap.*,-heap.pair[16]", "heap.pair[16]", "heap.pair"));
    EXPECT_TRUE(ktest::filter_selects("heap.*,-heap.pair[16]", "heap.pair[64]", "heap.pair"));
}

KTEST(ktest_self, parameter_names_become_one_token)
{
    kstd::StringBuffer<64> token;
    ktest::write_name_token(token, "fixed-size blocks.v2 #1,[x]+y");
    EXPECT_STREQ(token.view(), "fixed-size_blocks_v2__1__x_+y");
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

KTEST(ktest_self, benchmark_summaries_show_the_median_and_the_noise)
{
    const uint64_t tenths[] = {300, 100, 200, 500, 400};
    const ktest::BenchSummary summary = ktest::summarize(tenths, 5);
    EXPECT_EQ(summary.median, 300u);
    EXPECT_EQ(summary.minimum, 100u);
    EXPECT_EQ(summary.maximum, 500u);
    EXPECT_EQ(summary.spread, 1333u, "(50.0 - 10.0) / 30.0 = 133.3%");
    const uint64_t one[] = {77};
    EXPECT_EQ(ktest::summarize(one, 1).median, 77u);
    EXPECT_EQ(ktest::summarize(one, 1).spread, 0u);
}

// Parameterised cases: every value runs, with its own value, as a case of
// its own (named case[value]: CTest's unit.ktest_parameterised_* check the
// KTAP names, the filter and the list).
namespace {

struct Square {
    int value;
    int square;
    const char* name;
};
constexpr Square squares[] = {{1, 1, "one"}, {2, 4, "two"}, {3, 9, "three"}};

enum class Colour : uint8_t { Red, DeepBlue };
std::string_view to_string(Colour colour)
{
    return colour == Colour::Red ? "red" : "deep blue";
}
constexpr Colour colours[] = {Colour::Red, Colour::DeepBlue};

constexpr uint64_t page_sizes[] = {4096, 2 * 1024 * 1024};

} // namespace

KTEST_P(ktest_params, each_value_runs_with_its_own_value, squares)
{
    EXPECT_EQ(param.value * param.value, param.square);
    // The value the body sees is the one the executor reports and selected.
    EXPECT_EQ(&param, &squares[ktest::internal::state().param]);
}

KTEST_P(ktest_params, integers_are_named_by_their_value, page_sizes)
{
    EXPECT_EQ(param & (param - 1), 0u, "{} is a power of two", param);
    EXPECT_EQ(param, page_sizes[ktest::internal::state().param]);
}

KTEST_P(ktest_params, enums_are_named_by_to_string, colours)
{
    EXPECT_EQ(param, colours[ktest::internal::state().param]);
}

// Fixtures: the executor constructs the fixture, runs set_up, the body,
// tear_down and the destructor. The case-teardown hook of the suite runs after
// all of them, and checks that every fixture made so far was torn down and
// destroyed, however its case ended: returned, skipped, an expected fault, a
// panic (a should_panic case). A tear-down after ASSERT_* and EXPECT_*
// failures is proven by tests/detectors/fixture_tear_down_after_failures.cpp.
namespace {

int g_fixtures_constructed = 0;
int g_fixtures_destroyed = 0;
int g_fixture_set_ups = 0;
int g_fixture_tear_downs = 0;

struct counted_fixture {
    int member = 41;
    int* scratch = nullptr;
    int scratch_value = 0;

    counted_fixture() { ++g_fixtures_constructed; }
    ~counted_fixture() { ++g_fixtures_destroyed; }
    void set_up()
    {
        ++g_fixture_set_ups;
        member = 42;
        scratch = &scratch_value;
    }
    void tear_down()
    {
        ++g_fixture_tear_downs;
        scratch = nullptr;
    }
};

// A fixture made from the value of its case.
struct sized_fixture {
    explicit sized_fixture(uint64_t page_size) : bytes(page_size) {}
    uint64_t bytes;
};

} // namespace

KTEST_TEARDOWN(counted_fixture)
{
    EXPECT_EQ(g_fixture_tear_downs, g_fixture_set_ups, "every set_up was matched by a tear_down");
    EXPECT_EQ(g_fixtures_destroyed, g_fixtures_constructed, "every fixture was destroyed");
}

KTEST_F(counted_fixture, the_body_reads_the_members_set_up_made)
{
    EXPECT_EQ(member, 42, "set_up ran before the body");
    ASSERT_NOT_NULL(scratch);
    *scratch = 7;
    EXPECT_EQ(scratch_value, 7);
    EXPECT_EQ(g_fixtures_constructed, g_fixtures_destroyed + 1, "one fixture lives: this one");
}

KTEST_F(counted_fixture, tear_down_runs_after_a_skip)
{
    KTEST_SKIP("the case-teardown hook checks the fixture was torn down");
}

KTEST_F(counted_fixture, tear_down_runs_after_an_expected_fault)
{
    EXPECT_FAULT(InvalidOpcode, asm volatile("ud2")); // UD2 always raises #UD (SDM Vol. 2B, UD)
    EXPECT_EQ(member, 42, "the fixture is intact after the fault");
}

KTEST_F(counted_fixture, tear_down_runs_after_a_panic, ktest::should_panic("the fixture's case panics"))
{
    core::panic("the fixture's case panics");
}

KTEST_FP(sized_fixture, is_constructed_from_its_value, page_sizes)
{
    EXPECT_EQ(bytes, param);
}

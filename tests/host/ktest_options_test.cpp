// ktest's run-time options, parsed from the kernel command line: each option,
// and each error with its message.

#include <gtest/gtest.h>
#include <string>
#include "ktest/options.h"

namespace {

using ktest::Options;
using ktest::parse_options;

std::string error_text(std::string_view text)
{
    Options options;
    auto result = parse_options(text, options);
    if (result)
        return "(no error)";
    char buffer[1024];
    return std::string(kstd::format_into(buffer, "{}", result.error()).text);
}

TEST(KtestOptions, defaults_and_foreign_words)
{
    Options options;
    ASSERT_TRUE(parse_options("", options).has_value());
    ASSERT_TRUE(parse_options("  quiet  console=ttyS0 ktest. ktestfoo \t\n", options).has_value());
    EXPECT_EQ(options.filter(), "");
    EXPECT_FALSE(options.list);
    EXPECT_FALSE(options.shuffle);
    EXPECT_FALSE(options.seed_given);
    EXPECT_FALSE(options.skip_slow);
    EXPECT_FALSE(options.bench_quick);
    EXPECT_EQ(options.repeat, 1u);
}

TEST(KtestOptions, every_option)
{
    Options options;
    ASSERT_TRUE(parse_options("ktest.filter=fmt.*,-fmt.slow ktest.list ktest.skip_slow ktest.bench_quick ktest.repeat=10000 ktest.seed=42",
                              options)
                    .has_value());
    EXPECT_EQ(options.filter(), "fmt.*,-fmt.slow");
    EXPECT_TRUE(options.list);
    EXPECT_TRUE(options.skip_slow);
    EXPECT_TRUE(options.bench_quick);
    EXPECT_EQ(options.repeat, 10000u);
    EXPECT_EQ(options.seed, 42u);
    EXPECT_TRUE(options.seed_given);
    EXPECT_TRUE(options.shuffle); // a seed implies shuffling
}

TEST(KtestOptions, later_words_win_and_options_layer)
{
    Options options;
    ASSERT_TRUE(parse_options("ktest.filter=a.* ktest.repeat=2", options).has_value());
    ASSERT_TRUE(parse_options("ktest.filter=b.* ktest.shuffle", options).has_value());
    EXPECT_EQ(options.filter(), "b.*");
    EXPECT_EQ(options.repeat, 2u);
    EXPECT_TRUE(options.shuffle);
    EXPECT_FALSE(options.seed_given);
    ASSERT_TRUE(parse_options("ktest.filter=", options).has_value());
    EXPECT_EQ(options.filter(), "");
    ASSERT_TRUE(parse_options("ktest.seed=18446744073709551615", options).has_value());
    EXPECT_EQ(options.seed, UINT64_MAX);
}

TEST(KtestOptions, filter_of_exactly_256_characters_fits)
{
    Options options;
    const std::string filter(256, 'x');
    ASSERT_TRUE(parse_options("ktest.filter=" + filter, options).has_value());
    EXPECT_EQ(options.filter(), filter);
}

TEST(KtestOptions, errors_say_what_and_which_word)
{
    EXPECT_EQ(error_text("ktest.bogus"), "unknown ktest option: 'ktest.bogus'");
    EXPECT_EQ(error_text("ktest.list=1"), "this option takes no value: 'ktest.list=1'");
    EXPECT_EQ(error_text("ktest.shuffle=yes"), "this option takes no value: 'ktest.shuffle=yes'");
    EXPECT_EQ(error_text("ktest.seed="), "expected a number after '=': 'ktest.seed='");
    EXPECT_EQ(error_text("ktest.seed"), "expected a number after '=': 'ktest.seed'");
    EXPECT_EQ(error_text("ktest.seed=12a"), "not a decimal number: 'ktest.seed=12a'");
    EXPECT_EQ(error_text("ktest.seed=-1"), "not a decimal number: 'ktest.seed=-1'");
    EXPECT_EQ(error_text("ktest.seed=18446744073709551616"), "number too large: 'ktest.seed=18446744073709551616'");
    EXPECT_EQ(error_text("ktest.repeat=0"), "repeat must be between 1 and 10000: 'ktest.repeat=0'");
    EXPECT_EQ(error_text("ktest.repeat=10001"), "repeat must be between 1 and 10000: 'ktest.repeat=10001'");
    EXPECT_EQ(error_text("ktest.filter=" + std::string(513, 'x')),
              "filter longer than 512 characters: 'ktest.filter=" + std::string(513, 'x') + "'");
    // The first bad word stops parsing.
    Options options;
    EXPECT_FALSE(parse_options("ktest.list ktest.bad ktest.skip_slow", options).has_value());
    EXPECT_TRUE(options.list);
    EXPECT_FALSE(options.skip_slow);
}

} // namespace

TEST(KtestOptions, attribute_selection)
{
    ktest::Options options;
    EXPECT_EQ(options.required_attribute, ktest::RequiredAttribute::None);
    ASSERT_TRUE(ktest::parse_options("ktest.attr=slow", options).has_value());
    EXPECT_EQ(options.required_attribute, ktest::RequiredAttribute::Slow);
    ASSERT_TRUE(ktest::parse_options("ktest.attr=should_panic", options).has_value());
    EXPECT_EQ(options.required_attribute, ktest::RequiredAttribute::ShouldPanic);
    auto bad = ktest::parse_options("ktest.attr=fast", options);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().what, "unknown attribute (slow, should_panic)");
    EXPECT_EQ(bad.error().word, "ktest.attr=fast");
}

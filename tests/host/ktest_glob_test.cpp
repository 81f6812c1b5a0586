// ktest's case filter: shell-style globs and comma-separated filters.

#include <gtest/gtest.h>
#include "ktest/glob.h"

namespace {

using ktest::filter_selects;
using ktest::glob_match;

TEST(KtestGlob, literal_and_wildcards)
{
    EXPECT_TRUE(glob_match("", ""));
    EXPECT_FALSE(glob_match("", "a"));
    EXPECT_TRUE(glob_match("abc", "abc"));
    EXPECT_FALSE(glob_match("abc", "abcd"));
    EXPECT_FALSE(glob_match("abcd", "abc"));
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("*", "anything"));
    EXPECT_TRUE(glob_match("a*", "a"));
    EXPECT_TRUE(glob_match("a*c", "abbbc"));
    EXPECT_FALSE(glob_match("a*c", "abbbd"));
    EXPECT_TRUE(glob_match("?", "x"));
    EXPECT_FALSE(glob_match("?", ""));
    EXPECT_FALSE(glob_match("?", "xy"));
    EXPECT_TRUE(glob_match("a?c", "abc"));
    EXPECT_TRUE(glob_match("**a**", "bab"));
    EXPECT_TRUE(glob_match("*.case_*", "suite.case_one"));
}

TEST(KtestGlob, backtracks_to_the_last_star)
{
    EXPECT_TRUE(glob_match("*ab*ab", "xabyabab"));
    EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
    EXPECT_FALSE(glob_match("a*b*c", "aXbYbZ"));
    EXPECT_TRUE(glob_match("*aab", "aaab"));
    // Long input without blowing up.
    EXPECT_FALSE(glob_match("*a*a*a*a*a*b", std::string(2000, 'a')));
}

TEST(KtestGlob, filters_select_and_exclude)
{
    EXPECT_TRUE(filter_selects("", "vga.scroll"));
    EXPECT_TRUE(filter_selects(",,", "vga.scroll"));
    EXPECT_TRUE(filter_selects("vga.*", "vga.scroll"));
    EXPECT_FALSE(filter_selects("fmt.*", "vga.scroll"));
    EXPECT_TRUE(filter_selects("fmt.*,vga.*", "vga.scroll"));
    EXPECT_FALSE(filter_selects("vga.*,-vga.slow_*", "vga.slow_fill"));
    EXPECT_TRUE(filter_selects("vga.*,-vga.slow_*", "vga.scroll"));
    // Only exclusions: everything else is selected.
    EXPECT_TRUE(filter_selects("-vga.*", "fmt.hex"));
    EXPECT_FALSE(filter_selects("-vga.*", "vga.hex"));
    // An exclusion wins over an inclusion, in either order.
    EXPECT_FALSE(filter_selects("-*.x,a.*", "a.x"));
}

} // namespace

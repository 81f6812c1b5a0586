#include "boot/command_line.h"
#include "ktest/ktest.h"

KTEST(command_line, values_are_found_by_whole_key)
{
    auto heap = boot::command_line_value("demo=x heap=linked quiet", "heap");
    ASSERT_TRUE(heap.has_value());
    EXPECT_STREQ(*heap, "linked");
    EXPECT_FALSE(boot::command_line_value("heaps=fixed", "heap").has_value(), "a longer key is another key");
    EXPECT_FALSE(boot::command_line_value("heap", "heap").has_value(), "no value without '='");
    EXPECT_FALSE(boot::command_line_value("", "heap").has_value());
    auto last = boot::command_line_value("a=1 heap=bump", "heap");
    ASSERT_TRUE(last.has_value());
    EXPECT_STREQ(*last, "bump");
}

KTEST(command_line, words_are_matched_whole)
{
    EXPECT_TRUE(boot::command_line_has("quiet demo=page-fault", "demo=page-fault"));
    EXPECT_TRUE(boot::command_line_has("quiet", "quiet"));
    EXPECT_FALSE(boot::command_line_has("quieter", "quiet"));
    EXPECT_FALSE(boot::command_line_has("", "quiet"));
}

KTEST(command_line, words_after_a_double_dash_are_inits)
{
    constexpr std::string_view line = "init=/usr/bin/sh quiet -- /disk0/run.sh quiet heap=bump";
    EXPECT_STREQ(boot::command_line_init_arguments(line), "/disk0/run.sh quiet heap=bump");
    EXPECT_FALSE(boot::command_line_value(line, "heap").has_value(), "init's words are not the kernel's");
    EXPECT_TRUE(boot::command_line_has(line, "quiet"));
    EXPECT_STREQ(boot::command_line_value(line, "init").value_or(""), "/usr/bin/sh");
    EXPECT_TRUE(boot::command_line_init_arguments("quiet").empty());
    EXPECT_TRUE(boot::command_line_init_arguments("quiet --").empty());
    EXPECT_STREQ(boot::command_line_init_arguments("a--b -- x"), "x", "only a whole word separates");
}

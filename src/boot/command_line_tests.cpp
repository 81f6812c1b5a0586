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

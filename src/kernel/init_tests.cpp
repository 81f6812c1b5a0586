// KTEST cases of init.cpp's command-line helpers.

#include "kernel/init.h"
#include "ktest/ktest.h"

KTEST(init, command_line_values_are_found_by_whole_key)
{
    auto heap = kernel::command_line_value("demo=x heap=linked quiet", "heap");
    ASSERT_TRUE(heap.has_value());
    EXPECT_STREQ(*heap, "linked");
    EXPECT_FALSE(kernel::command_line_value("heaps=fixed", "heap").has_value(), "a longer key is another key");
    EXPECT_FALSE(kernel::command_line_value("heap", "heap").has_value(), "no value without '='");
    EXPECT_FALSE(kernel::command_line_value("", "heap").has_value());
    auto last = kernel::command_line_value("a=1 heap=bump", "heap");
    ASSERT_TRUE(last.has_value());
    EXPECT_STREQ(*last, "bump");
}

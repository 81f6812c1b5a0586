// KTEST cases of exceptions.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and exceptions.cpp has strings of its own.

#include "interrupts/exceptions.h"
#include "ktest/ktest.h"

KTEST(exception_table, matches_the_vectors_that_push_an_error_code)
{
    // interrupt_stubs.asm pushes a 0 for every vector not in this list; the
    // table and the stubs must agree (SDM vol. 3, table 6-1).
    constexpr uint8_t with_error_code[] = {8, 10, 11, 12, 13, 14, 17, 21, 29, 30};
    for (unsigned vector = 0; vector < interrupts::exception_count; ++vector) {
        bool listed = false;
        for (uint8_t v : with_error_code)
            listed |= v == vector;
        EXPECT_EQ(interrupts::exception_info(static_cast<uint8_t>(vector)).has_error_code, listed, "vector {}",
                  vector);
    }
}

KTEST(exception_table, names_the_common_exceptions)
{
    EXPECT_STREQ(interrupts::exception_info(14).mnemonic, "#PF");
    EXPECT_STREQ(interrupts::exception_info(8).name, "double fault");
    EXPECT_STREQ(interrupts::exception_info(13).name, "general protection fault");
    EXPECT_TRUE(interrupts::continues_after_report(3));
    EXPECT_FALSE(interrupts::continues_after_report(14));
}
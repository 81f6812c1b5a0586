// KTEST cases for the C++ runtime: memory functions, the stack canary, and
// operator new before there is a heap.

#include <cstdint>
#include <new>
#include "ktest/ktest.h"

extern "C" uintptr_t __stack_chk_guard;

namespace {
// Opaque to the optimiser: the calls below really call our functions.
template <typename T>
T* launder(T* pointer)
{
    asm volatile("" : "+r"(pointer)); // hides where the pointer came from
    return pointer;
}
} // namespace

KTEST(runtime, memcpy_memset_memcmp)
{
    char a[64], b[64];
    __builtin_memset(launder(a), 'a', sizeof a);
    __builtin_memcpy(launder(b), launder(a), sizeof b);
    EXPECT_MEMEQ(a, b, sizeof a);
    b[40] = 'b';
    EXPECT_LT(__builtin_memcmp(launder(a), launder(b), sizeof a), 0);
    EXPECT_GT(__builtin_memcmp(launder(b), launder(a), sizeof a), 0);
    EXPECT_EQ(__builtin_memcmp(launder(a), launder(b), 40), 0);
}

KTEST(runtime, memmove_handles_overlap_both_ways)
{
    char text[] = "0123456789";
    __builtin_memmove(launder(text) + 2, launder(text), 5);
    EXPECT_STREQ(text, "0101234789");
    char other[] = "0123456789";
    __builtin_memmove(launder(other), launder(other) + 3, 5);
    EXPECT_STREQ(other, "3456756789");
}

KTEST(runtime, memchr_and_strlen)
{
    const char text[] = "kernel";
    EXPECT_EQ(__builtin_strlen(launder(text)), 6u);
    EXPECT_EQ(static_cast<const char*>(__builtin_memchr(launder(text), 'n', 6)), text + 3);
    EXPECT_NULL(__builtin_memchr(launder(text), 'z', 6));
}

KTEST(runtime, stack_canary_was_randomised_at_boot)
{
    // kernel_start mixes the TSC into the link-time value and clears the low byte.
    EXPECT_NE(__stack_chk_guard, uintptr_t{0x2f8ab3c15e7d0a96});
    EXPECT_EQ(__stack_chk_guard & 0xFF, 0u);
}

KTEST(runtime, operator_new_without_a_heap_panics_with_the_size, ktest::should_panic("operator new(24 bytes"))
{
    int* volatile p = new int[6];
    (void)p;
}

KTEST(runtime, nothrow_new_without_a_heap_panics_too, ktest::should_panic("no heap yet"))
{
    int* volatile p = new (std::nothrow) int;
    (void)p;
}

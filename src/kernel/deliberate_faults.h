#pragma once
// Faults on purpose: the product's demos (demo=... on the command line, F2-F4)
// and the tests that check how the kernel survives them use these same
// functions.

#include <cstdint>

namespace kernel::deliberate {

// INT3: the #BP handler prints its report and returns to the next instruction.
void breakpoint();

// Writes through a null pointer: a page fault (the low half is unmapped).
void write_through_null();

// Recurses until the current stack runs into its guard page: the page fault
// cannot be delivered on the full stack, which makes a double fault (handled
// on IST1). Returns only if the recursion were bounded, which it never is.
uint64_t overflow_stack(uint64_t depth = 0);

// Every online CPU panics at the same moment (a spinning thread per CPU,
// released together): the first panic stops the others by NMI and its
// report is the only one printed. Never returns.
[[noreturn]] void panic_on_every_cpu();

} // namespace kernel::deliberate

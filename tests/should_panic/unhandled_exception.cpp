// An exception outside any test case takes the kernel's real path: the
// decoded report, then a panic whose message names the exception.
// ktest-runner-args: --expect-output "what happened: write at unmapped address 0xffff800000003000"

#include <cstdint>
#include "ktest/expect_fault.h"
#include "ktest/should_panic.h"

KTEST_SHOULD_PANIC(page_fault_outside_a_case, "unhandled exception: page fault (#PF, vector 14)")
{
    // Deliberately a pointer to nothing: no page table maps the bottom of the
    // kernel half.
    auto* address = ktest::opaque(reinterpret_cast<volatile uint64_t*>(0xFFFF'8000'0000'3000ull));
    *address = 1;
}

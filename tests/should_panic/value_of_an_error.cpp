// value() of an Expected that holds an error is a misuse the checked
// accessor catches: the panic names it, at the caller's file and line (not
// kstd/expected.h's).
// ktest-runner-args: --expect-output "at tests/should_panic/value_of_an_error.cpp:"

#include <cstdint>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"
#include "ktest/should_panic.h"
#include "mem/direct_map.h"

KTEST_SHOULD_PANIC(value_of_an_error, "value() of an Expected that holds an error")
{
    // 1 PiB: past any direct map of this machine.
    auto address = mem::phys_to_virt(arch::PhysAddr(1ull << 50));
    (void)address.value();
}

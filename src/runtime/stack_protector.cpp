// -fstack-protector-strong with -mstack-protector-guard=global: functions
// with arrays or address-taken locals keep a copy of __stack_chk_guard
// between their locals and the return address and check it on return.

#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "runtime/stack_protector.h"

extern "C" {

uintptr_t __stack_chk_guard = 0x2f8a'b3c1'5e7d'0a96;

[[noreturn]] void __stack_chk_fail()
{
    core::panic("stack smashing detected: a function's stack canary was overwritten");
}

} // extern "C"

namespace runtime {

void randomize_stack_guard()
{
    // The TSC at boot is not secret, but it varies between boots; mixed with
    // the fixed value it is enough to catch accidental overwrites. The low
    // byte is zeroed so a runaway string copy stops at the canary.
    const uint64_t tsc = arch::read_timestamp_counter();
    __stack_chk_guard = (__stack_chk_guard ^ (tsc * 0x9E37'79B9'7F4A'7C15ull)) & ~uintptr_t{0xFF};
}

} // namespace runtime

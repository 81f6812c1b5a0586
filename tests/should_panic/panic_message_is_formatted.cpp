// panic() formats its message (the should-panic check matches the result).

#include "core/panic.h"
#include "ktest/should_panic.h"

KTEST_SHOULD_PANIC(panic_message_is_formatted, "frame 0x1000 freed twice (count 3)")
{
    core::panic("frame {:#x} freed twice (count {})", 0x1000, 3);
}

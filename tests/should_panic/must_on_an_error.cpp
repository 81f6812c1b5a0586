// MUST on an Expected that holds an error is a broken invariant: the panic
// names the expression and the error as text, at the caller's file and line.
// ktest-runner-args: --expect-output "at tests/should_panic/must_on_an_error.cpp:"

#include "drivers/serial.h"
#include "kstd/expected.h"
#include "ktest/should_panic.h"

KTEST_SHOULD_PANIC(must_on_an_error,
                   "MUST(com3.initialize()) failed: no UART echoed the loopback test byte (no 16550 at this port?)")
{
    // No UART answers at 0x3E8 in the test machine (only COM1 is configured).
    drivers::SerialPort com3(0x3E8);
    MUST(com3.initialize());
}

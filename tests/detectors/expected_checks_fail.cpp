// Detector: EXPECT_OK fails on an error, EXPECT_ERROR fails on another error
// and on a value, ASSERT_OK ends its case, and each report prints the error
// as its text (to_string / format_value), not just its number. The right
// results pass the same checks (`checks_pass_on_the_right_results`).
// ktest-runner-args: --expect failed --expect-case detector.expect_ok_gets_an_error --expect-passed 2
// ktest-runner-args: --expect-failure-marked tests/detectors/expected_checks_fail.cpp
// ktest-runner-args: --expect-output "EXPECT_OK(com3.initialize()) failed at tests/detectors/expected_checks_fail.cpp:"
// ktest-runner-args: --expect-output "error = no UART echoed the loopback test byte (no 16550 at this port?) (enumerator value 0)"
// ktest-runner-args: --expect-output "error = the physical address is past the end of the direct map (enumerator value 1)"
// ktest-runner-args: --expect-output "mem::DirectMapError::OutsideBootWindow = the physical address is past the 1 GiB boot window (the direct map is not active yet) (enumerator value 0)"
// ktest-runner-args: --expect-output "EXPECT_ERROR(mux.attach(consoles[0]), core::ConsoleError::MuxFull) failed at"
// ktest-runner-args: --expect-output "a value, not an error"
// ktest-runner-args: --expect-output "core::ConsoleError::MuxFull = the console mux is full: every slot holds a console (enumerator value 0)"
// ktest-runner-args: --expect-output "ASSERT_OK(mem::phys_to_pointer<uint64_t>(past_the_end)) failed at"

#include <cstdint>
#include "arch/x86_64/address.h"
#include "core/console.h"
#include "drivers/serial.h"
#include "ktest/ktest.h"
#include "mem/direct_map.h"

namespace {

class NullConsole final : public core::Console {
public:
    void write(std::string_view) override {}
};

// An address no RAM reaches: 1 PiB, past any direct map of this machine.
const arch::PhysAddr past_the_end(1ull << 50);

bool g_went_on_after_assert = false;

} // namespace

KTEST(detector, expect_ok_gets_an_error)
{
    // No UART answers at 0x3E8 in the test machine (only COM1 is configured).
    drivers::SerialPort com3(0x3E8);
    EXPECT_OK(com3.initialize()); // expected failure here
}

KTEST(detector, expect_error_gets_another_error)
{
    EXPECT_ERROR(mem::phys_to_virt(past_the_end), mem::DirectMapError::OutsideBootWindow);
}

KTEST(detector, expect_error_gets_a_value)
{
    core::ConsoleMux mux;
    NullConsole consoles[core::ConsoleMux::max_consoles];
    for (NullConsole& console : consoles)
        ASSERT_OK(mux.attach(console));
    // Full, but attaching a console that is there already succeeds.
    EXPECT_ERROR(mux.attach(consoles[0]), core::ConsoleError::MuxFull);
}

KTEST(detector, assert_ok_ends_the_case)
{
    ASSERT_OK(mem::phys_to_pointer<uint64_t>(past_the_end));
    g_went_on_after_assert = true;
}

KTEST(detector, checks_pass_on_the_right_results)
{
    drivers::SerialPort com3(0x3E8);
    EXPECT_ERROR(com3.initialize(), drivers::SerialError::NoLoopbackEcho);
    EXPECT_ERROR(mem::phys_to_virt(past_the_end), mem::DirectMapError::OutsideDirectMap);
    EXPECT_OK(mem::phys_to_virt(arch::PhysAddr(0x1000)));
    core::ConsoleMux mux;
    NullConsole consoles[core::ConsoleMux::max_consoles + 1];
    for (size_t i = 0; i < core::ConsoleMux::max_consoles; ++i)
        ASSERT_OK(mux.attach(consoles[i]));
    EXPECT_ERROR(mux.attach(consoles[core::ConsoleMux::max_consoles]), core::ConsoleError::MuxFull);
}

KTEST(detector, runs_after_the_failures)
{
    EXPECT_FALSE(g_went_on_after_assert, "ASSERT_OK ended its case");
}

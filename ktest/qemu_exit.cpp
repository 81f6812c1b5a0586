#include "ktest/qemu_exit.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "core/print.h"

// Coverage builds define it (ktest/coverage/gcov_dump.cpp): it streams the
// coverage counters out; the address of a missing weak symbol is null.
extern "C" [[gnu::weak]] void ktest_coverage_dump();

namespace ktest {

void qemu_exit(ExitCode code)
{
    if (ktest_coverage_dump)
        ktest_coverage_dump();
    constexpr arch::Port32 isa_debug_exit(0xF4);
    isa_debug_exit.write(static_cast<uint32_t>(code));
    // Still here: QEMU was started without the device (or this is hardware).
    core::println("# ktest: no isa-debug-exit device at port 0xf4; halting (result: {})",
                    code == ExitCode::Passed ? "passed" : "failed");
    arch::halt_forever();
}

} // namespace ktest

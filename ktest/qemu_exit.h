#pragma once
// Ending QEMU from inside the guest through the isa-debug-exit device
// (-device isa-debug-exit,iobase=0xf4,iosize=0x04). Writing V to the port
// makes QEMU exit with status (V << 1) | 1, so every status we produce is odd
// and none is 0: QEMU exits 0 on a plain shutdown or (with -no-reboot) a
// triple fault, and 1 when it fails to start. 0 therefore never means pass.

#include <cstdint>

namespace ktest {

enum class ExitCode : uint32_t {
    Passed = 0x10, // QEMU exit status 33
    Failed = 0x11, // QEMU exit status 35
};

[[noreturn]] void qemu_exit(ExitCode code);

} // namespace ktest

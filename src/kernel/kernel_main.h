#pragma once
// The boot path: boot.asm -> kernel_start() -> kernel_main().
//
// kernel_start (src/kernel/start.cpp) is the same in every link. Each link
// brings its own kernel_main: the product's (src/kernel/main.cpp) boots to
// the banner and idles; the test kernels' (ktest/main.cpp) run test cases.

#include <cstdint>
#include "mem/address.h"

namespace kernel {

// What the boot loader handed over, untouched.
struct BootHandoff {
    uint32_t magic;
    mem::PhysAddr boot_info;
};

} // namespace kernel

void kernel_main(const kernel::BootHandoff& handoff);

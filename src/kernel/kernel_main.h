#pragma once
// The boot path: boot.asm -> kernel_start() -> kernel_main().
//
// kernel_start (src/kernel/start.cpp) is the same in every link. Each link
// brings its own kernel_main: the product's (src/kernel/main.cpp) boots to
// the banner and idles; the test kernels' (ktest/main.cpp) run test cases.

#include "boot/handoff.h"

void kernel_main(const boot::BootHandoff& handoff);

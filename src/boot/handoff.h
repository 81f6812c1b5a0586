#pragma once
// What the boot loader hands the kernel, untouched: boot.asm passes EAX and
// EBX from GRUB on to kernel_start() (kernel/start.cpp), which passes them to
// kernel_main() as this.

#include <cstdint>
#include "arch/x86_64/address.h"

namespace boot {

struct BootHandoff {
    uint32_t magic;             // multiboot2_boot_magic if a multiboot2 loader started us
    arch::PhysAddr boot_info;   // the multiboot2 boot information
};

} // namespace boot

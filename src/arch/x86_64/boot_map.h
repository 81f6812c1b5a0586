#pragma once
// The memory the boot code maps before the kernel has its own page tables
// (see src/arch/x86_64/boot.asm and docs/architecture.md):
//   kernel_vma + [0, 1 GiB)  ->  physical [0, 1 GiB)
// Low physical memory (the VGA buffer, the boot information) is reached
// through that window. The kernel's own page tables (Memory init stage, see
// src/mem/kernel_address_space.cpp) keep the window, read/write and
// no-execute, beside the direct map; mem::phys_to_virt is the general way.

#include "arch/x86_64/address.h"
#include "arch/x86_64/memory_layout.h"

namespace arch {

// Virtual address of physical `phys` in the boot window, or a null VirtAddr
// if the boot window does not reach it.
constexpr VirtAddr boot_map_virtual(PhysAddr phys)
{
    return phys.value() < layout::boot_map_size ? VirtAddr(layout::kernel_vma + phys.value()) : VirtAddr();
}

// Is `address` inside the boot window (the image and low memory)?
constexpr bool in_boot_window(VirtAddr address)
{
    const VirtAddr start(layout::kernel_vma);
    return address >= start && address - start < layout::boot_map_size;
}

} // namespace arch

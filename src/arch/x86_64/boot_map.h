#pragma once
// The memory the boot code maps before the kernel has its own page tables
// (see src/arch/x86_64/boot.asm and docs/architecture.md):
//   KERNEL_VMA + [0, 1 GiB)  ->  physical [0, 1 GiB)
// Low physical memory (the VGA buffer, the boot information) is reached
// through that window. The kernel's own page tables (Memory init stage, see
// src/mem/kernel_address_space.cpp) keep the window, read/write and
// no-execute, beside the direct map; mem::phys_to_virt is the general way.

#include <cstdint>

namespace arch {

inline constexpr uint64_t kernel_vma = 0xFFFFFFFF80000000;
inline constexpr uint64_t boot_map_size = 1ull << 30;

// Virtual address of physical `phys` in the boot window, or 0 if the boot
// window does not reach it.
constexpr uint64_t boot_map_virtual(uint64_t phys)
{
    return phys < boot_map_size ? kernel_vma + phys : 0;
}

} // namespace arch

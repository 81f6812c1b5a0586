#pragma once
// The kernel's own page tables, built in the Memory init stage on the
// layout of arch/x86_64/memory_layout.h:
//   - the direct map of RAM, R+W+NX, 2 MiB pages where aligned (1 GiB where
//     the CPU has them), holes unmapped;
//   - the boot window: the image in 4 KiB pages by section (text R+X, rodata
//     R, data and bss R+W+NX, every stack's guard page unmapped), the rest of
//     the first GiB R+W+NX in 2 MiB pages;
//   - a PDPT for every kernel-half PML4 entry, made here once and never
//     freed, so later address spaces can share the kernel half by copying
//     the PML4's upper 256 entries.
// "NX" only where the CPU has it (arch/x86_64/cpu_features.h). See
// docs/memory.md for the diagram and the reasons.

#include <cstdint>
#include <span>
#include "arch/x86_64/memory_layout.h"
#include "mem/address_space.h"
#include "mem/phys_range.h"

namespace mem {

// Builds the kernel's page tables (all their frames from the physical
// memory manager, reached through the boot window) with the direct map of
// `direct_ranges` (sorted, page aligned), and loads them into CR3. Panics if
// that cannot be done: there is no kernel without them.
void load_kernel_address_space(std::span<const PhysRange> direct_ranges);

// Valid after load_kernel_address_space().
AddressSpace& kernel_address_space();
bool kernel_address_space_loaded();

// Where the image's sections are (linker.ld.in), for tests and reports.
struct ImageLayout {
    arch::VirtAddr text_start, text_end;     // R+X
    arch::VirtAddr rodata_start, rodata_end; // R
    arch::VirtAddr data_start, data_end;     // R+W+NX (.data and .bss)
};
ImageLayout kernel_image_layout();

} // namespace mem

#pragma once
// The kernel's own page tables and its virtual memory layout.
//
//   0x0000_0000_0000_0000  ... unmapped (the user half, later)
//   0xFFFF_8000_0000_0000  ... unmapped (8.5 TiB)
//   0xFFFF_8880_0000_0000  direct map: physical RAM (and the first MiB) at
//                          base + physical, R+W+NX, 2 MiB pages where aligned
//                          (1 GiB where the CPU has them); holes unmapped
//   0xFFFF_C000_0000_0000  kernel heap regions (mem/kernel_heap.h), 4 KiB pages
//                          mapped on demand
//   0xFFFF_D000_0000_0000  scratch region for tests and benchmarks
//   0xFFFF_FFFF_8000_0000  the boot window: physical [0, 1 GiB). The image in
//                          4 KiB pages by section (text R+X, rodata R, data
//                          and bss R+W+NX, stack guard pages unmapped), the
//                          rest R+W+NX in 2 MiB pages.
//
// See docs/memory.md for the diagram and the reasons.

#include <cstdint>
#include <span>
#include "mem/address_space.h"
#include "mem/phys_range.h"

namespace mem {

inline constexpr uint64_t heap_region_base = 0xFFFF'C000'0000'0000;
inline constexpr uint64_t heap_region_end = 0xFFFF'D000'0000'0000;
inline constexpr uint64_t scratch_region_base = 0xFFFF'D000'0000'0000;
inline constexpr uint64_t scratch_region_size = 1ull << 39; // one PML4 entry

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
    VirtAddr text_start, text_end;     // R+X
    VirtAddr rodata_start, rodata_end; // R
    VirtAddr data_start, data_end;     // R+W+NX (.data and .bss)
};
ImageLayout kernel_image_layout();

} // namespace mem

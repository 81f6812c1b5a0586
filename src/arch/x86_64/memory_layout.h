#pragma once
// The kernel's virtual memory layout: every fixed address and region size,
// in one place. boot.asm and the linker script take their values from this
// file too: at build time tools/memory_layout_export.cpp (a host program that
// includes this header) writes them out as NASM %defines and linker-script
// assignments (build/generated/memory_layout.{inc,ld}), so nothing here is
// ever copied by hand. Keep this header free of anything but <cstdint>.
//
//   0x0000_0000_0000_0000  user half (user mode, later); nothing mapped
//   0xFFFF_8000_0000_0000  unmapped (8.5 TiB): a stray pointer just past the
//                          canonical hole still faults
//   0xFFFF_8880_0000_0000  direct map: physical RAM at base + physical
//   0xFFFF_B000_0000_0000  KASAN shadow of the heap area (test kernels only)
//   0xFFFF_C000_0000_0000  kernel heap regions, mapped on demand
//   0xFFFF_D000_0000_0000  scratch region for tests and benchmarks
//   0xFFFF_D800_0000_0000  physical mappings: device registers, framebuffer,
//                          firmware tables outside the direct map
//   0xFFFF_E000_0000_0000  kernel stack region (thread stacks, later)
//   0xFFFF_FFFF_8000_0000  the boot window: physical [0, 1 GiB), the image
//                          linked here (-mcmodel=kernel: the top 2 GiB)
//
// See docs/memory.md for the picture and the reasons.

#include <cstdint>

namespace arch::layout {

// The image: loaded by GRUB at physical 1 MiB, linked at kernel_vma + physical.
inline constexpr uint64_t kernel_vma = 0xFFFF'FFFF'8000'0000;
inline constexpr uint64_t kernel_physical_start = 0x10'0000;

// The boot window: boot.asm maps physical [0, boot_map_size) at kernel_vma,
// with 4 KiB pages over the first boot_image_page_tables * 2 MiB (the image),
// 2 MiB pages after.
inline constexpr uint64_t boot_map_size = 1ull << 30;
inline constexpr uint64_t boot_image_page_tables = 8;
inline constexpr uint64_t boot_image_max_bytes = boot_image_page_tables * (2ull << 20);
inline constexpr uint64_t boot_stack_size = 64 * 1024;

// The kernel half: the upper 256 PML4 entries, shared by every address space.
inline constexpr uint64_t kernel_half_start = 0xFFFF'8000'0000'0000;

// The direct map, where Linux puts it too (Documentation/arch/x86/x86_64/mm.rst).
inline constexpr uint64_t direct_map_base = 0xFFFF'8880'0000'0000;
// The largest physical address the direct map may cover (32 TiB: it ends
// well below the heap regions).
inline constexpr uint64_t direct_map_max = 32ull << 40;

inline constexpr uint64_t heap_region_base = 0xFFFF'C000'0000'0000;
inline constexpr uint64_t heap_region_end = 0xFFFF'D000'0000'0000;
// The heap area is handed out in regions of this size (mem::HeapInstance),
// each grown from its start.
inline constexpr uint64_t heap_region_size = 64ull << 30;

// KASAN's shadow (test kernels only, src/mem/kasan/): one byte for every
// 8 bytes of the heap area, at kasan_shadow_base + (address - heap_region_base) / 8.
// Shadow pages are mapped as the heap regions grow; nothing else is checked.
inline constexpr uint64_t kasan_granule = 8;
inline constexpr uint64_t kasan_shadow_base = 0xFFFF'B000'0000'0000;
inline constexpr uint64_t kasan_shadow_size = (heap_region_end - heap_region_base) / kasan_granule;

inline constexpr uint64_t scratch_region_base = 0xFFFF'D000'0000'0000;
inline constexpr uint64_t scratch_region_size = 1ull << 39; // one PML4 entry

// mem/physical_mapping.h hands this region out from its start, for good.
inline constexpr uint64_t physical_mapping_base = 0xFFFF'D800'0000'0000;
inline constexpr uint64_t physical_mapping_size = 1ull << 39; // one PML4 entry

inline constexpr uint64_t stack_region_base = 0xFFFF'E000'0000'0000;
inline constexpr uint64_t stack_region_size = 1ull << 39; // one PML4 entry

static_assert(direct_map_base + direct_map_max <= kasan_shadow_base);
static_assert(kasan_shadow_base + kasan_shadow_size <= heap_region_base);
static_assert((heap_region_end - heap_region_base) % heap_region_size == 0);
static_assert(heap_region_end <= scratch_region_base);
static_assert(scratch_region_base + scratch_region_size <= physical_mapping_base);
static_assert(physical_mapping_base + physical_mapping_size <= stack_region_base);
static_assert(stack_region_base + stack_region_size <= kernel_vma);

} // namespace arch::layout

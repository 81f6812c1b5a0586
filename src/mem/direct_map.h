#pragma once
// The direct map: all physical memory, mapped at a fixed offset in the
// higher half (as Linux's "physmap"), so the kernel reaches any frame
// (page tables, frame contents) by adding the offset.
//
// Before the kernel's own page tables are loaded, physical memory is reached
// through the boot window instead (arch/x86_64/boot_map.h, the first GiB
// only); phys_to_virt() hides which one is in use.

#include <cstdint>
#include "mem/address.h"

namespace mem {

// Where Linux puts it too (Documentation/arch/x86/x86_64/mm.rst): the first
// 8.5 TiB of the kernel half stay unmapped, so a stray pointer just past
// 0xFFFF_8000_0000_0000 still faults.
inline constexpr uint64_t direct_map_base = 0xFFFF'8880'0000'0000;
// The largest physical address the direct map may cover (32 TiB: it ends
// well below the heap area at 0xFFFF_C000_0000_0000).
inline constexpr uint64_t direct_map_max = 32ull << 40;

// The virtual address of physical `address`: through the direct map once it
// is active, through the boot window before; a null VirtAddr if neither
// reaches it.
VirtAddr phys_to_virt(PhysAddr address);

template <typename T>
T* phys_to_pointer(PhysAddr address)
{
    return phys_to_virt(address).as_pointer<T>();
}

// Called once the kernel's page tables (with the direct map of physical
// memory up to `mapped_bytes`, holes between RAM regions unmapped) are loaded.
void activate_direct_map(uint64_t mapped_bytes);
bool direct_map_active();
uint64_t direct_map_bytes();

} // namespace mem

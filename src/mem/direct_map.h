#pragma once
// The direct map: all physical memory, mapped at a fixed offset in the
// higher half (as Linux's "physmap"), so the kernel reaches any frame
// (page tables, frame contents) by adding the offset.
//
// Before the kernel's own page tables are loaded, physical memory is reached
// through the boot window instead (arch/x86_64/boot_map.h, the first GiB
// only); phys_to_virt() hides which one is in use.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/memory_layout.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace mem {

// Where the direct map puts physical `address`, whether or not the direct
// map is active or reaches that far (the kernel's page tables are built with
// this; everything else uses phys_to_virt).
constexpr arch::VirtAddr direct_map_address(arch::PhysAddr address)
{
    return arch::VirtAddr(arch::layout::direct_map_base + address.value());
}

enum class DirectMapError : uint8_t {
    OutsideBootWindow, // before the direct map: only the boot window's first GiB is reachable
    OutsideDirectMap,  // past the end of the physical memory the direct map covers
};
std::string_view to_string(DirectMapError error);

// The virtual address of physical `address`: through the direct map once it
// is active, through the boot window before.
[[nodiscard]] kstd::Expected<arch::VirtAddr, DirectMapError> phys_to_virt(arch::PhysAddr address);

// The same as a pointer to the T the caller knows lives there.
template <typename T>
[[nodiscard]] kstd::Expected<T*, DirectMapError> phys_to_pointer(arch::PhysAddr address)
{
    return TRY(phys_to_virt(address)).template as_pointer<T>();
}

// Called once the kernel's page tables (with the direct map of physical
// memory up to `mapped_bytes`, holes between RAM regions unmapped) are loaded.
void activate_direct_map(uint64_t mapped_bytes);
bool direct_map_active();
uint64_t direct_map_bytes();

} // namespace mem

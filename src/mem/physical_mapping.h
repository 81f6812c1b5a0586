#pragma once
// Physical memory the direct map does not cover, mapped into the kernel's
// half for good: device registers (the local APIC, the I/O APIC, the HPET),
// a framebuffer, firmware tables in reserved memory. The direct map holds
// RAM only (mem/direct_map.h); everything else is reached through here, with
// the caching it needs (arch::Caching: Uncached for registers,
// WriteCombining for a framebuffer).
//
// The mappings come from one region of the layout
// (arch::layout::physical_mapping_base), handed out from its start and never
// given back: devices and firmware tables last as long as the kernel, and a
// mapping that never changes needs no TLB shootdown on other CPUs.

#include <cstdint>
#include <span>
#include "arch/x86_64/address.h"
#include "arch/x86_64/page_table_entry.h"
#include "kstd/expected.h"
#include "mem/page_walk.h"

namespace mem {

// Maps physical [start, start + bytes) with `protection` (its caching
// included) and returns the virtual address of `start` (whole pages are
// mapped around it). Needs the kernel's page tables loaded. OutOfFrames when
// the region or the page tables run out.
[[nodiscard]] kstd::Expected<arch::VirtAddr, MapError> map_physical(arch::PhysAddr start, uint64_t bytes,
                                                                   arch::Protection protection);

// Read-only bytes of physical memory wherever they are: through the direct
// map when it covers them (RAM, ACPI regions), else mapped as above
// (write-back: firmware tables in reserved memory are ordinary memory).
[[nodiscard]] kstd::Expected<std::span<const std::byte>, MapError> physical_bytes(arch::PhysAddr start,
                                                                                 uint64_t bytes);

// Bytes of the region handed out so far (for the boot summary and tests).
uint64_t physical_mapping_bytes();

} // namespace mem

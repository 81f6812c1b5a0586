#pragma once
// Reading and editing the boot page tables (built by boot.asm) one 4 KiB
// page at a time: enough to unmap the guard pages below the interrupt
// stacks, to tell a page fault's cause from the mapping of its address, and
// for tests to make a page read-only or no-execute. It works on whatever CR3
// points at: the boot tables until the Memory init stage, then the kernel's
// own (mem::AddressSpace, which has the full API: map, unmap, translate).
//
// Before the Memory stage the tables are reached through the boot window
// (arch/x86_64/boot_map.h: boot.asm places them in the image, below 1 GiB),
// after it through the direct map (mem/direct_map.h). Entry format: Intel
// SDM vol. 3, 4.5 "4-Level Paging and 5-Level Paging", tables 4-15 to 4-20.

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "mem/address.h"
#include "mem/page_table_entry.h"

namespace arch::boot_paging {

inline constexpr uint64_t page_size = 4096;

enum class Error : uint8_t {
    NotCanonical,         // bits 63..47 of the address differ
    NotMapped,            // some level's entry is not present
    HugePage,             // mapped by a 2 MiB or 1 GiB page: cannot change one 4 KiB page
    OutsideBootWindow,    // a page table lies where the boot window does not reach
    NoExecuteUnsupported, // EFER.NXE is off: bit 63 would be a reserved bit
};

std::string_view to_string(Error error);
void format_value(kstd::Sink& sink, Error error, const kstd::FormatSpec& spec);

struct Mapping {
    mem::PhysAddr physical; // of the byte asked about
    uint64_t page_size;     // 4 KiB, 2 MiB or 1 GiB
    bool writable;
    bool user;
    bool executable;
};

// What the CPU would do with `address`: the page walk, done in software.
kstd::Expected<Mapping, Error> translate(mem::VirtAddr address);

// Present and mapped (a read of it would not page-fault).
bool is_mapped(mem::VirtAddr address);

struct Protection {
    bool present = true;
    bool writable = true;
    bool executable = true;
};

// Changes the 4 KiB page holding `page` and flushes its TLB entry. The frame
// stays recorded in a not-present entry, so the old protection can be put
// back. Returns the protection the page had.
kstd::Expected<Protection, Error> protect(mem::VirtAddr page, Protection protection);

// Clears the 4 KiB page's entry: any access to it page-faults from now on.
kstd::Expected<void, Error> unmap(mem::VirtAddr page);

// EFER.NXE: page-table bit 63 means no-execute (set in the Cpu init stage).
bool no_execute_enabled();

} // namespace arch::boot_paging

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

namespace arch::boot_paging {

inline constexpr uint64_t page_size = 4096;

// One entry of any level, with the bits named (SDM vol. 3, table 4-19/4-20).
class PageTableEntry {
public:
    static constexpr uint64_t present = 1ull << 0;
    static constexpr uint64_t writable = 1ull << 1;
    static constexpr uint64_t user = 1ull << 2;
    static constexpr uint64_t huge = 1ull << 7; // PDPT/PD level: maps 1 GiB/2 MiB
    static constexpr uint64_t no_execute = 1ull << 63;
    static constexpr uint64_t address_mask = 0x000F'FFFF'FFFF'F000ull;

    constexpr explicit PageTableEntry(uint64_t raw) : m_raw(raw) {}
    constexpr uint64_t raw() const { return m_raw; }
    constexpr bool is(uint64_t flag) const { return (m_raw & flag) != 0; }
    constexpr mem::PhysAddr address() const { return mem::PhysAddr(m_raw & address_mask); }
    constexpr PageTableEntry with(uint64_t flag, bool set) const
    {
        return PageTableEntry(set ? m_raw | flag : m_raw & ~flag);
    }

private:
    uint64_t m_raw;
};

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

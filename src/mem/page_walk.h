#pragma once
// The page walk, done in software: what the CPU does with a virtual address
// on a TLB miss (Intel SDM vol. 3, 4.5 "4-Level Paging and 5-Level Paging").
// One implementation for every set of page tables: the boot tables that
// boot.asm built (until the Memory init stage) and every mem::AddressSpace.
// Tables are reached through mem::phys_to_virt: the boot window before the
// direct map is active, the direct map after.
//
//   virtual address: | 16 sign | PML4 9 | PDPT 9 | PD 9 | PT 9 | offset 12 |
//   level:                        0        1        2      3
//
// Nothing here takes a lock or allocates: the fault reports walk the active
// tables from inside an exception handler (interrupts/fault_diagnosis.cpp).

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/page_table_entry.h"
#include "kstd/expected.h"
#include "kstd/format.h"
#include "mem/direct_map.h"

namespace mem {

inline constexpr unsigned page_table_levels = 4;
inline constexpr unsigned leaf_level = page_table_levels - 1; // the PT

enum class MapError : uint8_t {
    NotCanonical,  // bits 63..47 differ
    Misaligned,    // address or size not aligned to the page size
    AlreadyMapped, // something is mapped there already
    NotMapped,     // nothing is mapped there
    LargePage,     // mapped by a 2 MiB or 1 GiB page: cannot change a 4 KiB part of it
    OutOfFrames,   // no frame for a page table (or for the page)
    Unreachable,   // a page table is outside the direct map (a bug)
};

std::string_view to_string(MapError error);

// Bits of the address that index the table at `level` (39, 30, 21, 12).
constexpr unsigned level_shift(unsigned level)
{
    return 39 - 9 * level;
}

// The bytes one entry at `level` maps: 512 GiB, 1 GiB, 2 MiB, 4 KiB.
constexpr uint64_t level_bytes(unsigned level)
{
    return 1ull << level_shift(level);
}

constexpr unsigned table_index(arch::VirtAddr address, unsigned level)
{
    return (address.value() >> level_shift(level)) % arch::PageTableEntry::entries_per_table;
}

// The level at which a page of `page_bytes` (4 KiB, 2 MiB or 1 GiB) is a leaf.
constexpr unsigned level_of_page(uint64_t page_bytes)
{
    return page_bytes == arch::huge_page_size ? 1 : page_bytes == arch::large_page_size ? 2 : leaf_level;
}

// The page table at physical `table`; Unreachable if no mapping reaches it.
[[nodiscard]] inline kstd::Expected<arch::PageTable*, MapError> table_at(arch::PhysAddr table)
{
    auto pointer = phys_to_pointer<arch::PageTable>(table);
    if (!pointer)
        return kstd::unexpected(MapError::Unreachable);
    return *pointer;
}

// One entry on the walk and the level of its table.
struct PageSlot {
    arch::PageTableEntry* entry;
    unsigned level;
};

// The entry that decides `address`: a leaf (a PT entry, or a PD/PDPT entry
// with PS set) or the first not-present entry on the way down.
kstd::Expected<PageSlot, MapError> find_leaf(arch::PhysAddr root, arch::VirtAddr address);

// Intermediate entries are present + writable + supervisor + executable:
// the leaf alone decides the protection (the CPU combines all levels, SDM
// vol. 3, 4.6).
inline constexpr arch::PageFlags table_flags = arch::PageFlags::Present | arch::PageFlags::Writable;

// Gives the walk a fresh, zeroed table where one is missing (AddressSpace's
// map: the frames and their count are its business).
class TableMaker {
public:
    virtual kstd::Expected<arch::PhysAddr, MapError> make_table() = 0;

protected:
    ~TableMaker() = default;
};

// The entry at `level` on the way to `address`. A missing table above it is
// made by `make_missing`, or is NotMapped without one; a large page that maps
// the address above that level is LargePage.
kstd::Expected<arch::PageTableEntry*, MapError> entry_at(arch::PhysAddr root, arch::VirtAddr address,
                                                         unsigned level, TableMaker* make_missing = nullptr);

struct Translation {
    arch::PhysAddr physical; // of the byte asked about
    uint64_t page_bytes;     // 4 KiB, 2 MiB or 1 GiB
    arch::Protection protection;
    bool user;
    bool copy_on_write; // read-only because its frame is shared after a fork (arch::PageFlags::CopyOnWrite)
};

// Where `address` leads in the tables at `root`. Writable/user/executable
// need every level to allow it (SDM vol. 3, 4.6.1); boot.asm and
// mem::AddressSpace set W on every upper level and U/NX on none, so the leaf
// decides.
kstd::Expected<Translation, MapError> translate(arch::PhysAddr root, arch::VirtAddr address);

// The root of the tables the CPU uses now (CR3).
arch::PhysAddr active_root();

// The same on the active tables: for reports and tests, at any init stage.
kstd::Expected<Translation, MapError> translate_active(arch::VirtAddr address);
bool is_mapped(arch::VirtAddr address);

// Are both words of the frame record at `record` (arch/x86_64/frame_chain.h)
// mapped in the active tables? The check backtraces walk with.
bool frame_record_mapped(arch::VirtAddr record);

} // namespace mem

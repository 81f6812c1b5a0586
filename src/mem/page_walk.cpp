#include "mem/page_walk.h"
#include "arch/x86_64/control_registers.h"
#include "mem/direct_map.h"

namespace mem {

using arch::PageTableEntry;

std::string_view to_string(MapError error)
{
    switch (error) {
    case MapError::NotCanonical: return "the address is not canonical";
    case MapError::Misaligned: return "the address or size is not page aligned";
    case MapError::AlreadyMapped: return "the address is mapped already";
    case MapError::NotMapped: return "the address is not mapped";
    case MapError::LargePage: return "the address is mapped by a large page";
    case MapError::OutOfFrames: return "out of physical frames";
    case MapError::Unreachable: return "a page table is outside the direct map";
    }
    return "unknown mapping error";
}

namespace {

// The entry for `address` in the table at `table` (a table of `level`).
// Inlined: it runs at every level of every walk.
[[gnu::always_inline]] inline kstd::Expected<PageTableEntry*, MapError> entry_in(arch::PhysAddr table, arch::VirtAddr address, unsigned level)
{
    arch::PageTable* tables = TRY(table_at(table));
    return &tables->entries[table_index(address, level)];
}

} // namespace

kstd::Expected<PageSlot, MapError> find_leaf(arch::PhysAddr root, arch::VirtAddr address)
{
    if (!arch::is_canonical(address))
        return kstd::unexpected(MapError::NotCanonical);
    arch::PhysAddr table = root;
    for (unsigned level = 0;; ++level) {
        PageTableEntry* entry = TRY(entry_in(table, address, level));
        // PS is defined in PDPT and PD entries only (SDM vol. 3, tables 4-16, 4-18).
        const bool large_leaf = (level == 1 || level == 2) && entry->huge();
        if (level == leaf_level || large_leaf || !entry->present())
            return PageSlot{entry, level};
        table = entry->address();
    }
}

kstd::Expected<PageTableEntry*, MapError> entry_at(arch::PhysAddr root, arch::VirtAddr address, unsigned level,
                                                   TableMaker* make_missing)
{
    if (!arch::is_canonical(address))
        return kstd::unexpected(MapError::NotCanonical);
    arch::PhysAddr table = root;
    for (unsigned current = 0;; ++current) {
        PageTableEntry* entry = TRY(entry_in(table, address, current));
        if (current == level)
            return entry;
        if (!entry->present()) {
            if (!make_missing)
                return kstd::unexpected(MapError::NotMapped);
            // In the lower half, tables let ring 3 through (U/S): each leaf
            // says whether its page is user memory.
            const bool lower_half = address.value() < 0x0000'8000'0000'0000;
            *entry = PageTableEntry(TRY(make_missing->make_table()),
                                    lower_half ? table_flags | arch::PageFlags::User : table_flags);
        } else if (entry->huge()) {
            return kstd::unexpected(MapError::LargePage);
        }
        table = entry->address();
    }
}

kstd::Expected<Translation, MapError> translate(arch::PhysAddr root, arch::VirtAddr address)
{
    auto slot = find_leaf(root, address);
    if (!slot)
        return kstd::unexpected(slot.error());
    const PageTableEntry entry = *slot->entry;
    if (!entry.present())
        return kstd::unexpected(MapError::NotMapped);
    const uint64_t size = level_bytes(slot->level);
    const arch::PhysAddr page = entry.address().align_down(size);
    return Translation{page + address.offset_in(size), size, entry.protection(), entry.is(arch::PageFlags::User),
                       entry.copy_on_write()};
}

arch::PhysAddr active_root()
{
    return arch::read_page_table_root();
}

kstd::Expected<Translation, MapError> translate_active(arch::VirtAddr address)
{
    return translate(active_root(), address);
}

bool is_mapped(arch::VirtAddr address)
{
    return translate_active(address).has_value();
}

bool frame_record_mapped(arch::VirtAddr record)
{
    // A record is 8-aligned, so its two words share a page unless it starts
    // in the page's last word.
    return is_mapped(record) && is_mapped(record + 8);
}

} // namespace mem

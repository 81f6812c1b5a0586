#include "mem/address_space.h"
#include "arch/x86_64/control_registers.h"
#include "mem/direct_map.h"
#include "mem/page_size.h"
#include "mem/physical_memory.h"

namespace mem {

namespace {

constexpr unsigned levels = 4;
constexpr unsigned level_shift[levels] = {39, 30, 21, 12}; // PML4, PDPT, PD, PT
// Intermediate entries: the leaf decides (see the header).
constexpr PageFlags table_flags = PageFlags::Present | PageFlags::Writable;

unsigned index_at(VirtAddr address, unsigned level)
{
    return (address.value() >> level_shift[level]) & 511;
}

PageTable* table_at(PhysAddr table)
{
    return phys_to_pointer<PageTable>(table);
}

bool table_is_empty(const PageTable& table)
{
    for (const PageTableEntry& entry : table.entries) {
        if (!entry.empty())
            return false;
    }
    return true;
}

unsigned level_of_page(uint64_t page_bytes)
{
    return page_bytes == huge_page_size ? 1 : page_bytes == large_page_size ? 2 : 3;
}

} // namespace

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

void format_value(kstd::Sink& sink, MapError error, const kstd::FormatSpec& spec)
{
    kstd::format_string(sink, to_string(error), spec);
}

bool AddressSpace::is_active() const
{
    return (arch::read_cr3() & arch::cr3_address_mask) == m_root.value();
}

void AddressSpace::flush(VirtAddr page) const
{
    if (is_active())
        arch::invalidate_page(page.value());
}

kstd::Expected<PageTableEntry*, MapError> AddressSpace::entry_for(VirtAddr address, unsigned target_level,
                                                                  bool create)
{
    PhysAddr table_address = m_root;
    for (unsigned level = 0;; ++level) {
        PageTable* table = table_at(table_address);
        if (!table)
            return kstd::unexpected(MapError::Unreachable);
        PageTableEntry& entry = table->entries[index_at(address, level)];
        if (level == target_level)
            return &entry;
        if (!entry.present()) {
            if (!create)
                return kstd::unexpected(MapError::NotMapped);
            auto frame = physical::allocate();
            if (!frame)
                return kstd::unexpected(MapError::OutOfFrames);
            PageTable* fresh = table_at(*frame);
            if (!fresh) {
                physical::free(*frame);
                return kstd::unexpected(MapError::Unreachable);
            }
            *fresh = PageTable{};
            ++m_table_frames;
            entry = PageTableEntry(*frame, table_flags);
        } else if (entry.huge()) {
            return kstd::unexpected(MapError::LargePage);
        }
        table_address = entry.address();
    }
}

kstd::Expected<AddressSpace::Slot, MapError> AddressSpace::find_leaf(VirtAddr address) const
{
    if (!is_canonical(address))
        return kstd::unexpected(MapError::NotCanonical);
    PhysAddr table_address = m_root;
    for (unsigned level = 0;; ++level) {
        PageTable* table = table_at(table_address);
        if (!table)
            return kstd::unexpected(MapError::Unreachable);
        PageTableEntry& entry = table->entries[index_at(address, level)];
        if (level == levels - 1 || ((level == 1 || level == 2) && entry.huge()) || !entry.present())
            return Slot{&entry, level};
        table_address = entry.address();
    }
}

kstd::Expected<void, MapError> AddressSpace::map(VirtAddr page, PhysAddr frame, Protection protection,
                                                 uint64_t page_bytes)
{
    sync::SpinlockGuard guard(m_lock);
    return map_locked(page, frame, protection, page_bytes);
}

kstd::Expected<void, MapError> AddressSpace::map_locked(VirtAddr page, PhysAddr frame, Protection protection,
                                                        uint64_t page_bytes)
{
    if (!is_canonical(page))
        return kstd::unexpected(MapError::NotCanonical);
    if (!page.is_aligned(page_bytes) || !frame.is_aligned(page_bytes))
        return kstd::unexpected(MapError::Misaligned);
    const unsigned level = level_of_page(page_bytes);
    auto entry = entry_for(page, level, true);
    if (!entry)
        return kstd::unexpected(entry.error());
    if (!(*entry)->empty())
        return kstd::unexpected(MapError::AlreadyMapped);
    PageFlags flags = leaf_flags(protection);
    if (level != levels - 1)
        flags = flags | PageFlags::Huge;
    **entry = PageTableEntry(frame, flags);
    // A not-present entry is never cached in the TLB (SDM vol. 3, 4.10.2.3),
    // so a new mapping needs no flush.
    return {};
}

kstd::Expected<void, MapError> AddressSpace::map_range(VirtAddr start, PhysAddr frame, uint64_t bytes,
                                                       Protection protection, bool allow_1g)
{
    if (!start.is_aligned(page_size) || !frame.is_aligned(page_size) || bytes % page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    sync::SpinlockGuard guard(m_lock);
    uint64_t done = 0;
    while (done < bytes) {
        const VirtAddr page = start + done;
        const PhysAddr target = frame + done;
        uint64_t size = page_size;
        for (uint64_t candidate : {huge_page_size, large_page_size}) {
            if (candidate == huge_page_size && !allow_1g)
                continue;
            if (page.is_aligned(candidate) && target.is_aligned(candidate) && bytes - done >= candidate) {
                size = candidate;
                break;
            }
        }
        if (auto mapped = map_locked(page, target, protection, size); !mapped) {
            // Undo what this call mapped (pages of any size), and the tables
            // it made that are empty again.
            for (uint64_t undo = 0; undo < done;) {
                auto slot = find_leaf(start + undo);
                if (!slot || !slot->entry->present()) {
                    undo += page_size;
                    continue;
                }
                *slot->entry = PageTableEntry();
                flush(start + undo);
                free_empty_tables(start + undo, slot->level);
                undo += 1ull << level_shift[slot->level];
            }
            return mapped;
        }
        done += size;
    }
    return {};
}

kstd::Expected<void, MapError> AddressSpace::map_fresh(VirtAddr start, uint64_t bytes, Protection protection)
{
    if (!start.is_aligned(page_size) || bytes % page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    for (uint64_t done = 0; done < bytes; done += page_size) {
        kstd::Expected<void, MapError> mapped;
        if (auto frame = physical::allocate(); !frame) {
            mapped = kstd::unexpected(MapError::OutOfFrames);
        } else {
            mapped = map(start + done, *frame, protection);
            if (!mapped)
                physical::free(*frame);
        }
        if (!mapped) {
            unmap_and_free(start, done);
            return mapped;
        }
    }
    return {};
}

kstd::Expected<PhysAddr, MapError> AddressSpace::unmap(VirtAddr page)
{
    sync::SpinlockGuard guard(m_lock);
    return unmap_locked(page);
}

kstd::Expected<PhysAddr, MapError> AddressSpace::unmap_locked(VirtAddr page)
{
    if (!page.is_aligned(page_size))
        return kstd::unexpected(MapError::Misaligned);
    auto slot = find_leaf(page);
    if (!slot)
        return kstd::unexpected(slot.error());
    if (!slot->entry->present())
        return kstd::unexpected(MapError::NotMapped);
    if (slot->level != levels - 1)
        return kstd::unexpected(MapError::LargePage);
    const PhysAddr frame = slot->entry->address();
    *slot->entry = PageTableEntry();
    flush(page);
    free_empty_tables(page, slot->level);
    return frame;
}

void AddressSpace::free_empty_tables(VirtAddr address, unsigned leaf_level)
{
    // PDPTs and the root stay: kernel PML4 entries are meant to be shared by
    // later address spaces, so they must keep pointing at the same PDPTs.
    for (unsigned level = leaf_level; level >= 2; --level) {
        auto parent = entry_for(address, level - 1, false);
        if (!parent)
            break;
        const PhysAddr table = (*parent)->address();
        if (!table_is_empty(*table_at(table)))
            break;
        **parent = PageTableEntry();
        physical::free(table);
        --m_table_frames;
    }
}

kstd::Expected<void, MapError> AddressSpace::unmap_range(VirtAddr start, uint64_t bytes)
{
    if (!start.is_aligned(page_size) || bytes % page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    sync::SpinlockGuard guard(m_lock);
    for (uint64_t done = 0; done < bytes;) {
        const VirtAddr page = start + done;
        auto slot = find_leaf(page);
        if (!slot)
            return kstd::unexpected(slot.error());
        const uint64_t size = 1ull << level_shift[slot->level];
        if (!slot->entry->present()) {
            done = align_up(page.value() + 1, size) - start.value(); // skip the hole this entry covers
            continue;
        }
        if (!page.is_aligned(size) || bytes - done < size)
            return kstd::unexpected(MapError::LargePage);
        *slot->entry = PageTableEntry();
        flush(page);
        free_empty_tables(page, slot->level);
        done += size;
    }
    return {};
}

void AddressSpace::unmap_and_free(VirtAddr start, uint64_t bytes)
{
    for (uint64_t done = 0; done < bytes; done += page_size) {
        if (auto frame = unmap(start + done))
            physical::free(*frame);
    }
}

kstd::Expected<Translation, MapError> AddressSpace::translate(VirtAddr address) const
{
    sync::SpinlockGuard guard(m_lock);
    auto slot = find_leaf(address);
    if (!slot)
        return kstd::unexpected(slot.error());
    const PageTableEntry entry = *slot->entry;
    if (!entry.present())
        return kstd::unexpected(MapError::NotMapped);
    const uint64_t size = 1ull << level_shift[slot->level];
    const uint64_t frame = entry.address().value() & ~(size - 1);
    return Translation{PhysAddr(frame | (address.value() & (size - 1))), size, entry.protection()};
}

kstd::Expected<void, MapError> AddressSpace::protect(VirtAddr page, Protection protection)
{
    sync::SpinlockGuard guard(m_lock);
    auto slot = find_leaf(page);
    if (!slot)
        return kstd::unexpected(slot.error());
    PageTableEntry& entry = *slot->entry;
    if (!entry.present())
        return kstd::unexpected(MapError::NotMapped);
    const PageFlags keep = entry.flags() & ~(PageFlags::Writable | PageFlags::NoExecute);
    entry = PageTableEntry(entry.address(), keep | leaf_flags(protection));
    flush(page);
    return {};
}

} // namespace mem

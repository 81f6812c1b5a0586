#include "arch/x86_64/boot_paging.h"
#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/msr.h"
#include "mem/direct_map.h"
#include "sync/interrupt_guard.h"

namespace arch::boot_paging {

namespace {

constexpr unsigned levels = 4;
constexpr unsigned level_shift[levels] = {39, 30, 21, 12}; // PML4, PDPT, PD, PT

using mem::PageFlags;
using mem::PageTableEntry;

// Virtual address of the page table at physical `table`: through the boot
// window before the kernel's own tables are loaded, the direct map after.
kstd::Expected<volatile uint64_t*, Error> table_at(mem::PhysAddr table)
{
    const uint64_t virtual_address = mem::phys_to_virt(table).value();
    if (virtual_address == 0)
        return kstd::unexpected(Error::OutsideBootWindow);
    // The boot window maps this physical page; it holds 512 entries the CPU
    // reads on every walk (hence volatile).
    return reinterpret_cast<volatile uint64_t*>(virtual_address);
}

struct Leaf {
    volatile uint64_t* entry;
    unsigned level; // 1: PDPT (1 GiB page), 2: PD (2 MiB page), 3: PT (4 KiB page)
};

// Walks to the entry that maps `address`. A not-present entry at the last
// level is returned (the caller decides); one higher up is NotMapped.
kstd::Expected<Leaf, Error> walk(uint64_t address)
{
    if (!mem::is_canonical(mem::VirtAddr(address)))
        return kstd::unexpected(Error::NotCanonical);
    mem::PhysAddr table_address(read_cr3() & cr3_address_mask);
    for (unsigned level = 0;; ++level) {
        auto table = table_at(table_address);
        if (!table)
            return kstd::unexpected(table.error());
        volatile uint64_t* entry = *table + ((address >> level_shift[level]) & 511);
        const PageTableEntry value(*entry);
        if (level == levels - 1 || ((level == 1 || level == 2) && value.is(PageFlags::Huge)))
            return Leaf{entry, level};
        if (!value.is(PageFlags::Present))
            return kstd::unexpected(Error::NotMapped);
        table_address = value.address();
    }
}

} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NotCanonical: return "the address is not canonical";
    case Error::NotMapped: return "the address is not mapped";
    case Error::HugePage: return "the address is mapped by a large page";
    case Error::OutsideBootWindow: return "a page table lies outside the boot window";
    case Error::NoExecuteUnsupported: return "no-execute pages are not enabled (EFER.NXE = 0)";
    }
    return "unknown paging error";
}

void format_value(kstd::Sink& sink, Error error, const kstd::FormatSpec& spec)
{
    kstd::format_string(sink, to_string(error), spec);
}

kstd::Expected<Mapping, Error> translate(mem::VirtAddr address)
{
    auto leaf = walk(address.value());
    if (!leaf)
        return kstd::unexpected(leaf.error());
    const PageTableEntry entry(*leaf->entry);
    if (!entry.is(PageFlags::Present))
        return kstd::unexpected(Error::NotMapped);
    const uint64_t size = 1ull << level_shift[leaf->level];
    const uint64_t frame = entry.raw() & PageTableEntry::address_mask & ~(size - 1);
    // Writable/user/executable need every level to allow it (SDM vol. 3,
    // 4.6.1); boot.asm and mem::AddressSpace set W on every upper level and
    // U/NX on none, so the leaf decides. Re-walk the upper levels when that
    // stops being true.
    return Mapping{mem::PhysAddr(frame | (address.value() & (size - 1))), size,
                   entry.is(PageFlags::Writable), entry.is(PageFlags::User),
                   !(no_execute_enabled() && entry.is(PageFlags::NoExecute))};
}

bool is_mapped(mem::VirtAddr address)
{
    return translate(address).has_value();
}

kstd::Expected<Protection, Error> protect(mem::VirtAddr page, Protection protection)
{
    if (!protection.executable && !no_execute_enabled())
        return kstd::unexpected(Error::NoExecuteUnsupported);
    sync::InterruptGuard guard; // an interrupt handler may walk the tables
    auto leaf = walk(page.value());
    if (!leaf)
        return kstd::unexpected(leaf.error());
    if (leaf->level != levels - 1)
        return kstd::unexpected(Error::HugePage);
    const PageTableEntry old(*leaf->entry);
    if (old.address().value() == 0 && !old.is(PageFlags::Present))
        return kstd::unexpected(Error::NotMapped); // never mapped: no frame to restore
    const Protection previous{old.is(PageFlags::Present), old.is(PageFlags::Writable),
                              !old.is(PageFlags::NoExecute)};
    const PageTableEntry updated = old.with(PageFlags::Present, protection.present)
                                       .with(PageFlags::Writable, protection.writable)
                                       .with(PageFlags::NoExecute, !protection.executable);
    *leaf->entry = updated.raw();
    invalidate_page(page.value());
    return previous;
}

kstd::Expected<void, Error> unmap(mem::VirtAddr page)
{
    sync::InterruptGuard guard;
    auto leaf = walk(page.value());
    if (!leaf)
        return kstd::unexpected(leaf.error());
    if (leaf->level != levels - 1)
        return kstd::unexpected(Error::HugePage);
    *leaf->entry = 0;
    invalidate_page(page.value());
    return {};
}

bool no_execute_enabled()
{
    return (msr::read(msr::efer) & msr::efer_no_execute_enable) != 0;
}

} // namespace arch::boot_paging

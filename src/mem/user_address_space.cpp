#include "mem/user_address_space.h"
#include <new>
#include "core/panic.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"

namespace mem {

namespace {
constexpr unsigned kernel_half_first = 256;
constexpr unsigned entries = arch::PageTableEntry::entries_per_table;

// Page tables are RAM, in the direct map: reaching one cannot fail.
arch::PageTable& page_table_at(arch::PhysAddr frame)
{
    return *MUST(table_at(frame));
}

// Frees what the table at `frame` maps (`level` 0 is the PML4's lower half
// only, 3 a PT's pages), then the table.
void free_tree(arch::PhysAddr frame, unsigned level)
{
    arch::PageTable& table = page_table_at(frame);
    const unsigned end = level == 0 ? kernel_half_first : entries;
    for (unsigned i = 0; i < end; ++i) {
        const arch::PageTableEntry entry = table.entries[i];
        if (!entry.present())
            continue;
        if (level == 3)
            physical::free(entry.address()); // a 4 KiB page: user memory comes in no other size
        else if (entry.huge())
            core::panic("user address space: a large page at level {} (user memory is mapped in 4 KiB pages)", level);
        else
            free_tree(entry.address(), level + 1);
    }
    physical::free(frame);
}
} // namespace

kstd::Expected<UserAddressSpace*, MapError> UserAddressSpace::create()
{
    auto root = physical::allocate();
    if (!root)
        return kstd::unexpected(MapError::OutOfFrames);
    arch::PageTable& table = page_table_at(*root);
    const arch::PageTable& kernel = page_table_at(kernel_address_space().root());
    for (unsigned i = 0; i < entries; ++i)
        table.entries[i] = i < kernel_half_first ? arch::PageTableEntry() : kernel.entries[i];
    auto* space = new (std::nothrow) UserAddressSpace(*root);
    if (space == nullptr) {
        physical::free(*root);
        return kstd::unexpected(MapError::OutOfFrames);
    }
    return space;
}

UserAddressSpace::~UserAddressSpace()
{
    KASSERT(!m_space.is_active(), "a user address space destroyed while the CPU runs on it");
    free_tree(m_space.root(), 0);
}

} // namespace mem

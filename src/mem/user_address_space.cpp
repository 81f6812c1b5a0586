#include "mem/user_address_space.h"
#include <new>
#include "arch/x86_64/control_registers.h"
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

// The entries of a table of `level` that belong to the program: the PML4's
// lower half, every entry below it.
unsigned user_entries(unsigned level)
{
    return level == 0 ? kernel_half_first : entries;
}

[[noreturn]] void large_page_found(unsigned level)
{
    core::panic("user address space: a large page at level {} (user memory is mapped in 4 KiB pages)", level);
}

// Releases what the table at `frame` maps (`level` 0 is the PML4's lower
// half only, 3 a PT's pages), then frees the table.
void free_tree(arch::PhysAddr frame, unsigned level)
{
    arch::PageTable& table = page_table_at(frame);
    for (unsigned i = 0; i < user_entries(level); ++i) {
        const arch::PageTableEntry entry = table.entries[i];
        if (!entry.present())
            continue;
        if (level == leaf_level)
            physical::release(entry.address()); // a 4 KiB page: user memory comes in no other size
        else if (entry.huge())
            large_page_found(level);
        else
            free_tree(entry.address(), level + 1);
    }
    physical::free(frame); // tables are never shared
}

kstd::Expected<arch::PhysAddr, MapError> zeroed_table()
{
    auto frame = physical::allocate();
    if (!frame)
        return kstd::unexpected(MapError::OutOfFrames);
    // Entry by entry, not a PageTable{} temporary: 4 KiB of a 16 KiB stack.
    for (arch::PageTableEntry& entry : page_table_at(*frame).entries)
        entry = arch::PageTableEntry();
    return *frame;
}

// Gives the child's table at `child` a table wherever the parent's at
// `parent` (both of `level`) has one, down to the PTs, whose entries stay
// empty; counts them in `tables`. All of a clone that can fail, so a
// failure leaves only empty tables to free.
kstd::Expected<void, MapError> copy_table_tree(arch::PhysAddr parent, arch::PhysAddr child, unsigned level,
                                               uint64_t& tables)
{
    if (level == leaf_level)
        return {};
    const arch::PageTable& from = page_table_at(parent);
    arch::PageTable& to = page_table_at(child);
    for (unsigned i = 0; i < user_entries(level); ++i) {
        const arch::PageTableEntry entry = from.entries[i];
        if (!entry.present())
            continue;
        if (entry.huge())
            large_page_found(level);
        // The flags of a lower-half table entry, as AddressSpace gives them.
        to.entries[i] = arch::PageTableEntry(TRY(zeroed_table()), table_flags | arch::PageFlags::User);
        ++tables;
        TRY(copy_table_tree(entry.address(), to.entries[i].address(), level + 1, tables));
    }
    return {};
}

// Fills the child's PTs (made by copy_table_tree) with the parent's pages:
// each frame gains a reference; a writable user page becomes read-only +
// copy-on-write on both sides. Returns whether a parent's entry lost its
// write permission (its TLB must be flushed then).
bool share_pages(arch::PhysAddr parent, arch::PhysAddr child, unsigned level)
{
    arch::PageTable& from = page_table_at(parent);
    arch::PageTable& to = page_table_at(child);
    bool write_protected = false;
    for (unsigned i = 0; i < user_entries(level); ++i) {
        arch::PageTableEntry entry = from.entries[i];
        if (!entry.present())
            continue;
        if (level != leaf_level) {
            if (share_pages(entry.address(), to.entries[i].address(), level + 1))
                write_protected = true;
            continue;
        }
        physical::share(entry.address());
        if (entry.is(arch::PageFlags::Writable) && entry.is(arch::PageFlags::User)) {
            entry = arch::PageTableEntry(entry.address(),
                                         (entry.flags() & ~arch::PageFlags::Writable) | arch::PageFlags::CopyOnWrite);
            from.entries[i] = entry;
            write_protected = true;
        }
        to.entries[i] = entry;
    }
    return write_protected;
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

kstd::Expected<UserAddressSpace*, MapError> UserAddressSpace::clone_for_fork()
{
    // Made before the lock is taken: the heap's lock ranks above ours.
    UserAddressSpace* child = TRY(create());
    kstd::Expected<void, MapError> built;
    {
        // No one else knows the child yet: its tables need no lock of their own.
        sync::SpinlockGuard guard(m_space.m_lock);
        built = copy_table_tree(m_space.root(), child->m_space.root(), 0, child->m_space.m_table_frames);
        // Read-only entries may still be writable in this CPU's TLB (SDM vol.
        // 3, 4.10.4.2: lowered access rights need an invalidation). One CR3
        // reload drops every non-global entry, where INVLPG would take one
        // instruction per page of the program; the lost entries refill on use.
        if (built && share_pages(m_space.root(), child->m_space.root(), 0) && m_space.is_active())
            arch::write_page_table_root(m_space.root());
    }
    if (!built) {
        delete child; // empty tables only: no frame was shared, this space is untouched
        return kstd::unexpected(built.error());
    }
    return child;
}

UserAddressSpace::~UserAddressSpace()
{
    KASSERT(!m_space.is_active(), "a user address space destroyed while the CPU runs on it");
    free_tree(m_space.root(), 0);
}

} // namespace mem

#include "mem/address_space.h"
#include "arch/x86_64/memory_layout.h"
#include <cstring>
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/cpu_features.h"
#include "mem/direct_map.h"
#include "arch/x86_64/page_size.h"
#include "arch/x86_64/page_fill.h"
#include "mem/physical_memory.h"

namespace mem {

namespace {

bool table_is_empty(const arch::PageTable& table)
{
    for (const arch::PageTableEntry& entry : table.entries) {
        if (!entry.empty())
            return false;
    }
    return true;
}

} // namespace

namespace {
TlbShootdown g_tlb_shootdown = nullptr; // GCC atomics: installed once other CPUs run
} // namespace

bool AddressSpace::is_active() const
{
    return arch::read_page_table_root() == m_root;
}

void AddressSpace::flush(arch::VirtAddr page, bool shoot_down) const
{
    // The kernel half is the same in every address space (their PML4s share
    // its PDPTs): a change there may be cached by this CPU whatever CR3
    // holds, and by every other CPU, which smp/'s hook reaches by IPI. A
    // user half is cached only where it is loaded, and a process has one
    // thread: only on the CPU running it, since every switch to another
    // address space reloads CR3, which drops the non-global entries (SDM
    // vol. 3, 4.10.4.1).
    const bool kernel_half = page.value() >= arch::layout::kernel_half_start;
    if (kernel_half || is_active())
        arch::invalidate_page(page);
    if (kernel_half && shoot_down)
        shoot_down_range(page, arch::page_size);
}

void AddressSpace::shoot_down_range(arch::VirtAddr start, uint64_t bytes) const
{
    if (start.value() < arch::layout::kernel_half_start || bytes == 0)
        return;
    if (TlbShootdown shootdown = __atomic_load_n(&g_tlb_shootdown, __ATOMIC_ACQUIRE))
        shootdown(start, bytes);
}

void set_tlb_shootdown(TlbShootdown shootdown)
{
    __atomic_store_n(&g_tlb_shootdown, shootdown, __ATOMIC_RELEASE);
}

kstd::Expected<arch::PageTableEntry*, MapError> AddressSpace::create_entry(arch::VirtAddr address,
                                                                        unsigned target_level)
{
    // New tables come from the frame allocator, zeroed, and are counted.
    class FrameTableMaker final : public TableMaker {
    public:
        explicit FrameTableMaker(uint64_t& count) : m_count(count) {}
        kstd::Expected<arch::PhysAddr, MapError> make_table() override
        {
            auto frame = physical::allocate();
            if (!frame)
                return kstd::unexpected(MapError::OutOfFrames);
            auto fresh = table_at(*frame);
            if (!fresh) {
                physical::free(*frame);
                return kstd::unexpected(fresh.error());
            }
            // Cleared in place, entry by entry (GCC makes it a memset): a
            // PageTable{} temporary took 4 KiB of the stack, 12 KiB in a
            // sanitized build, and a thread's stack is 16 KiB.
            for (arch::PageTableEntry& entry : (*fresh)->entries)
                entry = arch::PageTableEntry();
            ++m_count;
            return *frame;
        }

    private:
        uint64_t& m_count;
    } maker(m_table_frames);
    return entry_at(m_root, address, target_level, &maker);
}

kstd::Expected<void, MapError> AddressSpace::create_top_level_tables(unsigned first, unsigned end)
{
    sync::SpinlockGuard guard(m_lock);
    for (unsigned index = first; index < end; ++index) {
        // The canonical address whose PML4 index is `index`: bits 63..48 copy bit 47.
        const uint64_t low = static_cast<uint64_t>(index) << level_shift(0);
        const arch::VirtAddr address(index >= 256 ? low | 0xFFFF'0000'0000'0000ull : low);
        auto entry = create_entry(address, 1);
        if (!entry)
            return kstd::unexpected(entry.error());
    }
    return {};
}

kstd::Expected<void, MapError> AddressSpace::map(arch::VirtAddr page, arch::PhysAddr frame, arch::Protection protection,
                                                 uint64_t page_bytes)
{
    sync::SpinlockGuard guard(m_lock);
    return map_locked(page, frame, protection, page_bytes);
}

kstd::Expected<void, MapError> AddressSpace::map_locked(arch::VirtAddr page, arch::PhysAddr frame, arch::Protection protection,
                                                        uint64_t page_bytes)
{
    if (!arch::is_canonical(page))
        return kstd::unexpected(MapError::NotCanonical);
    if (!page.is_aligned(page_bytes) || !frame.is_aligned(page_bytes))
        return kstd::unexpected(MapError::Misaligned);
    const unsigned level = level_of_page(page_bytes);
    auto entry = create_entry(page, level);
    if (!entry)
        return kstd::unexpected(entry.error());
    if (!(*entry)->empty())
        return kstd::unexpected(MapError::AlreadyMapped);
    arch::PageFlags flags = arch::leaf_flags(protection, arch::no_execute_enabled());
    if (level != leaf_level)
        flags = flags | arch::PageFlags::Huge;
    **entry = arch::PageTableEntry(frame, flags);
    // A not-present entry is never cached in the TLB (SDM vol. 3, 4.10.2.3),
    // so a new mapping needs no flush.
    return {};
}

kstd::Expected<void, MapError> AddressSpace::map_range(arch::VirtAddr start, arch::PhysAddr frame, uint64_t bytes,
                                                       arch::Protection protection, bool allow_1g)
{
    if (!start.is_aligned(arch::page_size) || !frame.is_aligned(arch::page_size) || bytes % arch::page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    sync::SpinlockGuard guard(m_lock);
    uint64_t done = 0;
    while (done < bytes) {
        const arch::VirtAddr page = start + done;
        const arch::PhysAddr target = frame + done;
        uint64_t size = arch::page_size;
        for (uint64_t candidate : {arch::huge_page_size, arch::large_page_size}) {
            if (candidate == arch::huge_page_size && !allow_1g)
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
                auto slot = find_leaf(m_root, start + undo);
                if (!slot || !slot->entry->present()) {
                    undo += arch::page_size;
                    continue;
                }
                *slot->entry = arch::PageTableEntry();
                flush(start + undo);
                free_empty_tables(start + undo, slot->level);
                undo += level_bytes(slot->level);
            }
            return mapped;
        }
        done += size;
    }
    return {};
}

kstd::Expected<void, MapError> AddressSpace::map_fresh(arch::VirtAddr start, uint64_t bytes, arch::Protection protection)
{
    if (!start.is_aligned(arch::page_size) || bytes % arch::page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    // More pages than there are free frames cannot be mapped: fail before
    // mapping (and unmapping again) tens of thousands of pages, which an
    // out-of-memory heap would otherwise do at every attempt.
    if (bytes / arch::page_size > physical::statistics().free_frames)
        return kstd::unexpected(MapError::OutOfFrames);
    for (uint64_t done = 0; done < bytes; done += arch::page_size) {
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

kstd::Expected<arch::PhysAddr, MapError> AddressSpace::unmap(arch::VirtAddr page)
{
    sync::SpinlockGuard guard(m_lock);
    return unmap_locked(page);
}

kstd::Expected<arch::PhysAddr, MapError> AddressSpace::unmap_locked(arch::VirtAddr page, bool shoot_down)
{
    arch::PageTableEntry* entry = TRY(mapped_small_page(page));
    const arch::PhysAddr frame = entry->address();
    *entry = arch::PageTableEntry();
    flush(page, shoot_down);
    free_empty_tables(page, leaf_level);
    return frame;
}

kstd::Expected<arch::PageTableEntry*, MapError> AddressSpace::mapped_small_page(arch::VirtAddr page) const
{
    if (!page.is_aligned(arch::page_size))
        return kstd::unexpected(MapError::Misaligned);
    auto slot = find_leaf(m_root, page);
    if (!slot)
        return kstd::unexpected(slot.error());
    if (!slot->entry->present())
        return kstd::unexpected(MapError::NotMapped);
    if (slot->level != leaf_level)
        return kstd::unexpected(MapError::LargePage);
    return slot->entry;
}

kstd::Expected<arch::PhysAddr, MapError> AddressSpace::replace_frame(arch::VirtAddr page, arch::PhysAddr frame)
{
    sync::SpinlockGuard guard(m_lock);
    if (!frame.is_aligned(arch::page_size))
        return kstd::unexpected(MapError::Misaligned);
    arch::PageTableEntry* entry = TRY(mapped_small_page(page));
    const arch::PhysAddr old = entry->address();
    // One store: a CPU walking the tables meanwhile sees the old entry or
    // the new one, never a mix or a hole.
    *entry = arch::PageTableEntry(frame, entry->flags());
    flush(page);
    return old;
}

void AddressSpace::free_empty_tables(arch::VirtAddr address, unsigned leaf)
{
    // PDPTs and the root stay: kernel PML4 entries are meant to be shared by
    // later address spaces, so they must keep pointing at the same PDPTs.
    for (unsigned level = leaf; level >= 2; --level) {
        auto parent = entry_at(m_root, address, level - 1);
        if (!parent)
            break;
        const arch::PhysAddr table = (*parent)->address();
        // create_entry made this table and checked then that it is reachable.
        if (!table_is_empty(*MUST(table_at(table))))
            break;
        **parent = arch::PageTableEntry();
        physical::free(table);
        --m_table_frames;
    }
}

kstd::Expected<void, MapError> AddressSpace::unmap_range(arch::VirtAddr start, uint64_t bytes)
{
    if (!start.is_aligned(arch::page_size) || bytes % arch::page_size != 0)
        return kstd::unexpected(MapError::Misaligned);
    sync::SpinlockGuard guard(m_lock);
    for (uint64_t done = 0; done < bytes;) {
        const arch::VirtAddr page = start + done;
        auto slot = find_leaf(m_root, page);
        if (!slot)
            return kstd::unexpected(slot.error());
        const uint64_t size = level_bytes(slot->level);
        if (!slot->entry->present()) {
            done = (page + 1).align_up(size) - start; // skip the hole this entry covers
            continue;
        }
        if (!page.is_aligned(size) || bytes - done < size)
            return kstd::unexpected(MapError::LargePage);
        *slot->entry = arch::PageTableEntry();
        flush(page);
        free_empty_tables(page, slot->level);
        done += size;
    }
    return {};
}

void AddressSpace::unmap_and_free(arch::VirtAddr start, uint64_t bytes)
{
    // In batches: the pages unmapped (each dropped from this CPU's TLB),
    // then one shootdown for the batch's range on the other CPUs, and only
    // then their frames given back, when no CPU can reach them any more. A
    // thread's stack costs one round of NMIs, not one per page.
    constexpr unsigned batch = 64;
    for (uint64_t done = 0; done < bytes;) {
        arch::PhysAddr frames[batch];
        unsigned count = 0;
        const uint64_t batch_start = done;
        {
            sync::SpinlockGuard guard(m_lock);
            for (; done < bytes && count < batch; done += arch::page_size) {
                if (auto frame = unmap_locked(start + done, false))
                    frames[count++] = *frame;
            }
            shoot_down_range(start + batch_start, done - batch_start);
        }
        for (unsigned i = 0; i < count; ++i)
            physical::release(frames[i]);
    }
}

kstd::Expected<Translation, MapError> AddressSpace::translate(arch::VirtAddr address) const
{
    sync::SpinlockGuard guard(m_lock);
    return mem::translate(m_root, address);
}

kstd::Expected<void, MapError> AddressSpace::protect(arch::VirtAddr page, arch::Protection protection)
{
    sync::SpinlockGuard guard(m_lock);
    auto slot = find_leaf(m_root, page);
    if (!slot)
        return kstd::unexpected(slot.error());
    arch::PageTableEntry& entry = *slot->entry;
    if (!entry.present())
        return kstd::unexpected(MapError::NotMapped);
    const arch::PageFlags keep =
        entry.flags() & ~(arch::PageFlags::Writable | arch::PageFlags::NoExecute | arch::PageFlags::CopyOnWrite
                          | arch::PageFlags::WriteThrough | arch::PageFlags::CacheDisable);
    arch::PageFlags flags = keep | arch::leaf_flags(protection, arch::no_execute_enabled());
    // Writable, a shared frame would take this space's writes into the
    // others' pages. (A count of 1 cannot rise meanwhile: only a page
    // mapping the frame can share it, and that is this one, under our lock.)
    if (protection.writable && physical::reference_count(entry.address()) > 1)
        flags = (flags & ~arch::PageFlags::Writable) | arch::PageFlags::CopyOnWrite;
    entry = arch::PageTableEntry(entry.address(), flags);
    flush(page);
    return {};
}

kstd::Expected<bool, MapError> AddressSpace::resolve_copy_on_write(arch::VirtAddr address)
{
    const arch::VirtAddr page = address.align_down(arch::page_size);
    // The lock makes two threads faulting on the page at once take turns:
    // the second finds it writable and retries.
    sync::SpinlockGuard guard(m_lock);
    auto slot = find_leaf(m_root, page);
    if (!slot)
        return false;
    arch::PageTableEntry& entry = *slot->entry;
    if (!entry.present() || slot->level != leaf_level || !entry.is(arch::PageFlags::User))
        return false;
    if (entry.is(arch::PageFlags::Writable)) {
        // Resolved by another thread since this one faulted; this CPU's TLB
        // may still hold the read-only entry (SDM vol. 3, 4.10.4.3: a R/W
        // change from 0 to 1 not invalidated can fault again).
        flush(page);
        return true;
    }
    if (!entry.copy_on_write())
        return false;
    const arch::PhysAddr shared = entry.address();
    const arch::PageFlags writable =
        (entry.flags() & ~arch::PageFlags::CopyOnWrite) | arch::PageFlags::Writable;
    // The last reference: no one else reads the frame any more, so it is
    // this page's to write. The count cannot rise meanwhile (see protect).
    if (physical::reference_count(shared) == 1) {
        entry = arch::PageTableEntry(shared, writable);
        flush(page);
        return true;
    }
    auto copy = physical::allocate();
    if (!copy)
        return kstd::unexpected(MapError::OutOfFrames);
    auto from = phys_to_pointer<const std::byte>(shared);
    auto to = phys_to_pointer<std::byte>(*copy);
    if (!from || !to) {
        physical::free(*copy);
        return kstd::unexpected(MapError::Unreachable);
    }
    arch::copy_page(*to, *from);
    entry = arch::PageTableEntry(*copy, writable);
    // The old translation must go before the frame can be freed and reused
    // (SDM vol. 3, 4.10.4.2: a changed frame address needs invalidation).
    flush(page);
    physical::release(shared);
    return true;
}

} // namespace mem

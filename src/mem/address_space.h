#pragma once
// An address space: a tree of 4-level page tables (Intel SDM vol. 3, 4.5)
// and the operations on it. Tables live in frames from the physical memory
// manager and are reached through the direct map (mem/direct_map.h); the
// walk itself is mem/page_walk.h, shared with the fault reports.
//
// Upper-level entries are always present + writable + executable + supervisor;
// the leaf alone decides the protection (the CPU combines all levels, SDM
// vol. 3, 4.6, so this keeps the leaf authoritative). Tables below the PDPT
// level are freed when their last entry goes. After a change to the active
// address space, the page's TLB entry is dropped with INVLPG (SDM vol. 3,
// 4.10.4.1).
//
// Frames of pages may be shared with other address spaces (copy-on-write
// after a fork, mem/user_address_space.h): whatever drops a mapping and
// gives its frame back releases it (physical::release), never frees it.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/page_table_entry.h"
#include "kstd/expected.h"
#include "mem/page_walk.h"
#include "sync/spinlock.h"

namespace mem {

// Drops the TLB entries of [start, start + bytes) on every other CPU and
// waits until they have (smp/ installs it; until then there is one CPU).
// Called with the address space's lock held, interrupts off: it must not
// need interrupts on the other CPUs (smp/ uses NMIs).
using TlbShootdown = void (*)(arch::VirtAddr start, uint64_t bytes);
void set_tlb_shootdown(TlbShootdown shootdown);

class AddressSpace {
public:
    // An address space whose root table is at `root` (zeroed by the caller).
    explicit AddressSpace(arch::PhysAddr root) : m_root(root) {}
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    arch::PhysAddr root() const { return m_root; }

    // Gives PML4 entries [first, end) a (zeroed) PDPT each where they have
    // none. PDPTs are never freed, so these entries never change again.
    [[nodiscard]] kstd::Expected<void, MapError> create_top_level_tables(unsigned first, unsigned end);

    // Maps one page of `page_bytes` (4 KiB, 2 MiB or 1 GiB) at `page` to `frame`.
    [[nodiscard]] kstd::Expected<void, MapError> map(arch::VirtAddr page, arch::PhysAddr frame, arch::Protection protection,
                                                     uint64_t page_bytes = arch::page_size);
    // Maps [start, start + bytes) to physical memory from `frame` on, with the
    // largest pages alignment allows (2 MiB, and 1 GiB when `allow_1g`). On
    // error, what was mapped by this call is unmapped again.
    [[nodiscard]] kstd::Expected<void, MapError> map_range(arch::VirtAddr start, arch::PhysAddr frame, uint64_t bytes,
                                                           arch::Protection protection, bool allow_1g = false);
    // Maps [start, start + bytes) to fresh frames from the physical memory
    // manager (contents undefined). All or nothing.
    [[nodiscard]] kstd::Expected<void, MapError> map_fresh(arch::VirtAddr start, uint64_t bytes, arch::Protection protection);
    // Unmaps the 4 KiB page at `page`, returns its frame (not released: the
    // page's reference is the caller's now).
    [[nodiscard]] kstd::Expected<arch::PhysAddr, MapError> unmap(arch::VirtAddr page);
    // Points the mapped 4 KiB page at `page` to `frame` instead, with the
    // same flags, the old translation dropped from every CPU's TLB; returns
    // the old frame (the caller's now).
    [[nodiscard]] kstd::Expected<arch::PhysAddr, MapError> replace_frame(arch::VirtAddr page, arch::PhysAddr frame);
    // Unmaps [start, start + bytes) (4 KiB pages) and releases their frames:
    // a frame no other address space shares is freed.
    void unmap_and_free(arch::VirtAddr start, uint64_t bytes);
    // Unmaps whatever pages of any size lie in [start, start + bytes) (what
    // map_range mapped); the frames stay the caller's. A large page that
    // sticks out of the range is LargePage, and nothing past it is touched.
    [[nodiscard]] kstd::Expected<void, MapError> unmap_range(arch::VirtAddr start, uint64_t bytes);
    [[nodiscard]] kstd::Expected<Translation, MapError> translate(arch::VirtAddr address) const;
    // Changes the protection of the page (of any size) at `page`. A page
    // made writable whose frame is shared (reference count above 1) is made
    // read-only + copy-on-write instead: its first write copies it.
    [[nodiscard]] kstd::Expected<void, MapError> protect(arch::VirtAddr page, arch::Protection protection);

    // The write fault at `address` (a present, user, read-only page): if
    // the page is copy-on-write, makes it writable and returns true. Its
    // frame is copied into a fresh one unless this page holds its last
    // reference; then the entry is only made writable. False: not a
    // copy-on-write page, the fault is the program's. True as well when the
    // page is writable already (another thread of this address space
    // resolved it first): the access is to be retried. OutOfFrames: no frame
    // for the copy, nothing changed.
    [[nodiscard]] kstd::Expected<bool, MapError> resolve_copy_on_write(arch::VirtAddr address);

    // Page-table frames this address space holds (for tests: they must
    // return to what they were after a map/unmap round trip).
    uint64_t table_frames() const { return m_table_frames; }
    bool is_active() const;

private:
    // clone_for_fork builds the child's tables under this (the parent's)
    // lock and counts them in the child's m_table_frames.
    friend class UserAddressSpace;

    kstd::Expected<void, MapError> map_locked(arch::VirtAddr page, arch::PhysAddr frame, arch::Protection protection,
                                              uint64_t page_bytes);
    // Without `shoot_down`, the other CPUs are the caller's to reach
    // (shoot_down_range), before the frame is reused.
    kstd::Expected<arch::PhysAddr, MapError> unmap_locked(arch::VirtAddr page, bool shoot_down = true);
    // The present 4 KiB leaf mapping `page` (with the lock held): Misaligned,
    // NotMapped or LargePage otherwise.
    kstd::Expected<arch::PageTableEntry*, MapError> mapped_small_page(arch::VirtAddr page) const;
    // Frees the PT, then the PD, above `address` if they are empty now.
    void free_empty_tables(arch::VirtAddr address, unsigned leaf);
    // The entry for `address` at `target_level`, creating tables on the way.
    kstd::Expected<arch::PageTableEntry*, MapError> create_entry(arch::VirtAddr address, unsigned target_level);
    // Drops `page` from this CPU's TLB and, in the kernel half and when
    // `shoot_down`, from every other CPU's.
    void flush(arch::VirtAddr page, bool shoot_down = true) const;
    void shoot_down_range(arch::VirtAddr start, uint64_t bytes) const;

    arch::PhysAddr m_root;
    uint64_t m_table_frames = 0;
    mutable sync::Spinlock m_lock{"address space", sync::LockRank::AddressSpace};
};

} // namespace mem

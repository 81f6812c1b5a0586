#pragma once
// An address space: a tree of 4-level page tables (Intel SDM vol. 3, 4.5)
// and the operations on it. Tables live in frames from the physical memory
// manager and are reached through the direct map (mem/direct_map.h).
//
//   virtual address: | 16 sign | PML4 9 | PDPT 9 | PD 9 | PT 9 | offset 12 |
//
// Upper-level entries are always present + writable + executable + supervisor;
// the leaf alone decides the protection (the CPU combines all levels, SDM
// vol. 3, 4.6, so this keeps the leaf authoritative). Tables below the PDPT
// level are freed when their last entry goes. After a change to the active
// address space, the page's TLB entry is dropped with INVLPG (SDM vol. 3,
// 4.10.4.1).

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "mem/address.h"
#include "mem/page_table_entry.h"
#include "sync/spinlock.h"

namespace mem {

inline constexpr uint64_t large_page_size = 2ull << 20; // PD-level page
inline constexpr uint64_t huge_page_size = 1ull << 30;  // PDPT-level page

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
void format_value(kstd::Sink& sink, MapError error, const kstd::FormatSpec& spec);

struct Translation {
    PhysAddr physical;  // of the byte asked about
    uint64_t page_size; // 4 KiB, 2 MiB or 1 GiB
    Protection protection;
};

class AddressSpace {
public:
    // An address space whose root table is at `root` (zeroed by the caller).
    explicit AddressSpace(PhysAddr root) : m_root(root) {}
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    PhysAddr root() const { return m_root; }

    // Maps one page of `page_bytes` (4 KiB, 2 MiB or 1 GiB) at `page` to `frame`.
    [[nodiscard]] kstd::Expected<void, MapError> map(VirtAddr page, PhysAddr frame, Protection protection,
                                                     uint64_t page_bytes = 4096);
    // Maps [start, start + bytes) to physical memory from `frame` on, with the
    // largest pages alignment allows (2 MiB, and 1 GiB when `allow_1g`). On
    // error, what was mapped by this call is unmapped again.
    [[nodiscard]] kstd::Expected<void, MapError> map_range(VirtAddr start, PhysAddr frame, uint64_t bytes,
                                                           Protection protection, bool allow_1g = false);
    // Maps [start, start + bytes) to fresh frames from the physical memory
    // manager (contents undefined). All or nothing.
    [[nodiscard]] kstd::Expected<void, MapError> map_fresh(VirtAddr start, uint64_t bytes, Protection protection);
    // Unmaps the 4 KiB page at `page`, returns its frame (not freed).
    [[nodiscard]] kstd::Expected<PhysAddr, MapError> unmap(VirtAddr page);
    // Unmaps [start, start + bytes) (4 KiB pages) and frees their frames.
    void unmap_and_free(VirtAddr start, uint64_t bytes);
    // Unmaps whatever pages of any size lie in [start, start + bytes) (what
    // map_range mapped); the frames stay the caller's. A large page that
    // sticks out of the range is LargePage, and nothing past it is touched.
    [[nodiscard]] kstd::Expected<void, MapError> unmap_range(VirtAddr start, uint64_t bytes);
    [[nodiscard]] kstd::Expected<Translation, MapError> translate(VirtAddr address) const;
    // Changes the protection of the page (of any size) at `page`.
    [[nodiscard]] kstd::Expected<void, MapError> protect(VirtAddr page, Protection protection);

    // Page-table frames this address space holds (for tests: they must
    // return to what they were after a map/unmap round trip).
    uint64_t table_frames() const { return m_table_frames; }
    bool is_active() const;

private:
    struct Slot {
        PageTableEntry* entry;
        unsigned level; // 0 PML4, 1 PDPT, 2 PD, 3 PT
    };
    kstd::Expected<void, MapError> map_locked(VirtAddr page, PhysAddr frame, Protection protection,
                                              uint64_t page_bytes);
    kstd::Expected<PhysAddr, MapError> unmap_locked(VirtAddr page);
    // Frees the PT, then the PD, above `address` if they are empty now.
    void free_empty_tables(VirtAddr address, unsigned leaf_level);
    // The entry for `address` at `target_level`, creating tables on the way.
    kstd::Expected<PageTableEntry*, MapError> entry_for(VirtAddr address, unsigned target_level, bool create);
    // The entry that maps `address` (a leaf or a not-present entry at some level).
    kstd::Expected<Slot, MapError> find_leaf(VirtAddr address) const;
    void flush(VirtAddr page) const;

    PhysAddr m_root;
    uint64_t m_table_frames = 0;
    mutable sync::Spinlock m_lock{"address space"};
};

} // namespace mem

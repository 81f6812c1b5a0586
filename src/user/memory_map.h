#pragma once
// A process's memory as the program sees it: the regions of its lower half
// (program segments, the heap brk moves, mmap's anonymous mappings, the
// stack), each with its protection, over the page tables of its own
// address space.
//
//   0x0000_0000_0001_0000   lowest user address (page zero and a little more never mapped)
//   0x0000_0000_0040_0000   the program's segments (ET_EXEC's usual place)
//   after the last segment  the heap: brk() moves its end
//        ...
//   mmap_top, downwards     mmap()'s mappings, placed top down
//   stack_top - 8 MiB       the stack region (stack_reserve), grown on touch
//   stack_top               0x0000_7FFF_C000_0000, then a 1 GiB gap to the hole
//
// Pages of the heap, of mmap's mappings and of the stack are mapped when
// first touched (resolve_fault, from the page-fault handler): a zeroed
// frame, as Linux gives anonymous memory; a program segment's (after
// execve) is filled from the program file (user/program_file.h). A write
// to a copy-on-write page (after fork) copies it. Memory the program never touches costs nothing,
// so a request is refused only when it alone is more than all of RAM
// (Linux's heuristic overcommit): ENOMEM. Running out of frames later ends
// the program, never the kernel.
//
// W^X: no region is writable and executable at once (mmap and mprotect
// refuse it with EACCES), as the ELF loader refuses such segments.
//
// The region list is guarded by the map's mutex; the page tables have
// their own lock (mem/address_space.h).

#include <array>
#include <cstdint>
#include "kstd/errno.h"
#include "mem/address_space.h"
#include "mem/user_address_space.h"
#include "sched/mutex.h"
#include "user/program_file.h"

namespace user {

inline constexpr uint64_t stack_top = 0x0000'7FFF'C000'0000;
inline constexpr uint64_t stack_reserve = 8 * 1024 * 1024;
// 17 pages more than a round gap: with the stack region's end exactly 1 GiB
// + 8 MiB above, the stack's top page and the first mapping's shared a slot
// in a TLB indexed by low page-number bits (QEMU's software TLB is one;
// real TLBs are set-associative by those bits too) and evicted each other:
// malloc+free took 1.58x Linux's time instead of 1.1x (docs/performance.md).
inline constexpr uint64_t mmap_top = stack_top - stack_reserve - (1ull << 30) - 17 * 4096;

// Linux's PROT_* and MAP_* bits (include/uapi/asm-generic/mman-common.h).
inline constexpr uint64_t prot_read = 1, prot_write = 2, prot_exec = 4;
inline constexpr uint64_t map_shared = 0x01, map_private = 0x02, map_fixed = 0x10, map_anonymous = 0x20,
                          map_fixed_noreplace = 0x100000;

struct Region {
    enum class Kind : uint8_t { Program, Heap, Mapping, Stack };
    uint64_t start = 0, end = 0; // page aligned, [start, end)
    bool readable = false, writable = false, executable = false;
    Kind kind = Kind::Mapping;
    // A program segment loaded as it is touched: the bytes at addresses
    // [file_start, file_end) are the file's from file_offset on; the rest
    // of the region's pages is zeros (the segment's bss, the page's edges).
    // Absolute addresses, so a region cut in two (mprotect, munmap) keeps them.
    kstd::RefPtr<ProgramFile> file;
    uint64_t file_start = 0, file_end = 0, file_offset = 0;

    bool contains(uint64_t address) const { return address >= start && address < end; }
    arch::Protection protection() const { return {writable, executable, true}; }
};

enum class FaultResolution : uint8_t {
    Resolved,    // the page is there now: run the instruction again
    NotAllowed,  // no region there, or one that does not allow the access: a real fault
    OutOfMemory, // a region allows it but no frame is left
};

class MemoryMap {
public:
    // Neighbours with the same protection and kind are merged, so this
    // bounds distinct mappings, not calls (Linux's vm.max_map_count is
    // 65530; a fixed array keeps the map one heap block, below 8 KiB).
    static constexpr size_t max_regions = 80;

    // A map over a new, empty address space; ENOMEM without frames or heap.
    static kstd::ErrorOr<MemoryMap*> create();
    // A copy for fork(): the same regions over a copy-on-write clone of the
    // address space.
    kstd::ErrorOr<MemoryMap*> clone();
    // Frees every page and table (mem::UserAddressSpace's destructor).
    ~MemoryMap();

    mem::AddressSpace& space() { return m_space->space(); }

    // The regions the program loader mapped: each segment, and the stack
    // (the top `populated` bytes of which are mapped already). The heap
    // starts at the page after the highest segment.
    kstd::ErrorOr<void> add_program_region(uint64_t start, uint64_t end, bool writable, bool executable);
    // A segment whose pages are filled from `file` when first touched
    // (execve maps none of them): [address, address + memory_size), the
    // file's bytes from `file_offset` for the first `file_size`.
    kstd::ErrorOr<void> add_program_region(kstd::RefPtr<ProgramFile> file, uint64_t address, uint64_t memory_size,
                                           uint64_t file_offset, uint64_t file_size, bool writable, bool executable);
    kstd::ErrorOr<void> add_stack_region();

    // The system calls (arguments as the program passed them).
    uint64_t brk(uint64_t new_end);
    kstd::ErrorOr<uint64_t> mmap(uint64_t address, uint64_t length, uint64_t protection, uint64_t flags);
    kstd::ErrorOr<void> munmap(uint64_t address, uint64_t length);
    kstd::ErrorOr<void> mprotect(uint64_t address, uint64_t length, uint64_t protection);

    // The page-fault handler's question: a fault at `address`, a write or
    // not, an instruction fetch or not, on a present page or not.
    FaultResolution resolve_fault(uint64_t address, bool write, bool fetch, bool present);

private:
    explicit MemoryMap(mem::UserAddressSpace* space) : m_space(space) {}
    // A map over `space` (which it then owns); ENOMEM for a missing space or no heap.
    static kstd::ErrorOr<MemoryMap*> over(kstd::Expected<mem::UserAddressSpace*, mem::MapError> space);
    Region* find(uint64_t address);
    kstd::ErrorOr<void> insert(const Region& region);
    // Unmaps [start, end) from the tables (releasing the frames) and cuts it
    // out of the regions, splitting one that straddles an edge.
    kstd::ErrorOr<void> remove_range(uint64_t start, uint64_t end);
    kstd::ErrorOr<uint64_t> find_free(uint64_t length) const;
    bool overlaps(uint64_t start, uint64_t end) const;
    void unmap_pages(uint64_t start, uint64_t end);

    sched::Mutex m_lock{"memory map"};
    mem::UserAddressSpace* m_space;
    std::array<Region, max_regions> m_regions{}; // sorted by start, disjoint; guarded by m_lock
    size_t m_count = 0;
    uint64_t m_heap_start = 0, m_heap_end = 0;   // brk's region [start, end), also a Heap region once not empty
};

} // namespace user

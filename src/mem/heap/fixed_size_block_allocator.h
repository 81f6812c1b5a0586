#pragma once
// The fixed-size block allocator, the kernel's default heap: power-of-two
// size classes from 16 to 2048 bytes served from slabs, and the linked-list
// allocator for anything larger ("Writing an OS in Rust", Allocator Designs;
// the slabs follow Bonwick's slab allocator, USENIX 1994).
//
// A slab is 32 KiB, aligned to its size, and serves one size class at a
// time. Its header (at the start) holds the class, a free list of its blocks,
// a count of blocks handed out and one bit per block. Blocks sit at multiples
// of their size inside the slab, so a block is aligned to its own size: any
// alignment up to the class size comes free, and a larger one picks a larger
// class. Each class keeps a list of its slabs that have a free block.
//
// Allocation pops a block from the first slab on its class's list (or takes
// the next never-used block of that slab); freeing rounds the address down to
// the slab header and pushes the block back. Both are a few instructions with
// no search. When the backend cannot grow, a slab left empty by one class is
// given to another, so no class keeps memory the others need.
//
// The slabs live in a region of their own (the `small_blocks` backend) and the
// large blocks in another (`large_blocks`), so deallocate() tells them apart
// by address alone: no header in front of small blocks, and no guessing.
//
// Misuse it catches for small blocks: a pointer that is not at a block
// boundary, freeing a block whose bit is clear (double free, or never
// allocated), an overwritten slab header, and a free-list link overwritten
// after a free (use after free) that leads out of its slab. Large blocks get
// the linked-list allocator's checks.
// Trade-offs: up to half of a block is padding (power-of-two classes), and
// the first block(s) of each slab hold its header (under 1% for 16-byte
// blocks, one block in 16 for 2048-byte blocks).

#include <cstdint>
#include "mem/heap/heap_allocator.h"
#include "mem/heap/heap_backend.h"
#include "mem/heap/linked_list_allocator.h"

namespace mem::heap {

class FixedSizeBlockAllocator final : public HeapAllocator {
public:
    static constexpr unsigned class_count = 8;
    static constexpr size_t smallest_block = 16;
    static constexpr size_t largest_block = smallest_block << (class_count - 1); // 2048
    static constexpr size_t slab_bytes = 32 * 1024;

    FixedSizeBlockAllocator(HeapBackend& small_blocks, HeapBackend& large_blocks)
        : m_small_backend(&small_blocks), m_large(large_blocks)
    {
    }
    FixedSizeBlockAllocator(const FixedSizeBlockAllocator&) = delete;
    FixedSizeBlockAllocator& operator=(const FixedSizeBlockAllocator&) = delete;

    [[nodiscard]] kstd::Expected<void*, HeapError> allocate(size_t size, size_t alignment = min_alignment) override;
    [[nodiscard]] kstd::Expected<void, HeapError> deallocate(void* pointer) override;
    HeapStatistics statistics() const override;
    std::string_view name() const override { return "fixed-size blocks"; }

    const LinkedListAllocator& large_blocks() const { return m_large; }
    size_t slab_count() const { return (m_slabs_end - m_slabs_start) / slab_bytes; }
    size_t empty_slab_count() const { return m_empty_slabs; }
    // Walks every slab, every list and the large-block heap and checks every
    // invariant. O(heap): for tests.
    bool check_consistency() const;

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    struct SlabHeader;

    static SlabHeader* slab_header_of(uintptr_t address);
    bool in_slabs(uintptr_t address) const { return address - m_slabs_start < m_slabs_end - m_slabs_start; }
    // A slab for `class_index`: a new one from the backend, or else an empty
    // one taken from another class.
    [[nodiscard]] kstd::Expected<SlabHeader*, HeapError> take_slab(unsigned class_index, size_t size, size_t alignment);
    [[nodiscard]] kstd::Expected<uintptr_t, HeapError> new_slab_memory(size_t size, size_t alignment);
    SlabHeader* find_empty_slab() const;
    void format_slab(uintptr_t slab, unsigned class_index);
    void push_slab(unsigned class_index, SlabHeader* slab);
    void unlink_slab(unsigned class_index, SlabHeader* slab);

    HeapBackend* m_small_backend;
    LinkedListAllocator m_large;
    SlabHeader* m_slabs_with_room[class_count] = {}; // per class, the slabs that have a free block
    uintptr_t m_slabs_start = 0; // slabs are [m_slabs_start, m_slabs_end), each slab_bytes long and aligned
    uintptr_t m_slabs_end = 0;
    uintptr_t m_obtained_start = 0; // memory from the small-block backend
    uintptr_t m_obtained_end = 0;
    size_t m_small_backend_bytes = 0;
    size_t m_small_used = 0;
    size_t m_small_live = 0;
    size_t m_empty_slabs = 0;
};

} // namespace mem::heap

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

#include <bit>
#include <cstdint>
#include <new>
#include "mem/heap/heap_address.h"
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

    // The class a request of `bytes` (already the larger of size and
    // alignment) is served from: 1..16 -> 0 (16 bytes), 17..32 -> 1, ...,
    // 1025..2048 -> 7.
    static constexpr unsigned class_index_for(size_t bytes)
    {
        return bytes <= smallest_block ? 0 : static_cast<unsigned>(std::bit_width(bytes - 1)) - 4;
    }
    static constexpr size_t class_bytes(unsigned class_index) { return smallest_block << class_index; }

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

    // For a cache in front of this design that frees without the design's
    // lock (mem/heap/cpu_cache.h): the class of `pointer` if it is the start
    // of a small block that is handed out, else -1 (a large block, null, or
    // a pointer deallocate() would refuse). Reads the slab's header and bit
    // and writes nothing. One CPU today, whose lock holders run with
    // preemption and interrupts off, so nothing changes under the reads; on
    // several CPUs they read words that another CPU may change under the lock
    // (the slab bounds grow, other blocks' bits flip) but not this block's:
    // it is ours until freed. Not instrumented by KASAN: the slab header is
    // poisoned memory for everyone but the design.
    [[gnu::no_sanitize_address]] int allocated_class_of(const void* pointer) const
    {
        const uintptr_t address = address_of(pointer);
        if (!in_slabs(address))
            return -1;
        const SlabHeader* const slab = slab_header_of(address);
        const SlabHeader::Identity identity = slab->identity_in_one_load();
        if (identity.magic != slab_magic) [[unlikely]]
            return -1; // not a slab header: its shift cannot be trusted
        // A block boundary, past the header, its bit set. The bit's word is
        // inside the header whatever the offset: a block number is below
        // slab_bytes / smallest_block.
        const size_t offset = address - slab->address();
        const unsigned shift = identity.shift & 63;
        const size_t block = offset >> shift;
        const uint64_t word = slab->allocated[(block / 64) % (SlabHeader::max_blocks / 64)];
        const bool is_allocated_block = ((offset & ((size_t{1} << shift) - 1)) == 0) & (block >= identity.first_block)
                                        & (((word >> (block % 64)) & 1) != 0);
        return is_allocated_block ? identity.class_index : -1;
    }

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
    // Spells "SLAB"; a slab header without it was overwritten.
    static constexpr uint32_t slab_magic = 0x534C4142;
    struct SlabHeader {
        static constexpr size_t max_blocks = slab_bytes / smallest_block;

        // What a block's slab says about it, in the first 8 bytes.
        struct Identity {
            uint32_t magic;
            uint8_t class_index;
            uint8_t shift;        // log2 of the block size
            uint16_t first_block; // the blocks before it hold this header
        };
        Identity identity;
        uint16_t live;          // blocks handed out
        uint16_t capacity;      // blocks that can be handed out
        uint32_t carve_offset;  // blocks from here to the end were never handed out
        FreeBlock* free_list;   // blocks handed out and freed again
        SlabHeader* next;       // in its class's list of slabs with a free block
        SlabHeader* previous;
        uint64_t allocated[max_blocks / 64]; // bit i set: block i is handed out

        uintptr_t address() const { return address_of(this); }

        // GCC reads `identity` field by field, four loads; these 8 bytes
        // are one (x86 is little-endian: the magic is the low half). Not
        // instrumented, as allocated_class_of.
        [[gnu::no_sanitize_address]] Identity identity_in_one_load() const
        {
            static_assert(sizeof(Identity) == 8 && std::endian::native == std::endian::little);
            uint64_t raw;
            __builtin_memcpy(&raw, &identity, sizeof raw);
            return {static_cast<uint32_t>(raw), static_cast<uint8_t>(raw >> 32), static_cast<uint8_t>(raw >> 40),
                    static_cast<uint16_t>(raw >> 48)};
        }
    };

    static SlabHeader* slab_header_of(uintptr_t address)
    {
        // Every slab starts with the header format_slab() created there, and
        // slabs are aligned to their size, so rounding a block address down
        // finds it.
        return std::launder(reinterpret_cast<SlabHeader*>(arch::align_down(address, slab_bytes)));
    }
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

#pragma once
// The linked-list allocator: a general-purpose heap for blocks of any size
// ("Writing an OS in Rust", Allocator Designs, made faster).
//
// The heap is one run of blocks, each starting with a 16-byte header (size,
// "free" and "previous block free" flags, and a check word derived from the
// header's address). Free blocks also hold links of a doubly linked free list
// and end with a footer repeating their size: boundary tags (Knuth, TAOCP
// vol. 1, 2.5), so freeing merges with both neighbours in O(1) instead of
// walking a sorted list. Allocation takes the first free block that fits
// (the list is most-recently-freed first), splits off the rest if it is big
// enough to be a block, and grows the heap through the backend when nothing
// fits. A zero-size sentinel header ends the heap so merging stops there.
//
// Misuse it catches: a pointer whose header's check word is wrong (not from
// this heap, or not the start of a block), and freeing a block whose header
// says it is free (double free; the stale header of a merged block keeps
// saying so until the memory is reused).

#include <cstdint>
#include "mem/heap/heap_allocator.h"
#include "mem/heap/heap_backend.h"

namespace mem::heap {

class LinkedListAllocator final : public HeapAllocator {
public:
    explicit LinkedListAllocator(HeapBackend& backend) : m_backend(&backend) {}
    LinkedListAllocator(const LinkedListAllocator&) = delete;
    LinkedListAllocator& operator=(const LinkedListAllocator&) = delete;

    [[nodiscard]] kstd::Expected<void*, HeapError> allocate(size_t size, size_t alignment = min_alignment) override;
    [[nodiscard]] kstd::Expected<void, HeapError> deallocate(void* pointer) override;
    HeapStatistics statistics() const override { return {m_backend_bytes, m_used, m_live}; }
    std::string_view name() const override { return "linked list"; }

    // Is `pointer` inside the memory this heap manages?
    bool owns(const void* pointer) const;
    size_t free_block_count() const;
    // Walks every block and the free list and checks every invariant.
    // O(blocks): for tests.
    bool check_consistency() const;

private:
    struct BlockHeader;
    struct FreeBlock;

    static BlockHeader* header_at(uintptr_t address);
    static FreeBlock* free_block_at(uintptr_t address);
    static void write_header(uintptr_t address, size_t size, size_t flags);
    static void set_previous_free(uintptr_t address, bool previous_free);
    FreeBlock* make_free_block(uintptr_t address, size_t size);
    void push(FreeBlock* block);
    void unlink(FreeBlock* block);
    static bool fits(const FreeBlock* block, size_t block_size, size_t alignment, uintptr_t& block_start);
    void* carve(FreeBlock* block, uintptr_t block_start, size_t block_size);
    // Marks [address, address + size) free, merging with free neighbours.
    void release(uintptr_t address, size_t size, bool previous_free);
    [[nodiscard]] kstd::Expected<void, HeapError> grow(size_t minimum_block, size_t size, size_t alignment);

    HeapBackend* m_backend;
    uintptr_t m_start = 0; // first block; the sentinel header is at m_end - 16
    uintptr_t m_end = 0;
    FreeBlock* m_free_list = nullptr;
    size_t m_backend_bytes = 0;
    size_t m_used = 0;
    size_t m_live = 0;
};

} // namespace mem::heap

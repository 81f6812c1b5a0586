#include "mem/heap/linked_list_allocator.h"
#include "mem/heap/heap_address.h"
#include <new>

namespace mem::heap {

namespace {

constexpr size_t header_size = 16;
constexpr size_t flag_free = 1;
constexpr size_t flag_previous_free = 2;
constexpr size_t flags_mask = 15; // sizes are multiples of 16: the low bits are free for flags
// A free block holds its header, two links and a footer: 16 + 16 + 8 bytes,
// rounded to the 16-byte granule.
constexpr size_t min_block = 48;
// Mixed into each header's check word; spells "KESTRELH".
constexpr uintptr_t header_magic = 0x4B45535452454C48;

constexpr uintptr_t check_for(uintptr_t address)
{
    return address ^ header_magic;
}

// The size a free block repeats in its last 8 bytes; `end` is the address
// just past the block.
size_t footer_before(uintptr_t end)
{
    // make_free_block() created a size_t there with placement new.
    return *std::launder(reinterpret_cast<const size_t*>(end - sizeof(size_t)));
}

} // namespace

struct LinkedListAllocator::BlockHeader {
    size_t size_and_flags;
    uintptr_t check;

    size_t size() const { return size_and_flags & ~flags_mask; }
    bool is_free() const { return (size_and_flags & flag_free) != 0; }
    bool previous_free() const { return (size_and_flags & flag_previous_free) != 0; }
};

struct LinkedListAllocator::FreeBlock {
    BlockHeader header;
    FreeBlock* next;
    FreeBlock* previous;
};

LinkedListAllocator::BlockHeader* LinkedListAllocator::header_at(uintptr_t address)
{
    // Every block boundary in the heap holds a header written by
    // write_header() (placement new), so the address names a live object.
    return std::launder(reinterpret_cast<BlockHeader*>(address));
}

LinkedListAllocator::FreeBlock* LinkedListAllocator::free_block_at(uintptr_t address)
{
    // A free block starts with its header; make_free_block() created the
    // FreeBlock object there.
    return std::launder(reinterpret_cast<FreeBlock*>(address));
}

void LinkedListAllocator::write_header(uintptr_t address, size_t size, size_t flags)
{
    // The address is 16-aligned memory inside the heap region, which the
    // backend made usable; a header object is created there.
    new (pointer_to(address)) BlockHeader{size | flags, check_for(address)};
}

void LinkedListAllocator::set_previous_free(uintptr_t address, bool previous_free)
{
    BlockHeader* header = header_at(address);
    if (previous_free)
        header->size_and_flags |= flag_previous_free;
    else
        header->size_and_flags &= ~flag_previous_free;
}

LinkedListAllocator::FreeBlock* LinkedListAllocator::make_free_block(uintptr_t address, size_t size)
{
    // The block before a free block is never free (they would have merged).
    // The address is a block boundary inside the heap region (see write_header).
    auto* block = new (pointer_to(address)) FreeBlock{{size | flag_free, check_for(address)}, nullptr, nullptr};
    // The footer: the last 8 bytes of the block repeat its size, so the next
    // block can find this one's header when it is freed.
    new (pointer_to(address + size - sizeof(size_t))) size_t(size);
    return block;
}

void LinkedListAllocator::push(FreeBlock* block)
{
    block->previous = nullptr;
    block->next = m_free_list;
    if (m_free_list)
        m_free_list->previous = block;
    m_free_list = block;
}

void LinkedListAllocator::unlink(FreeBlock* block)
{
    if (block->previous)
        block->previous->next = block->next;
    else
        m_free_list = block->next;
    if (block->next)
        block->next->previous = block->previous;
}

bool LinkedListAllocator::fits(const FreeBlock* block, size_t block_size, size_t alignment, uintptr_t& block_start)
{
    // Where would the header of an aligned payload go? A gap in front must be
    // either nothing or big enough to stay a free block of its own.
    const auto start = address_of(block);
    const uintptr_t end = start + block->header.size();
    uintptr_t payload = arch::align_up(start + header_size, alignment);
    const uintptr_t gap = payload - header_size - start;
    if (gap != 0 && gap < min_block)
        payload += alignment;
    block_start = payload - header_size;
    return block_start + block_size <= end;
}

void* LinkedListAllocator::carve(FreeBlock* block, uintptr_t block_start, size_t block_size)
{
    unlink(block);
    const auto start = address_of(block);
    const uintptr_t end = start + block->header.size();
    const bool gap_before = block_start > start;
    if (gap_before)
        push(make_free_block(start, block_start - start));
    const uintptr_t rest = block_start + block_size;
    if (end - rest >= min_block) {
        // The block after `end` already knows its predecessor is free.
        push(make_free_block(rest, end - rest));
    } else {
        // Too little left to be a block: the allocation takes it.
        block_size = end - block_start;
        set_previous_free(end, false);
    }
    write_header(block_start, block_size, gap_before ? flag_previous_free : 0);
    m_used += block_size;
    ++m_live;
    // The payload follows the header inside the heap region.
    return pointer_to(block_start + header_size);
}

kstd::Expected<void*, HeapError> LinkedListAllocator::allocate(size_t size, size_t alignment)
{
    if (!is_valid_alignment(alignment))
        return kstd::unexpected(HeapError{HeapErrorKind::BadAlignment, size, alignment});
    if (size > max_size)
        return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
    const size_t effective_alignment = alignment < min_alignment ? min_alignment : alignment;
    size_t block_size = header_size + arch::align_up(size, min_alignment);
    if (block_size < min_block)
        block_size = min_block;

    uintptr_t block_start = 0;
    for (FreeBlock* block = m_free_list; block; block = block->next) {
        if (fits(block, block_size, effective_alignment, block_start))
            return carve(block, block_start, block_size);
    }
    if (auto grown = grow(block_size, size, alignment); !grown)
        return kstd::unexpected(grown.error());
    // grow() left a block big enough for this request at the head of the list.
    if (m_free_list && fits(m_free_list, block_size, effective_alignment, block_start))
        return carve(m_free_list, block_start, block_size);
    return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
}

kstd::Expected<void, HeapError> LinkedListAllocator::deallocate(void* pointer)
{
    if (pointer == nullptr)
        return {};
    if (!owns(pointer) || address_of(pointer) % min_alignment != 0)
        return kstd::unexpected(HeapError{HeapErrorKind::NotFromHeap, 0, 0, pointer});
    // A pointer this heap handed out has its block header right before it.
    const uintptr_t address = address_of(pointer) - header_size;
    BlockHeader* header = header_at(address);
    if (header->check != check_for(address))
        return kstd::unexpected(HeapError{HeapErrorKind::NotFromHeap, 0, 0, pointer});
    if (header->is_free())
        return kstd::unexpected(HeapError{HeapErrorKind::DoubleFree, 0, 0, pointer});
    const size_t size = header->size();
    if (size < min_block)
        return kstd::unexpected(HeapError{HeapErrorKind::Corrupted, 0, 0, pointer});
    m_used -= size;
    --m_live;
    // Should this header be merged into the block before it, it stays behind
    // saying "free", and a second free of the pointer is caught.
    header->size_and_flags |= flag_free;
    release(address, size, header->previous_free());
    return {};
}

void LinkedListAllocator::release(uintptr_t address, size_t size, bool previous_free)
{
    const uintptr_t next = address + size;
    if (header_at(next)->is_free()) {
        size += header_at(next)->size();
        unlink(free_block_at(next));
    }
    if (previous_free) {
        // The previous block's footer holds its size.
        const size_t previous_size = footer_before(address);
        address -= previous_size;
        size += previous_size;
        unlink(free_block_at(address));
    }
    push(make_free_block(address, size));
    set_previous_free(address + size, true);
}

kstd::Expected<void, HeapError> LinkedListAllocator::grow(size_t minimum_block, size_t size, size_t alignment)
{
    // Room for the block, an alignment gap that can be a free block of its
    // own, and (the first time) the sentinel and alignment of the start.
    const bool first = m_end == 0;
    const size_t wanted = minimum_block + (alignment < min_alignment ? min_alignment : alignment) + min_block
        + (first ? 2 * header_size : 0);
    auto grown = m_backend->grow(wanted);
    if (!grown)
        return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
    // Addresses of the memory the backend made usable.
    const auto start = address_of(grown->data());
    const uintptr_t end = arch::align_down(start + grown->size(), min_alignment);
    if (!first && start != m_end)
        return kstd::unexpected(HeapError{HeapErrorKind::BackendNotContiguous, size, alignment});
    m_backend_bytes += grown->size();

    if (first) {
        m_start = arch::align_up(start, min_alignment);
        m_end = end;
        write_header(end - header_size, 0, flag_previous_free); // the sentinel
        push(make_free_block(m_start, end - header_size - m_start));
        return {};
    }
    // The old sentinel becomes the start of the new free block, which merges
    // with a free block before it.
    const uintptr_t old_sentinel = m_end - header_size;
    const bool previous_free = header_at(old_sentinel)->previous_free();
    // Should the old sentinel merge into the block before it, what is left
    // of it must not pass for a block header in deallocate().
    header_at(old_sentinel)->check = 0;
    write_header(end - header_size, 0, 0);
    m_end = end;
    release(old_sentinel, end - header_size - old_sentinel, previous_free);
    return {};
}

bool LinkedListAllocator::owns(const void* pointer) const
{
    // Only the address is compared.
    const auto address = address_of(pointer);
    return address >= m_start + header_size && address < m_end;
}

size_t LinkedListAllocator::free_block_count() const
{
    size_t count = 0;
    for (const FreeBlock* block = m_free_list; block; block = block->next)
        ++count;
    return count;
}

bool LinkedListAllocator::check_consistency() const
{
    if (m_end == 0)
        return m_free_list == nullptr && m_used == 0 && m_live == 0;
    size_t free_blocks = 0, used = 0, live = 0;
    bool previous_free = false;
    uintptr_t address = m_start;
    while (true) {
        const BlockHeader* header = header_at(address);
        if (header->check != check_for(address) || header->previous_free() != previous_free)
            return false;
        const size_t size = header->size();
        if (size == 0) {
            if (address != m_end - header_size || header->is_free())
                return false;
            break;
        }
        if (size < min_block || size % min_alignment != 0 || size > m_end - header_size - address)
            return false;
        if (header->is_free()) {
            // Two free neighbours should have merged; the footer must match.
            if (previous_free || footer_before(address + size) != size)
                return false;
            ++free_blocks;
        } else {
            used += size;
            ++live;
        }
        previous_free = header->is_free();
        address += size;
    }
    if (used != m_used || live != m_live)
        return false;
    size_t listed = 0;
    const FreeBlock* previous = nullptr;
    for (const FreeBlock* block = m_free_list; block; block = block->next) {
        if (!block->header.is_free() || block->previous != previous || ++listed > free_blocks)
            return false;
        previous = block;
    }
    return listed == free_blocks;
}

} // namespace mem::heap

#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/heap_address.h"
#include <bit>
#include <new>

namespace mem::heap {

namespace {

constexpr unsigned shift_of(unsigned class_index)
{
    return class_index + 4;
}

} // namespace

kstd::Expected<void*, HeapError> FixedSizeBlockAllocator::allocate(size_t size, size_t alignment)
{
    const size_t wanted = size > alignment ? size : alignment;
    if (wanted > largest_block || !is_valid_alignment(alignment)) [[unlikely]] {
        if (!is_valid_alignment(alignment))
            return kstd::unexpected(HeapError{HeapErrorKind::BadAlignment, size, alignment});
        return m_large.allocate(size, alignment);
    }
    const unsigned index = class_index_for(wanted);
    const unsigned shift = shift_of(index);
    SlabHeader* slab = m_slabs_with_room[index];
    if (slab == nullptr) [[unlikely]] {
        auto taken = take_slab(index, size, alignment);
        if (!taken)
            return kstd::unexpected(taken.error());
        slab = *taken;
        push_slab(index, slab);
    }
    uintptr_t address;
    if (FreeBlock* block = slab->free_list) {
        // A link that leads out of its slab was overwritten after the free
        // (a use after free): stop before handing out foreign memory.
        FreeBlock* const next = block->next;
        if (next != nullptr && arch::align_down(address_of(next), slab_bytes) != slab->address()) [[unlikely]]
            return kstd::unexpected(HeapError{HeapErrorKind::Corrupted, size, alignment, block});
        slab->free_list = next;
        address = address_of(block);
    } else {
        address = slab->address() + slab->carve_offset;
        slab->carve_offset += uint32_t{1} << shift;
    }
    if (slab->live++ == 0)
        --m_empty_slabs;
    if (slab->live == slab->capacity)
        unlink_slab(index, slab); // full
    const size_t block = (address - slab->address()) >> shift;
    slab->allocated[block / 64] |= uint64_t{1} << (block % 64);
    m_small_used += size_t{1} << shift;
    ++m_small_live;
    // A block inside a slab of the small-block region.
    return pointer_to(address);
}

kstd::Expected<void, HeapError> FixedSizeBlockAllocator::deallocate(void* pointer)
{
    // Only the address is looked at until it is known to be a block.
    const auto address = address_of(pointer);
    if (!in_slabs(address))
        return m_large.deallocate(pointer); // also takes nullptr
    SlabHeader* const slab = slab_header_of(address);
    if (slab->identity.magic != slab_magic) [[unlikely]]
        return kstd::unexpected(HeapError{HeapErrorKind::Corrupted, 0, 0, pointer});
    const size_t offset = address - slab->address();
    const unsigned shift = slab->identity.shift;
    const size_t block = offset >> shift;
    if ((offset & ((size_t{1} << shift) - 1)) != 0 || block < slab->identity.first_block) [[unlikely]]
        return kstd::unexpected(HeapError{HeapErrorKind::NotFromHeap, 0, 0, pointer});
    uint64_t& word = slab->allocated[block / 64];
    const uint64_t bit = uint64_t{1} << (block % 64);
    if ((word & bit) == 0) [[unlikely]]
        return kstd::unexpected(HeapError{HeapErrorKind::DoubleFree, 0, 0, pointer});
    word &= ~bit;
    // The freed block holds the free-list link.
    slab->free_list = new (pointer) FreeBlock{slab->free_list};
    if (slab->live == slab->capacity)
        push_slab(slab->identity.class_index, slab); // it has room again
    if (--slab->live == 0)
        ++m_empty_slabs;
    m_small_used -= size_t{1} << shift;
    --m_small_live;
    return {};
}

kstd::Expected<FixedSizeBlockAllocator::SlabHeader*, HeapError>
FixedSizeBlockAllocator::take_slab(unsigned class_index, size_t size, size_t alignment)
{
    auto memory = new_slab_memory(size, alignment);
    if (!memory) {
        // The backend is exhausted: reuse a slab another class left empty.
        if (memory.error().kind != HeapErrorKind::OutOfMemory || m_empty_slabs == 0)
            return kstd::unexpected(memory.error());
        SlabHeader* empty = find_empty_slab();
        unlink_slab(empty->identity.class_index, empty);
        --m_empty_slabs;
        format_slab(empty->address(), class_index);
        return empty;
    }
    format_slab(*memory, class_index);
    if (m_slabs_start == 0)
        m_slabs_start = *memory;
    m_slabs_end = *memory + slab_bytes;
    return slab_header_of(*memory);
}

kstd::Expected<uintptr_t, HeapError> FixedSizeBlockAllocator::new_slab_memory(size_t size, size_t alignment)
{
    // The next slab-aligned slab_bytes after the slabs made so far; grow the
    // backend until they are there.
    while (true) {
        const uintptr_t slab = arch::align_up(m_slabs_end != 0 ? m_slabs_end : m_obtained_start, slab_bytes);
        if (m_obtained_end != 0 && slab + slab_bytes <= m_obtained_end)
            return slab;
        const size_t missing = m_obtained_end == 0 ? slab_bytes : slab + slab_bytes - m_obtained_end;
        auto grown = m_small_backend->grow(missing);
        if (!grown)
            return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
        // Addresses of the memory the backend made usable.
        const auto start = address_of(grown->data());
        if (m_obtained_end == 0)
            m_obtained_start = start;
        else if (start != m_obtained_end)
            return kstd::unexpected(HeapError{HeapErrorKind::BackendNotContiguous, size, alignment});
        m_obtained_end = start + grown->size();
        m_small_backend_bytes += grown->size();
    }
}

FixedSizeBlockAllocator::SlabHeader* FixedSizeBlockAllocator::find_empty_slab() const
{
    // Rare (only when the backend is exhausted): a walk over the slab headers.
    for (uintptr_t address = m_slabs_start; address < m_slabs_end; address += slab_bytes) {
        SlabHeader* slab = slab_header_of(address);
        if (slab->live == 0)
            return slab;
    }
    return nullptr;
}

void FixedSizeBlockAllocator::format_slab(uintptr_t slab, unsigned class_index)
{
    const unsigned shift = shift_of(class_index);
    const size_t block_size = size_t{1} << shift;
    const size_t first_block = (sizeof(SlabHeader) + block_size - 1) / block_size;
    // The slab's memory is the heap's (fresh from the backend, or an empty
    // slab no block of which is handed out); its header is created here.
    new (pointer_to(slab)) SlabHeader{
        {slab_magic, static_cast<uint8_t>(class_index), static_cast<uint8_t>(shift),
         static_cast<uint16_t>(first_block)},
        0,
        static_cast<uint16_t>((slab_bytes >> shift) - first_block),
        static_cast<uint32_t>(first_block << shift),
        nullptr,
        nullptr,
        nullptr,
        {},
    };
    ++m_empty_slabs;
}

void FixedSizeBlockAllocator::push_slab(unsigned class_index, SlabHeader* slab)
{
    SlabHeader* const head = m_slabs_with_room[class_index];
    slab->previous = nullptr;
    slab->next = head;
    if (head)
        head->previous = slab;
    m_slabs_with_room[class_index] = slab;
}

void FixedSizeBlockAllocator::unlink_slab(unsigned class_index, SlabHeader* slab)
{
    if (slab->previous)
        slab->previous->next = slab->next;
    else
        m_slabs_with_room[class_index] = slab->next;
    if (slab->next)
        slab->next->previous = slab->previous;
    slab->next = slab->previous = nullptr;
}

HeapStatistics FixedSizeBlockAllocator::statistics() const
{
    const HeapStatistics large = m_large.statistics();
    return {m_small_backend_bytes + large.backend_bytes, m_small_used + large.used_bytes,
            m_small_live + large.live_allocations};
}

bool FixedSizeBlockAllocator::check_consistency() const
{
    size_t used = 0, live = 0, empty = 0, with_room = 0;
    for (uintptr_t address = m_slabs_start; address < m_slabs_end; address += slab_bytes) {
        const SlabHeader* slab = slab_header_of(address);
        const SlabHeader::Identity& id = slab->identity;
        if (id.magic != slab_magic || id.class_index >= class_count || id.shift != shift_of(id.class_index))
            return false;
        const size_t blocks = slab_bytes >> id.shift;
        const size_t carved = slab->carve_offset >> id.shift;
        if (id.first_block + slab->capacity != blocks || carved < id.first_block || carved > blocks)
            return false;
        // Bits only for carved blocks, as many as the count says.
        size_t bits = 0;
        for (size_t block = 0; block < SlabHeader::max_blocks; ++block) {
            if (((slab->allocated[block / 64] >> (block % 64)) & 1) == 0)
                continue;
            if (block < id.first_block || block >= carved)
                return false;
            ++bits;
        }
        if (bits != slab->live || slab->live > slab->capacity)
            return false;
        // The free list holds exactly the carved blocks not handed out.
        size_t listed = 0;
        for (const FreeBlock* block = slab->free_list; block; block = block->next) {
            const auto at = address_of(block);
            const size_t number = (at - address) >> id.shift;
            if (arch::align_down(at, slab_bytes) != address || (at & ((size_t{1} << id.shift) - 1)) != 0
                || number < id.first_block || number >= carved
                || ((slab->allocated[number / 64] >> (number % 64)) & 1) != 0 || ++listed > blocks)
                return false;
        }
        if (listed != carved - id.first_block - slab->live)
            return false;
        live += slab->live;
        used += size_t{slab->live} << slab->identity.shift;
        empty += slab->live == 0;
        with_room += slab->live < slab->capacity;
    }
    if (used != m_small_used || live != m_small_live || empty != m_empty_slabs)
        return false;
    // Each class lists exactly its slabs with room.
    size_t listed_slabs = 0;
    for (unsigned index = 0; index < class_count; ++index) {
        const SlabHeader* previous = nullptr;
        for (const SlabHeader* slab = m_slabs_with_room[index]; slab; slab = slab->next) {
            if (slab->identity.class_index != index || slab->previous != previous || slab->live >= slab->capacity
                || ++listed_slabs > with_room)
                return false;
            previous = slab;
        }
    }
    return listed_slabs == with_room && m_large.check_consistency();
}

} // namespace mem::heap

#include "mem/heap/bump_allocator.h"
#include "mem/heap/heap_address.h"

namespace mem::heap {

kstd::Expected<void*, HeapError> BumpAllocator::allocate(size_t size, size_t alignment)
{
    if (!is_valid_alignment(alignment))
        return kstd::unexpected(HeapError{HeapErrorKind::BadAlignment, size, alignment});
    if (size > max_size)
        return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
    const size_t effective_alignment = alignment < min_alignment ? min_alignment : alignment;
    // Rounding the size keeps m_next 16-aligned; size 0 still takes 16 bytes
    // so every pointer is unique.
    const size_t rounded = size == 0 ? min_alignment : arch::align_up(size, min_alignment);
    uintptr_t start = arch::align_up(m_next, effective_alignment);
    if (m_end == 0 || start > m_end || m_end - start < rounded) {
        // Grow by what is missing (the whole request plus worst-case alignment
        // padding for the first call, when the region does not exist yet).
        const size_t missing = m_end == 0 ? rounded + effective_alignment : start + rounded - m_end;
        auto grown = m_backend->grow(missing);
        if (!grown)
            return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
        // The backend's memory is an address range of the kernel's (or the
        // test's) address space; the heap does arithmetic on its addresses.
        const auto grown_start = address_of(grown->data());
        if (m_end == 0) {
            m_start = m_next = grown_start;
        } else if (grown_start != m_end) {
            return kstd::unexpected(HeapError{HeapErrorKind::BackendNotContiguous, size, alignment});
        }
        m_end = grown_start + grown->size();
        start = arch::align_up(m_next, effective_alignment);
        if (start > m_end || m_end - start < rounded)
            return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, size, alignment});
    }
    m_next = start + rounded;
    ++m_live;
    // An address inside the region the backend made usable.
    return pointer_to(start);
}

kstd::Expected<void, HeapError> BumpAllocator::deallocate(void* pointer)
{
    if (pointer == nullptr)
        return {};
    // Only the address is looked at: is it in the part handed out?
    const auto address = address_of(pointer);
    if (address < m_start || address >= m_end || address % min_alignment != 0)
        return kstd::unexpected(HeapError{HeapErrorKind::NotFromHeap, 0, 0, pointer});
    // More frees than allocations: some block was freed twice.
    if (m_live == 0)
        return kstd::unexpected(HeapError{HeapErrorKind::DoubleFree, 0, 0, pointer});
    if (address >= m_next)
        return kstd::unexpected(HeapError{HeapErrorKind::NotFromHeap, 0, 0, pointer});
    // Everything freed: the whole region is reusable.
    if (--m_live == 0)
        m_next = m_start;
    return {};
}

HeapStatistics BumpAllocator::statistics() const
{
    return {m_end - m_start, m_next - m_start, m_live};
}

} // namespace mem::heap

#include "mem/mapped_region_backend.h"
#include "arch/x86_64/page_size.h"
#include "mem/kasan/shadow.h"

namespace mem {

kstd::Expected<std::span<std::byte>, heap::HeapError> MappedRegionBackend::grow(size_t minimum_bytes)
{
    const auto out_of_memory = kstd::unexpected(heap::HeapError{heap::HeapErrorKind::OutOfMemory, minimum_bytes, 0,
                                                                nullptr});
    if (minimum_bytes == 0 || minimum_bytes > m_size - m_mapped)
        return out_of_memory;
    const uint64_t bytes = arch::align_up(minimum_bytes, arch::page_size);
    if (bytes > m_size - m_mapped)
        return out_of_memory;
    const arch::VirtAddr piece = m_start + m_mapped;
    if (!m_space->map_fresh(piece, bytes, arch::Protection::read_write()))
        return out_of_memory;
    m_mapped += bytes;
    kasan::heap_mapped(piece, bytes); // test kernels: the new memory gets a shadow
    return std::span<std::byte>(piece.as_pointer<std::byte>(), bytes);
}

void MappedRegionBackend::release()
{
    if (m_mapped != 0)
        kasan::heap_released(m_start);
    m_space->unmap_and_free(m_start, m_mapped);
    m_mapped = 0;
}

bool MappedRegionBackend::contains(const void* pointer) const
{
    return arch::VirtAddr::of(pointer) - m_start < m_size;
}

} // namespace mem

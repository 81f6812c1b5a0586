#pragma once
// A heap backend over a region of the kernel's virtual memory: the region
// starts unmapped, and each grow() maps fresh frames right after what it
// mapped before (so the heap stays contiguous, as HeapBackend promises).
// Out of frames, or at the end of the region, grow() fails and maps nothing.

#include <cstddef>
#include <cstdint>
#include "mem/address_space.h"
#include "mem/heap/heap_backend.h"

namespace mem {

class MappedRegionBackend final : public heap::HeapBackend {
public:
    // [start, start + size) must be unused, page aligned, in `space`.
    MappedRegionBackend(AddressSpace& space, arch::VirtAddr start, uint64_t size)
        : m_space(&space), m_start(start), m_size(size)
    {
    }
    MappedRegionBackend(const MappedRegionBackend&) = delete;
    MappedRegionBackend& operator=(const MappedRegionBackend&) = delete;
    ~MappedRegionBackend() { release(); }

    [[nodiscard]] kstd::Expected<std::span<std::byte>, heap::HeapError> grow(size_t minimum_bytes) override;
    // Unmaps everything and frees the frames (the heap on top must be gone).
    void release();

    arch::VirtAddr start() const { return m_start; }
    uint64_t size() const { return m_size; }
    uint64_t mapped_bytes() const { return m_mapped; }
    bool contains(const void* pointer) const;

private:
    AddressSpace* m_space;
    arch::VirtAddr m_start;
    uint64_t m_size;
    uint64_t m_mapped = 0;
};

} // namespace mem

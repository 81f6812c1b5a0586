#pragma once
// A heap backend over one caller-provided region: each grow() hands out the
// next part of it, rounded up to `granularity`, until it is used up. Host
// tests and benchmarks use it over a large aligned buffer, kernel tests over
// a static array; the kernel's early heap could use it too.

#include <cstddef>
#include <span>
#include "mem/heap/heap_backend.h"
#include "arch/x86_64/page_size.h"

namespace mem::heap {

class FixedRegionBackend final : public HeapBackend {
public:
    // `region` should start page-aligned (the block allocator's slabs align
    // to their size inside it; a misaligned start wastes a little).
    explicit FixedRegionBackend(std::span<std::byte> region, size_t granularity = arch::page_size)
        : m_region(region), m_granularity(granularity)
    {
    }

    [[nodiscard]] kstd::Expected<std::span<std::byte>, HeapError> grow(size_t minimum_bytes) override
    {
        const size_t remaining = m_region.size() - m_used;
        if (minimum_bytes == 0 || minimum_bytes > remaining)
            return kstd::unexpected(HeapError{HeapErrorKind::OutOfMemory, minimum_bytes, 0, nullptr});
        // Whole granules, or what is left if that is less.
        size_t bytes = arch::align_up(minimum_bytes, m_granularity);
        if (bytes > remaining)
            bytes = remaining;
        const std::span<std::byte> piece = m_region.subspan(m_used, bytes);
        m_used += bytes;
        return piece;
    }

    std::span<std::byte> region() const { return m_region; }
    size_t used_bytes() const { return m_used; }

private:
    std::span<std::byte> m_region;
    size_t m_granularity;
    size_t m_used = 0;
};

} // namespace mem::heap

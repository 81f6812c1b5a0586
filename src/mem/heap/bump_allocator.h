#pragma once
// The bump allocator: the simplest heap. Allocation moves a pointer forward;
// memory is reused only when every allocation has been freed, and then all
// of it at once ("Writing an OS in Rust", Allocator Designs).
//
// Fast and tiny, but a single long-lived allocation keeps everything after it
// from ever being reused: a kernel that runs for long needs another design.
//
// Misuse it catches: freeing a pointer outside the bumped part of its region,
// or more frees than allocations. It cannot tell which block is freed, so a
// double free of one block is only seen when the count goes below zero.

#include <cstdint>
#include "mem/heap/heap_allocator.h"
#include "mem/heap/heap_backend.h"

namespace mem::heap {

class BumpAllocator final : public HeapAllocator {
public:
    explicit BumpAllocator(HeapBackend& backend) : m_backend(&backend) {}
    BumpAllocator(const BumpAllocator&) = delete;
    BumpAllocator& operator=(const BumpAllocator&) = delete;

    [[nodiscard]] kstd::Expected<void*, HeapError> allocate(size_t size, size_t alignment = min_alignment) override;
    [[nodiscard]] kstd::Expected<void, HeapError> deallocate(void* pointer) override;
    HeapStatistics statistics() const override;
    std::string_view name() const override { return "bump"; }

private:
    HeapBackend* m_backend;
    uintptr_t m_start = 0; // the region: [m_start, m_end) obtained, [m_start, m_next) handed out
    uintptr_t m_next = 0;
    uintptr_t m_end = 0;
    size_t m_live = 0;
};

} // namespace mem::heap

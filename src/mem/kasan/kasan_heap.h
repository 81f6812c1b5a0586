#pragma once
// KASAN for the kernel heap (test kernels only): mem::kernel_heap passes
// every allocation and free through here, around whichever heap design runs.
//
// An allocation of `size` bytes asks the design for more:
//
//   block (from the design)
//   │ padding │ header (32 B) │ payload: size bytes │ red zone ≥ 16 B │ slack the design adds │
//     0xFA      0xFA            accessible            0xFB              0xFC (never unpoisoned)
//
// The header records the requested size, what the design counts for the
// block, and where the block was allocated and freed (stack_depot.h). Only
// payloads of live allocations are ever accessible, so an access past the
// requested size hits the red zone or the slack, and one before the payload
// hits the header (or the red zone of the block before).
//
// A free poisons the payload (0xFD) and puts the block in a quarantine, a
// bounded FIFO: the design gets it back only when newer frees push it out, so
// a use after free finds poisoned memory instead of someone else's new
// allocation. A second free of a quarantined block is reported as a double
// free and otherwise ignored. The bump design reuses memory only once
// nothing is live, which a quarantine would prevent for ever: under it,
// freed blocks go straight back, their shadow saying "freed" until the reset
// reuses them.
//
// A bad access (shadow.cpp's checks), a double free: the report (see
// docs/testing.md) fails the running test case, or panics outside one.
//
// The quarantine and the stack depot are global: allocate, deallocate and
// the rest take a spinlock of KASAN's own, before whatever lock the heap
// behind takes (the kernel heap's). Its rank is None (unchecked): the order
// checker's ranks have none above the kernel heap's.

#include <cstddef>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"
#include "mem/heap/heap_allocator.h"
#include "mem/heap/heap_error.h"

namespace mem::kasan {

struct QuarantineStatistics {
    size_t allocations = 0; // blocks in the quarantine: live for the design, freed for its users
    size_t design_bytes = 0; // what the design counts as used for them
};

#ifdef KESTREL_KASAN

[[nodiscard]] kstd::Expected<void*, heap::HeapError> allocate(heap::HeapAllocator& heap, size_t size,
                                                              size_t alignment);
[[nodiscard]] kstd::Expected<void, heap::HeapError> deallocate(heap::HeapAllocator& heap, void* pointer,
                                                               bool quarantine);
// Gives every quarantined block back to the design (before the heap is replaced).
void flush_quarantine(heap::HeapAllocator& heap);
QuarantineStatistics quarantine_statistics();
// `heap`'s statistics as its users see them: quarantined blocks are freed.
heap::HeapStatistics user_statistics(const heap::HeapAllocator& heap);

// Called by the checks (shadow.cpp): the access of `size` bytes at `address`
// is not allowed from `bad` on.
void report_bad_access(uintptr_t address, size_t size, bool write, uintptr_t bad, arch::VirtAddr frame_pointer);

#else

inline kstd::Expected<void*, heap::HeapError> allocate(heap::HeapAllocator& heap, size_t size, size_t alignment)
{
    return heap.allocate(size, alignment);
}
inline kstd::Expected<void, heap::HeapError> deallocate(heap::HeapAllocator& heap, void* pointer, bool)
{
    return heap.deallocate(pointer);
}
inline void flush_quarantine(heap::HeapAllocator&) {}
inline QuarantineStatistics quarantine_statistics()
{
    return {};
}
inline heap::HeapStatistics user_statistics(const heap::HeapAllocator& heap)
{
    return heap.statistics();
}

#endif

} // namespace mem::kasan

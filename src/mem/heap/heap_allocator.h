#pragma once
// The interface every kernel heap design implements (bump, linked list,
// fixed-size blocks), so the design can be chosen at build time or boot and
// tested and benchmarked side by side.
//
// Contract, shared by all designs:
// - allocate(size, alignment) returns memory aligned to max(alignment, 16)
//   for any power-of-two alignment up to max_alignment (one page), or an
//   error: OutOfMemory (with the size asked for), BadAlignment. size 0 gives
//   a unique, freeable pointer.
// - deallocate(nullptr) does nothing. deallocate of anything this heap did
//   not hand out, or handed out and took back, is reported as an error where
//   the design can see it cheaply (each design says what it catches).
// - statistics() counts exactly: after every allocation is freed,
//   used_bytes and live_allocations are zero again.
// - Not thread-safe: the kernel wraps the heap in a lock.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "mem/heap/heap_error.h"
#include "arch/x86_64/page_size.h"

namespace mem::heap {

struct HeapStatistics {
    size_t backend_bytes = 0;    // obtained from the backend so far
    size_t used_bytes = 0;       // handed out, as the design counts it (rounded sizes, headers)
    size_t live_allocations = 0; // allocated and not yet freed
};

class HeapAllocator {
public:
    // Every block is aligned at least as malloc's are on x86_64 (and as
    // __STDCPP_DEFAULT_NEW_ALIGNMENT__ promises operator new).
    static constexpr size_t min_alignment = 16;
    static constexpr size_t max_alignment = arch::page_size;
    // Larger requests fail at once, so rounding a size up can never overflow.
    static constexpr size_t max_size = size_t{1} << 47;

    [[nodiscard]] virtual kstd::Expected<void*, HeapError> allocate(size_t size, size_t alignment = min_alignment) = 0;
    [[nodiscard]] virtual kstd::Expected<void, HeapError> deallocate(void* pointer) = 0;
    virtual HeapStatistics statistics() const = 0;
    virtual std::string_view name() const = 0;

protected:
    ~HeapAllocator() = default;
};

// The checks every design makes first.
constexpr bool is_valid_alignment(size_t alignment)
{
    return arch::is_power_of_two(alignment) && alignment <= HeapAllocator::max_alignment;
}

} // namespace mem::heap

#pragma once
// How kstd containers get memory: an allocator policy with a fallible and an
// infallible form, like `new (std::nothrow)` and plain `new`.
//
//   Expected<void*, AllocationFailure> try_allocate(size_t bytes, size_t alignment) noexcept;
//   void* allocate(size_t bytes, size_t alignment);               // never null
//   void deallocate(void* memory, size_t bytes, size_t alignment) noexcept;
//
// A container's try_* members use try_allocate and return its failure as a
// value; the others use allocate, whose failure the allocator handles (the
// kernel's operator new panics with the size; the host's throws).

#include <concepts>
#include <cstddef>
#include <new>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace kstd {

// Memory could not be had: `bytes` were asked for.
struct AllocationFailure {
    size_t bytes;
};

// Prints "out of memory: could not allocate 4096 bytes".
inline void format_value(Sink& sink, const AllocationFailure& failure, const FormatSpec&)
{
    format_to(sink, "out of memory: could not allocate {} bytes", failure.bytes);
}

template <typename A>
concept Allocator = requires(A& allocator, void* memory, size_t n) {
    { allocator.try_allocate(n, n) } -> std::same_as<Expected<void*, AllocationFailure>>;
    { allocator.allocate(n, n) } -> std::same_as<void*>;
    allocator.deallocate(memory, n, n);
};

// The global operator new and delete: the kernel heap in the kernel.
struct GlobalAllocator {
    Expected<void*, AllocationFailure> try_allocate(size_t bytes, size_t alignment) noexcept
    {
        // The nothrow operator new reports failure the one way the standard
        // lets it: a null pointer. Here it becomes a value.
        if (void* memory = ::operator new(bytes, std::align_val_t(alignment), std::nothrow))
            return memory;
        return unexpected(AllocationFailure{bytes});
    }
    void* allocate(size_t bytes, size_t alignment) { return ::operator new(bytes, std::align_val_t(alignment)); }
    void deallocate(void* memory, size_t bytes, size_t alignment) noexcept
    {
        ::operator delete(memory, bytes, std::align_val_t(alignment));
    }
};

} // namespace kstd

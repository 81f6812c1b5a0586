#pragma once
// How kstd containers get memory: an allocator policy with a fallible and an
// infallible form, like `new (std::nothrow)` and plain `new`.
//
//   void* try_allocate(size_t bytes, size_t alignment) noexcept;  // null when out of memory
//   void* allocate(size_t bytes, size_t alignment);               // never null
//   void deallocate(void* memory, size_t bytes, size_t alignment) noexcept;
//
// A container's try_* members use try_allocate and return the failure as a
// value; the others use allocate, whose failure the allocator handles (the
// kernel's operator new panics with the size; the host's throws).

#include <concepts>
#include <cstddef>
#include <new>

namespace kstd {

// A container could not get memory: `bytes` were asked for.
struct AllocationFailure {
    size_t bytes;
};

template <typename A>
concept Allocator = requires(A& allocator, void* memory, size_t n) {
    { allocator.try_allocate(n, n) } -> std::same_as<void*>;
    { allocator.allocate(n, n) } -> std::same_as<void*>;
    allocator.deallocate(memory, n, n);
};

// The global operator new and delete: the kernel heap in the kernel.
struct GlobalAllocator {
    void* try_allocate(size_t bytes, size_t alignment) noexcept
    {
        return ::operator new(bytes, std::align_val_t(alignment), std::nothrow);
    }
    void* allocate(size_t bytes, size_t alignment) { return ::operator new(bytes, std::align_val_t(alignment)); }
    void deallocate(void* memory, size_t bytes, size_t alignment) noexcept
    {
        ::operator delete(memory, bytes, std::align_val_t(alignment));
    }
};

} // namespace kstd

#pragma once
// The one place C++'s operator new and delete reach the kernel's memory
// manager: the kernel heap (mem/kernel_heap.h), from the Memory init stage on.

#include <cstddef>

namespace runtime {

// Returns null only when `may_fail` is set (the nothrow forms); otherwise an
// allocation that cannot be satisfied panics with the requested size. Before
// the heap exists every allocation panics (nothing may allocate that early).
void* allocate(size_t size, size_t alignment, bool may_fail);
// Panics on a pointer the heap did not hand out, or a double free (where the
// heap's design can tell).
void deallocate(void* pointer);

} // namespace runtime

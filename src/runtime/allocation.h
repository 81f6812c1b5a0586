#pragma once
// The one place C++'s operator new and delete reach the kernel's memory
// manager: the kernel heap (mem/kernel_heap.h), from the Memory init stage on.

#include <cstddef>
#include "kstd/expected.h"
#include "mem/heap/heap_error.h"

namespace runtime {

// Memory from the kernel heap, or the heap's error (out of memory, a bad
// alignment) as a value. Before the heap exists every allocation panics
// (nothing may allocate that early).
[[nodiscard]] kstd::Expected<void*, mem::heap::HeapError> try_allocate(size_t size, size_t alignment);
// The same, but an allocation that cannot be satisfied panics with the
// requested size and the heap's error: never null.
void* allocate(size_t size, size_t alignment);
// Panics on a pointer the heap did not hand out, or a double free (where the
// heap's design can tell).
void deallocate(void* pointer);

} // namespace runtime

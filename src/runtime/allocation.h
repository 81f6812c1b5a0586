#pragma once
// The one place C++'s operator new and delete reach the kernel's memory
// manager. Until the kernel heap exists these panic with a clear message.

#include <cstddef>

namespace runtime {

// Returns null only when `may_fail` is set (the nothrow forms); otherwise an
// allocation that cannot be satisfied panics with the requested size.
void* allocate(size_t size, size_t alignment, bool may_fail);
void deallocate(void* pointer);

} // namespace runtime

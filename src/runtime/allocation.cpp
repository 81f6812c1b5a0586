#include "runtime/allocation.h"
#include "kernel/panic.h"

namespace runtime {

void* allocate(size_t size, size_t alignment, bool)
{
    kernel::panic("operator new({} bytes, alignment {}) called, but the kernel has no heap yet", size, alignment);
}

void deallocate(void* pointer)
{
    if (pointer)
        kernel::panic("operator delete({}) called, but the kernel has no heap yet", pointer);
}

} // namespace runtime

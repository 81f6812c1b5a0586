#include "runtime/allocation.h"
#include "core/panic.h"
#include "mem/kernel_heap.h"

namespace runtime {

void* allocate(size_t size, size_t alignment, bool may_fail)
{
    if (!mem::kernel_heap::ready())
        core::panic("operator new({} bytes, alignment {}) called before the kernel heap exists", size, alignment);
    auto memory = mem::kernel_heap::allocate(size, alignment);
    if (memory)
        return *memory;
    if (may_fail)
        return nullptr;
    core::panic("operator new({} bytes, alignment {}) failed: {}", size, alignment, memory.error());
}

void deallocate(void* pointer)
{
    if (!pointer)
        return;
    if (!mem::kernel_heap::ready())
        core::panic("operator delete({}) called before the kernel heap exists", pointer);
    if (auto freed = mem::kernel_heap::deallocate(pointer); !freed)
        core::panic("operator delete({}): {}", pointer, freed.error());
}

} // namespace runtime

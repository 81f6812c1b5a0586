#include "runtime/allocation.h"
#include "core/panic.h"
#include "mem/kernel_heap.h"

namespace runtime {

kstd::Expected<void*, mem::heap::HeapError> try_allocate(size_t size, size_t alignment)
{
    if (!mem::kernel_heap::ready())
        core::panic("operator new({} bytes, alignment {}) called before the kernel heap exists", size, alignment);
    return mem::kernel_heap::allocate(size, alignment);
}

void* allocate(size_t size, size_t alignment)
{
    auto memory = try_allocate(size, alignment);
    if (!memory)
        core::panic("operator new({} bytes, alignment {}) failed: {}", size, alignment, memory.error());
    return *memory;
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

#pragma once
// The heaps reach memory through pointers and reason about it by address
// (alignment, which slab, which region). These two conversions are the only
// place they cross over: exact on x86_64, where an object pointer is its
// virtual address (the same on the host the tests run on).

#include <cstdint>

namespace mem::heap {

inline uintptr_t address_of(const void* pointer)
{
    // A pointer's value is its address in the current address space.
    return reinterpret_cast<uintptr_t>(pointer);
}

// The caller vouches that `address` lies in memory the heap owns; the result
// names storage, and objects are created there with placement new (or were).
inline void* pointer_to(uintptr_t address)
{
    // An address in the current address space, made back into a pointer.
    return reinterpret_cast<void*>(address);
}

} // namespace mem::heap

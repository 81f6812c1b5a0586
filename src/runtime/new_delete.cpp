// Every replaceable operator new/delete the compiler may call ([new.delete]),
// routed to runtime::allocate/try_allocate/deallocate. The kernel has no
// exceptions: the plain forms panic on failure (inside allocate); the nothrow
// forms return null, the one way [new.delete] lets them report it.

#include <cstddef>
#include <new>
#include "runtime/allocation.h"

// The tag object of the nothrow forms; a hosted program gets it from libsupc++.
namespace std {
const nothrow_t nothrow{};
}

namespace {
constexpr size_t default_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
size_t to_size(std::align_val_t alignment)
{
    return static_cast<size_t>(alignment);
}
void* or_null(kstd::Expected<void*, mem::heap::HeapError> memory)
{
    return memory ? *memory : nullptr;
}
} // namespace

void* operator new(size_t size) { return runtime::allocate(size, default_alignment); }
void* operator new[](size_t size) { return runtime::allocate(size, default_alignment); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return or_null(runtime::try_allocate(size, default_alignment)); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return or_null(runtime::try_allocate(size, default_alignment)); }
void* operator new(size_t size, std::align_val_t alignment) { return runtime::allocate(size, to_size(alignment)); }
void* operator new[](size_t size, std::align_val_t alignment) { return runtime::allocate(size, to_size(alignment)); }
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept
{
    return or_null(runtime::try_allocate(size, to_size(alignment)));
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept
{
    return or_null(runtime::try_allocate(size, to_size(alignment)));
}

void operator delete(void* pointer) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer) noexcept { runtime::deallocate(pointer); }
void operator delete(void* pointer, size_t) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer, size_t) noexcept { runtime::deallocate(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { runtime::deallocate(pointer); }
void operator delete(void* pointer, size_t, std::align_val_t) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer, size_t, std::align_val_t) noexcept { runtime::deallocate(pointer); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { runtime::deallocate(pointer); }
void operator delete(void* pointer, std::align_val_t, const std::nothrow_t&) noexcept { runtime::deallocate(pointer); }
void operator delete[](void* pointer, std::align_val_t, const std::nothrow_t&) noexcept { runtime::deallocate(pointer); }

// The Itanium C++ ABI hooks GCC expects from a hosted runtime.
//
// - __cxa_pure_virtual: called through a vtable slot of an abstract class
//   (an object used during its construction or after destruction).
// - __cxa_atexit/__dso_handle: GCC registers destructors of globals with
//   __cxa_atexit. The kernel never exits, so it records nothing.
// - Function-local statics: built with -fno-threadsafe-statics (no
//   __cxa_guard_*); the kernel's statics are constant-initialised or first
//   used on the boot CPU before any concurrency exists.

#include "core/panic.h"

extern "C" {

void* __dso_handle = &__dso_handle;

int __cxa_atexit(void (*)(void*), void*, void*)
{
    return 0;
}

void __cxa_pure_virtual()
{
    core::panic("pure virtual function called (object used during construction or after destruction)");
}

} // extern "C"

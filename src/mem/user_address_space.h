#pragma once
// An address space of its own for a user program: a fresh PML4 whose lower
// half is the program's and whose upper half is the kernel's. The 256
// kernel-half entries are copied from the kernel address space; they point
// at PDPTs made once at boot and never changed, so every address space sees
// the same kernel (mem/kernel_address_space.cpp).
//
// Destroying it releases every page mapped in its lower half (a frame
// shared with a forked relative lives on until its last user goes) and
// frees every table there and the PML4: a program's frames all come back
// when it ends.
//
// Fork: clone_for_fork() gives a child that maps the very same frames,
// copy-on-write (docs/memory.md, "Frame reference counts and copy-on-write").

#include "kstd/expected.h"
#include "mem/address_space.h"

namespace mem {

class UserAddressSpace {
public:
    [[nodiscard]] static kstd::Expected<UserAddressSpace*, MapError> create();
    ~UserAddressSpace();
    UserAddressSpace(const UserAddressSpace&) = delete;
    UserAddressSpace& operator=(const UserAddressSpace&) = delete;

    AddressSpace& space() { return m_space; }

    // A new address space whose lower half maps the same frames as this
    // one's, for a forked child. Page tables are its own. Every present
    // page's frame gains a reference. Writable user pages become read-only +
    // copy-on-write in both spaces (the first write to one copies it:
    // AddressSpace::resolve_copy_on_write); other pages are shared as they
    // are. If this space is active on this CPU, its TLB is flushed. Out of
    // frames (OutOfFrames), nothing has changed: this space is as it was and
    // every frame taken is back.
    [[nodiscard]] kstd::Expected<UserAddressSpace*, MapError> clone_for_fork();

private:
    explicit UserAddressSpace(arch::PhysAddr root) : m_space(root) {}
    AddressSpace m_space;
};

} // namespace mem

#pragma once
// An address space of its own for a user program: a fresh PML4 whose lower
// half is the program's and whose upper half is the kernel's. The 256
// kernel-half entries are copied from the kernel address space; they point
// at PDPTs made once at boot and never changed, so every address space sees
// the same kernel (mem/kernel_address_space.cpp).
//
// Destroying it frees every page mapped in its lower half, every table
// there and the PML4: a program's frames all come back when it ends.

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

private:
    explicit UserAddressSpace(arch::PhysAddr root) : m_space(root) {}
    AddressSpace m_space;
};

} // namespace mem

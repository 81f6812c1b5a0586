#pragma once
// The exception table: instructions that are allowed to fault, each with
// where execution resumes if it does (Linux's __ex_table). An entry is two
// addresses, emitted beside the instruction into the `.exception_table`
// section (the linker script gathers them):
//
//   .copy:  rep movsb            ; may fault on a bad user address
//   ...
//   section .exception_table
//       dq .copy, .fault         ; a fault at .copy resumes at .fault
//
// interrupt_dispatch looks a kernel-mode page fault or #GP up here first:
// with an entry, it sets the saved RIP to the fix-up and returns, so the
// faulting code goes on at its fix-up with every register as the fault left
// it. Used by copy_from_user/copy_to_user (src/user/user_copy.h).

#include <optional>
#include "arch/x86_64/address.h"

namespace arch {

struct ExceptionTableEntry {
    uint64_t instruction;
    uint64_t fixup;
};

// Where a fault at `instruction` resumes, if it may fault.
std::optional<VirtAddr> exception_fixup(VirtAddr instruction);

} // namespace arch

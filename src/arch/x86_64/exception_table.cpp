#include "arch/x86_64/exception_table.h"

// The table's bounds (linker script).
extern "C" const arch::ExceptionTableEntry __exception_table_start[];
extern "C" const arch::ExceptionTableEntry __exception_table_end[];

namespace arch {

std::optional<VirtAddr> exception_fixup(VirtAddr instruction)
{
    // A handful of entries: a linear search.
    for (const ExceptionTableEntry* entry = __exception_table_start; entry != __exception_table_end; ++entry) {
        if (entry->instruction == instruction.value())
            return VirtAddr(entry->fixup);
    }
    return std::nullopt;
}

} // namespace arch

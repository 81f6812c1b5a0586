#pragma once
// Init stage Cpu: this CPU's own descriptor tables and control bits.
//
//   1. the features the kernel needs are there (cpu_features.h),
//   2. EFER.NXE on where the CPU has NX,
//   3. x87/SSE for user code (fpu.h),
//   4. the TSS with the interrupt stacks (IST), the kernel's GDT, the IDT.
//
// Interrupts stay off. From here on every exception is caught and reported
// (interrupts/dispatch.cpp). The interrupt stacks' guard pages are left out
// of the kernel's own page tables (Memory stage, mem/kernel_address_space.cpp);
// until then only the boot stack's guard page (boot.asm) is unmapped.

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace arch {

enum class CpuSetupError : uint8_t {
    InterruptsEnabled,       // the tables are replaced with interrupts off only
    MissingRequiredFeature,  // see missing_required_feature() for which
};
std::string_view to_string(CpuSetupError error);

[[nodiscard]] kstd::Expected<void, CpuSetupError> initialize_cpu();
bool cpu_initialized();

} // namespace arch

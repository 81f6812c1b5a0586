#include "arch/x86_64/fpu.h"
#include "arch/x86_64/control_registers.h"

namespace arch {

namespace {
// Offsets in the FXSAVE image (SDM vol. 1, table 10-2).
constexpr size_t fcw_offset = 0, mxcsr_offset = 24;
constexpr uint16_t initial_fcw = 0x037F;
constexpr uint32_t initial_mxcsr = 0x1F80;
} // namespace

FpuState FpuState::initial()
{
    FpuState state{};
    __builtin_memcpy(state.bytes + fcw_offset, &initial_fcw, sizeof initial_fcw);
    __builtin_memcpy(state.bytes + mxcsr_offset, &initial_mxcsr, sizeof initial_mxcsr);
    return state;
}

void enable_fpu()
{
    write_cr0((read_cr0() | cr0_monitor_coprocessor) & ~(cr0_emulation | cr0_task_switched));
    write_cr4(read_cr4() | cr4_osfxsr | cr4_osxmmexcpt);
    // FNINIT resets the x87 unit (control word 0x037F, empty stack); it has
    // no memory operand and touches no general register.
    asm volatile("fninit");
}

} // namespace arch

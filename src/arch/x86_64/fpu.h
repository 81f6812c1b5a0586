#pragma once
// The x87/SSE register state of user code (Intel SDM vol. 1, 10.5 "FXSAVE
// and FXRSTOR"; vol. 3, 13.1 "Provisions for x87 FPU and SSE state").
//
// The kernel itself never touches these registers (it is built with
// -mgeneral-regs-only), so user code's values stay in them while the kernel
// runs on its behalf. The scheduler saves them when it switches away from a
// user thread and loads the next user thread's, eagerly, as Linux does
// today: no #NM traps, and no state of one program visible to another.

#include <cstddef>
#include <cstdint>

namespace arch {

// The 512-byte FXSAVE image. FXSAVE/FXRSTOR #GP on an address that is not
// 16-byte aligned.
struct alignas(16) FpuState {
    std::byte bytes[512];

    // What a new program starts with: x87 control word 0x037F (every
    // exception masked, 64-bit precision, round to nearest), MXCSR 0x1F80
    // (every SSE exception masked), every register zero. The values FNINIT
    // and a reset give (SDM vol. 1, 8.1.5 and 10.2.3.1), and what the
    // System V ABI promises at process entry (AMD64 supplement, 3.4.1).
    static FpuState initial();
};
static_assert(sizeof(FpuState) == 512);

// CR0.MP on, CR0.EM and CR0.TS off; CR4.OSFXSR (FXSAVE/FXRSTOR and SSE
// allowed) and CR4.OSXMMEXCPT (SSE exceptions raise #XM, not #UD) on
// (SDM vol. 3, 13.1.3 and 13.1.4). Then FNINIT. Per CPU, in the Cpu stage.
void enable_fpu();

inline void save_fpu(FpuState& state)
{
    // FXSAVE64 stores the x87, MMX and SSE registers and MXCSR into the 512
    // bytes at the operand, which must be 16-byte aligned (FpuState is).
    asm volatile("fxsave64 %0" : "=m"(state));
}

inline void restore_fpu(const FpuState& state)
{
    // FXRSTOR64 loads what FXSAVE64 stored; #GP if the MXCSR image sets a
    // reserved bit (the kernel writes that image only with FXSAVE or initial()).
    asm volatile("fxrstor64 %0" : : "m"(state));
}

} // namespace arch

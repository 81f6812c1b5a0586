#pragma once
// The one frame every interrupt and exception handler sees, built on the
// stack by interrupt_stubs.asm. From the lowest address up:
//
//   r15 ... rax      pushed by the common stub (interrupt_common)
//   vector           pushed by the vector's own stub
//   error_code       pushed by the CPU for vectors that have one, else a 0
//                    pushed by the stub, so the layout never varies
//   rip cs rflags    pushed by the CPU (Intel SDM vol. 3, 6.14.2 "64-Bit
//   rsp ss           Mode Stack Frame": always all five in 64-bit mode)
//
// Handlers may change the frame; the stub restores the registers from it
// and returns with IRETQ. The fields stay raw integers because the CPU and
// the stub define this layout; code that uses rip, rsp or rbp as an address
// wraps it in arch::VirtAddr.

#include <cstddef>
#include <cstdint>

namespace arch {

struct InterruptFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

// interrupt_stubs.asm hard-codes these offsets (FRAME_RBP, FRAME_RIP).
static_assert(sizeof(InterruptFrame) == 22 * 8);
static_assert(offsetof(InterruptFrame, rbp) == 64);
static_assert(offsetof(InterruptFrame, vector) == 120);
static_assert(offsetof(InterruptFrame, rip) == 136);
// 22 words: the frame keeps the 16-byte stack alignment the CPU sets up
// before pushing (SDM vol. 3, 6.14.2), so the stub can call C++ directly.
static_assert(sizeof(InterruptFrame) % 16 == 0);

} // namespace arch

#pragma once
// Ring 3: entering user mode, the SYSCALL entry, and the kernel stack the
// CPU switches to when user code enters the kernel.
//
//   user code ── syscall ──> syscall_entry (syscall.asm): swapgs, this
//        ▲                   thread's kernel stack, a SyscallFrame, then the
//        │                   handler set_syscall_handler() registered
//        └── sysretq (iretq if the return RIP is not canonical, or the
//            handler asks for every register back: rt_sigreturn, a signal) ─┘
//   user code ── interrupt or exception ──> interrupt_common (swapgs when
//                the saved CS is ring 3), the same InterruptFrame as ring 0
//
// SYSRET to a non-canonical RIP raises #GP in ring 0 on Intel CPUs, with
// the user's RSP already loaded (the SYSRET vulnerability, CVE-2012-0217;
// Intel SDM vol. 2B, "SYSRET": "If the return is to a non-canonical address,
// a #GP is raised ... in privilege level 0"). syscall.asm checks RCX and
// returns such a call through IRETQ, which faults in ring 3 instead.

#include <cstdint>
#include "arch/x86_64/interrupt_frame.h"

extern "C" [[noreturn]] void arch_enter_user_mode(uint64_t rip, uint64_t rsp); // syscall.asm
extern "C" [[noreturn]] void arch_return_to_user(const arch::InterruptFrame* frame); // syscall.asm

namespace arch {

// What a system call sees: the registers as the user left them, in the
// InterruptFrame layout (vector and error code 0; rip, rflags and rsp the
// user's, from RCX, R11 and the saved RSP). The handler writes the result
// to rax, and returns true when it changed more (rt_sigreturn, a signal
// handler's entry): then the call returns through IRETQ with every
// register of the frame, RCX and R11 included, which SYSRET would clobber.
using SyscallFrame = InterruptFrame;
using SyscallHandler = bool (*)(SyscallFrame& frame);

// The RFLAGS bits user code may hold (CF PF AF ZF SF TF DF OF, AC, ID);
// IOPL, NT, VM and the rest are the kernel's to decide (SDM vol. 1, 3.4.3).
inline constexpr uint64_t user_rflags_mask = 0x0000'0000'0024'0DD5ull;

// Programs STAR, LSTAR and FMASK and sets EFER.SCE: SYSCALL enters
// syscall_entry with interrupts, direction, trap and alignment-check flags
// cleared. Call once per CPU, after the GDT.
void enable_syscalls();
void set_syscall_handler(SyscallHandler handler);

// The stack the CPU loads when user code enters the kernel on this CPU:
// TSS.rsp0 for interrupts and exceptions, and syscall_entry's. The
// scheduler sets it to the running thread's stack top at every switch.
void set_kernel_entry_stack(uint64_t top);
uint64_t kernel_entry_stack();

// Leaves the kernel for good on this thread's stack: IRETQ to ring 3 at
// `rip` with `rsp`, interrupts on, every other register zero.
[[noreturn]] inline void enter_user_mode(uint64_t rip, uint64_t rsp)
{
    arch_enter_user_mode(rip, rsp);
}

// Leaves the kernel for good with the registers of `frame` (a user frame
// on this thread's kernel stack, such as a copy of the parent's system-call
// frame in a forked child). CS and SS are forced to the user selectors.
[[noreturn]] void return_to_user(InterruptFrame& frame);

// Whether a frame was saved from ring 3.
inline bool from_user_mode(const InterruptFrame& frame)
{
    return (frame.cs & 3) == 3;
}

} // namespace arch

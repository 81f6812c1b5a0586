#include "arch/x86_64/user_mode.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tss.h"

extern "C" void syscall_entry();

namespace arch {

namespace {
SyscallHandler g_handler = nullptr;

// IA32_STAR, IA32_LSTAR, IA32_FMASK (Intel SDM vol. 4, table 2-2).
constexpr uint32_t star = 0xC000'0081;
constexpr uint32_t lstar = 0xC000'0082;
constexpr uint32_t fmask = 0xC000'0084;
// RFLAGS cleared on entry: TF (8), IF (9), DF (10), AC (18).
constexpr uint64_t entry_cleared_flags = (1u << 8) | (1u << 9) | (1u << 10) | (1u << 18);
constexpr uint64_t rflags_interrupt = 1u << 9, rflags_always_one = 1u << 1;
} // namespace

void enable_syscalls()
{
    // STAR[47:32]: SYSCALL's CS (SS = +8); STAR[63:48]: SYSRET's base, CS =
    // +16 and SS = +8, both with RPL 3: user code 0x23 and user data 0x1B.
    static_assert(gdt::user_data_selector == (gdt::kernel_data_selector | 3) + 8);
    static_assert(gdt::user_code_selector == (gdt::kernel_data_selector | 3) + 16);
    msr::write(star, (uint64_t{gdt::kernel_data_selector | 3} << 48) | (uint64_t{gdt::kernel_code_selector} << 32));
    msr::write(lstar, reinterpret_cast<uint64_t>(&syscall_entry)); // a code address as the MSR's number
    msr::write(fmask, entry_cleared_flags);
    msr::write(msr::efer, msr::read(msr::efer) | msr::efer_syscall_enable);
}

void set_syscall_handler(SyscallHandler handler)
{
    g_handler = handler;
}

void set_kernel_entry_stack(uint64_t top)
{
    task_state_segment().rsp[0] = top;
    this_cpu_data().kernel_stack_top = top;
}

uint64_t kernel_entry_stack()
{
    return this_cpu_data().kernel_stack_top;
}

void return_to_user(InterruptFrame& frame)
{
    frame.cs = gdt::user_code_selector;
    frame.ss = gdt::user_data_selector;
    frame.rflags = (frame.rflags & user_rflags_mask) | rflags_interrupt | rflags_always_one;
    arch_return_to_user(&frame);
}

} // namespace arch

// syscall.asm: the C++ side of a system call, on the thread's kernel stack.
// True: return through IRETQ with every register of the frame.
extern "C" bool syscall_dispatch(arch::SyscallFrame* frame)
{
    if (arch::g_handler == nullptr) {
        frame->rax = static_cast<uint64_t>(-38); // ENOSYS: no handler registered
        return false;
    }
    return arch::g_handler(*frame);
}

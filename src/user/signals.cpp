#include "user/signals.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/user_mode.h"
#include "user/user_copy.h"

namespace user {

namespace {

constexpr uint64_t red_zone = 128; // System V AMD64 ABI 3.2.2: below RSP, the function's own
constexpr uint64_t user_space_end = 0x0000'8000'0000'0000;
// RFLAGS bits the handler starts without: DF (the ABI wants it clear at a
// call), TF and RF (no single-step or debug state carried into it).
constexpr uint64_t rflags_trap = 1u << 8, rflags_direction = 1u << 10, rflags_resume = 1u << 16;
constexpr size_t mxcsr_offset = 24, mxcsr_mask_offset = 28; // SDM vol. 1, table 10-2

// MXCSR bits FXRSTOR accepts (FXSAVE's MXCSR_MASK; 0xFFBF when it says 0,
// SDM vol. 1, 11.6.6): a frame with others would #GP in the kernel.
uint32_t mxcsr_mask()
{
    static const uint32_t mask = [] {
        arch::FpuState state;
        arch::save_fpu(state);
        uint32_t value;
        __builtin_memcpy(&value, state.bytes + mxcsr_mask_offset, sizeof value);
        return value != 0 ? value : 0xFFBFu;
    }();
    return mask;
}

bool canonical(uint64_t address)
{
    return address < user_space_end || address >= 0xFFFF'8000'0000'0000ull;
}

} // namespace

DefaultAction default_action(int signo)
{
    switch (signo) {
    case sigchld:
    case sigurg:
    case sigwinch: return DefaultAction::Ignore;
    case sigcont: return DefaultAction::Continue;
    case sigstop:
    case sigtstp:
    case sigttin:
    case sigttou: return DefaultAction::Stop;
    case sigquit:
    case sigill:
    case sigtrap:
    case sigabrt:
    case sigbus:
    case sigfpe:
    case sigsegv:
    case sigxcpu:
    case sigxfsz:
    case sigsys: return DefaultAction::CoreDump;
    default: return DefaultAction::Terminate;
    }
}

bool SignalState::ignores(int signo) const
{
    const uint64_t handler = action(signo).handler;
    if (handler == sig_ign)
        return true;
    const DefaultAction fallback = default_action(signo);
    return handler == sig_dfl && (fallback == DefaultAction::Ignore || fallback == DefaultAction::Continue);
}

void SignalState::copy_for_fork(const SignalState& parent)
{
    __builtin_memcpy(actions, parent.actions, sizeof actions);
    blocked = parent.restore_saved_mask ? parent.saved_mask : parent.blocked;
    alternate = parent.alternate;
    pending = 0;
}

void SignalState::reset_for_exec()
{
    for (SignalAction& action : actions) {
        if (action.handler != sig_ign)
            action = SignalAction{};
        action.flags = 0;
    }
    alternate = SignalStack{0, ss_disable, 0, 0};
}

bool on_signal_stack(const SignalStack& stack, uint64_t sp)
{
    // Growing down: the top (sp + size) belongs to the stack, its base does not.
    return (stack.flags & ss_disable) == 0 && sp > stack.sp && sp - stack.sp <= stack.size;
}

FrameLayout signal_frame_layout(uint64_t stack_pointer, bool on_alternate_stack)
{
    uint64_t sp = on_alternate_stack ? stack_pointer : stack_pointer - red_zone;
    const uint64_t fpu = (sp - fxsave_size) & ~uint64_t{63};
    sp = ((fpu - sizeof(RtSigFrame)) & ~uint64_t{15}) - 8;
    return {sp, fpu};
}

bool push_signal_frame(arch::InterruptFrame& frame, int signo, const SignalAction& action, const SignalInfo& info,
                       uint64_t old_mask, SignalStack& alternate, const FaultDetails& fault)
{
    // x86-64 Linux has no sigreturn trampoline of its own: without
    // SA_RESTORER the handler could not return (it sends SIGSEGV too).
    if ((action.flags & sa_restorer) == 0 || action.handler >= user_space_end)
        return false; // (a handler outside user space: IRETQ would fault in the kernel)
    // uc_stack: the alternate stack as it stands (Linux's __save_altstack).
    const SignalStack saved_stack{alternate.sp, alternate.flags, 0, alternate.size};
    const bool was_on_alternate = on_signal_stack(alternate, frame.rsp - red_zone);
    const bool switch_stack = (action.flags & sa_onstack) != 0 && (alternate.flags & ss_disable) == 0 && alternate.size != 0
                        && !was_on_alternate;
    const FrameLayout layout =
        signal_frame_layout(switch_stack ? alternate.sp + alternate.size : frame.rsp, switch_stack);
    // Ran off the bottom of the alternate stack: Linux gives up too.
    if (was_on_alternate && !on_signal_stack(alternate, layout.frame))
        return false;

    arch::FpuState fpu;
    arch::save_fpu(fpu); // the interrupted code's: the kernel never touches these registers
    __builtin_memset(fpu.bytes + 464, 0, fxsave_size - 464); // the software-available bytes: no xstate magic

    RtSigFrame out{};
    out.return_address = action.restorer;
    out.uc.flags = uc_sigcontext_ss | uc_strict_restore_ss;
    out.uc.stack = saved_stack;
    SigContext& context = out.uc.mcontext;
    context.r8 = frame.r8;
    context.r9 = frame.r9;
    context.r10 = frame.r10;
    context.r11 = frame.r11;
    context.r12 = frame.r12;
    context.r13 = frame.r13;
    context.r14 = frame.r14;
    context.r15 = frame.r15;
    context.rdi = frame.rdi;
    context.rsi = frame.rsi;
    context.rbp = frame.rbp;
    context.rbx = frame.rbx;
    context.rdx = frame.rdx;
    context.rax = frame.rax;
    context.rcx = frame.rcx;
    context.rsp = frame.rsp;
    context.rip = frame.rip;
    context.eflags = frame.rflags;
    context.cs = static_cast<uint16_t>(frame.cs);
    context.ss = static_cast<uint16_t>(frame.ss);
    context.err = fault.error_code;
    context.trapno = fault.trapno;
    context.oldmask = old_mask;
    context.cr2 = fault.cr2;
    context.fpstate = layout.fpu;
    out.uc.sigmask = old_mask;
    SignalInfo full = info;
    full.signo = signo;
    __builtin_memcpy(out.info, &full, sizeof full);

    if (!copy_to_user(UserAddress(layout.fpu), fpu.bytes, fxsave_size)
        || !copy_to_user(UserAddress(layout.frame), &out, sizeof out))
        return false;

    if ((static_cast<uint32_t>(alternate.flags) & ss_autodisarm) != 0)
        alternate = SignalStack{0, ss_disable, 0, 0};
    static const arch::FpuState initial = arch::FpuState::initial();
    arch::restore_fpu(initial); // as Linux's fpu__clear_user_states: the handler starts clean
    frame.rsp = layout.frame;
    frame.rip = action.handler;
    frame.rdi = static_cast<uint64_t>(signo);
    frame.rsi = layout.frame + offsetof(RtSigFrame, info);
    frame.rdx = layout.frame + offsetof(RtSigFrame, uc);
    frame.rax = 0; // for handlers declared without a prototype (varargs: AL counts vector registers)
    frame.rflags &= ~(rflags_direction | rflags_trap | rflags_resume);
    frame.cs = arch::gdt::user_code_selector;
    frame.ss = arch::gdt::user_data_selector;
    return true;
}

bool pop_signal_frame(arch::InterruptFrame& frame, uint64_t& mask, SignalStack& alternate)
{
    // The handler's RET popped the return address: the frame starts 8 below.
    const uint64_t at = frame.rsp - 8;
    RtSigFrame in;
    if (!copy_from_user(&in, UserAddress(at), sizeof in))
        return false;
    const SigContext& context = in.uc.mcontext;
    if (context.cs != arch::gdt::user_code_selector || context.ss != arch::gdt::user_data_selector
        || context.rip >= user_space_end || !canonical(context.rsp))
        return false; // IRETQ would fault in the kernel, or leave ring 3
    arch::FpuState fpu = arch::FpuState::initial();
    if (context.fpstate != 0) {
        if (!copy_from_user(fpu.bytes, UserAddress(context.fpstate), fxsave_size))
            return false;
        uint32_t mxcsr;
        __builtin_memcpy(&mxcsr, fpu.bytes + mxcsr_offset, sizeof mxcsr);
        mxcsr &= mxcsr_mask();
        __builtin_memcpy(fpu.bytes + mxcsr_offset, &mxcsr, sizeof mxcsr);
    }
    // The alternate stack as the frame says (SS_AUTODISARM's way back),
    // unless the handler still runs on it; Linux ignores every error but EFAULT.
    const SignalStack& wanted = in.uc.stack;
    if (!on_signal_stack(alternate, frame.rsp)) {
        if ((wanted.flags & ss_disable) != 0)
            alternate = SignalStack{0, ss_disable, 0, 0};
        else if (wanted.size >= min_signal_stack && (wanted.flags & ~static_cast<int32_t>(ss_autodisarm)) == 0)
            alternate = SignalStack{wanted.sp, wanted.flags, 0, wanted.size};
    }
    frame.r8 = context.r8;
    frame.r9 = context.r9;
    frame.r10 = context.r10;
    frame.r11 = context.r11;
    frame.r12 = context.r12;
    frame.r13 = context.r13;
    frame.r14 = context.r14;
    frame.r15 = context.r15;
    frame.rdi = context.rdi;
    frame.rsi = context.rsi;
    frame.rbp = context.rbp;
    frame.rbx = context.rbx;
    frame.rdx = context.rdx;
    frame.rax = context.rax;
    frame.rcx = context.rcx;
    frame.rsp = context.rsp;
    frame.rip = context.rip;
    // Only the bits user code may change; IF and the rest stay the kernel's.
    frame.rflags = (frame.rflags & ~arch::user_rflags_mask) | (context.eflags & arch::user_rflags_mask);
    frame.cs = arch::gdt::user_code_selector;
    frame.ss = arch::gdt::user_data_selector;
    arch::restore_fpu(fpu);
    mask = in.uc.sigmask & ~unblockable_signals;
    return true;
}

} // namespace user

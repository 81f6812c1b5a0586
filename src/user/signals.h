#pragma once
// POSIX signals as Linux x86-64 has them: the numbers, a process's
// dispositions, mask, pending set and alternate stack, and the rt signal
// frame a handler runs on. The structures are Linux's user ABI, byte for
// byte (include/uapi/asm-generic/signal.h, siginfo.h; arch/x86/include/
// uapi/asm/sigcontext.h, ucontext.h; the frame of arch/x86/kernel/signal.c),
// so that musl and glibc programs run unchanged.
//
//   kill, a fault, a child's end ──> Process::send_signal: pending |= bit
//        (discarded if ignored and not blocked; wakes an interruptible wait)
//   every return to user mode ──> Process::deliver_signals: the lowest
//        unblocked pending signal: default action, or a frame on the user
//        stack and the handler's entry; rt_sigreturn undoes the frame.
//
// Process (process.h) holds a SignalState under the process table's lock.

#include <cstddef>
#include <cstdint>
#include "arch/x86_64/interrupt_frame.h"

namespace user {

// Linux's x86 signal numbers (1-31 standard, 32-64 real-time).
inline constexpr int sighup = 1, sigint = 2, sigquit = 3, sigill = 4, sigtrap = 5, sigabrt = 6, sigbus = 7,
                     sigfpe = 8, sigkill = 9, sigusr1 = 10, sigsegv = 11, sigusr2 = 12, sigpipe = 13, sigalrm = 14,
                     sigterm = 15, sigstkflt = 16, sigchld = 17, sigcont = 18, sigstop = 19, sigtstp = 20,
                     sigttin = 21, sigttou = 22, sigurg = 23, sigxcpu = 24, sigxfsz = 25, sigvtalrm = 26,
                     sigprof = 27, sigwinch = 28, sigio = 29, sigpwr = 30, sigsys = 31;
inline constexpr int signal_count = 64;

// A sigset_t as the kernel keeps it: bit n-1 for signal n.
constexpr uint64_t signal_bit(int signo)
{
    return uint64_t{1} << (signo - 1);
}
// SIGKILL and SIGSTOP: never caught, blocked or ignored.
inline constexpr uint64_t unblockable_signals = signal_bit(sigkill) | signal_bit(sigstop);
inline constexpr uint64_t stop_signals =
    signal_bit(sigstop) | signal_bit(sigtstp) | signal_bit(sigttin) | signal_bit(sigttou);

// sa_handler's two special values, and sa_flags (asm-generic/signal-defs.h, x86's signal.h).
inline constexpr uint64_t sig_dfl = 0, sig_ign = 1;
inline constexpr uint64_t sa_nocldstop = 1, sa_nocldwait = 2, sa_siginfo = 4, sa_restorer = 0x0400'0000,
                          sa_onstack = 0x0800'0000, sa_restart = 0x1000'0000, sa_nodefer = 0x4000'0000,
                          sa_resethand = 0x8000'0000;

// si_code values (asm-generic/siginfo.h).
inline constexpr int32_t si_user = 0, si_kernel = 0x80, si_tkill = -6;
inline constexpr int32_t segv_maperr = 1, segv_accerr = 2, ill_illopn = 2, fpe_intdiv = 1, trap_brkpt = 1;
inline constexpr int32_t cld_exited = 1, cld_killed = 2, cld_dumped = 3, cld_stopped = 5, cld_continued = 6;

// sigaltstack's ss_flags.
inline constexpr int32_t ss_onstack = 1, ss_disable = 2;
inline constexpr uint32_t ss_autodisarm = 1u << 31;
inline constexpr uint64_t min_signal_stack = 2048; // MINSIGSTKSZ

// The kernel's struct sigaction on x86-64, as rt_sigaction takes it
// (include/linux/signal_types.h): not libc's, whose mask is 128 bytes.
struct SignalAction {
    uint64_t handler;  // sig_dfl, sig_ign, or the handler's address
    uint64_t flags;    // sa_*
    uint64_t restorer; // where the handler returns: a `rt_sigreturn` stub (SA_RESTORER)
    uint64_t mask;     // blocked while the handler runs
};
static_assert(sizeof(SignalAction) == 32);

// stack_t (sigaltstack, uc_stack).
struct SignalStack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
static_assert(sizeof(SignalStack) == 24);

// The first 32 bytes of a siginfo_t: what any of our signals carries. The
// union at 16 holds si_pid and si_uid (kill, SIGCHLD), si_status at 24
// (SIGCHLD), or si_addr (faults). The rest of the 128 bytes is zero.
struct SignalInfo {
    int32_t signo;
    int32_t error; // si_errno
    int32_t code;
    int32_t pad;
    uint64_t word0;
    uint64_t word1;

    // kill, tkill, the terminal: from `pid` (0: the kernel) with `code`.
    static SignalInfo sent(int signo, int32_t code, uint64_t pid) { return {signo, 0, code, 0, pid & 0xFFFF'FFFF, 0}; }
    // SIGCHLD: a child's end, stop or continuation (si_status: the exit code or the signal).
    static SignalInfo child(int32_t code, uint64_t pid, int status)
    {
        return {sigchld, 0, code, 0, pid & 0xFFFF'FFFF, static_cast<uint32_t>(status)};
    }
    static SignalInfo fault(int signo, int32_t code, uint64_t address) { return {signo, 0, code, 0, address, 0}; }
};
static_assert(sizeof(SignalInfo) == 32);
inline constexpr size_t siginfo_size = 128;

// What the CPU said of a fault, for the frame's sigcontext (trapno, err, cr2).
struct FaultDetails {
    uint64_t trapno = 0, error_code = 0, cr2 = 0;
};

enum class DefaultAction : uint8_t { Terminate, CoreDump, Ignore, Stop, Continue };
// POSIX's table (signal(7)); real-time signals terminate.
DefaultAction default_action(int signo);

// One process's signals: guarded by the process table's lock (process.cpp).
struct SignalState {
    SignalAction actions[signal_count] = {}; // [signo - 1]; all SIG_DFL
    uint64_t blocked = 0;
    uint64_t pending = 0;
    SignalInfo info[signal_count] = {};      // for each pending signal: the first one's
    SignalStack alternate{0, ss_disable, 0, 0};
    // rt_sigsuspend's temporary mask is in `blocked`; this is the one to go back to.
    uint64_t saved_mask = 0;
    bool restore_saved_mask = false;

    const SignalAction& action(int signo) const { return actions[signo - 1]; }
    // Ignored: SIG_IGN, or SIG_DFL where the default is to ignore.
    bool ignores(int signo) const;
    // Pending and not blocked: what a return to user mode acts on.
    uint64_t deliverable() const { return pending & ~blocked; }
    // fork: dispositions, mask and alternate stack; nothing pending.
    void copy_for_fork(const SignalState& parent);
    // execve: handled signals back to SIG_DFL, ignored ones stay; the mask
    // and pending set stay; the alternate stack goes.
    void reset_for_exec();
};

// The rt signal frame, as Linux builds it on the user stack
// (arch/x86/include/uapi/asm/sigcontext.h, asm/sigframe.h): the handler's
// return address (sa_restorer), a ucontext, a siginfo, and apart, 64-byte
// aligned above them, the FXSAVE image sigcontext.fpstate points at.
struct SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; // the FXSAVE image's user address (0: none)
    uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256 && offsetof(SigContext, cs) == 144 && offsetof(SigContext, fpstate) == 184);

struct UContext {
    uint64_t flags; // uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
    uint64_t link;
    SignalStack stack;
    SigContext mcontext;
    uint64_t sigmask; // the mask before the signal: rt_sigreturn's
};
static_assert(offsetof(UContext, mcontext) == 40 && offsetof(UContext, sigmask) == 296 && sizeof(UContext) == 304);

struct RtSigFrame {
    uint64_t return_address; // at the handler's RSP: sa_restorer
    UContext uc;
    std::byte info[siginfo_size];
};
static_assert(offsetof(RtSigFrame, uc) == 8 && offsetof(RtSigFrame, info) == 312 && sizeof(RtSigFrame) == 440);

inline constexpr uint64_t uc_sigcontext_ss = 2, uc_strict_restore_ss = 4;
inline constexpr size_t fxsave_size = 512;

// Where a frame goes below `stack_pointer` (the interrupted RSP, or the
// top of the alternate stack): 128 bytes of red zone kept (not on the
// alternate stack), the FXSAVE image 64-byte aligned, the frame under it
// so that the handler starts with RSP + 8 16-byte aligned (RSP at the
// return address, as after a call). Linux's get_sigframe.
struct FrameLayout {
    uint64_t frame; // the handler's RSP: RtSigFrame
    uint64_t fpu;   // the FXSAVE image
};
FrameLayout signal_frame_layout(uint64_t stack_pointer, bool on_alternate_stack);

// Whether `sp` lies on the alternate stack (Linux's on_sig_stack).
bool on_signal_stack(const SignalStack& stack, uint64_t sp);

// Builds the frame for `signo` on the user stack and points `frame` at the
// handler (RDI signo, RSI &info, RDX &ucontext, RAX 0, DF/TF/RF clear),
// with the handler's x87/SSE state reset. `alternate` is the alternate
// stack as it stands (SA_ONSTACK uses it; SS_AUTODISARM disarms it). False:
// the stack cannot take it (the caller ends the process with SIGSEGV).
bool push_signal_frame(arch::InterruptFrame& frame, int signo, const SignalAction& action, const SignalInfo& info,
                       uint64_t old_mask, SignalStack& alternate, const FaultDetails& fault);

// rt_sigreturn: the registers, x87/SSE state, mask and alternate stack
// from the frame the handler returned from (at frame.rsp - 8). False: a
// bad frame (unreadable, or CS/SS not the user's, or RIP outside user space).
bool pop_signal_frame(arch::InterruptFrame& frame, uint64_t& mask, SignalStack& alternate);

} // namespace user

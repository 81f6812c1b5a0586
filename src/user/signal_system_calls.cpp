// Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending,
// rt_sigsuspend, pause, sigaltstack, kill, tkill and tgkill, with Linux's
// x86-64 structures (signals.h) and errors.

#include "core/print.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr uint64_t kernel_sigset_size = sizeof(uint64_t); // the kernel's sigset_t: 64 signals

bool valid_or_zero(int64_t signo)
{
    return signo >= 0 && signo <= signal_count;
}

} // namespace

Result rt_sigaction(Frame& frame)
{
    // rt_sigaction(signo, act, oldact, sigsetsize)
    if (frame.r10 != kernel_sigset_size)
        return kstd::unexpected(Errno::einval);
    const int64_t signo = int_argument(frame.rdi);
    if (signo < 1 || signo > signal_count)
        return kstd::unexpected(Errno::einval);
    SignalAction wanted;
    if (frame.rsi != 0 && !copy_from_user(&wanted, UserAddress(frame.rsi), sizeof wanted))
        return kstd::unexpected(Errno::efault);
    const SignalAction old =
        TRY(Process::current().change_action(static_cast<int>(signo), frame.rsi != 0 ? &wanted : nullptr));
    if (frame.rdx != 0 && !copy_to_user(UserAddress(frame.rdx), &old, sizeof old))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result rt_sigprocmask(Frame& frame)
{
    // rt_sigprocmask(how, set, oldset, sigsetsize): SIG_BLOCK 0, SIG_UNBLOCK
    // 1, SIG_SETMASK 2; SIGKILL and SIGSTOP can never be blocked.
    if (frame.r10 != kernel_sigset_size)
        return kstd::unexpected(Errno::einval);
    uint64_t set;
    if (frame.rsi != 0 && !copy_from_user(&set, UserAddress(frame.rsi), sizeof set))
        return kstd::unexpected(Errno::efault);
    if (frame.rsi != 0 && frame.rdi > 2)
        return kstd::unexpected(Errno::einval);
    const uint64_t old = TRY(Process::current().change_mask(frame.rdi, frame.rsi != 0 ? &set : nullptr));
    if (frame.rdx != 0 && !copy_to_user(UserAddress(frame.rdx), &old, sizeof old))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result rt_sigreturn(Frame& frame)
{
    Process& process = Process::current();
    if (!process.return_from_signal(frame)) {
        core::println("user: process {} \"{}\": bad signal frame at RSP {:#x} in rt_sigreturn", process.pid(),
                      process.name(), frame.rsp);
        process.end_by_signal(sigsegv); // as Linux's force_sig(SIGSEGV)
    }
    return frame.rax; // the interrupted code's RAX, restored with the rest
}

Result rt_sigpending(Frame& frame)
{
    // rt_sigpending(set, sigsetsize): Linux copies sigsetsize bytes, at most 8.
    if (frame.rsi > kernel_sigset_size)
        return kstd::unexpected(Errno::einval);
    const uint64_t pending = Process::current().blocked_pending();
    if (!copy_to_user(UserAddress(frame.rdi), &pending, frame.rsi))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result rt_sigsuspend(Frame& frame)
{
    // rt_sigsuspend(mask, sigsetsize)
    if (frame.rsi != kernel_sigset_size)
        return kstd::unexpected(Errno::einval);
    uint64_t mask;
    if (!copy_from_user(&mask, UserAddress(frame.rdi), sizeof mask))
        return kstd::unexpected(Errno::efault);
    TRY(Process::current().suspend(&mask));
    return 0;
}

Result pause(Frame&)
{
    TRY(Process::current().suspend(nullptr));
    return 0;
}

Result sigaltstack(Frame& frame)
{
    // sigaltstack(ss, old_ss)
    SignalStack wanted;
    if (frame.rdi != 0 && !copy_from_user(&wanted, UserAddress(frame.rdi), sizeof wanted))
        return kstd::unexpected(Errno::efault);
    const SignalStack old =
        TRY(Process::current().change_signal_stack(frame.rdi != 0 ? &wanted : nullptr, frame.rsp));
    if (frame.rsi != 0 && !copy_to_user(UserAddress(frame.rsi), &old, sizeof old))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result kill(Frame& frame)
{
    const int64_t pid = int_argument(frame.rdi);
    const int64_t signal = int_argument(frame.rsi);
    if (!valid_or_zero(signal))
        return kstd::unexpected(Errno::einval);
    if (pid == -1)
        return kstd::unexpected(Errno::eperm); // "every process": not for a program to ask
    Process& self = Process::current();
    if (pid <= 0) {
        const uint64_t group = pid == 0 ? self.group() : static_cast<uint64_t>(-pid);
        TRY(Process::kill_group(group, static_cast<int>(signal), self.pid()));
        return 0;
    }
    TRY(Process::kill(pid, static_cast<int>(signal), self.pid()));
    return 0;
}

Result tkill(Frame& frame)
{
    const int64_t tid = int_argument(frame.rdi);
    const int64_t signal = int_argument(frame.rsi);
    if (tid <= 0 || !valid_or_zero(signal))
        return kstd::unexpected(Errno::einval);
    TRY(Process::kill_thread(-1, tid, static_cast<int>(signal), Process::current().pid()));
    return 0;
}

Result tgkill(Frame& frame)
{
    const int64_t group = int_argument(frame.rdi);
    const int64_t tid = int_argument(frame.rsi);
    const int64_t signal = int_argument(frame.rdx);
    if (group <= 0 || tid <= 0 || !valid_or_zero(signal))
        return kstd::unexpected(Errno::einval);
    TRY(Process::kill_thread(group, tid, static_cast<int>(signal), Process::current().pid()));
    return 0;
}

} // namespace user::calls

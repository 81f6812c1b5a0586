// Process's half of signals (signals.h): sending, dispositions and the
// mask, delivery at each return to user mode, stop and continue. The
// process table's lock (process_table.h) guards it all: a sender finds its
// target and queues under it, and the target's thread dequeues under it.

#include "core/print.h"
#include "sched/thread.h"
#include "user/process.h"
#include "user/process_table.h"

namespace user {

using detail::g_table;
using detail::g_table_lock;

namespace {

// rt_sigsuspend and pause wait here: nothing notifies it, only a signal
// (sched::interrupt) ends the wait.
sched::ConditionVariable g_signal_wait{"pause"};

bool valid_signal(int signo)
{
    return signo >= 1 && signo <= signal_count;
}

int lowest_signal(uint64_t set)
{
    return set == 0 ? 0 : __builtin_ctzll(set) + 1;
}

SignalInfo from_sender(int signo, uint64_t sender, int32_t code)
{
    return SignalInfo::sent(signo, sender == 0 ? si_kernel : code, sender);
}

} // namespace

void Process::send_signal_locked(const SignalInfo& info)
{
    const int signo = info.signo;
    const uint64_t bit = signal_bit(signo);
    if (m_zombie)
        return;
    // SIGCONT and SIGKILL take a stopped process on (SIGCONT even if it is
    // ignored: continuing is part of sending it); a stop drops a pending
    // SIGCONT and the reverse (POSIX, "Signal Generation and Delivery").
    if (signo == sigcont || signo == sigkill) {
        m_signals.pending &= ~stop_signals;
        if (m_stopped) {
            m_stopped = false;
            detail::g_continued.notify_all();
            if (signo == sigcont) {
                m_wait_report = -1;
                notify_parent_locked(SignalInfo::child(cld_continued, m_pid, sigcont));
            }
        }
    } else if ((bit & stop_signals) != 0) {
        m_signals.pending &= ~signal_bit(sigcont);
    }
    // Ignored and not blocked: gone at once, as on Linux (a blocked one
    // waits: it may be caught by the time it is unblocked).
    if (m_signals.ignores(signo) && (m_signals.blocked & bit) == 0)
        return;
    if ((m_signals.pending & bit) == 0) {
        m_signals.info[signo - 1] = info; // one of each: a second while pending merges into the first
        __atomic_store_n(&m_signals.pending, m_signals.pending | bit, __ATOMIC_RELAXED);
    }
    update_interruption_locked();
}

void Process::update_interruption_locked()
{
    // The thread's interruptible waits (pipes, the terminal, wait4, sleeps)
    // end while a signal waits to act, and only then.
    if (m_thread == nullptr)
        return;
    if (m_signals.deliverable() != 0)
        sched::interrupt(*m_thread);
    else
        sched::clear_interrupt(*m_thread);
}

bool Process::reaps_children_locked() const
{
    const SignalAction& action = m_signals.action(sigchld);
    return action.handler == sig_ign || (action.flags & sa_nocldwait) != 0;
}

void Process::notify_parent_locked(const SignalInfo& info)
{
    detail::g_child_exited.notify_all(); // wait4 with WUNTRACED or WCONTINUED
    if (m_parent != nullptr && (m_parent->m_signals.action(sigchld).flags & sa_nocldstop) == 0)
        m_parent->send_signal_locked(info);
}

kstd::ErrorOr<void> Process::send_to(int64_t pid, int signal, uint64_t sender, int32_t code)
{
    sched::MutexGuard guard(g_table_lock);
    for (Process* process : g_table) {
        if (process != nullptr && !process->m_zombie && process->m_pid == static_cast<uint64_t>(pid)) {
            if (signal != 0)
                process->send_signal_locked(from_sender(signal, sender, code));
            return {};
        }
    }
    return kstd::unexpected(kstd::Errno::esrch);
}

kstd::ErrorOr<void> Process::kill(int64_t pid, int signal, uint64_t sender)
{
    return send_to(pid, signal, sender, si_user);
}

kstd::ErrorOr<void> Process::kill_thread(int64_t thread_group, int64_t tid, int signal, uint64_t sender)
{
    // One thread per process: the thread's id is the process's, and so is its group's.
    if (thread_group != -1 && thread_group != tid)
        return kstd::unexpected(kstd::Errno::esrch);
    return send_to(tid, signal, sender, si_tkill);
}

kstd::ErrorOr<void> Process::kill_group(uint64_t group, int signal, uint64_t sender)
{
    sched::MutexGuard guard(g_table_lock);
    bool found = false;
    for (Process* process : g_table) {
        if (process != nullptr && !process->m_zombie && process->group() == group) {
            found = true;
            if (signal != 0)
                process->send_signal_locked(from_sender(signal, sender, si_user));
        }
    }
    if (!found)
        return kstd::unexpected(kstd::Errno::esrch);
    return {};
}

void Process::raise(const SignalInfo& info)
{
    sched::MutexGuard guard(g_table_lock);
    send_signal_locked(info);
}

kstd::ErrorOr<SignalAction> Process::change_action(int signo, const SignalAction* action)
{
    if (!valid_signal(signo) || (action != nullptr && (signal_bit(signo) & unblockable_signals) != 0))
        return kstd::unexpected(kstd::Errno::einval);
    sched::MutexGuard guard(g_table_lock);
    const SignalAction old = m_signals.action(signo);
    if (action != nullptr) {
        m_signals.actions[signo - 1] = *action;
        m_signals.actions[signo - 1].mask &= ~unblockable_signals;
        // Set to be ignored: a pending one goes too (POSIX sigaction).
        if (m_signals.ignores(signo))
            m_signals.pending &= ~signal_bit(signo);
        update_interruption_locked();
    }
    return old;
}

kstd::ErrorOr<uint64_t> Process::change_mask(uint64_t how, const uint64_t* set)
{
    sched::MutexGuard guard(g_table_lock);
    const uint64_t old = m_signals.blocked;
    if (set != nullptr) {
        uint64_t blocked;
        switch (how) {
        case 0: blocked = old | *set; break;
        case 1: blocked = old & ~*set; break;
        case 2: blocked = *set; break;
        default: return kstd::unexpected(kstd::Errno::einval);
        }
        __atomic_store_n(&m_signals.blocked, blocked & ~unblockable_signals, __ATOMIC_RELAXED);
        update_interruption_locked();
    }
    return old;
}

uint64_t Process::signal_mask()
{
    sched::MutexGuard guard(g_table_lock);
    return m_signals.blocked;
}

uint64_t Process::blocked_pending()
{
    sched::MutexGuard guard(g_table_lock);
    return m_signals.pending & m_signals.blocked;
}

void Process::set_temporary_signal_mask_locked(uint64_t mask)
{
    // The mask to go back to once a handler has run (its frame keeps it)
    // or, if none runs, at the call's end (deliver_signals).
    m_signals.saved_mask = m_signals.blocked;
    m_signals.restore_saved_mask = true;
    __atomic_store_n(&m_signals.blocked, mask & ~unblockable_signals, __ATOMIC_RELAXED);
    update_interruption_locked();
}

void Process::set_temporary_signal_mask(uint64_t mask)
{
    sched::MutexGuard guard(g_table_lock);
    set_temporary_signal_mask_locked(mask);
}

kstd::ErrorOr<void> Process::suspend(const uint64_t* mask)
{
    sched::MutexGuard guard(g_table_lock);
    if (mask != nullptr)
        set_temporary_signal_mask_locked(*mask);
    while (g_signal_wait.wait_interruptible(g_table_lock) != sched::WaitResult::Interrupted) {
    }
    return kstd::unexpected(kstd::Errno::eintr);
}

kstd::ErrorOr<SignalStack> Process::change_signal_stack(const SignalStack* wanted, uint64_t sp)
{
    sched::MutexGuard guard(g_table_lock);
    SignalStack& current = m_signals.alternate;
    const bool on_it = on_signal_stack(current, sp);
    const SignalStack old{current.sp,
                          (current.flags & ss_disable) != 0 ? ss_disable
                                                            : (on_it ? ss_onstack : 0) | (current.flags & ~ss_onstack),
                          0, current.size};
    if (wanted == nullptr)
        return old;
    if (on_it)
        return kstd::unexpected(kstd::Errno::eperm);
    const int32_t mode = wanted->flags & ~static_cast<int32_t>(ss_autodisarm);
    if (mode != 0 && mode != ss_disable && mode != ss_onstack) // SS_ONSTACK: as 0, as Linux takes it
        return kstd::unexpected(kstd::Errno::einval);
    if (mode == ss_disable) {
        current = SignalStack{0, ss_disable, 0, 0};
    } else {
        if (wanted->size < min_signal_stack)
            return kstd::unexpected(kstd::Errno::enomem);
        current = SignalStack{wanted->sp, wanted->flags & static_cast<int32_t>(ss_autodisarm), 0, wanted->size};
    }
    return old;
}

bool Process::return_from_signal(arch::InterruptFrame& frame)
{
    SignalStack alternate;
    {
        sched::MutexGuard guard(g_table_lock);
        alternate = m_signals.alternate;
    }
    uint64_t mask;
    if (!pop_signal_frame(frame, mask, alternate)) // user memory: not under the lock
        return false;
    sched::MutexGuard guard(g_table_lock);
    m_signals.alternate = alternate;
    __atomic_store_n(&m_signals.blocked, mask, __ATOMIC_RELAXED);
    update_interruption_locked();
    return true;
}

bool Process::needs_signal_delivery() const
{
    // Written under the lock, read here without it: a signal that arrives
    // just after is seen at the next return (its interruption ends any wait).
    const uint64_t pending = __atomic_load_n(&m_signals.pending, __ATOMIC_RELAXED);
    const uint64_t blocked = __atomic_load_n(&m_signals.blocked, __ATOMIC_RELAXED);
    return (pending & ~blocked) != 0 || __atomic_load_n(&m_signals.restore_saved_mask, __ATOMIC_RELAXED);
}

bool Process::catch_fault(const SignalInfo& info, const FaultDetails& details)
{
    sched::MutexGuard guard(g_table_lock);
    const int signo = info.signo;
    const uint64_t handler = m_signals.action(signo).handler;
    // Linux's force_sig: blocked or not caught, the fault ends the process.
    if (handler == sig_dfl || handler == sig_ign || (m_signals.blocked & signal_bit(signo)) != 0)
        return false;
    m_fault = details;
    m_signals.info[signo - 1] = info;
    __atomic_store_n(&m_signals.pending, m_signals.pending | signal_bit(signo), __ATOMIC_RELAXED);
    update_interruption_locked();
    return true;
}

void Process::end_by_signal(int signo)
{
    // Linux prints nothing here; the line helps whoever reads the log, but
    // not for the two common ways a program ends at a terminal: Ctrl-C and
    // a pipe whose reader left (`yes | head`), which shells report themselves.
    if (signo != sigint && signo != sigpipe)
        core::println("user: process {} \"{}\" killed by signal {}", m_pid, name(), signo);
    exit(Termination{0, signo});
}

bool Process::deliver_signals(arch::InterruptFrame& frame, const InterruptedCall* call)
{
    bool changed = false;
    // The interrupted call, once: restarted (RIP back over the 2-byte
    // SYSCALL, RAX its number) unless a handler runs that forbids it.
    auto finish_call = [&](const SignalAction* handler) {
        if (call == nullptr || call->restart == Restart::No)
            return;
        if (handler == nullptr
            || (call->restart == Restart::UnlessNotRestartable && (handler->flags & sa_restart) != 0)) {
            frame.rip -= 2;
            frame.rax = call->number;
            changed = true;
        }
        call = nullptr; // else RAX stays -EINTR
    };
    for (;;) {
        int signo;
        SignalAction action;
        SignalInfo info;
        uint64_t old_mask = 0;
        SignalStack alternate{};
        {
            sched::MutexGuard guard(g_table_lock);
            uint64_t ready = m_signals.deliverable();
            if ((ready & signal_bit(sigkill)) != 0)
                ready = signal_bit(sigkill); // before anything else
            signo = lowest_signal(ready);
            if (signo == 0) {
                if (m_signals.restore_saved_mask) {
                    m_signals.restore_saved_mask = false;
                    __atomic_store_n(&m_signals.blocked, m_signals.saved_mask, __ATOMIC_RELAXED);
                }
                update_interruption_locked();
                break;
            }
            __atomic_store_n(&m_signals.pending, m_signals.pending & ~signal_bit(signo), __ATOMIC_RELAXED);
            info = m_signals.info[signo - 1];
            action = m_signals.action(signo);
            if (action.handler == sig_ign)
                continue;
            if (action.handler == sig_dfl) {
                const DefaultAction what = default_action(signo);
                if (what == DefaultAction::Ignore || what == DefaultAction::Continue)
                    continue;
                if (what == DefaultAction::Stop) {
                    // Stopped here, on the way out, until SIGCONT or SIGKILL.
                    m_stopped = true;
                    m_wait_report = signo;
                    notify_parent_locked(SignalInfo::child(cld_stopped, m_pid, signo));
                    while (m_stopped)
                        detail::g_continued.wait(g_table_lock);
                    continue;
                }
            } else {
                old_mask = m_signals.restore_saved_mask ? m_signals.saved_mask : m_signals.blocked;
                m_signals.restore_saved_mask = false;
                uint64_t blocked = m_signals.blocked | action.mask;
                if ((action.flags & sa_nodefer) == 0)
                    blocked |= signal_bit(signo);
                __atomic_store_n(&m_signals.blocked, blocked & ~unblockable_signals, __ATOMIC_RELAXED);
                if ((action.flags & sa_resethand) != 0)
                    m_signals.actions[signo - 1].handler = sig_dfl;
                alternate = m_signals.alternate;
            }
        }
        if (action.handler == sig_dfl)
            end_by_signal(signo); // terminate, or a core dump we do not write
        finish_call(&action);
        if (!push_signal_frame(frame, signo, action, info, old_mask, alternate, m_fault)) {
            core::println("user: process {} \"{}\": cannot write the frame for signal {} at RSP {:#x}", m_pid, name(),
                          signo, frame.rsp);
            end_by_signal(sigsegv);
        }
        changed = true;
        sched::MutexGuard guard(g_table_lock);
        m_signals.alternate = alternate; // SS_AUTODISARM
    }
    finish_call(nullptr);
    m_fault = FaultDetails{};
    return changed;
}

} // namespace user

#include "user/system_calls.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_mode.h"
#include "core/console.h"
#include "core/print.h"
#include "interrupts/exceptions.h"
#include "interrupts/fault_diagnosis.h"
#include "interrupts/fault_report.h"
#include "interrupts/interrupts.h"
#include "fs/terminal.h"
#include "sched/thread.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user {

namespace {

using Handler = calls::Result (*)(calls::Frame&);

// Linux's names by number, for the log of calls we do not implement.
constexpr const char* g_names[] = {
#include "user/linux_syscall_names.inc"
};
constexpr uint64_t name_count = sizeof g_names / sizeof g_names[0];

// The implemented calls, by Linux's x86-64 number (arch/x86/entry/syscalls/syscall_64.tbl).
struct Table {
    Handler handlers[name_count] = {};
    constexpr Table()
    {
        handlers[0] = calls::read;
        handlers[1] = calls::write;
        handlers[2] = calls::open;
        handlers[3] = calls::close;
        handlers[4] = calls::stat;
        handlers[5] = calls::fstat;
        handlers[6] = calls::lstat;
        handlers[7] = calls::poll;
        handlers[8] = calls::lseek;
        handlers[9] = calls::mmap;
        handlers[10] = calls::mprotect;
        handlers[11] = calls::munmap;
        handlers[12] = calls::brk;
        handlers[13] = calls::rt_sigaction;
        handlers[14] = calls::rt_sigprocmask;
        handlers[15] = calls::rt_sigreturn;
        handlers[16] = calls::ioctl;
        handlers[17] = calls::pread64;
        handlers[18] = calls::pwrite64;
        handlers[19] = calls::readv;
        handlers[20] = calls::writev;
        handlers[21] = calls::access;
        handlers[22] = calls::pipe;
        handlers[23] = calls::select;
        handlers[24] = calls::sched_yield;
        handlers[32] = calls::dup;
        handlers[33] = calls::dup2;
        handlers[34] = calls::pause;
        handlers[35] = calls::nanosleep;
        handlers[40] = calls::sendfile;
        handlers[39] = calls::getpid;
        handlers[56] = calls::clone;
        handlers[57] = calls::fork;
        handlers[58] = calls::fork; // vfork: a copy-on-write fork keeps its promise
        handlers[59] = calls::execve;
        handlers[60] = calls::exit;
        handlers[61] = calls::wait4;
        handlers[62] = calls::kill;
        handlers[63] = calls::uname;
        handlers[72] = calls::fcntl;
        handlers[74] = calls::fsync;
        handlers[75] = calls::fsync; // fdatasync
        handlers[76] = calls::truncate;
        handlers[77] = calls::ftruncate;
        handlers[79] = calls::getcwd;
        handlers[80] = calls::chdir;
        handlers[82] = calls::rename;
        handlers[83] = calls::mkdir;
        handlers[84] = calls::rmdir;
        handlers[87] = calls::unlink;
        handlers[88] = calls::symlink;
        handlers[89] = calls::readlink;
        handlers[90] = calls::chmod;
        handlers[91] = calls::fchmod;
        handlers[92] = calls::chown;
        handlers[93] = calls::fchown;
        handlers[94] = calls::chown; // lchown: a link's owner is root as well
        handlers[95] = calls::umask;
        handlers[96] = calls::gettimeofday;
        handlers[97] = calls::getrlimit;
        handlers[99] = calls::sysinfo;
        handlers[102] = calls::user_ids; // getuid
        handlers[104] = calls::user_ids; // getgid
        handlers[107] = calls::user_ids; // geteuid
        handlers[108] = calls::user_ids; // getegid
        handlers[109] = calls::setpgid;
        handlers[110] = calls::getppid;
        handlers[111] = calls::getpgrp;
        handlers[112] = calls::setsid;
        handlers[115] = calls::getgroups;
        handlers[116] = calls::setgroups;
        handlers[121] = calls::getpgid;
        handlers[124] = calls::getsid;
        handlers[127] = calls::rt_sigpending;
        handlers[130] = calls::rt_sigsuspend;
        handlers[131] = calls::sigaltstack;
        handlers[137] = calls::statfs;
        handlers[138] = calls::fstatfs;
        handlers[157] = calls::prctl;
        handlers[158] = calls::arch_prctl;
        handlers[160] = calls::setrlimit;
        handlers[162] = calls::sync;
        handlers[165] = calls::mount;
        handlers[166] = calls::umount2;
        handlers[169] = calls::reboot;
        handlers[186] = calls::gettid;
        handlers[200] = calls::tkill;
        handlers[201] = calls::time;
        handlers[217] = calls::getdents64;
        handlers[218] = calls::set_tid_address;
        handlers[228] = calls::clock_gettime;
        handlers[230] = calls::clock_nanosleep;
        handlers[231] = calls::exit; // exit_group: one thread per process
        handlers[234] = calls::tgkill;
        handlers[257] = calls::openat;
        handlers[258] = calls::mkdirat;
        handlers[263] = calls::unlinkat;
        handlers[264] = calls::renameat;
        handlers[316] = calls::renameat2;
        handlers[260] = calls::fchownat;
        handlers[262] = calls::newfstatat;
        handlers[266] = calls::symlinkat;
        handlers[267] = calls::readlinkat;
        handlers[268] = calls::fchmodat;
        handlers[269] = calls::faccessat;
        handlers[270] = calls::pselect6;
        handlers[271] = calls::ppoll;
        handlers[273] = calls::set_robust_list;
        handlers[280] = calls::utimensat;
        handlers[292] = calls::dup3;
        handlers[293] = calls::pipe2;
        handlers[302] = calls::prlimit64;
        handlers[318] = calls::getrandom;
        handlers[334] = calls::not_supported; // rseq: glibc goes on without it
        handlers[439] = calls::faccessat; // faccessat2
    }
};
constexpr Table g_table;

constexpr uint64_t logged_numbers = 512; // numbers above are never valid: not logged
static_assert(name_count <= logged_numbers);
uint64_t g_logged[logged_numbers / 64]; // bit n: "not implemented" said for number n

constexpr uint64_t sys_write = 1, sys_rt_sigreturn = 15, sys_sched_yield = 24, sys_pause = 34, sys_nanosleep = 35,
                   sys_exit = 60, sys_rt_sigsuspend = 130, sys_clock_gettime = 228, sys_exit_group = 231;

calls::Result not_implemented(uint64_t number)
{
    if (number < logged_numbers && (__atomic_fetch_or(&g_logged[number / 64], uint64_t{1} << (number % 64),
                                                      __ATOMIC_RELAXED) & (uint64_t{1} << (number % 64))) == 0) {
        const std::string_view name = number < name_count ? g_names[number] : "";
        if (name.empty())
            core::println("user: system call {} is not implemented (ENOSYS)", number);
        else
            core::println("user: system call {} ({}) is not implemented (ENOSYS)", name, number);
    }
    return kstd::unexpected(kstd::Errno::enosys);
}

// A thread in ring 3 that no process owns (the low-level tests map code
// into the kernel's address space and enter it): descriptors 1 and 2 are
// the console, exit ends the thread, and time calls work.
calls::Result bare_thread_call(calls::Frame& frame)
{
    switch (frame.rax) {
    case sys_write: {
        if (frame.rdi != 1 && frame.rdi != 2)
            return kstd::unexpected(kstd::Errno::ebadf);
        char chunk[128];
        uint64_t done = 0;
        while (done < frame.rdx) {
            const uint64_t size = frame.rdx - done < sizeof chunk ? frame.rdx - done : sizeof chunk;
            if (!copy_from_user(chunk, UserAddress(frame.rsi) + done, size))
                return done > 0 ? calls::Result(done) : kstd::unexpected(kstd::Errno::efault);
            core::console().write(std::string_view(chunk, size));
            done += size;
        }
        return done;
    }
    case sys_sched_yield: return calls::sched_yield(frame);
    case sys_nanosleep: return calls::nanosleep(frame);
    case sys_clock_gettime: return calls::clock_gettime(frame);
    case sys_exit:
    case sys_exit_group: sched::exit(static_cast<int>(frame.rdi));
    }
    return not_implemented(frame.rax);
}

// How a call that ended with EINTR goes on (Linux's -ERESTART* codes):
// the sleeps, poll and select and the waits for a signal never restart
// under a handler; the
// rest (reads, writes, wait4) do with SA_RESTART.
Restart restart_of(uint64_t number, const calls::Result& result)
{
    if (result || result.error() != kstd::Errno::eintr)
        return Restart::No;
    constexpr uint64_t sys_poll = 7, sys_select = 23, sys_clock_nanosleep = 230, sys_pselect6 = 270, sys_ppoll = 271;
    if (number == sys_nanosleep || number == sys_clock_nanosleep || number == sys_pause
        || number == sys_rt_sigsuspend || number == sys_poll || number == sys_select || number == sys_pselect6
        || number == sys_ppoll)
        return Restart::UnlessHandler; // Linux's -ERESTARTNOHAND: SA_RESTART or not
    return Restart::UnlessNotRestartable;
}

bool on_system_call(arch::SyscallFrame& frame)
{
    arch::enable_interrupts(); // on the thread's kernel stack: preemptible like any kernel code
    auto* process = static_cast<Process*>(sched::current_thread().owner()); // user's threads own a Process
    const uint64_t number = frame.rax;
    calls::Result result = [&] {
        if (process == nullptr)
            return bare_thread_call(frame);
        if (number < name_count && g_table.handlers[number] != nullptr)
            return g_table.handlers[number](frame);
        return not_implemented(number);
    }();
    frame.rax = result ? *result : static_cast<uint64_t>(-static_cast<int64_t>(result.error()));
    if (process == nullptr)
        return false;
    // rt_sigreturn restored every register; a signal's handler entry changes them too.
    bool every_register = number == sys_rt_sigreturn;
    const InterruptedCall call{number, restart_of(number, result)};
    if (call.restart != Restart::No || process->needs_signal_delivery())
        every_register = process->deliver_signals(frame, &call) || every_register;
    return every_register;
}

// Linux's signal for each exception a program can raise.
int signal_of(uint8_t vector)
{
    using interrupts::Exception;
    using interrupts::vector_of;
    if (vector == vector_of(Exception::InvalidOpcode))
        return 4; // SIGILL
    if (vector == vector_of(Exception::DivideError) || vector == vector_of(Exception::X87FloatingPoint)
        || vector == vector_of(Exception::SimdFloatingPoint))
        return 8; // SIGFPE
    if (vector == vector_of(Exception::Breakpoint) || vector == vector_of(Exception::Debug))
        return 5; // SIGTRAP
    if (vector == vector_of(Exception::AlignmentCheck))
        return 7; // SIGBUS
    return 11;    // SIGSEGV: #PF, #GP, #SS and the rest
}

// The siginfo Linux gives each fault: the address and why (SEGV_MAPERR for
// an unmapped page, SEGV_ACCERR for a forbidden access; the instruction's
// address for #UD and #DE; SI_KERNEL for #GP and INT3, without an address).
SignalInfo fault_info(const interrupts::Fault& fault)
{
    using interrupts::Exception;
    const int signo = signal_of(fault.vector());
    constexpr uint64_t present = 1; // the page-fault error code's P bit (SDM vol. 3, 4.7)
    if (fault.is(Exception::PageFault))
        return SignalInfo::fault(signo, (fault.frame.error_code & present) != 0 ? segv_accerr : segv_maperr,
                                 fault.cr2.value());
    if (fault.is(Exception::InvalidOpcode))
        return SignalInfo::fault(signo, ill_illopn, fault.frame.rip);
    if (fault.is(Exception::DivideError))
        return SignalInfo::fault(signo, fpe_intdiv, fault.frame.rip);
    return SignalInfo::fault(signo, si_kernel, 0);
}

void on_user_fault(const interrupts::Fault& fault, arch::InterruptFrame& frame)
{
    // From ring 3, on this thread's own kernel stack: nothing is held, and
    // ending the process may sleep (closing a pipe takes its mutex).
    arch::enable_interrupts();
    const sched::Thread& thread = sched::current_thread();
    auto* process = static_cast<Process*>(thread.owner()); // user's threads own a Process
    if (process == nullptr) {
        core::println("user: thread {} \"{}\" killed: {} at RIP {:#018x}: {}", thread.id(), thread.name(),
                      interrupts::FaultTitle{fault.vector()}, fault.frame.rip, interrupts::diagnose(fault));
        sched::exit(fault_exit_status(fault.vector()));
    }
    // A handler for it, not blocked: it runs (a frame it cannot take ends the process).
    const FaultDetails details{fault.frame.vector, fault.frame.error_code, fault.cr2.value()};
    if (process->catch_fault(fault_info(fault), details)) {
        (void)process->deliver_signals(frame, nullptr);
        arch::disable_interrupts(); // the interrupt stub's way out wants them off
        return;
    }
    core::println("user: process {} \"{}\" killed: {} at RIP {:#018x}: {}", process->pid(), process->name(),
                  interrupts::FaultTitle{fault.vector()}, fault.frame.rip, interrupts::diagnose(fault));
    process->exit(Termination{0, signal_of(fault.vector())});
}

bool resolve_user_page_fault(const interrupts::UserPageFault& fault)
{
    auto* process = static_cast<Process*>(sched::current_thread().owner()); // user's threads own a Process
    if (process == nullptr || !fault.interrupts_were_enabled)
        return false; // with interrupts off the map's mutex cannot be taken: a kernel copy gets EFAULT
    constexpr uint64_t present = 1, write = 2, from_user = 4, fetch = 16; // SDM vol. 3, 4.7
    arch::enable_interrupts();
    const FaultResolution resolution = process->memory().resolve_fault(
        fault.address.value(), (fault.error_code & write) != 0, (fault.error_code & fetch) != 0,
        (fault.error_code & present) != 0);
    if (resolution == FaultResolution::OutOfMemory && (fault.error_code & from_user) != 0) {
        core::println("user: process {} \"{}\" killed: out of memory at {:#x}", process->pid(), process->name(),
                      fault.address.value());
        process->exit(Termination{0, 9}); // SIGKILL, as Linux's OOM killer sends
    }
    arch::disable_interrupts();
    return resolution == FaultResolution::Resolved;
}

void on_return_to_user(arch::InterruptFrame& frame)
{
    auto* process = static_cast<Process*>(sched::current_thread().owner()); // user's threads own a Process
    if (process == nullptr || !process->needs_signal_delivery())
        return;
    arch::enable_interrupts(); // on the thread's own kernel stack, user code interrupted: nothing is held
    (void)process->deliver_signals(frame, nullptr); // IRETQ restores every register anyway
    arch::disable_interrupts();
}

} // namespace

int fault_exit_status(uint8_t vector)
{
    return 128 + signal_of(vector);
}

void initialize_system_calls()
{
    arch::set_syscall_handler(&on_system_call);
    interrupts::set_user_fault_handler(&on_user_fault);
    interrupts::set_user_page_fault_resolver(&resolve_user_page_fault);
    interrupts::set_return_to_user_hook(&on_return_to_user);
    // Ctrl-C: SIGINT for the terminal's foreground job.
    fs::Terminal::console().set_interrupt_handler([](uint64_t g, int signal) { (void)Process::kill_group(g, signal); });
}

} // namespace user

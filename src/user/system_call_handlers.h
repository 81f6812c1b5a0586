#pragma once
// The system calls' handlers, one per Linux number, in files by subject:
// file_system_calls.cpp, memory_system_calls.cpp, process_system_calls.cpp,
// signal_system_calls.cpp and power_system_calls.cpp (reboot). system_calls.cpp's table maps numbers to them.
// Each takes the caller's registers (arguments in rdi, rsi, rdx, r10, r8,
// r9) and returns a value or an error, which becomes -errno in RAX.

#include <cstdint>
#include "arch/x86_64/user_mode.h"
#include "kstd/errno.h"

namespace user::calls {

using Frame = arch::SyscallFrame;
using Result = kstd::ErrorOr<uint64_t>;

// An argument the C prototype declares `int` (a descriptor, a pid, a
// signal, options): only the low 32 bits count, sign-extended, as Linux's
// SYSCALL_DEFINE wrappers read them. The ABI leaves the upper half of the
// register undefined, and glibc passes waitpid's -1 as 0x00000000FFFFFFFF.
inline int32_t int_argument(uint64_t value)
{
    return static_cast<int32_t>(static_cast<uint32_t>(value));
}

// Files (descriptors, the console, pipes, the initial ramdisk).
Result read(Frame& frame);
Result write(Frame& frame);
Result pread64(Frame& frame);
Result pwrite64(Frame& frame);
Result readv(Frame& frame);
Result writev(Frame& frame);
Result openat(Frame& frame);
Result open(Frame& frame);
Result close(Frame& frame);
Result lseek(Frame& frame);
Result fstat(Frame& frame);
Result newfstatat(Frame& frame);
Result stat(Frame& frame);
Result lstat(Frame& frame);
Result getdents64(Frame& frame);
Result ioctl(Frame& frame);
Result pipe(Frame& frame);
Result pipe2(Frame& frame);
Result dup(Frame& frame);
Result dup2(Frame& frame);
Result dup3(Frame& frame);
Result fcntl(Frame& frame);
Result getcwd(Frame& frame);
Result chdir(Frame& frame);
Result access(Frame& frame);
Result mkdir(Frame& frame);
Result mkdirat(Frame& frame);
Result rmdir(Frame& frame);
Result unlink(Frame& frame);
Result unlinkat(Frame& frame);
Result rename(Frame& frame);
Result renameat(Frame& frame);
Result renameat2(Frame& frame);
Result truncate(Frame& frame);
Result ftruncate(Frame& frame);
Result sync(Frame& frame);
Result mount(Frame& frame);
Result umount2(Frame& frame);
Result statfs(Frame& frame);
Result fstatfs(Frame& frame);
Result fsync(Frame& frame);
Result faccessat(Frame& frame); // and faccessat2
Result readlink(Frame& frame);
Result readlinkat(Frame& frame);
Result symlink(Frame& frame);
Result symlinkat(Frame& frame);
Result utimensat(Frame& frame);
Result chmod(Frame& frame);
Result fchmod(Frame& frame);
Result fchmodat(Frame& frame);
Result chown(Frame& frame); // and lchown
Result fchown(Frame& frame);
Result fchownat(Frame& frame);
Result getgroups(Frame& frame);
Result setgroups(Frame& frame);
Result sendfile(Frame& frame);
// Waiting on several descriptors (poll_system_calls.cpp).
Result poll(Frame& frame);
Result ppoll(Frame& frame);
Result select(Frame& frame);
Result pselect6(Frame& frame);

// What a C library's start-up and runtime ask (runtime_system_calls.cpp).
Result getrandom(Frame& frame);
Result prlimit64(Frame& frame);
Result getrlimit(Frame& frame);
Result setrlimit(Frame& frame);
Result prctl(Frame& frame);
Result sysinfo(Frame& frame);
Result set_robust_list(Frame& frame);
Result umask(Frame& frame);
Result not_supported(Frame& frame); // ENOSYS without a log line: calls a C library expects may be missing (rseq)

// Memory.
Result brk(Frame& frame);
Result mmap(Frame& frame);
Result munmap(Frame& frame);
Result mprotect(Frame& frame);

// Processes, time and the rest.
Result getpid(Frame& frame);
Result getppid(Frame& frame);
Result gettid(Frame& frame);
Result fork(Frame& frame);
Result clone(Frame& frame);
Result execve(Frame& frame);
Result exit(Frame& frame);
Result wait4(Frame& frame);
Result uname(Frame& frame);
Result reboot(Frame& frame); // power_system_calls.cpp
Result setpgid(Frame& frame);
Result getpgid(Frame& frame);
Result getpgrp(Frame& frame);
Result setsid(Frame& frame);
Result getsid(Frame& frame);
Result arch_prctl(Frame& frame);
Result set_tid_address(Frame& frame);
Result sched_yield(Frame& frame);
Result nanosleep(Frame& frame);
Result clock_gettime(Frame& frame);
Result time(Frame& frame);
Result gettimeofday(Frame& frame);
Result clock_nanosleep(Frame& frame);
// A struct timespec argument in nanoseconds: EFAULT, EINVAL for a negative
// or unnormalised one; capped at about 292 years.
kstd::ErrorOr<uint64_t> timespec_argument(uint64_t address);
Result user_ids(Frame& frame); // getuid, geteuid, getgid, getegid: all 0 (root), there are no users yet

// Signals (signal_system_calls.cpp).
Result rt_sigaction(Frame& frame);
Result rt_sigprocmask(Frame& frame);
Result rt_sigreturn(Frame& frame);
Result rt_sigpending(Frame& frame);
Result rt_sigsuspend(Frame& frame);
Result pause(Frame& frame);
Result sigaltstack(Frame& frame);
Result kill(Frame& frame);
Result tkill(Frame& frame);
Result tgkill(Frame& frame);

} // namespace user::calls

#pragma once
// System calls, with Linux's numbers and meanings (x86-64: the number in
// RAX, arguments in RDI, RSI, RDX, R10, R8, R9, the result in RAX, an error
// as -errno), so that musl and real static programs can run unchanged.
// docs/user.md lists what is implemented. So far:
//
//   1   write(fd, buf, count)   fd 1 and 2: the console; the buffer is
//                               copied with copy_from_user (EFAULT if bad)
//   24  sched_yield()           lets another thread run
//   35  nanosleep(req, rem)     sleeps (sched::sleep_for); EINVAL for a bad
//                               timespec, EFAULT for a bad pointer; `rem`
//                               is never written (nothing interrupts a sleep)
//   60  exit(status)            ends the calling thread (one thread per
//   231 exit_group(status)      program for now) with `status`
//   228 clock_gettime(clock, tp) CLOCK_MONOTONIC and CLOCK_REALTIME, both
//                               from boot (there is no real-time clock yet)
//
// Any other number returns -ENOSYS and is logged once (numbers up to 511;
// larger ones, never valid, are not logged).
//
// A fault in ring 3 raises the signal Linux would send (SIGSEGV for #PF and
// #GP, SIGILL for #UD, SIGFPE for #DE, ...): the program's handler runs if
// it has one and the signal is not blocked; else the program ends with
// 128 + the signal and a one-line report; the kernel goes on.

#include <cstdint>

namespace user {

inline constexpr int64_t enosys = 38, efault = 14, ebadf = 9, einval = 22;

// Registers the system-call handler and the user-fault handler.
void initialize_system_calls();

// The exit status of a program ended by exception `vector`.
int fault_exit_status(uint8_t vector);

} // namespace user

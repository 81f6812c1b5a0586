#include "user/system_calls.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_mode.h"
#include "core/console.h"
#include "core/print.h"
#include "interrupts/exceptions.h"
#include "interrupts/fault_diagnosis.h"
#include "interrupts/fault_report.h"
#include "interrupts/interrupts.h"
#include "sched/thread.h"
#include "user/user_copy.h"

namespace user {

namespace {

constexpr uint64_t sys_write = 1, sys_sched_yield = 24, sys_nanosleep = 35, sys_exit = 60, sys_clock_gettime = 228,
                   sys_exit_group = 231;
constexpr uint64_t clock_realtime = 0, clock_monotonic = 1;

// struct timespec of the x86-64 ABI.
struct TimeSpec {
    int64_t seconds;
    int64_t nanoseconds;
};
constexpr uint64_t logged_numbers = 512;
uint64_t g_logged[logged_numbers / 64]; // bit n: "not implemented" said for number n

int64_t write(uint64_t fd, uint64_t buffer, uint64_t count)
{
    if (fd != 1 && fd != 2)
        return -ebadf;
    char chunk[128];
    uint64_t done = 0;
    while (done < count) {
        const uint64_t size = count - done < sizeof chunk ? count - done : sizeof chunk;
        if (!copy_from_user(chunk, UserAddress(buffer) + done, size))
            return done > 0 ? static_cast<int64_t>(done) : -efault;
        core::console().write(std::string_view(chunk, size));
        done += size;
    }
    return static_cast<int64_t>(done);
}

int64_t nanosleep(uint64_t request, uint64_t /*remaining: never written, a sleep is not interrupted*/)
{
    TimeSpec time;
    if (!copy_from_user(&time, UserAddress(request), sizeof time))
        return -efault;
    if (time.seconds < 0 || time.nanoseconds < 0 || time.nanoseconds >= 1'000'000'000)
        return -einval;
    // Capped at about 292 years, which is as good as forever.
    const uint64_t seconds = static_cast<uint64_t>(time.seconds) < 9'000'000'000ull ? time.seconds : 9'000'000'000ll;
    sched::sleep_for(sched::Duration(seconds * 1'000'000'000 + time.nanoseconds));
    return 0;
}

int64_t clock_gettime(uint64_t clock, uint64_t destination)
{
    // No real-time clock yet: CLOCK_REALTIME counts from boot, as CLOCK_MONOTONIC does.
    if (clock != clock_realtime && clock != clock_monotonic)
        return -einval;
    const uint64_t now = sched::now_ns();
    const TimeSpec time{static_cast<int64_t>(now / 1'000'000'000), static_cast<int64_t>(now % 1'000'000'000)};
    if (!copy_to_user(UserAddress(destination), &time, sizeof time))
        return -efault;
    return 0;
}

int64_t not_implemented(uint64_t number)
{
    if (number < logged_numbers && (g_logged[number / 64] & (uint64_t{1} << (number % 64))) == 0) {
        g_logged[number / 64] |= uint64_t{1} << (number % 64);
        core::println("user: system call {} is not implemented (ENOSYS)", number);
    }
    return -enosys;
}

void on_system_call(arch::SyscallFrame& frame)
{
    arch::enable_interrupts(); // on the thread's kernel stack: preemptible like any kernel code
    int64_t result;
    switch (frame.rax) {
    case sys_write: result = write(frame.rdi, frame.rsi, frame.rdx); break;
    case sys_sched_yield:
        sched::yield();
        result = 0;
        break;
    case sys_nanosleep: result = nanosleep(frame.rdi, frame.rsi); break;
    case sys_clock_gettime: result = clock_gettime(frame.rdi, frame.rsi); break;
    case sys_exit:
    case sys_exit_group: sched::exit(static_cast<int>(frame.rdi));
    default: result = not_implemented(frame.rax); break;
    }
    frame.rax = static_cast<uint64_t>(result);
}

// Linux's signal for each exception a program can raise.
int signal_of(uint8_t vector)
{
    using interrupts::Exception;
    using interrupts::vector_of;
    if (vector == vector_of(Exception::InvalidOpcode))
        return 4; // SIGILL
    if (vector == vector_of(Exception::DivideError))
        return 8; // SIGFPE
    if (vector == vector_of(Exception::Breakpoint) || vector == vector_of(Exception::Debug))
        return 5; // SIGTRAP
    return 11;    // SIGSEGV: #PF, #GP, #SS, #AC and the rest
}

void on_user_fault(const interrupts::Fault& fault)
{
    const sched::Thread& thread = sched::current_thread();
    core::println("user: thread {} \"{}\" killed: {} at RIP {:#018x}: {}", thread.id(), thread.name(),
                  interrupts::FaultTitle{fault.vector()}, fault.frame.rip, interrupts::diagnose(fault));
    sched::exit(fault_exit_status(fault.vector()));
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
}

} // namespace user

// Ring 3 end to end: a few bytes of machine code are mapped as a user page,
// a thread enters them through IRETQ, and they call the kernel with SYSCALL
// (Linux's numbers: write, exit). Programs that do what ring 3 may not
// (cli, hlt, touching kernel memory, an undefined instruction) end with the
// status of the signal Linux would send, and the kernel goes on.
// ktest-runner-args: --expect-output "hello from ring 3"
// ktest-runner-args: --expect-output "user: system call 500 is not implemented (ENOSYS)"
// ktest-runner-args: --expect-output "killed: general protection fault"

#include <cstring>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_mode.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"
#include "sched/thread.h"
#include "user/system_calls.h"

KTEST_INIT_STAGE(Everything);

namespace {

constexpr uint64_t code_page = 0x40'0000;
constexpr uint64_t stack_page = 0x7F'0000;

// Maps `code` at code_page (user, read+execute) and a user stack page, and
// starts a thread that enters it.
sched::Thread& start_in_ring3(std::span<const uint8_t> code)
{
    mem::AddressSpace& space = mem::kernel_address_space();
    MUST(space.map_fresh(arch::VirtAddr(code_page), 4096, arch::Protection::user_read_write()));
    std::memcpy(reinterpret_cast<void*>(code_page), code.data(), code.size()); // mapped just above, writable for now
    MUST(space.protect(arch::VirtAddr(code_page), arch::Protection::user_read_execute()));
    MUST(space.map_fresh(arch::VirtAddr(stack_page), 4096, arch::Protection::user_read_write()));
    auto enter = [](void*) -> int { arch::enter_user_mode(code_page, stack_page + 4096); };
    return *MUST(sched::Thread::create("ring 3", enter, nullptr));
}

int finish(sched::Thread& thread)
{
    const int status = sched::join(thread);
    mem::kernel_address_space().unmap_and_free(arch::VirtAddr(code_page), 4096);
    mem::kernel_address_space().unmap_and_free(arch::VirtAddr(stack_page), 4096);
    return status;
}

// Runs `code` in ring 3 and returns its exit status.
int run_in_ring3(std::span<const uint8_t> code)
{
    return finish(start_in_ring3(code));
}

// mov eax, <number>; syscall, with the status or argument set up before.
constexpr uint8_t exit_with_edi[] = {0xB8, 60, 0, 0, 0, 0x0F, 0x05};

} // namespace

KTEST(user_mode, a_program_writes_through_a_system_call_and_exits_with_what_write_returned)
{
    // mov edi, 1; lea rsi, [rip + 21] (the message, 21 bytes past the lea's end); mov edx, 18; mov eax, 1; syscall;
    // mov edi, eax; mov eax, 60; syscall; then the message.
    const uint8_t program[] = {0xBF, 1,    0,    0,    0,    0x48, 0x8D, 0x35, 21, 0, 0, 0, 0xBA, 18, 0, 0, 0,
                               0xB8, 1,    0,    0,    0,    0x0F, 0x05, 0x89, 0xC7, 0xB8, 60, 0, 0, 0, 0x0F,
                               0x05, 'h',  'e',  'l',  'l',  'o',  ' ',  'f',  'r',  'o', 'm', ' ', 'r', 'i', 'n',
                               'g',  ' ',  '3',  '\n'};
    EXPECT_EQ(run_in_ring3(program), 18, "write returned the 18 bytes it wrote");
}

KTEST(user_mode, an_unknown_system_call_returns_enosys)
{
    // mov eax, 500 (no such call); syscall; mov edi, eax; exit.
    uint8_t program[5 + 2 + 2 + sizeof exit_with_edi] = {0xB8, 0xF4, 0x01, 0, 0, 0x0F, 0x05, 0x89, 0xC7};
    std::memcpy(program + 9, exit_with_edi, sizeof exit_with_edi);
    EXPECT_EQ(run_in_ring3(program), -user::enosys);
}

KTEST(user_mode, a_number_far_out_of_range_returns_enosys_too)
{
    // mov rax, -1; syscall; mov edi, eax; exit.
    uint8_t program[7 + 2 + 2 + sizeof exit_with_edi] = {0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x05, 0x89, 0xC7};
    std::memcpy(program + 11, exit_with_edi, sizeof exit_with_edi);
    EXPECT_EQ(run_in_ring3(program), -user::enosys);
}

KTEST(user_mode, sched_yield_returns_zero)
{
    uint8_t program[5 + 2 + 2 + sizeof exit_with_edi] = {0xB8, 24, 0, 0, 0, 0x0F, 0x05, 0x89, 0xC7};
    std::memcpy(program + 9, exit_with_edi, sizeof exit_with_edi);
    EXPECT_EQ(run_in_ring3(program), 0);
}

KTEST(user_mode, clock_gettime_around_a_nanosleep_of_5_ms_sees_at_least_5_ms)
{
    // clock_gettime(CLOCK_MONOTONIC, t0); nanosleep({0, 5 ms}); clock_gettime(t1);
    // exit((t1 - t0) in whole milliseconds). Assembled with NASM.
    const uint8_t code[] = {
        0x48, 0x83, 0xEC, 0x30, 0xBF, 0x01, 0x00, 0x00, 0x00, 0x48, 0x89, 0xE6, 0xB8, 0xE4, 0x00, 0x00, 0x00, 0x0F,
        0x05, 0x48, 0xC7, 0x44, 0x24, 0x20, 0x00, 0x00, 0x00, 0x00, 0x48, 0xC7, 0x44, 0x24, 0x28, 0x40, 0x4B, 0x4C,
        0x00, 0x48, 0x8D, 0x7C, 0x24, 0x20, 0x31, 0xF6, 0xB8, 0x23, 0x00, 0x00, 0x00, 0x0F, 0x05, 0xBF, 0x01, 0x00,
        0x00, 0x00, 0x48, 0x8D, 0x74, 0x24, 0x10, 0xB8, 0xE4, 0x00, 0x00, 0x00, 0x0F, 0x05, 0x48, 0x8B, 0x44, 0x24,
        0x10, 0x48, 0x2B, 0x04, 0x24, 0x48, 0x69, 0xC0, 0x00, 0xCA, 0x9A, 0x3B, 0x48, 0x03, 0x44, 0x24, 0x18, 0x48,
        0x2B, 0x44, 0x24, 0x08, 0x31, 0xD2, 0xB9, 0x40, 0x42, 0x0F, 0x00, 0x48, 0xF7, 0xF1, 0x89, 0xC7};
    uint8_t program[sizeof code + sizeof exit_with_edi];
    std::memcpy(program, code, sizeof code);
    std::memcpy(program + sizeof code, exit_with_edi, sizeof exit_with_edi);
    const int milliseconds = run_in_ring3(program);
    EXPECT_GE(milliseconds, 5);
    EXPECT_LT(milliseconds, 100, "the clock counts nanoseconds, not something larger");
}

KTEST(user_mode, nanosleep_refuses_a_bad_timespec_and_a_bad_pointer)
{
    // nanosleep({0, 2,000,000,000}) (tv_nsec out of range): EINVAL. Assembled with NASM.
    const uint8_t bad_time[] = {0x48, 0x83, 0xEC, 0x10, 0x48, 0xC7, 0x04, 0x24, 0x00, 0x00, 0x00, 0x00,
                                0x48, 0xC7, 0x44, 0x24, 0x08, 0x00, 0x94, 0x35, 0x77, 0x48, 0x89, 0xE7,
                                0x31, 0xF6, 0xB8, 0x23, 0x00, 0x00, 0x00, 0x0F, 0x05, 0x89, 0xC7};
    uint8_t program[sizeof bad_time + sizeof exit_with_edi];
    std::memcpy(program, bad_time, sizeof bad_time);
    std::memcpy(program + sizeof bad_time, exit_with_edi, sizeof exit_with_edi);
    EXPECT_EQ(run_in_ring3(program), -user::einval);
    // clock_gettime(CLOCK_MONOTONIC, a kernel address): EFAULT.
    const uint8_t bad_pointer[] = {0xBF, 0x01, 0x00, 0x00, 0x00, 0x48, 0xC7, 0xC6, 0x00, 0x00, 0x10,
                                   0x80, 0xB8, 0xE4, 0x00, 0x00, 0x00, 0x0F, 0x05, 0x89, 0xC7};
    uint8_t program2[sizeof bad_pointer + sizeof exit_with_edi];
    std::memcpy(program2, bad_pointer, sizeof bad_pointer);
    std::memcpy(program2 + sizeof bad_pointer, exit_with_edi, sizeof exit_with_edi);
    EXPECT_EQ(run_in_ring3(program2), -user::efault);
}

KTEST(user_mode, write_with_a_kernel_pointer_returns_efault)
{
    // mov edi, 1; mov rsi, 0xffffffff80100000; mov edx, 8; mov eax, 1; syscall; mov edi, eax; exit.
    uint8_t program[] = {0xBF, 1, 0, 0, 0, 0x48, 0xBE, 0x00, 0x00, 0x10, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xBA, 8, 0, 0, 0,
                         0xB8, 1, 0, 0, 0, 0x0F, 0x05, 0x89, 0xC7, 0xB8, 60, 0, 0, 0, 0x0F, 0x05};
    EXPECT_EQ(run_in_ring3(program), -user::efault);
}

namespace {
struct Forbidden {
    const char* name;
    uint8_t code[16];
    size_t size;
    uint8_t vector;
};
// Each ends its program with the fault's status; the next line never runs.
constexpr Forbidden forbidden[] = {
    {"cli", {0xFA}, 1, 13},
    {"hlt", {0xF4}, 1, 13},
    {"out_to_a_port", {0xE6, 0x80}, 2, 13},                                                          // out 0x80, al
    {"read_kernel_memory", {0x48, 0xA1, 0x00, 0x00, 0x10, 0x80, 0xFF, 0xFF, 0xFF, 0xFF}, 10, 14},     // mov rax, [abs]
    {"write_its_own_code", {0xC6, 0x05, 0xF9, 0xFF, 0xFF, 0xFF, 0x90}, 7, 14},                        // mov byte [rip-7], 0x90
    {"ud2", {0x0F, 0x0B}, 2, 6},
    {"mov_to_cr3", {0x0F, 0x22, 0xD8}, 3, 13},                                                        // mov cr3, rax
};
} // namespace

KTEST_P(user_mode, a_forbidden_instruction_ends_only_its_program, forbidden)
{
    EXPECT_EQ(run_in_ring3({param.code, param.size}), user::fault_exit_status(param.vector), "{}", param.name);
}

KTEST(user_mode, a_program_is_interrupted_and_preempted_in_ring3_and_goes_on)
{
    // mov ecx, 10000000; dec ecx; jnz -4; mov edi, 7; exit: a loop of some
    // tens of milliseconds, while a kernel thread of the same priority
    // spins too, so the timer interrupts ring 3 and switches away from it.
    uint8_t program[5 + 4 + 5 + sizeof exit_with_edi] = {0xB9, 0x80, 0x96, 0x98, 0x00, 0xFF, 0xC9, 0x75, 0xFC,
                                                         0xBF, 7,    0,    0,    0};
    std::memcpy(program + 14, exit_with_edi, sizeof exit_with_edi);
    static volatile bool stop = false;
    stop = false;
    auto spin = [](void*) -> int {
        while (!stop)
            arch::pause();
        return 0;
    };
    sched::Thread& spinner = *MUST(sched::Thread::create("kernel spinner", spin, nullptr));
    sched::Thread& thread = start_in_ring3(program);
    (void)sched::wait_until_exited(thread, sched::Deadline::never());
    const uint64_t preemptions = thread.preemptions();
    stop = true;
    sched::join(spinner);
    EXPECT_EQ(finish(thread), 7, "its registers came back after every interrupt and switch");
    EXPECT_GT(preemptions, 0u, "the timer took the CPU from ring 3");
}

KTEST(user_mode, the_kernel_goes_on_after_its_programs_fault)
{
    const uint8_t program[] = {0xFA}; // cli
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(run_in_ring3(program), user::fault_exit_status(13), "run {}", i);
    EXPECT_TRUE(arch::interrupts_enabled());
}

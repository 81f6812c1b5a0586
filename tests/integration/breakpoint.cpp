// INT3 is reported and execution continues right after it, with every
// register and flag as it was (the stub saves and restores them all).

#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "interrupts/interrupts.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Everything);

KTEST(breakpoint, int3_is_reported_and_execution_continues_after_it)
{
    const uint64_t before = interrupts::breakpoint_count();
    uint64_t after_int3 = 0;
    // LEA takes the address of the label right after the INT3, where the
    // CPU resumes (#BP is a trap: the saved RIP is the next instruction).
    asm volatile("leaq 1f(%%rip), %0\n\tint3\n1:" : "=r"(after_int3) : : "memory");
    EXPECT_EQ(interrupts::breakpoint_count(), before + 1);
    EXPECT_EQ(interrupts::last_breakpoint_return_address(), arch::VirtAddr(after_int3));
}

KTEST(breakpoint, every_general_register_survives_the_handler)
{
    // Each register gets a distinct pattern before the INT3 and must hold it
    // after (RBP is the frame pointer and RSP the stack: checked separately).
    register uint64_t rax asm("rax") = 0x1111'0000'0000'00AA;
    register uint64_t rbx asm("rbx") = 0x2222'0000'0000'00BB;
    register uint64_t rcx asm("rcx") = 0x3333'0000'0000'00CC;
    register uint64_t rdx asm("rdx") = 0x4444'0000'0000'00DD;
    register uint64_t rsi asm("rsi") = 0x5555'0000'0000'0051;
    register uint64_t rdi asm("rdi") = 0x6666'0000'0000'00D1;
    register uint64_t r8 asm("r8") = 0x0808'0808'0808'0808;
    register uint64_t r9 asm("r9") = 0x0909'0909'0909'0909;
    register uint64_t r10 asm("r10") = 0x1010'1010'1010'1010;
    register uint64_t r11 asm("r11") = 0x1111'1111'1111'1111;
    register uint64_t r12 asm("r12") = 0x1212'1212'1212'1212;
    register uint64_t r13 asm("r13") = 0x1313'1313'1313'1313;
    register uint64_t r14 asm("r14") = 0x1414'1414'1414'1414;
    register uint64_t r15 asm("r15") = 0x1515'1515'1515'1515;
    uint64_t rsp_before = 0, rsp_after = 0;
    // The registers are in-out operands: the compiler must assume the asm
    // changed them and read them back afterwards.
    asm volatile("movq %%rsp, %[before]\n\t"
                 "int3\n\t"
                 "movq %%rsp, %[after]"
                 : [before] "=m"(rsp_before), [after] "=m"(rsp_after), "+r"(rax), "+r"(rbx), "+r"(rcx), "+r"(rdx),
                   "+r"(rsi), "+r"(rdi), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
                   "+r"(r14), "+r"(r15)
                 :
                 : "memory");
    // Copies: the checks take their operands by reference, which a register
    // variable cannot give.
    const uint64_t seen[] = {rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15};
    constexpr uint64_t expected[] = {0x1111'0000'0000'00AA, 0x2222'0000'0000'00BB, 0x3333'0000'0000'00CC,
                                     0x4444'0000'0000'00DD, 0x5555'0000'0000'0051, 0x6666'0000'0000'00D1,
                                     0x0808'0808'0808'0808, 0x0909'0909'0909'0909, 0x1010'1010'1010'1010,
                                     0x1111'1111'1111'1111, 0x1212'1212'1212'1212, 0x1313'1313'1313'1313,
                                     0x1414'1414'1414'1414, 0x1515'1515'1515'1515};
    constexpr const char* names[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8",
                                     "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    for (size_t i = 0; i < sizeof seen / sizeof seen[0]; ++i)
        EXPECT_EQ(seen[i], expected[i], "{}", names[i]);
    EXPECT_EQ(rsp_after, rsp_before, "the handler left the stack as it found it");
}

KTEST(breakpoint, flags_survive_and_interrupts_stay_as_they_were)
{
    uint8_t carry = 0;
    // STC sets CF; IRETQ must bring it back; SETC reads it after the trap.
    asm volatile("stc\n\tint3\n\tsetc %0" : "=r"(carry) : : "cc", "memory");
    EXPECT_EQ(carry, 1u);
    // With interrupts off, the handler's IRETQ must not turn them on.
    arch::disable_interrupts();
    asm volatile("int3" ::: "memory"); // a trap: the handler returns with IRETQ
    const bool enabled = arch::interrupts_enabled();
    arch::enable_interrupts();
    EXPECT_FALSE(enabled);
}

KTEST(breakpoint, many_breakpoints_in_a_row)
{
    const uint64_t before = interrupts::breakpoint_count();
    for (int i = 0; i < 50; ++i)
        asm volatile("int3" ::: "memory"); // each one reported and returned from
    EXPECT_EQ(interrupts::breakpoint_count(), before + 50);
}

#include "arch/x86_64/idt.h"
#include "arch/x86_64/gdt.h"
#include "ktest/ktest.h"

// The entry stubs (interrupt_stubs.asm), one per vector.
extern "C" const uint64_t interrupt_stub_table[arch::idt::vector_count];

KTEST(idt, all_256_gates_are_present_interrupt_gates_into_the_stubs)
{
    const arch::idt::Register idtr = arch::idt::read_register();
    EXPECT_EQ(idtr.limit, 256u * 16 - 1);
    for (unsigned vector = 0; vector < arch::idt::vector_count; ++vector) {
        const arch::idt::Gate gate = arch::idt::gate(static_cast<uint8_t>(vector));
        ASSERT_TRUE(gate.present, "vector {}", vector);
        ASSERT_TRUE(gate.interrupt_gate, "vector {}", vector);
        ASSERT_EQ(gate.selector, arch::gdt::kernel_code_selector, "vector {}", vector);
        ASSERT_EQ(gate.handler, arch::VirtAddr(interrupt_stub_table[vector]), "vector {}", vector);
    }
}

KTEST(idt, double_fault_nmi_and_machine_check_switch_stacks)
{
    EXPECT_EQ(arch::idt::gate(8).ist, 1u);
    EXPECT_EQ(arch::idt::gate(2).ist, 2u);
    EXPECT_EQ(arch::idt::gate(18).ist, 3u);
    EXPECT_EQ(arch::idt::gate(14).ist, 0u, "a page fault stays on the faulting stack, so an overflow double-faults");
    EXPECT_EQ(arch::idt::gate(32).ist, 0u);
}

KTEST(idt, breakpoint_may_be_raised_from_user_mode_other_vectors_not)
{
    EXPECT_EQ(arch::idt::gate(3).dpl, 3u);
    EXPECT_EQ(arch::idt::gate(13).dpl, 0u);
    EXPECT_EQ(arch::idt::gate(0x80).dpl, 0u);
}

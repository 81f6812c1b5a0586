#include "arch/x86_64/gdt.h"
#include "arch/x86_64/kernel_stacks.h"
#include "arch/x86_64/tss.h"
#include "ktest/ktest.h"
#include "arch/x86_64/per_cpu.h"
#include "sync/interrupt_guard.h"

namespace {

uint16_t read_segment(int which)
{
    uint16_t value = 0;
    // MOV from a segment register reads its visible selector.
    switch (which) {
    case 0: asm volatile("mov %%cs, %0" : "=r"(value)); break;
    case 1: asm volatile("mov %%ss, %0" : "=r"(value)); break;
    default: asm volatile("mov %%ds, %0" : "=r"(value)); break;
    }
    return value;
}

} // namespace

KTEST(gdt, the_kernel_runs_on_its_own_table)
{
    const arch::gdt::Registers registers = arch::gdt::read_registers();
    EXPECT_EQ(registers.base, arch::gdt::table_address());
    EXPECT_EQ(registers.limit, arch::gdt::entry_count * 8 - 1);
    EXPECT_EQ(registers.task_register, arch::gdt::tss_selector);
    EXPECT_EQ(read_segment(0), arch::gdt::kernel_code_selector);
    EXPECT_EQ(read_segment(1), arch::gdt::kernel_data_selector);
    EXPECT_EQ(read_segment(2), arch::gdt::kernel_data_selector);
}

KTEST(gdt, descriptors_have_the_documented_privilege_levels)
{
    // DPL is bits 45-46, L (64-bit code) bit 53.
    EXPECT_EQ((arch::gdt::entry(1) >> 45) & 3, 0u);
    EXPECT_EQ((arch::gdt::entry(3) >> 45) & 3, 3u);
    EXPECT_EQ((arch::gdt::entry(4) >> 45) & 3, 3u);
    EXPECT_EQ((arch::gdt::entry(4) >> 53) & 1, 1u, "user code is 64-bit");
    // LTR marked the TSS busy: type 0xB.
    EXPECT_EQ((arch::gdt::entry(5) >> 40) & 0xF, 0xBu);
}

KTEST(gdt, the_tss_points_at_the_interrupt_stacks)
{
    sync::InterruptGuard stay_on_this_cpu; // this CPU's GDT, TSS and stacks
    const uint64_t low = arch::gdt::entry(5);
    const uint64_t high = arch::gdt::entry(6);
    const arch::VirtAddr base(((low >> 16) & 0xFF'FFFF) | (((low >> 56) & 0xFF) << 24) | (high << 32));
    EXPECT_EQ(base, arch::VirtAddr::of(&arch::task_state_segment()));
    for (unsigned i = 1; i <= arch::interrupt_stack_count; ++i) {
        const auto which = static_cast<arch::InterruptStack>(i);
        EXPECT_EQ(arch::interrupt_stack_pointer(which), arch::this_cpu_data().interrupt_stacks[i - 1].top, "IST{}", i);
    }
}

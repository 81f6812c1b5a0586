// KTEST cases of kernel_stacks.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and kernel_stacks.cpp has strings of its own.

#include "arch/x86_64/kernel_stacks.h"
#include "mem/page_walk.h"
#include "ktest/ktest.h"

KTEST(kernel_stacks, every_guard_page_is_unmapped_and_every_stack_mapped)
{
    for (const arch::GuardedStack& stack : arch::kernel_stacks()) {
        EXPECT_FALSE(mem::is_mapped(stack.guard), "guard of the {}", stack.name);
        EXPECT_TRUE(mem::is_mapped(stack.bottom), "bottom of the {}", stack.name);
        EXPECT_TRUE(mem::is_mapped(stack.top - 1), "top of the {}", stack.name);
        EXPECT_EQ(stack.guard + arch::page_size, stack.bottom, "{}: guard right below", stack.name);
    }
}

KTEST(kernel_stacks, the_running_code_is_on_the_boot_stack, ktest::on_boot_thread)
{
    int local = 0;
    const arch::GuardedStack* stack = arch::stack_containing(arch::VirtAddr::of(&local));
    ASSERT_NOT_NULL(stack);
    EXPECT_STREQ(stack->name, "boot stack");
}

KTEST(kernel_stacks, guard_lookup_finds_the_owner)
{
    const arch::GuardedStack& ist1 = arch::interrupt_stack(arch::InterruptStack::DoubleFault);
    EXPECT_EQ(arch::stack_guarded_at(ist1.guard + 100), &ist1);
    EXPECT_NULL(arch::stack_guarded_at(ist1.bottom));
    EXPECT_EQ(ist1.top - ist1.bottom, arch::interrupt_stack_size);
}

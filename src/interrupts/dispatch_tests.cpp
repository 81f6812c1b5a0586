// KTEST cases of dispatch.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and dispatch.cpp has strings of its own.

#include "interrupts/interrupts.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_setup.h"
#include "arch/x86_64/control_registers.h"
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"

// Faults raised on purpose: tests/integration/exceptions.cpp and breakpoint.cpp.

namespace {

uint64_t g_seen_vector = 0;
uint64_t g_seen_rax = 0;

void record_vector(arch::InterruptFrame& frame)
{
    g_seen_vector = frame.vector;
    g_seen_rax = frame.rax;
    frame.rax = 0x600D; // handlers may change registers: the stub restores them from the frame
}

} // namespace

KTEST_TEARDOWN(interrupt_dispatch)
{
    interrupts::unregister_handler(0x81);
}

KTEST(interrupt_dispatch, a_registered_software_vector_reaches_its_handler)
{
    ASSERT_TRUE(interrupts::register_handler(0x81, &record_vector).has_value());
    const uint64_t before = interrupts::count(0x81);
    uint64_t rax = 0x1234;
    // INT 0x81 enters through the vector's gate like a hardware interrupt;
    // RAX goes in and comes back through the frame.
    asm volatile("int $0x81" : "+a"(rax) : : "memory");
    EXPECT_EQ(g_seen_vector, 0x81u);
    EXPECT_EQ(g_seen_rax, 0x1234u);
    EXPECT_EQ(rax, 0x600Du);
    EXPECT_EQ(interrupts::count(0x81), before + 1);
}

KTEST(interrupt_dispatch, registration_rejects_reserved_and_taken_vectors)
{
    auto exception = interrupts::register_handler(14, &record_vector);
    ASSERT_FALSE(exception.has_value());
    EXPECT_EQ(exception.error(), interrupts::Error::ReservedVector);
    auto pic_line = interrupts::register_handler(33, &record_vector);
    ASSERT_FALSE(pic_line.has_value());
    EXPECT_EQ(pic_line.error(), interrupts::Error::ReservedVector);
    ASSERT_TRUE(interrupts::register_handler(0x81, &record_vector).has_value());
    auto taken = interrupts::register_handler(0x81, &record_vector);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error(), interrupts::Error::AlreadyRegistered);
}

KTEST(interrupt_dispatch, an_unexpected_vector_is_reported_and_panics,
      ktest::should_panic("unexpected interrupt (vector 0x90)"))
{
    // INT 0x90: no handler is registered for it.
    asm volatile("int $0x90" ::: "memory");
}

KTEST(interrupt_dispatch, the_cpu_state_was_set_up)
{
    EXPECT_TRUE(arch::cpu_initialized());
    EXPECT_EQ(arch::no_execute_enabled(), arch::cpu_features().no_execute, "NX is on where the CPU has it");
    EXPECT_NE(arch::read_cr0() & arch::cr0_write_protect, 0u);
}

KTEST(interrupt_dispatch, a_breakpoint_is_counted_and_execution_continues)
{
    const uint64_t before = interrupts::breakpoint_count();
    uint64_t after_int3 = 0;
    // LEA takes the address of the label right after the INT3: where the
    // CPU returns to (INT3 is a trap).
    asm volatile("leaq 1f(%%rip), %0\n\tint3\n1:" : "=r"(after_int3) : : "memory");
    EXPECT_EQ(interrupts::breakpoint_count(), before + 1);
    EXPECT_EQ(interrupts::last_breakpoint_return_address(), arch::VirtAddr(after_int3));
}

KTEST(interrupt_dispatch, expect_fault_catches_the_named_exception)
{
    // UD2 is defined to raise #UD.
    EXPECT_FAULT(InvalidOpcode, asm volatile("ud2"));
    EXPECT_EQ(ktest::last_fault().vector(), 6u);
}

// KTEST cases of irq.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and irq.cpp has strings of its own.

#include "interrupts/irq.h"
#include "interrupts/pic.h"
#include "ktest/ktest.h"

namespace {
void ignore_irq(arch::InterruptFrame&) {}
} // namespace

// The 8259s' spurious IRQs: only while they deliver the lines (with an I/O
// APIC they are parked; unit.ktest_with_8259s runs these with apic=off).
#define SKIP_UNLESS_THE_8259S_DELIVER()                                                                           \
    do {                                                                                                          \
        if (interrupts::irq_controller() != interrupts::IrqController::Pic8259)                                   \
            KTEST_SKIP("the I/O APIC delivers the ISA lines (unit.ktest_with_8259s runs this with apic=off)");   \
    } while (0)

KTEST(irq, a_software_irq7_with_nothing_in_service_is_spurious)
{
    SKIP_UNLESS_THE_8259S_DELIVER();
    // INT 0x27 enters like IRQ 7 would, but the master's ISR bit 7 is clear:
    // exactly what a spurious IRQ 7 looks like. It must be counted, reach no
    // handler and leave nothing in service.
    const uint64_t before = interrupts::spurious_irq_count(7);
    asm volatile("int $0x27" ::: "memory"); // vector 32 + 7
    EXPECT_EQ(interrupts::spurious_irq_count(7), before + 1);
    EXPECT_EQ(interrupts::pic::in_service(), 0u);
}

KTEST(irq, a_spurious_irq15_is_counted_too)
{
    SKIP_UNLESS_THE_8259S_DELIVER();
    const uint64_t before = interrupts::spurious_irq_count(15);
    // INT 0x2F enters like IRQ 15; the slave's ISR bit 7 is clear.
    asm volatile("int $0x2F" ::: "memory");
    EXPECT_EQ(interrupts::spurious_irq_count(15), before + 1);
    EXPECT_EQ(interrupts::pic::in_service(), 0u);
}

KTEST(irq, an_irq_on_a_line_without_handler_is_reported_and_masked)
{
    // IRQ 5 has no handler. Enter its vector by software: it is not
    // spurious-checked (only 7 and 15 are), so it takes the "unexpected" path.
    const uint64_t before = interrupts::unexpected_irq_count();
    asm volatile("int $0x25" ::: "memory"); // vector 32 + 5
    EXPECT_EQ(interrupts::unexpected_irq_count(), before + 1);
    EXPECT_TRUE(interrupts::irq_line_masked(5), "masked at whichever controller delivers it");
}

KTEST(irq, registration_checks_the_line)
{
    auto cascade = interrupts::register_irq_handler(interrupts::irq::cascade, &ignore_irq);
    ASSERT_FALSE(cascade.has_value());
    EXPECT_EQ(cascade.error(), interrupts::Error::InvalidIrq);
    auto keyboard = interrupts::register_irq_handler(interrupts::irq::keyboard, &ignore_irq);
    ASSERT_FALSE(keyboard.has_value());
    EXPECT_EQ(keyboard.error(), interrupts::Error::AlreadyRegistered);
    EXPECT_FALSE(interrupts::register_irq_handler(16, &ignore_irq).has_value());
}

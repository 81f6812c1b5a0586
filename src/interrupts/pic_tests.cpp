// KTEST cases of pic.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and pic.cpp has strings of its own.

#include "interrupts/pic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "arch/x86_64/tsc.h"
#include "interrupts/irq.h"
#include "ktest/ktest.h"

// Masks and ticks of the 8259s: only while they deliver the lines (with an
// I/O APIC they are parked, every line masked; unit.ktest_with_8259s runs
// these with apic=off).
#define SKIP_UNLESS_THE_8259S_DELIVER()                                                                           \
    do {                                                                                                          \
        if (interrupts::irq_controller() != interrupts::IrqController::Pic8259)                                   \
            KTEST_SKIP("the I/O APIC delivers the ISA lines (unit.ktest_with_8259s runs this with apic=off)");   \
    } while (0)

KTEST(pic, under_the_io_apic_every_line_is_masked)
{
    if (interrupts::irq_controller() != interrupts::IrqController::IoApic)
        KTEST_SKIP("the 8259s deliver the lines");
    EXPECT_EQ(interrupts::pic::mask_bits(), 0xFFFFu, "all sixteen lines, the cascade too");
    EXPECT_EQ(interrupts::pic::in_service(), 0u);
}

KTEST(pic, only_lines_with_handlers_and_the_cascade_are_unmasked)
{
    SKIP_UNLESS_THE_8259S_DELIVER();
    const uint16_t masks = interrupts::pic::mask_bits();
    EXPECT_FALSE(interrupts::pic::is_masked(interrupts::irq::timer), "the timer is running");
    EXPECT_FALSE(interrupts::pic::is_masked(2), "the cascade line stays open");
    EXPECT_TRUE(interrupts::pic::is_masked(interrupts::irq::mouse), "nobody handles the mouse");
    // The chips hold what the cache says (reading OCW1 back from the data port).
    const uint16_t hardware = static_cast<uint16_t>(arch::Port8(0x21).read() | (arch::Port8(0xA1).read() << 8));
    EXPECT_EQ(hardware, masks);
}

KTEST(pic, nothing_is_left_in_service_between_interrupts)
{
    // Every handled IRQ got its EOI: outside a handler no ISR bit is set.
    EXPECT_EQ(interrupts::pic::in_service(), 0u);
}

KTEST(pic, masking_the_timer_stops_its_interrupts)
{
    SKIP_UNLESS_THE_8259S_DELIVER();
    auto tsc_hz = arch::tsc::frequency_hz();
    ASSERT_OK(tsc_hz, "the wait below is timed with the TSC");
    const uint64_t vector = interrupts::vector_of_irq(interrupts::irq::timer);
    interrupts::pic::mask(interrupts::irq::timer);
    const uint64_t masked_count = interrupts::count(vector);
    const uint64_t start = arch::read_timestamp_counter();
    // Wait about 5 ms (the timer runs at 1 kHz or so): no tick may arrive.
    const uint64_t five_ms = *tsc_hz / 200;
    while (arch::read_timestamp_counter() - start < five_ms)
        arch::pause();
    const uint64_t after_wait = interrupts::count(vector);
    interrupts::pic::unmask(interrupts::irq::timer);
    EXPECT_EQ(after_wait, masked_count);
    const uint64_t restart = arch::read_timestamp_counter();
    while (interrupts::count(vector) == after_wait && arch::read_timestamp_counter() - restart < five_ms * 20)
        arch::pause();
    EXPECT_GT(interrupts::count(vector), after_wait, "unmasked: the ticks come back");
}

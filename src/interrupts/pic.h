#pragma once
// The two cascaded 8259A programmable interrupt controllers of the PC
// (Intel 8259A datasheet; OSDev wiki "8259 PIC"). The master takes IRQ 0-7,
// the slave IRQ 8-15 and signals the master on IRQ 2.
//
// The BIOS leaves them delivering IRQ 0-7 at vectors 8-15, on top of the
// CPU's exceptions; initialize() moves them to 32-47. Lines are masked until
// a driver registers a handler (interrupts/irq.h).

#include <cstdint>

namespace interrupts::pic {

inline constexpr uint8_t line_count = 16;

// Runs the initialisation sequence (ICW1-4) on both chips: edge-triggered,
// cascaded, 8086 mode, vectors `master_base` (IRQ 0) and `slave_base`
// (IRQ 8). Every line is masked afterwards except the cascade (IRQ 2).
void initialize(uint8_t master_base, uint8_t slave_base);

void mask(uint8_t line);
// Every line, the cascade too: the 8259s deliver nothing (but a spurious
// IRQ 7 or 15) while the I/O APIC has the lines (interrupts/irq.h).
void mask_all();
void unmask(uint8_t line);
bool is_masked(uint8_t line);
uint16_t mask_bits(); // bit n set: line n masked

// Non-specific end of interrupt (OCW2): to both chips for a slave line,
// since the master has IRQ 2 in service too.
void end_of_interrupt(uint8_t line);

// IRQ 7 and 15 are what a chip reports when the request went away before
// the CPU acknowledged it (8259A datasheet, "Interrupt Sequence"): then the
// line's in-service bit is not set. A spurious IRQ 7 needs no EOI; a
// spurious IRQ 15 needs one for the master (which did see IRQ 2).
bool is_spurious(uint8_t line);
void end_of_spurious_interrupt(uint8_t line);

// The in-service and request registers of both chips (OCW3), slave in the
// high byte.
uint16_t in_service();
uint16_t requested();

} // namespace interrupts::pic

#pragma once
// Hardware interrupt lines (IRQ 0-15) of the two 8259A PICs, delivered at
// vectors 32-47 (interrupts/pic.h remaps them there).
//
// Registering a handler unmasks its line; the dispatcher sends the end of
// interrupt after the handler returns. IRQ 7 and 15 may be spurious: those
// are counted and get the end-of-interrupt treatment the 8259A needs (none
// for IRQ 7, master only for IRQ 15) without calling any handler. An IRQ on
// a line nobody registered is reported, counted and the line masked.

#include <cstdint>
#include "interrupts/interrupts.h"

namespace interrupts {

inline constexpr uint8_t irq_base_vector = 32;
inline constexpr uint8_t irq_count = 16;

namespace irq {
inline constexpr uint8_t timer = 0;
inline constexpr uint8_t keyboard = 1;
inline constexpr uint8_t cascade = 2; // the slave PIC; never raised by itself
inline constexpr uint8_t com1 = 4;
inline constexpr uint8_t spurious_master = 7;
inline constexpr uint8_t mouse = 12;
inline constexpr uint8_t spurious_slave = 15;
} // namespace irq

constexpr uint8_t vector_of_irq(uint8_t line)
{
    return static_cast<uint8_t>(irq_base_vector + line);
}

// Init stage Interrupts: remaps the PICs and masks every line.
void initialize_irqs();

kstd::Expected<void, Error> register_irq_handler(uint8_t line, Handler handler);
void unregister_irq_handler(uint8_t line);

// Spurious IRQ 7/15 seen, and IRQs that arrived on a line with no handler.
uint64_t spurious_irq_count(uint8_t line);
uint64_t unexpected_irq_count();

// Called by interrupt_dispatch for vectors 32-47.
void handle_irq(arch::InterruptFrame& frame);

} // namespace interrupts

#pragma once
// The ISA interrupt lines (IRQ 0-15), delivered at vectors 32-47 by one of
// two controllers:
//   - the two 8259A PICs (interrupts/pic.h), the fallback on a machine
//     without an APIC: the line is the PIC's input;
//   - the I/O APIC (interrupts/io_apic.h) once use_io_apic() switched to it:
//     the line is routed to the global system interrupt the MADT's
//     interrupt source overrides name (IRQ 0 is GSI 2 on most PCs) with the
//     polarity and trigger mode they give (ISA's own default: active high,
//     edge), to the boot CPU's local APIC; the 8259s are then moved to the
//     vectors 224-239 and every line of theirs is masked.
//
// Registering a handler unmasks its line; the dispatcher sends the end of
// interrupt after the handler returns (to the 8259s, or to the local APIC).
// Under the 8259s IRQ 7 and 15 may be spurious: those are counted and get
// the end-of-interrupt treatment the 8259A needs (none for IRQ 7, master
// only for IRQ 15) without calling any handler. An IRQ on a line nobody
// registered is reported, counted and the line masked.

#include <cstdint>
#include <span>
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

// Where the 8259s deliver while the I/O APIC has the lines: only spurious
// interrupts can come from them there (every line is masked).
inline constexpr uint8_t parked_pic_vector = 224;

constexpr uint8_t vector_of_irq(uint8_t line)
{
    return static_cast<uint8_t>(irq_base_vector + line);
}

// Init stage Interrupts: remaps the PICs and masks every line.
void initialize_irqs();

// How an ISA line reaches an I/O APIC input (from the MADT's interrupt
// source overrides; a line without one keeps ISA's default).
struct IsaRoute {
    uint8_t line;
    uint32_t gsi;
    bool active_low;
    bool level_triggered;
};
// Switches the ISA lines to the I/O APIC(s) already added (io_apic.h) and
// the local APIC of `destination`: each line is routed with its override
// from `overrides` (else GSI = line, active high, edge), the lines that have
// handlers are unmasked there, and the 8259s are parked and masked whole.
// Lines no I/O APIC has stay where they are not: their registration fails.
[[nodiscard]] kstd::Expected<void, Error> use_io_apic(std::span<const IsaRoute> overrides, uint32_t destination);

enum class IrqController : uint8_t { Pic8259, IoApic };
IrqController irq_controller();
// Whether `line` is masked at the controller that delivers it.
bool irq_line_masked(uint8_t line);
// The GSI and mode a line is routed with (under the I/O APIC).
IsaRoute isa_route(uint8_t line);
// Spurious interrupts from the parked 8259s.
uint64_t parked_pic_spurious_count();
// Called by interrupt_dispatch for vectors 224-239.
void handle_parked_pic(arch::InterruptFrame& frame);

kstd::Expected<void, Error> register_irq_handler(uint8_t line, Handler handler);
void unregister_irq_handler(uint8_t line);

// Spurious IRQ 7/15 seen, and IRQs that arrived on a line with no handler.
uint64_t spurious_irq_count(uint8_t line);
uint64_t unexpected_irq_count();

// Called by interrupt_dispatch for vectors 32-47.
void handle_irq(arch::InterruptFrame& frame);

} // namespace interrupts

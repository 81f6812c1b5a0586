#pragma once
// The local APIC: each CPU's own interrupt controller (Intel SDM vol. 3,
// chapter 11 "Advanced Programmable Interrupt Controller"). It accepts
// interrupts from the I/O APIC and from other CPUs (IPIs), has a timer, and
// takes the end-of-interrupt of everything it delivered.
//
// The registers are the xAPIC's: 4 KiB of memory at the base IA32_APIC_BASE
// names (0xFEE00000 on every PC; an MADT override wins), mapped uncached
// once (mem::map_physical) and the same physical page on every CPU, each CPU
// seeing its own APIC there.
//
// Vectors it owns (the top of the table, above the I/O APIC's 32-47 and
// the 8259s' parking place 224-239, interrupts/irq.h):
//   240  the local APIC timer (the scheduler tick, drivers/local_apic_timer.h)
//   241  reschedule IPI: another CPU made a thread runnable for this one
//   254  the APIC error interrupt: ESR read, reported, counted
//   255  spurious: counted, no end-of-interrupt (SDM vol. 3, 11.9)

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/interrupt_frame.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace interrupts::local_apic {

inline constexpr uint8_t timer_vector = 240;
inline constexpr uint8_t reschedule_vector = 241;
inline constexpr uint8_t error_vector = 254;
inline constexpr uint8_t spurious_vector = 255;
inline constexpr uint8_t first_vector = timer_vector; // 240-255 are the local APIC's

enum class Error : uint8_t {
    NotPresent,  // CPUID 01h EDX[9] is clear (or the APIC is disabled in IA32_APIC_BASE for good)
    MapFailed,   // no virtual memory for its registers
};
std::string_view to_string(Error error);

// The boot CPU: maps the registers at `base` (the MADT's address, or the
// MSR's when none is known) and enables this CPU's APIC. Other CPUs call
// enable_this_cpu() once the boot CPU has done this.
[[nodiscard]] kstd::Expected<void, Error> initialize(arch::PhysAddr base);
// Enables this CPU's local APIC: software-enabled with the spurious vector,
// task priority 0, the error vector in its LVT entry, LINT0/1 masked (the
// 8259 is not used through them).
void enable_this_cpu();
bool enabled();           // initialize() succeeded: the APIC delivers interrupts
arch::PhysAddr base();

uint32_t id(); // this CPU's APIC id (bits 31-24 of the ID register)
uint8_t version();
uint8_t max_lvt_entry();

void end_of_interrupt();

// Register access, for the timer and IPI code (offsets of SDM vol. 3, table 11-1).
namespace reg {
inline constexpr uint32_t id = 0x020;
inline constexpr uint32_t version = 0x030;
inline constexpr uint32_t task_priority = 0x080;
inline constexpr uint32_t end_of_interrupt = 0x0B0;
inline constexpr uint32_t spurious = 0x0F0;
inline constexpr uint32_t in_service = 0x100;    // eight 32-bit registers, 16 bytes apart
inline constexpr uint32_t error_status = 0x280;
inline constexpr uint32_t command_low = 0x300;
inline constexpr uint32_t command_high = 0x310;
inline constexpr uint32_t lvt_timer = 0x320;
inline constexpr uint32_t lvt_lint0 = 0x350;
inline constexpr uint32_t lvt_lint1 = 0x360;
inline constexpr uint32_t lvt_error = 0x370;
inline constexpr uint32_t timer_initial_count = 0x380;
inline constexpr uint32_t timer_current_count = 0x390;
inline constexpr uint32_t timer_divide = 0x3E0;
} // namespace reg
inline constexpr uint32_t lvt_masked = 1u << 16;

uint32_t read(uint32_t offset);
void write(uint32_t offset, uint32_t value);

// Whether `vector` is in service on this CPU's APIC now (its ISR bit).
bool in_service(uint8_t vector);

// --- Inter-processor interrupts (SDM vol. 3, 11.6) ----------------------------

enum class Delivery : uint8_t { Fixed = 0, Nmi = 4, Init = 5, Startup = 6 };
// Sends `vector` (or INIT, or STARTUP with the page number as vector, or
// NMI) to the APIC `destination`, and waits for the APIC to accept it.
void send_ipi(uint32_t destination, Delivery delivery, uint8_t vector = 0);
// The de-assert INIT the startup sequence sends after an INIT (older CPUs need it).
void send_init_deassert(uint32_t destination);
// To every CPU but this one (the ICR's "all excluding self" shorthand).
void send_ipi_to_others(Delivery delivery, uint8_t vector = 0);

// --- Counters -------------------------------------------------------------------
uint64_t spurious_count();
uint64_t error_count();
uint32_t last_error_status();

// Called by interrupt_dispatch for vectors 240-255 (interrupts off). Sends
// the end-of-interrupt after a handled one (never for the spurious vector).
void handle_interrupt(arch::InterruptFrame& frame);
// The handlers of the timer and the reschedule IPI (the layers above
// install them: the timer driver, the scheduler).
using Handler = void (*)(arch::InterruptFrame& frame);
void set_handler(uint8_t vector, Handler handler);

} // namespace interrupts::local_apic

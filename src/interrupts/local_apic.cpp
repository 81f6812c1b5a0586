#include "interrupts/local_apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/msr.h"
#include "core/print.h"
#include "mem/physical_mapping.h"
#include "sync/atomic.h"

namespace interrupts::local_apic {

namespace {

// IA32_APIC_BASE (SDM vol. 3, 11.4.4): bit 8 BSP, bit 11 global enable, the
// base from bit 12.
constexpr uint32_t apic_base_msr = 0x1B;
constexpr uint64_t apic_base_enable = 1ull << 11;
constexpr uint64_t apic_base_address_mask = 0x000F'FFFF'FFFF'F000ull;
// Spurious-interrupt vector register: bit 8 software-enables the APIC.
constexpr uint32_t spurious_apic_enable = 1u << 8;
// Interrupt command register, low half (SDM vol. 3, figure 11-12).
constexpr uint32_t icr_delivery_pending = 1u << 12;
constexpr uint32_t icr_level_assert = 1u << 14;
constexpr uint32_t icr_trigger_level = 1u << 15;
constexpr uint32_t icr_all_excluding_self = 3u << 18;

volatile uint32_t* g_registers = nullptr; // set once by initialize(), before any other CPU runs
arch::PhysAddr g_base;

sync::Atomic<Handler> g_handlers[256 - first_vector];
sync::Atomic<uint64_t> g_spurious{0};
sync::Atomic<uint64_t> g_errors{0};
sync::Atomic<uint32_t> g_last_error{0};

void on_error(arch::InterruptFrame&)
{
    // The ESR latches errors when it is written (SDM vol. 3, 11.5.3): write,
    // then read.
    write(reg::error_status, 0);
    const uint32_t status = read(reg::error_status);
    g_last_error.store(status, sync::MemoryOrder::Relaxed);
    g_errors.fetch_add(1, sync::MemoryOrder::Relaxed);
    core::println("apic: error interrupt on APIC {}: ESR {:#x}{}{}{}{}", id(), status,
                  status & (1u << 5) ? " (send illegal vector)" : "", status & (1u << 6) ? " (received illegal vector)" : "",
                  status & (1u << 7) ? " (illegal register address)" : "", status & (1u << 2) ? " (send accept error)" : "");
}

void wait_for_delivery()
{
    while (read(reg::command_low) & icr_delivery_pending)
        arch::pause();
}

} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NotPresent: return "the CPU has no local APIC (CPUID 01h EDX[9])";
    case Error::MapFailed: return "its registers cannot be mapped";
    }
    return "unknown local APIC error";
}

uint32_t read(uint32_t offset)
{
    // The registers are 32 bits wide at 16-byte intervals; a 32-bit access
    // is the only kind allowed (SDM vol. 3, 11.4.1).
    return g_registers[offset / 4];
}

void write(uint32_t offset, uint32_t value)
{
    g_registers[offset / 4] = value;
}

kstd::Expected<void, Error> initialize(arch::PhysAddr base)
{
    if (!arch::cpu_features().local_apic)
        return kstd::unexpected(Error::NotPresent);
    const uint64_t msr = arch::msr::read(apic_base_msr);
    if (base.value() == 0)
        base = arch::PhysAddr(msr & apic_base_address_mask);
    arch::Protection registers = arch::Protection::read_write();
    registers.caching = arch::Caching::Uncached; // device registers: every access must reach the APIC
    auto mapped = mem::map_physical(base, 4096, registers);
    if (!mapped)
        return kstd::unexpected(Error::MapFailed);
    // The mapping is of the APIC's 4 KiB register page, 32-bit registers.
    g_registers = mapped->as_pointer<volatile uint32_t>();
    g_base = base;
    set_handler(error_vector, &on_error);
    enable_this_cpu();
    return {};
}

void enable_this_cpu()
{
    // Globally enabled in the MSR (firmware leaves it so; set it anyway).
    const uint64_t msr = arch::msr::read(apic_base_msr);
    if ((msr & apic_base_enable) == 0)
        arch::msr::write(apic_base_msr, msr | apic_base_enable);
    write(reg::task_priority, 0); // accept every vector
    write(reg::lvt_lint0, lvt_masked);
    write(reg::lvt_lint1, lvt_masked);
    write(reg::lvt_timer, lvt_masked | timer_vector);
    if (max_lvt_entry() >= 3)
        write(reg::lvt_error, error_vector);
    write(reg::spurious, spurious_apic_enable | spurious_vector);
    // Clear errors latched before now (two writes: SDM vol. 3, 11.5.3).
    write(reg::error_status, 0);
    write(reg::error_status, 0);
    end_of_interrupt(); // nothing left in service from the firmware
}

bool enabled()
{
    return g_registers != nullptr;
}

arch::PhysAddr base()
{
    return g_base;
}

uint32_t id()
{
    return read(reg::id) >> 24;
}

uint8_t version()
{
    return static_cast<uint8_t>(read(reg::version) & 0xFF);
}

uint8_t max_lvt_entry()
{
    return static_cast<uint8_t>((read(reg::version) >> 16) & 0xFF);
}

void end_of_interrupt()
{
    write(reg::end_of_interrupt, 0);
}

bool in_service(uint8_t vector)
{
    return (read(reg::in_service + (vector / 32) * 0x10) >> (vector % 32)) & 1u;
}

void send_ipi(uint32_t destination, Delivery delivery, uint8_t vector)
{
    wait_for_delivery();
    write(reg::command_high, destination << 24);
    uint32_t low = vector | (static_cast<uint32_t>(delivery) << 8) | icr_level_assert;
    if (delivery == Delivery::Init)
        low |= icr_trigger_level;
    write(reg::command_low, low); // the write of the low half sends it
    wait_for_delivery();
}

void send_init_deassert(uint32_t destination)
{
    wait_for_delivery();
    write(reg::command_high, destination << 24);
    write(reg::command_low, (static_cast<uint32_t>(Delivery::Init) << 8) | icr_trigger_level);
    wait_for_delivery();
}

void send_ipi_to_others(Delivery delivery, uint8_t vector)
{
    wait_for_delivery();
    write(reg::command_low, vector | (static_cast<uint32_t>(delivery) << 8) | icr_level_assert | icr_all_excluding_self);
    wait_for_delivery();
}

uint64_t spurious_count()
{
    return g_spurious.load(sync::MemoryOrder::Relaxed);
}

uint64_t error_count()
{
    return g_errors.load(sync::MemoryOrder::Relaxed);
}

uint32_t last_error_status()
{
    return g_last_error.load(sync::MemoryOrder::Relaxed);
}

void set_handler(uint8_t vector, Handler handler)
{
    if (vector >= first_vector)
        g_handlers[vector - first_vector].store(handler, sync::MemoryOrder::Release);
}

void handle_interrupt(arch::InterruptFrame& frame)
{
    const auto vector = static_cast<uint8_t>(frame.vector);
    if (vector == spurious_vector) {
        // Not in service: no end-of-interrupt (SDM vol. 3, 11.9).
        g_spurious.fetch_add(1, sync::MemoryOrder::Relaxed);
        return;
    }
    if (Handler handler = g_handlers[vector - first_vector].load(sync::MemoryOrder::Acquire))
        handler(frame);
    else
        core::println("apic: vector {} with no handler on APIC {}", vector, id());
    end_of_interrupt();
}

} // namespace interrupts::local_apic

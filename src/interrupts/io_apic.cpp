#include "interrupts/io_apic.h"
#include "mem/physical_mapping.h"
#include "sync/spinlock.h"

namespace interrupts::io_apic {

namespace {

constexpr uint32_t register_select = 0x00; // IOREGSEL, bytes from the base
constexpr uint32_t register_window = 0x10; // IOWIN
constexpr uint32_t index_version = 0x01;
constexpr uint32_t index_redirection = 0x10;
// Redirection entry bits (82093AA datasheet, 3.2.4).
constexpr uint64_t entry_active_low = 1ull << 13;
constexpr uint64_t entry_level = 1ull << 15;
constexpr uint64_t entry_masked = 1ull << 16;

struct Controller {
    uint8_t id = 0;
    arch::PhysAddr address;
    volatile uint32_t* registers = nullptr;
    uint32_t gsi_base = 0;
    uint32_t pins = 0;
    uint8_t version = 0;
};

// IOREGSEL then IOWIN is two accesses: one lock keeps them together (and
// guards the table). Rank: taken with nothing else of ranked locks held
// but the IRQ table's, like the 8259's masks.
sync::Spinlock g_lock("I/O APIC", sync::LockRank::InterruptController);
Controller g_controllers[max_controllers];
size_t g_count = 0;

uint32_t read_register(const Controller& controller, uint32_t index)
{
    // IOREGSEL at offset 0 and IOWIN at 0x10: 32-bit registers (datasheet 3.0).
    controller.registers[register_select / 4] = index;
    return controller.registers[register_window / 4];
}

void write_register(const Controller& controller, uint32_t index, uint32_t value)
{
    controller.registers[register_select / 4] = index;
    controller.registers[register_window / 4] = value;
}

uint64_t read_entry(const Controller& controller, uint32_t pin)
{
    const uint32_t low = read_register(controller, index_redirection + 2 * pin);
    const uint32_t high = read_register(controller, index_redirection + 2 * pin + 1);
    return (static_cast<uint64_t>(high) << 32) | low;
}

void write_entry(const Controller& controller, uint32_t pin, uint64_t value)
{
    // Masked first while the halves change (the low half holds the mask bit).
    write_register(controller, index_redirection + 2 * pin, static_cast<uint32_t>(value) | entry_masked);
    write_register(controller, index_redirection + 2 * pin + 1, static_cast<uint32_t>(value >> 32));
    write_register(controller, index_redirection + 2 * pin, static_cast<uint32_t>(value));
}

// The controller and pin of `gsi`, with g_lock held.
Controller* find(uint32_t gsi, uint32_t& pin)
{
    for (size_t i = 0; i < g_count; ++i) {
        Controller& controller = g_controllers[i];
        if (gsi >= controller.gsi_base && gsi - controller.gsi_base < controller.pins) {
            pin = gsi - controller.gsi_base;
            return &controller;
        }
    }
    return nullptr;
}

} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::TooMany: return "more I/O APICs than the kernel keeps (8)";
    case Error::MapFailed: return "its registers cannot be mapped";
    case Error::NoSuchGsi: return "no I/O APIC has this interrupt input";
    }
    return "unknown I/O APIC error";
}

kstd::Expected<void, Error> add_controller(uint8_t id, arch::PhysAddr address, uint32_t gsi_base)
{
    arch::Protection registers = arch::Protection::read_write();
    registers.caching = arch::Caching::Uncached; // device registers
    auto mapped = mem::map_physical(address, 0x20, registers);
    if (!mapped)
        return kstd::unexpected(Error::MapFailed);
    sync::SpinlockGuard guard(g_lock);
    if (g_count == max_controllers)
        return kstd::unexpected(Error::TooMany);
    Controller& controller = g_controllers[g_count];
    controller.id = id;
    controller.address = address;
    // The mapping covers IOREGSEL and IOWIN, 32-bit registers.
    controller.registers = mapped->as_pointer<volatile uint32_t>();
    controller.gsi_base = gsi_base;
    const uint32_t version = read_register(controller, index_version);
    controller.version = static_cast<uint8_t>(version & 0xFF);
    controller.pins = ((version >> 16) & 0xFF) + 1; // the highest entry's index, bits 23-16
    for (uint32_t pin = 0; pin < controller.pins; ++pin)
        write_entry(controller, pin, entry_masked);
    ++g_count;
    return {};
}

size_t controller_count()
{
    sync::SpinlockGuard guard(g_lock);
    return g_count;
}

ControllerInfo controller(size_t index)
{
    sync::SpinlockGuard guard(g_lock);
    if (index >= g_count)
        return {};
    const Controller& c = g_controllers[index];
    return {c.id, c.address, c.gsi_base, c.pins, c.version};
}

kstd::Expected<void, Error> route(uint32_t gsi, const Route& route)
{
    sync::SpinlockGuard guard(g_lock);
    uint32_t pin = 0;
    Controller* controller = find(gsi, pin);
    if (controller == nullptr)
        return kstd::unexpected(Error::NoSuchGsi);
    // Fixed delivery, physical destination mode: bits 8-11 zero.
    uint64_t value = route.vector | entry_masked | (static_cast<uint64_t>(route.destination & 0xFF) << 56);
    if (route.active_low)
        value |= entry_active_low;
    if (route.level_triggered)
        value |= entry_level;
    write_entry(*controller, pin, value);
    return {};
}

namespace {
kstd::Expected<void, Error> set_mask(uint32_t gsi, bool masked)
{
    sync::SpinlockGuard guard(g_lock);
    uint32_t pin = 0;
    Controller* controller = find(gsi, pin);
    if (controller == nullptr)
        return kstd::unexpected(Error::NoSuchGsi);
    const uint32_t low = read_register(*controller, index_redirection + 2 * pin);
    write_register(*controller, index_redirection + 2 * pin,
                   masked ? low | static_cast<uint32_t>(entry_masked) : low & ~static_cast<uint32_t>(entry_masked));
    return {};
}
} // namespace

kstd::Expected<void, Error> mask(uint32_t gsi)
{
    return set_mask(gsi, true);
}

kstd::Expected<void, Error> unmask(uint32_t gsi)
{
    return set_mask(gsi, false);
}

kstd::Expected<uint64_t, Error> entry(uint32_t gsi)
{
    sync::SpinlockGuard guard(g_lock);
    uint32_t pin = 0;
    Controller* controller = find(gsi, pin);
    if (controller == nullptr)
        return kstd::unexpected(Error::NoSuchGsi);
    return read_entry(*controller, pin);
}

bool is_masked(uint32_t gsi)
{
    auto value = entry(gsi);
    return !value || (*value & entry_masked) != 0;
}

} // namespace interrupts::io_apic

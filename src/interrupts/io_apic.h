#pragma once
// The I/O APIC (Intel 82093AA datasheet): routes each of its input pins, a
// global system interrupt (GSI) number from its base up, to a vector on a
// local APIC, with the pin's polarity and trigger mode, or masks it.
//
// Registers are reached through two of its own: IOREGSEL picks one (by
// index), IOWIN reads or writes it. The redirection table has one 64-bit
// entry per pin, at indexes 0x10 + 2 * pin (low half) and + 1 (high half).
// Every pin is masked when a controller is added; interrupts/irq.cpp routes
// the ISA lines the drivers register.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"

namespace interrupts::io_apic {

inline constexpr size_t max_controllers = 8;

enum class Error : uint8_t {
    TooMany,      // more I/O APICs than max_controllers
    MapFailed,    // its registers cannot be mapped
    NoSuchGsi,    // no I/O APIC has this pin
};
std::string_view to_string(Error error);

struct Route {
    uint8_t vector;
    uint32_t destination; // local APIC id (physical destination mode)
    bool active_low;
    bool level_triggered;
};

// Maps the controller's registers at `address`, reads how many pins it has
// and masks them all.
[[nodiscard]] kstd::Expected<void, Error> add_controller(uint8_t id, arch::PhysAddr address, uint32_t gsi_base);
size_t controller_count();

struct ControllerInfo {
    uint8_t id;
    arch::PhysAddr address;
    uint32_t gsi_base;
    uint32_t pins;
    uint8_t version;
};
ControllerInfo controller(size_t index);

// Programs the pin of `gsi` with `route`, masked until unmask().
[[nodiscard]] kstd::Expected<void, Error> route(uint32_t gsi, const Route& route);
[[nodiscard]] kstd::Expected<void, Error> mask(uint32_t gsi);
[[nodiscard]] kstd::Expected<void, Error> unmask(uint32_t gsi);
bool is_masked(uint32_t gsi);
// The raw 64-bit redirection entry (for tests and reports).
[[nodiscard]] kstd::Expected<uint64_t, Error> entry(uint32_t gsi);

} // namespace interrupts::io_apic

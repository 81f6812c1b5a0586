#pragma once
// PCI: the devices on the buses, found through configuration mechanism #1
// (PCI Local Bus Specification 3.0, 3.2.2.3.2): write the address of a
// configuration register to port 0xCF8, then read or write its dword at
// port 0xCFC (a byte or word at 0xCFC + offset % 4).
//
//   drivers::pci::enumerate();                      // once, at boot (init stage Interrupts)
//   for (const drivers::pci::Device& device : drivers::pci::devices()) ...
//   drivers::pci::print_devices(sink);
//   // 00:01.1 IDE interface [0101]: 8086:7010 (prog-if 80) BAR4 I/O 0xc040 (16 bytes)
//
// enumerate() walks bus 0 (and the other host bridges' buses when 00:00.0 is
// multi-function), every slot, function 0 and, where the header type's bit 7
// says the device is multi-function, functions 1-7, and the secondary bus of
// every PCI-to-PCI bridge (header type 1), each bus once. It records at most
// max_devices functions; more are counted (dropped_devices()) but not kept.
// Each BAR is sized the standard way (3.0, 6.2.5.1): with interrupts off and
// the device's I/O and memory decoding switched off (except on a host
// bridge), write all ones, read back which bits stick, write the old value
// back, restore the command register. The decoding of a BAR's raw values is
// a pure function (decode_bar) so it can be tested on values made up.
//
// Configuration accesses take a spinlock (interrupts off) for the pair of
// port accesses, so a driver's read_config32 cannot interleave with another.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/format.h"

namespace drivers::pci {

struct Address {
    uint8_t bus = 0;
    uint8_t slot = 0;     // 0-31 ("device" in the specification)
    uint8_t function = 0; // 0-7
    bool operator==(const Address&) const = default;
};

// Configuration space offsets (type 0 and 1 headers share the first 16 bytes).
namespace config {
inline constexpr uint8_t vendor_id = 0x00;
inline constexpr uint8_t device_id = 0x02;
inline constexpr uint8_t command = 0x04;
inline constexpr uint8_t status = 0x06;
inline constexpr uint8_t revision = 0x08;
inline constexpr uint8_t prog_if = 0x09;
inline constexpr uint8_t subclass = 0x0A;
inline constexpr uint8_t class_code = 0x0B;
inline constexpr uint8_t header_type = 0x0E;
inline constexpr uint8_t bar0 = 0x10;
inline constexpr uint8_t secondary_bus = 0x19; // type 1 (PCI-to-PCI bridge)
inline constexpr uint8_t interrupt_line = 0x3C;
inline constexpr uint8_t interrupt_pin = 0x3D;
} // namespace config

inline constexpr uint16_t command_io_space = 1u << 0;
inline constexpr uint16_t command_memory_space = 1u << 1;
inline constexpr uint16_t command_bus_master = 1u << 2;

enum class BarKind : uint8_t {
    None,     // not implemented (reads 0 and no bit sticks), or the upper half of a 64-bit BAR
    Io,       // I/O ports
    Memory32, // memory anywhere below 4 GiB (type 00; the old "below 1 MiB" type 01 too)
    Memory64, // memory anywhere, in this slot and the next
};
std::string_view to_string(BarKind kind);

struct Bar {
    BarKind kind = BarKind::None;
    bool prefetchable = false;
    uint64_t address = 0; // the base, flag bits cleared
    uint64_t size = 0;    // bytes; 0 if nothing is decoded
};

// A BAR from its raw values: `low` as read, `low_sized` as read back after
// writing all ones; for a 64-bit memory BAR also the next slot's `high` and
// `high_sized` (ignored otherwise). The size is the lowest address bit that
// stuck (an I/O BAR's upper 16 bits may read back as 0: only the low bits
// count).
Bar decode_bar(uint32_t low, uint32_t low_sized, uint32_t high = 0, uint32_t high_sized = 0);
// Does this raw BAR take two slots (a 64-bit memory BAR)?
constexpr bool bar_is_64bit(uint32_t low)
{
    return (low & 1) == 0 && ((low >> 1) & 3) == 2;
}

inline constexpr size_t max_bars = 6;

struct Device {
    Address address;
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint8_t class_code = 0;
    uint8_t subclass = 0;
    uint8_t prog_if = 0;
    uint8_t revision = 0;
    uint8_t header_type = 0;    // bit 7 cleared: 0 general, 1 PCI-to-PCI bridge, 2 CardBus bridge
    uint8_t interrupt_line = 0; // the legacy PIC line the firmware routed (0xFF: none)
    uint8_t interrupt_pin = 0;  // 0 none, 1-4 INTA#-INTD#
    uint8_t secondary_bus = 0;  // bridges only
    Bar bars[max_bars] = {};    // a 64-bit BAR at i leaves bars[i + 1] None
};

// "IDE interface", "Host bridge", ...: the words lspci uses for the common
// class/subclass pairs, else the class's own name, else "Unknown class".
std::string_view class_name(uint8_t class_code, uint8_t subclass);

// Configuration space of any function (offset rounded down to the access's width).
uint32_t read_config32(Address address, uint8_t offset);
uint16_t read_config16(Address address, uint8_t offset);
uint8_t read_config8(Address address, uint8_t offset);
void write_config32(Address address, uint8_t offset, uint32_t value);
void write_config16(Address address, uint8_t offset, uint16_t value);
void write_config8(Address address, uint8_t offset, uint8_t value);

// Sizes BAR `index` of the function (0-5; 0-1 for a bridge) as enumerate()
// does and restores it. `slots` is set to 2 for a 64-bit BAR, else 1.
Bar read_bar(Address address, uint8_t index, uint8_t& slots);

inline constexpr size_t max_devices = 64;

// Walks the buses and records what is there (see above); again forgets the
// last walk and walks afresh.
void enumerate();
std::span<const Device> devices();
size_t dropped_devices();
// The first function with these IDs, or nullptr.
const Device* find(uint16_t vendor, uint16_t device);
// The first function of this class and subclass, or nullptr.
const Device* find_class(uint8_t class_code, uint8_t subclass);

// One lspci-style line, without a newline:
// "00:01.1 IDE interface [0101]: 8086:7010 (prog-if 80) BAR4 I/O 0xc040 (16 bytes)"
void format_value(kstd::Sink& sink, const Device& device, const kstd::FormatSpec& spec);
// Every device found, one line each.
void print_devices(kstd::Sink& sink);

} // namespace drivers::pci

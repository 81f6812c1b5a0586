#include "drivers/pci.h"
#include "arch/x86_64/port.h"
#include "sync/interrupt_guard.h"
#include "sync/spinlock.h"

namespace drivers::pci {

namespace {

constexpr arch::Port32 config_address(0xCF8);
constexpr uint16_t config_data = 0xCFC;
constexpr uint32_t enable_bit = 1u << 31;
constexpr uint8_t header_multi_function = 0x80;
constexpr uint8_t header_type_bridge = 1;

// The address port and the data port are one access: nothing may come between.
sync::Spinlock g_config_lock{"pci config"};

// Mechanism #1's address: enable, bus, device, function, dword-aligned register.
uint32_t address_of(Address address, uint8_t offset)
{
    return enable_bit | static_cast<uint32_t>(address.bus) << 16 | static_cast<uint32_t>(address.slot & 31) << 11
           | static_cast<uint32_t>(address.function & 7) << 8 | (offset & 0xFCu);
}

Device g_devices[max_devices];
size_t g_count = 0;
size_t g_dropped = 0;
uint8_t g_buses_seen[256 / 8]; // a bridge loop in broken firmware must not recurse forever

uint64_t lowest_set_bit(uint64_t value)
{
    return value & (~value + 1);
}

} // namespace

std::string_view to_string(BarKind kind)
{
    switch (kind) {
    case BarKind::None: return "none";
    case BarKind::Io: return "I/O";
    case BarKind::Memory32: return "Mem32";
    case BarKind::Memory64: return "Mem64";
    }
    return "unknown BAR kind";
}

uint32_t read_config32(Address address, uint8_t offset)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    return arch::Port32(config_data).read();
}

uint16_t read_config16(Address address, uint8_t offset)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    return arch::Port16(static_cast<uint16_t>(config_data + (offset & 2))).read();
}

uint8_t read_config8(Address address, uint8_t offset)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    return arch::Port8(static_cast<uint16_t>(config_data + (offset & 3))).read();
}

void write_config32(Address address, uint8_t offset, uint32_t value)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    arch::Port32(config_data).write(value);
}

void write_config16(Address address, uint8_t offset, uint16_t value)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    arch::Port16(static_cast<uint16_t>(config_data + (offset & 2))).write(value);
}

void write_config8(Address address, uint8_t offset, uint8_t value)
{
    sync::SpinlockGuard guard(g_config_lock);
    config_address.write(address_of(address, offset));
    arch::Port8(static_cast<uint16_t>(config_data + (offset & 3))).write(value);
}

Bar decode_bar(uint32_t low, uint32_t low_sized, uint32_t high, uint32_t high_sized)
{
    Bar bar;
    if (low & 1) {
        // I/O: bit 0 set, bit 1 reserved, the address above.
        const uint64_t mask = low_sized & ~uint32_t{3};
        if (mask == 0)
            return bar;
        bar.kind = BarKind::Io;
        bar.address = low & ~uint32_t{3};
        bar.size = lowest_set_bit(mask);
        return bar;
    }
    // Memory: bits 2:1 the type (00 32-bit, 01 below 1 MiB, 10 64-bit), bit 3 prefetchable.
    uint64_t mask = low_sized & ~uint32_t{0xF};
    bar.address = low & ~uint32_t{0xF};
    bar.prefetchable = (low & 8) != 0;
    if (bar_is_64bit(low)) {
        mask |= static_cast<uint64_t>(high_sized) << 32;
        bar.address |= static_cast<uint64_t>(high) << 32;
        bar.kind = BarKind::Memory64;
    } else {
        bar.kind = BarKind::Memory32;
    }
    if (mask == 0)
        return Bar{};
    bar.size = lowest_set_bit(mask);
    return bar;
}

Bar read_bar(Address address, uint8_t index, uint8_t& slots)
{
    const uint8_t offset = static_cast<uint8_t>(config::bar0 + 4 * index);
    const uint8_t class_code = read_config8(address, config::class_code);
    const uint8_t subclass = read_config8(address, config::subclass);
    const bool host_bridge = class_code == 0x06 && subclass == 0x00;
    const uint8_t last_slot = (read_config8(address, config::header_type) & 0x7F) == header_type_bridge ? 1 : 5;

    // Interrupts off: nothing may use the device while its BAR holds all ones
    // and its decoding is off (a handler touching it would reach nowhere).
    sync::InterruptGuard no_interrupts;
    const uint16_t command = read_config16(address, config::command);
    // A host bridge stays on: switching its memory decoding off could cut off RAM (Linux keeps it on too).
    if (!host_bridge)
        write_config16(address, config::command,
                       static_cast<uint16_t>(command & ~(command_io_space | command_memory_space)));

    const uint32_t low = read_config32(address, offset);
    write_config32(address, offset, 0xFFFF'FFFF);
    const uint32_t low_sized = read_config32(address, offset);
    write_config32(address, offset, low);
    uint32_t high = 0;
    uint32_t high_sized = 0;
    slots = 1;
    if (bar_is_64bit(low) && index < last_slot) {
        const uint8_t next = static_cast<uint8_t>(offset + 4);
        high = read_config32(address, next);
        write_config32(address, next, 0xFFFF'FFFF);
        high_sized = read_config32(address, next);
        write_config32(address, next, high);
        slots = 2;
    }
    if (!host_bridge)
        write_config16(address, config::command, command);
    return decode_bar(low, low_sized, high, high_sized);
}

std::string_view class_name(uint8_t class_code, uint8_t subclass)
{
    const uint16_t both = static_cast<uint16_t>(class_code << 8 | subclass);
    switch (both) {
    case 0x0000: return "Non-VGA unclassified device";
    case 0x0001: return "VGA compatible unclassified device";
    case 0x0100: return "SCSI storage controller";
    case 0x0101: return "IDE interface";
    case 0x0104: return "RAID bus controller";
    case 0x0105: return "ATA controller";
    case 0x0106: return "SATA controller";
    case 0x0107: return "Serial Attached SCSI controller";
    case 0x0108: return "Non-Volatile memory controller";
    case 0x0200: return "Ethernet controller";
    case 0x0280: return "Network controller";
    case 0x0300: return "VGA compatible controller";
    case 0x0302: return "3D controller";
    case 0x0380: return "Display controller";
    case 0x0401: return "Multimedia audio controller";
    case 0x0403: return "Audio device";
    case 0x0500: return "RAM memory";
    case 0x0600: return "Host bridge";
    case 0x0601: return "ISA bridge";
    case 0x0604: return "PCI bridge";
    case 0x0680: return "Bridge";
    case 0x0700: return "Serial controller";
    case 0x0800: return "PIC";
    case 0x0880: return "System peripheral";
    case 0x0C03: return "USB controller";
    case 0x0C05: return "SMBus";
    default: break;
    }
    switch (class_code) {
    case 0x00: return "Unclassified device";
    case 0x01: return "Mass storage controller";
    case 0x02: return "Network controller";
    case 0x03: return "Display controller";
    case 0x04: return "Multimedia controller";
    case 0x05: return "Memory controller";
    case 0x06: return "Bridge";
    case 0x07: return "Communication controller";
    case 0x08: return "Generic system peripheral";
    case 0x09: return "Input device controller";
    case 0x0C: return "Serial bus controller";
    case 0x0D: return "Wireless controller";
    default: return "Unknown class";
    }
}

namespace {

bool bus_seen(uint8_t bus)
{
    return (g_buses_seen[bus / 8] >> (bus % 8)) & 1;
}

void scan_bus(uint8_t bus);

void add_function(Address address)
{
    Device device;
    device.address = address;
    device.vendor = read_config16(address, config::vendor_id);
    device.device = read_config16(address, config::device_id);
    device.revision = read_config8(address, config::revision);
    device.prog_if = read_config8(address, config::prog_if);
    device.subclass = read_config8(address, config::subclass);
    device.class_code = read_config8(address, config::class_code);
    device.header_type = read_config8(address, config::header_type) & 0x7F;
    device.interrupt_line = read_config8(address, config::interrupt_line);
    device.interrupt_pin = read_config8(address, config::interrupt_pin);
    // Type 0 has six BARs, a PCI-to-PCI bridge two, a CardBus bridge none we read.
    const uint8_t bar_count = device.header_type == 0 ? 6 : device.header_type == header_type_bridge ? 2 : 0;
    for (uint8_t i = 0; i < bar_count;) {
        uint8_t slots = 1;
        device.bars[i] = read_bar(address, i, slots);
        i = static_cast<uint8_t>(i + slots);
    }
    if (device.header_type == header_type_bridge)
        device.secondary_bus = read_config8(address, config::secondary_bus);

    if (g_count < max_devices)
        g_devices[g_count++] = device;
    else
        ++g_dropped;

    // A PCI-to-PCI bridge: its secondary bus (0 means the firmware left it unconfigured).
    if (device.header_type == header_type_bridge && device.class_code == 0x06 && device.subclass == 0x04
        && device.secondary_bus != 0)
        scan_bus(device.secondary_bus);
}

void scan_bus(uint8_t bus)
{
    if (bus_seen(bus))
        return;
    g_buses_seen[bus / 8] = static_cast<uint8_t>(g_buses_seen[bus / 8] | 1u << (bus % 8));
    for (uint8_t slot = 0; slot < 32; ++slot) {
        const Address first{bus, slot, 0};
        if (read_config16(first, config::vendor_id) == 0xFFFF)
            continue; // no device: the bus master abort reads all ones
        const bool multi_function = (read_config8(first, config::header_type) & header_multi_function) != 0;
        for (uint8_t function = 0; function < (multi_function ? 8 : 1); ++function) {
            const Address address{bus, slot, function};
            if (function != 0 && read_config16(address, config::vendor_id) == 0xFFFF)
                continue;
            add_function(address);
        }
    }
}

} // namespace

void enumerate()
{
    g_count = 0;
    g_dropped = 0;
    for (uint8_t& byte : g_buses_seen)
        byte = 0;
    const Address host{0, 0, 0};
    if (read_config16(host, config::vendor_id) == 0xFFFF)
        return; // no PCI (or no mechanism #1)
    scan_bus(0);
    // Several host bridges: function N of 00:00 is the bridge to bus N.
    if (read_config8(host, config::header_type) & header_multi_function) {
        for (uint8_t function = 1; function < 8; ++function) {
            if (read_config16(Address{0, 0, function}, config::vendor_id) != 0xFFFF)
                scan_bus(function);
        }
    }
}

std::span<const Device> devices()
{
    return {g_devices, g_count};
}

size_t dropped_devices()
{
    return g_dropped;
}

const Device* find(uint16_t vendor, uint16_t device)
{
    for (const Device& candidate : devices()) {
        if (candidate.vendor == vendor && candidate.device == device)
            return &candidate;
    }
    return nullptr;
}

const Device* find_class(uint8_t class_code, uint8_t subclass)
{
    for (const Device& candidate : devices()) {
        if (candidate.class_code == class_code && candidate.subclass == subclass)
            return &candidate;
    }
    return nullptr;
}

namespace {

void format_size(kstd::Sink& sink, uint64_t size)
{
    constexpr const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    size_t unit = 0;
    while (size >= 1024 && size % 1024 == 0 && unit + 1 < sizeof units / sizeof units[0]) {
        size /= 1024;
        ++unit;
    }
    kstd::format_to(sink, "{} {}", size, units[unit]);
}

} // namespace

void format_value(kstd::Sink& sink, const Device& device, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{:02x}:{:02x}.{} {} [{:02x}{:02x}]: {:04x}:{:04x}", device.address.bus,
                    device.address.slot, device.address.function, class_name(device.class_code, device.subclass),
                    device.class_code, device.subclass, device.vendor, device.device);
    if (device.prog_if != 0)
        kstd::format_to(sink, " (prog-if {:02x})", device.prog_if);
    for (size_t i = 0; i < max_bars; ++i) {
        const Bar& bar = device.bars[i];
        if (bar.kind == BarKind::None)
            continue;
        kstd::format_to(sink, " BAR{} {} {:#x} (", i, bar.kind == BarKind::Io ? "I/O" : "Mem", bar.address);
        format_size(sink, bar.size);
        if (bar.kind == BarKind::Memory64)
            sink.write(", 64-bit");
        if (bar.prefetchable)
            sink.write(", prefetchable");
        sink.write(")");
    }
    if (device.interrupt_pin != 0 && device.interrupt_pin <= 4 && device.interrupt_line != 0xFF)
        kstd::format_to(sink, " IRQ {} (INT{})", device.interrupt_line,
                        static_cast<char>('A' + device.interrupt_pin - 1));
    if (device.header_type == header_type_bridge)
        kstd::format_to(sink, " secondary bus {:02x}", device.secondary_bus);
}

void print_devices(kstd::Sink& sink)
{
    for (const Device& device : devices())
        kstd::format_to(sink, "{}\n", device);
    if (g_dropped != 0)
        kstd::format_to(sink, "pci: {} more functions not kept (room for {})\n", g_dropped, max_devices);
}

} // namespace drivers::pci

#pragma once
// The FADT, "FACP" (ACPI 6.5, 5.2.9): where the DSDT is, the fixed power
// management registers (PM1a/PM1b control for sleeping and power-off), the
// reset register and the IA-PC boot architecture flags. Tables from ACPI 1.0
// (116 bytes) up are read; a field past the table's length is absent. Where
// ACPI 2.0 added a 64-bit "X_" form of a field, a non-zero X_ field wins
// (5.2.9: "If the X_ field is non-zero, the 32-bit field must be ignored").

#include <cstddef>
#include <cstdint>
#include <span>
#include "acpi/tables.h"
#include "arch/x86_64/address.h"
#include "kstd/expected.h"

namespace acpi {

// The Generic Address Structure (ACPI 6.5, 5.2.3.2).
struct GenericAddress {
    enum Space : uint8_t { SystemMemory = 0, SystemIo = 1 }; // others: PCI configuration, embedded controller, ...

    uint8_t space = SystemIo;
    uint8_t bit_width = 0;
    uint8_t bit_offset = 0;
    uint8_t access_size = 0;
    uint64_t address = 0;

    bool present() const { return address != 0; }
};

void format_value(kstd::Sink& sink, const GenericAddress& address, const kstd::FormatSpec& spec);

struct FadtInfo {
    static constexpr size_t acpi1_length = 116; // through Flags

    // IAPC_BOOT_ARCH bits (5.2.9.3).
    static constexpr uint16_t legacy_devices = 1u << 0;
    static constexpr uint16_t has_8042 = 1u << 1;
    static constexpr uint16_t vga_not_present = 1u << 2;
    static constexpr uint16_t msi_not_supported = 1u << 3;
    static constexpr uint16_t cmos_rtc_not_present = 1u << 5;
    // Flags bits (5.2.9, table 5.10).
    static constexpr uint32_t reset_register_supported = 1u << 10;
    static constexpr uint32_t hardware_reduced_acpi = 1u << 20;

    uint8_t revision = 0;
    uint32_t length = 0;
    arch::PhysAddr dsdt;                 // X_DSDT when present and non-zero, else DSDT
    arch::PhysAddr facs;                 // X_FIRMWARE_CTRL likewise, else FIRMWARE_CTRL
    uint16_t sci_interrupt = 0;          // an ISA IRQ on a PC
    uint32_t smi_command = 0;            // the port that switches ACPI mode on (0: always in ACPI mode)
    uint8_t acpi_enable = 0;             // the value to write there
    uint8_t pm1_control_length = 0;      // bytes of each PM1 control block (at least 2)
    GenericAddress pm1a_control;         // X_PM1a_CNT_BLK, else PM1a_CNT_BLK as an I/O port
    GenericAddress pm1b_control;         // likewise; absent on most machines
    uint32_t flags = 0;
    bool has_boot_architecture = false;  // revision >= 2 (ACPI 1.0 had a reserved byte there)
    uint16_t boot_architecture = 0;      // IAPC_BOOT_ARCH
    bool has_reset_register = false;     // the table is long enough and Flags.RESET_REG_SUP is set
    GenericAddress reset_register;
    uint8_t reset_value = 0;

    bool hardware_reduced() const { return (flags & hardware_reduced_acpi) != 0; }
};

// Parses a whole, checked FADT (read_table's span) found at `address`.
kstd::Expected<FadtInfo, Problem> parse_fadt(std::span<const std::byte> table, arch::PhysAddr address);

} // namespace acpi

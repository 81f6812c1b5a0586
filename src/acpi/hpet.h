#pragma once
// The HPET description table, "HPET" (IA-PC HPET specification 1.0a,
// section 3.2.4): where the event timer block's registers are.

#include <cstddef>
#include <cstdint>
#include <span>
#include "acpi/tables.h"
#include "arch/x86_64/address.h"
#include "kstd/expected.h"

namespace acpi {

struct HpetInfo {
    arch::PhysAddr address;   // the register block (system memory; 1 KiB)
    uint8_t hpet_number = 0;  // which timer block this table describes
    uint16_t minimum_tick = 0; // the main counter's smallest periodic tick, in counter ticks
    uint8_t comparators = 0;  // from the event timer block ID (what the firmware says; the registers say it too)
    bool counter_64bit = false;
    bool legacy_replacement = false;
    uint16_t pci_vendor = 0;
};

// Parses a whole, checked HPET table (read_table's span) found at `address`:
// at least 56 bytes, its base address in system memory and not 0.
kstd::Expected<HpetInfo, Problem> parse_hpet(std::span<const std::byte> table, arch::PhysAddr address);

// The first HPET after acpi::initialize(); nullptr: none, or a bad table.
const HpetInfo* hpet();

} // namespace acpi

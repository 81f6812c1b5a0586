#pragma once
// The MADT, "APIC" (ACPI 6.5, 5.2.12): the interrupt controllers. What the
// kernel keeps of it: the processors (local APIC, type 0, and local x2APIC,
// type 9), the I/O APICs (type 1), the ISA interrupt source overrides
// (type 2), the local APIC NMI lines (types 4 and 0xA) and the local APIC
// address (its 64-bit override, type 5, applied).
//
// An entry list that is broken (an entry shorter than 2 bytes, running past
// the table, or shorter than its type needs) makes the whole table
// untrustworthy: parse_madt fails and the kernel has no MADT. A single entry
// with reserved flag values is reported and skipped; entries past the kernel's
// limits are reported once and ignored.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include "acpi/tables.h"
#include "arch/x86_64/address.h"
#include "kstd/expected.h"

namespace acpi {

enum class Polarity : uint8_t { BusDefault, ActiveHigh, ActiveLow };
enum class Trigger : uint8_t { BusDefault, Edge, Level };

std::string_view to_string(Polarity polarity);
std::string_view to_string(Trigger trigger);

// Type 0 and type 9 (x2APIC). Processors that are neither enabled nor online
// capable can never run and are left out (counted in unusable_processors); a
// type 9 entry for an APIC ID a type 0 entry named already is left out too.
struct ProcessorEntry {
    uint32_t processor_uid;
    uint32_t apic_id;
    bool enabled;
    bool online_capable;
};

struct IoApicEntry {
    uint8_t id;
    arch::PhysAddr address;
    uint32_t gsi_base;
};

struct InterruptOverride {
    uint8_t bus; // 0: ISA
    uint8_t source_irq;
    uint32_t gsi;
    Polarity polarity;
    Trigger trigger;
};

struct LocalApicNmi {
    uint32_t processor_uid; // MadtInfo::all_processors: every processor (type 4's 0xFF is turned into it)
    uint8_t lint;           // 0 or 1
    Polarity polarity;
    Trigger trigger;
};

struct MadtInfo {
    static constexpr size_t max_processors = 64;
    static constexpr size_t max_io_apics = 8;
    static constexpr size_t max_overrides = 16;
    static constexpr size_t max_nmis = 64; // firmware often lists one per processor
    static constexpr uint32_t all_processors = 0xFFFFFFFF;

    arch::PhysAddr local_apic_address; // the 64-bit override (type 5) applied
    bool has_legacy_pics = false;      // PCAT_COMPAT: 8259s to mask

    std::span<const ProcessorEntry> processors() const { return {m_processors.data(), m_processor_count}; }
    std::span<const IoApicEntry> io_apics() const { return {m_io_apics.data(), m_io_apic_count}; }
    std::span<const InterruptOverride> overrides() const { return {m_overrides.data(), m_override_count}; }
    std::span<const LocalApicNmi> nmis() const { return {m_nmis.data(), m_nmi_count}; }

    // Processors enabled at boot (the rest are online capable only).
    size_t enabled_processors() const;
    // The override for ISA IRQ `irq`, if the firmware gave one.
    const InterruptOverride* override_for_isa_irq(uint8_t irq) const;

    size_t unusable_processors = 0; // neither enabled nor online capable: left out
    size_t ignored_entries = 0;     // past a limit above, or with reserved flags: left out
    size_t other_entries = 0;       // types the kernel does not use (NMI sources, GIC, ...)

    // Filled by parse_madt.
    std::array<ProcessorEntry, max_processors> m_processors{};
    std::array<IoApicEntry, max_io_apics> m_io_apics{};
    std::array<InterruptOverride, max_overrides> m_overrides{};
    std::array<LocalApicNmi, max_nmis> m_nmis{};
    size_t m_processor_count = 0;
    size_t m_io_apic_count = 0;
    size_t m_override_count = 0;
    size_t m_nmi_count = 0;
};

// Parses a whole, checked MADT (read_table's span) found at `address` into
// `out` (cleared first). Skipped entries are reported to `log`.
kstd::Expected<void, Problem> parse_madt(std::span<const std::byte> table, arch::PhysAddr address, MadtInfo& out,
                                         ProblemLog& log);

// The kernel's MADT after acpi::initialize(); nullptr: none, or a bad one
// (the boot log says why).
const MadtInfo* madt();

} // namespace acpi

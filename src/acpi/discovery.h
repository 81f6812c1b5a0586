#pragma once
// Finding and checking the ACPI tables, from the RSDP on (docs/acpi.md):
//
//   RSDP ──> XSDT (revision >= 2 and its address non-zero; else, or if it is
//   │        bad, the RSDT) ──> each entry's table: header, length, checksum
//   │                            ├─ "APIC" MADT ─> MadtInfo
//   │                            ├─ "FACP" FADT ─> FadtInfo ─> DSDT ─> \_S5 (aml_s5.h)
//   │                            ├─ "HPET"      ─> HpetInfo
//   │                            └─ any other: listed by signature only
//
// A table that fails its checks is reported in Tables::problems and skipped;
// the first good table of each signature is used (a second one is reported).
// Plain C++: the kernel (acpi.cpp) and the host tests and fuzzer call it with
// their own PhysicalReader.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include "acpi/aml_s5.h"
#include "acpi/fadt.h"
#include "acpi/hpet.h"
#include "acpi/madt.h"
#include "acpi/tables.h"
#include "boot/boot_info.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace acpi {

enum class AcpiError : uint8_t {
    NoRsdp,           // the boot loader gave none and the BIOS area has none
    BadRsdp,          // the one given fails its checks (Tables::problems says how)
    NoRootTable,      // neither the XSDT nor the RSDT is usable
    NotInitialized,   // acpi::initialize() has not run
};

std::string_view to_string(AcpiError error);

// One table the root table points at.
struct TableEntry {
    Signature signature;
    arch::PhysAddr address;
    uint32_t length = 0;
    uint8_t revision = 0;
    bool valid = false; // passed read_table's checks (and its own parser's, for APIC, FACP and HPET)
};

struct Tables {
    static constexpr size_t max_entries = 32;

    // Where the RSDP came from and what it says.
    boot::RsdpOrigin rsdp_origin = boot::RsdpOrigin::PvhAddress;
    bool rsdp_found_by_scan = false;
    arch::PhysAddr rsdp_address; // 0: the boot loader's copy
    Rsdp rsdp;
    Signature root_signature;    // "XSDT" or "RSDT"
    arch::PhysAddr root_address;

    std::array<TableEntry, max_entries> entries{};
    size_t entry_count = 0;
    size_t entries_left_out = 0; // past max_entries

    std::optional<MadtInfo> madt;
    std::optional<FadtInfo> fadt;
    std::optional<HpetInfo> hpet;
    std::optional<TableEntry> dsdt;
    std::optional<SleepType> s5;
    std::optional<AmlError> s5_error; // why there is no s5, when the DSDT was read

    ProblemLog problems;

    std::span<const TableEntry> tables() const { return {entries.data(), entry_count}; }
    const TableEntry* find(Signature signature) const; // the first valid one
};

// Finds the RSDP (the boot loader's `rsdp`, or with `scan_bios` a scan of the
// BIOS area when the loader gave none) and everything above. `out` is
// cleared first; on an error it still holds the problems found.
kstd::Expected<void, AcpiError> discover(const PhysicalReader& memory, const std::optional<boot::RsdpInfo>& rsdp,
                                         bool scan_bios, Tables& out);

// The boot summary's text after "acpi: ": "RSDP v2 at 0x..., XSDT: FACP APIC
// HPET WAET; MADT: 2 CPUs, I/O APIC 0 at 0xfec00000 (GSI 0), 5 overrides; ...".
void format_value(kstd::Sink& sink, const Tables& tables, const kstd::FormatSpec& spec);

} // namespace acpi

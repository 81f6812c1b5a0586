#pragma once
// The switch from the 8259 PICs to the APICs (Intel SDM vol. 3, chapter 11;
// the MADT of ACPI 6.5, 5.2.12): the boot CPU's local APIC is enabled at
// the MADT's address, each I/O APIC the MADT lists is added with every pin
// masked, and the ISA lines are routed through them with the MADT's
// interrupt source overrides (interrupts/irq.h). Without a local APIC, an
// MADT or an I/O APIC, nothing changes and the 8259s stay: the fallback.
//
//   device ──> I/O APIC pin (GSI) ──redirection entry──> local APIC ──> vector 32-47
//   local APIC timer, IPIs ───────────────────────────> local APIC ──> vector 240-255

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace interrupts {

enum class ApicUnavailable : uint8_t {
    NoLocalApic,   // CPUID says there is none
    NoMadt,        // no ACPI MADT (or a bad one): where the I/O APICs are is unknown
    NoIoApic,      // the MADT lists none
    MapFailed,     // their registers cannot be mapped
};
std::string_view to_string(ApicUnavailable reason);

struct ApicSummary {
    uint32_t boot_apic_id;
    size_t io_apics;
    size_t overrides; // ISA interrupt source overrides applied
};

// Interrupts must be off. On success the ISA lines arrive through the I/O
// APIC(s) at the boot CPU's local APIC.
[[nodiscard]] kstd::Expected<ApicSummary, ApicUnavailable> use_apics();
bool apics_in_use();

} // namespace interrupts

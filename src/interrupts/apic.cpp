#include "interrupts/apic.h"
#include "acpi/madt.h"
#include "arch/x86_64/cpu_features.h"
#include "core/print.h"
#include "interrupts/io_apic.h"
#include "interrupts/irq.h"
#include "interrupts/local_apic.h"

namespace interrupts {

namespace {
bool g_in_use = false;

// ISA's own mode, for an override that says "as the bus does" (ACPI 6.5,
// 5.2.12.5: ISA is active high, edge triggered).
IsaRoute isa_route_of(const acpi::InterruptOverride& entry)
{
    return {entry.source_irq, entry.gsi, entry.polarity == acpi::Polarity::ActiveLow,
            entry.trigger == acpi::Trigger::Level};
}
} // namespace

std::string_view to_string(ApicUnavailable reason)
{
    switch (reason) {
    case ApicUnavailable::NoLocalApic: return "the CPU has no local APIC";
    case ApicUnavailable::NoMadt: return "there is no usable ACPI MADT";
    case ApicUnavailable::NoIoApic: return "the MADT lists no I/O APIC";
    case ApicUnavailable::MapFailed: return "the APICs' registers cannot be mapped";
    }
    return "unknown reason";
}

kstd::Expected<ApicSummary, ApicUnavailable> use_apics()
{
    if (!arch::cpu_features().local_apic)
        return kstd::unexpected(ApicUnavailable::NoLocalApic);
    const acpi::MadtInfo* madt = acpi::madt();
    if (madt == nullptr)
        return kstd::unexpected(ApicUnavailable::NoMadt);
    if (madt->io_apics().empty())
        return kstd::unexpected(ApicUnavailable::NoIoApic);
    if (auto enabled = local_apic::initialize(madt->local_apic_address); !enabled)
        return kstd::unexpected(enabled.error() == local_apic::Error::NotPresent ? ApicUnavailable::NoLocalApic
                                                                                 : ApicUnavailable::MapFailed);
    for (const acpi::IoApicEntry& entry : madt->io_apics()) {
        if (auto added = io_apic::add_controller(entry.id, entry.address, entry.gsi_base); !added) {
            core::println("apic: I/O APIC {} at {:#x} left out: {}", entry.id, entry.address.value(), added.error());
            if (added.error() == io_apic::Error::MapFailed)
                return kstd::unexpected(ApicUnavailable::MapFailed);
        }
    }
    IsaRoute routes[irq_count];
    size_t count = 0;
    for (const acpi::InterruptOverride& entry : madt->overrides()) {
        if (entry.bus != 0 || entry.source_irq >= irq_count) // bus 0 is ISA, the only one defined
            continue;
        if (count < irq_count)
            routes[count++] = isa_route_of(entry);
    }
    const uint32_t boot_apic = local_apic::id();
    if (auto switched = use_io_apic({routes, count}, boot_apic); !switched)
        return kstd::unexpected(ApicUnavailable::NoIoApic);
    g_in_use = true;
    return ApicSummary{boot_apic, io_apic::controller_count(), count};
}

bool apics_in_use()
{
    return g_in_use;
}

} // namespace interrupts

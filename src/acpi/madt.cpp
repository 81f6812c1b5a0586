#include "acpi/madt.h"
#include <new>
#include "kstd/unaligned.h"

namespace acpi {

namespace {

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

constexpr Signature madt_signature("APIC");
constexpr size_t entries_offset = 44; // header, local APIC address, flags
constexpr uint32_t pcat_compat = 1u << 0;
constexpr uint32_t processor_enabled = 1u << 0, processor_online_capable = 1u << 1;

enum EntryType : uint8_t {
    LocalApic = 0,
    IoApic = 1,
    InterruptSourceOverride = 2,
    LocalApicNmiEntry = 4,
    LocalApicAddressOverride = 5,
    LocalX2Apic = 9,
    LocalX2ApicNmi = 0xA,
};

// The smallest length of each entry type the kernel reads (ACPI 6.5, 5.2.12.2-13).
size_t minimum_length(uint8_t type)
{
    switch (type) {
    case LocalApic: return 8;
    case IoApic: return 12;
    case InterruptSourceOverride: return 10;
    case LocalApicNmiEntry: return 6;
    case LocalApicAddressOverride: return 12;
    case LocalX2Apic: return 16;
    case LocalX2ApicNmi: return 12;
    default: return 2;
    }
}

// MPS INTI flags (ACPI 6.5, table 5.26): polarity in bits 0-1, trigger mode in
// bits 2-3; the value 2 of either is reserved.
bool decode_flags(uint16_t flags, Polarity& polarity, Trigger& trigger)
{
    constexpr Polarity polarities[] = {Polarity::BusDefault, Polarity::ActiveHigh, Polarity::BusDefault,
                                       Polarity::ActiveLow};
    constexpr Trigger triggers[] = {Trigger::BusDefault, Trigger::Edge, Trigger::BusDefault, Trigger::Level};
    if ((flags & 3) == 2 || ((flags >> 2) & 3) == 2)
        return false;
    polarity = polarities[flags & 3];
    trigger = triggers[(flags >> 2) & 3];
    return true;
}

class Builder {
public:
    Builder(arch::PhysAddr address, MadtInfo& out, ProblemLog& log) : m_address(address), m_out(out), m_log(log) {}

    void processor(uint32_t uid, uint32_t apic_id, uint32_t flags)
    {
        const bool enabled = (flags & processor_enabled) != 0;
        const bool online_capable = (flags & processor_online_capable) != 0;
        if (!enabled && !online_capable) {
            ++m_out.unusable_processors;
            return;
        }
        for (const ProcessorEntry& known : m_out.processors()) {
            if (known.apic_id == apic_id) {
                skip("two processor entries name one APIC ID; the second is ignored", apic_id);
                return;
            }
        }
        if (m_out.m_processor_count == MadtInfo::max_processors)
            return over_limit("more processors than the kernel keeps (64): the rest are ignored", m_said_processors);
        m_out.m_processors[m_out.m_processor_count++] = ProcessorEntry{uid, apic_id, enabled, online_capable};
    }

    void io_apic(uint8_t id, uint32_t address, uint32_t gsi_base)
    {
        if (address == 0)
            return skip("I/O APIC entry with address 0 is ignored", id);
        if (m_out.m_io_apic_count == MadtInfo::max_io_apics)
            return over_limit("more I/O APICs than the kernel keeps (8): the rest are ignored", m_said_io_apics);
        m_out.m_io_apics[m_out.m_io_apic_count++] = IoApicEntry{id, arch::PhysAddr(address), gsi_base};
    }

    void interrupt_override(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
    {
        InterruptOverride entry{bus, irq, gsi, Polarity::BusDefault, Trigger::BusDefault};
        if (!decode_flags(flags, entry.polarity, entry.trigger))
            return skip("interrupt source override with reserved polarity or trigger flags is ignored", flags);
        if (m_out.m_override_count == MadtInfo::max_overrides)
            return over_limit("more interrupt source overrides than the kernel keeps (16): the rest are ignored",
                              m_said_overrides);
        m_out.m_overrides[m_out.m_override_count++] = entry;
    }

    void nmi(uint32_t uid, uint8_t lint, uint16_t flags)
    {
        LocalApicNmi entry{uid, lint, Polarity::BusDefault, Trigger::BusDefault};
        if (!decode_flags(flags, entry.polarity, entry.trigger))
            return skip("local APIC NMI with reserved polarity or trigger flags is ignored", flags);
        if (lint > 1)
            return skip("local APIC NMI names a LINT pin other than 0 and 1; ignored", lint);
        if (m_out.m_nmi_count == MadtInfo::max_nmis)
            return over_limit("more local APIC NMI entries than the kernel keeps (64): the rest are ignored",
                              m_said_nmis);
        m_out.m_nmis[m_out.m_nmi_count++] = entry;
    }

private:
    void skip(std::string_view what, uint64_t value)
    {
        ++m_out.ignored_entries;
        m_log.add(problem(madt_signature, m_address, what, value));
    }
    void over_limit(std::string_view what, bool& said)
    {
        ++m_out.ignored_entries;
        if (!said)
            m_log.add(problem(madt_signature, m_address, what));
        said = true;
    }

    arch::PhysAddr m_address;
    MadtInfo& m_out;
    ProblemLog& m_log;
    bool m_said_processors = false, m_said_io_apics = false, m_said_overrides = false, m_said_nmis = false;
};

} // namespace

std::string_view to_string(Polarity polarity)
{
    switch (polarity) {
    case Polarity::BusDefault: return "bus default";
    case Polarity::ActiveHigh: return "active high";
    case Polarity::ActiveLow: return "active low";
    }
    return "unknown";
}

std::string_view to_string(Trigger trigger)
{
    switch (trigger) {
    case Trigger::BusDefault: return "bus default";
    case Trigger::Edge: return "edge";
    case Trigger::Level: return "level";
    }
    return "unknown";
}

size_t MadtInfo::enabled_processors() const
{
    size_t count = 0;
    for (const ProcessorEntry& processor : processors())
        count += processor.enabled ? 1 : 0;
    return count;
}

const InterruptOverride* MadtInfo::override_for_isa_irq(uint8_t irq) const
{
    for (const InterruptOverride& entry : overrides()) {
        if (entry.bus == 0 && entry.source_irq == irq)
            return &entry;
    }
    return nullptr;
}

kstd::Expected<void, Problem> parse_madt(std::span<const std::byte> table, arch::PhysAddr address, MadtInfo& out,
                                         ProblemLog& log)
{
    new (&out) MadtInfo(); // cleared in place: the arrays are a few KiB
    if (table.size() < entries_offset)
        return kstd::unexpected(problem(madt_signature, address, "MADT is shorter than its 44-byte start", table.size()));
    out.local_apic_address = arch::PhysAddr(read<uint32_t>(table, 36));
    out.has_legacy_pics = (read<uint32_t>(table, 40) & pcat_compat) != 0;
    Builder builder(address, out, log);
    bool have_address_override = false;
    for (size_t at = entries_offset; at < table.size();) {
        if (table.size() - at < 2)
            return kstd::unexpected(problem(madt_signature, address, "the entry at this offset has no room for its header", at));
        const uint8_t type = read<uint8_t>(table, at);
        const uint8_t length = read<uint8_t>(table, at + 1);
        if (length < 2)
            return kstd::unexpected(problem(madt_signature, address, "the entry at this offset is shorter than 2 bytes", at));
        if (length > table.size() - at)
            return kstd::unexpected(problem(madt_signature, address, "the entry at this offset runs past the table", at));
        if (length < minimum_length(type))
            return kstd::unexpected(
                problem(madt_signature, address, "the entry at this offset is too short for its type", at));
        const std::span<const std::byte> entry = table.subspan(at, length);
        switch (type) {
        case LocalApic:
            builder.processor(read<uint8_t>(entry, 2), read<uint8_t>(entry, 3), read<uint32_t>(entry, 4));
            break;
        case LocalX2Apic:
            builder.processor(read<uint32_t>(entry, 12), read<uint32_t>(entry, 4), read<uint32_t>(entry, 8));
            break;
        case IoApic:
            builder.io_apic(read<uint8_t>(entry, 2), read<uint32_t>(entry, 4), read<uint32_t>(entry, 8));
            break;
        case InterruptSourceOverride:
            builder.interrupt_override(read<uint8_t>(entry, 2), read<uint8_t>(entry, 3), read<uint32_t>(entry, 4),
                                       read<uint16_t>(entry, 8));
            break;
        case LocalApicNmiEntry: {
            const uint8_t uid = read<uint8_t>(entry, 2);
            builder.nmi(uid == 0xFF ? MadtInfo::all_processors : uid, read<uint8_t>(entry, 5),
                        read<uint16_t>(entry, 3));
            break;
        }
        case LocalX2ApicNmi:
            builder.nmi(read<uint32_t>(entry, 4), read<uint8_t>(entry, 8), read<uint16_t>(entry, 2));
            break;
        case LocalApicAddressOverride:
            if (have_address_override)
                return kstd::unexpected(problem(madt_signature, address, "a second local APIC address override at this offset", at));
            have_address_override = true;
            out.local_apic_address = arch::PhysAddr(read<uint64_t>(entry, 4));
            break;
        default:
            ++out.other_entries;
            break;
        }
        at += length;
    }
    if (out.local_apic_address.value() == 0)
        return kstd::unexpected(problem(madt_signature, address, "local APIC address is 0"));
    return {};
}

} // namespace acpi

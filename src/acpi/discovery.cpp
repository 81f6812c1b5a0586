#include "acpi/discovery.h"
#include <new>
#include "kstd/unaligned.h"

namespace acpi {

namespace {

constexpr Signature xsdt_signature("XSDT"), rsdt_signature("RSDT"), madt_signature("APIC"),
    fadt_signature("FACP"), hpet_signature("HPET"), dsdt_signature("DSDT");
// Root table entries looked at; more are reported and ignored (each table
// read costs the kernel a mapping, and real machines have a few dozen).
constexpr size_t max_root_entries = 256;

// The RSDP the boot loader gave, or the BIOS area's.
kstd::Expected<Rsdp, AcpiError> find_rsdp(const PhysicalReader& memory, const std::optional<boot::RsdpInfo>& given,
                                          bool scan_bios, Tables& out)
{
    auto checked = [&](kstd::Expected<Rsdp, Problem> rsdp) -> kstd::Expected<Rsdp, AcpiError> {
        if (!rsdp) {
            out.problems.add(rsdp.error());
            return kstd::unexpected(AcpiError::BadRsdp);
        }
        return *rsdp;
    };
    if (given) {
        out.rsdp_origin = given->origin;
        if (given->origin != boot::RsdpOrigin::PvhAddress)
            return checked(parse_rsdp(given->bytes(), arch::PhysAddr(0)));
        out.rsdp_address = given->address;
        return checked(read_rsdp(memory, given->address));
    }
    const std::optional<arch::PhysAddr> found = scan_bios ? scan_bios_area(memory) : std::nullopt;
    if (!found)
        return kstd::unexpected(AcpiError::NoRsdp);
    out.rsdp_found_by_scan = true;
    out.rsdp_address = *found;
    return checked(read_rsdp(memory, *found));
}

// The root table (XSDT or RSDT) at `address`: checked, and a whole number of
// `entry_size`-byte addresses after the header.
kstd::Expected<std::span<const std::byte>, Problem> read_root(const PhysicalReader& memory, arch::PhysAddr address,
                                                              Signature signature, size_t entry_size)
{
    const std::span<const std::byte> table = TRY(read_table(memory, address, signature));
    if ((table.size() - header_size) % entry_size != 0)
        return kstd::unexpected(problem(signature, address,
                                        entry_size == 8 ? "entries are not a whole number of 8-byte addresses"
                                                        : "entries are not a whole number of 4-byte addresses",
                                        table.size()));
    return table;
}

// Parses one of the tables the kernel reads; false if its parser refused it.
bool parse_known(std::span<const std::byte> table, arch::PhysAddr address, Signature signature, Tables& out)
{
    auto duplicate = [&] {
        out.problems.add(problem(signature, address, "a second table with this signature is ignored"));
        return true;
    };
    if (signature == madt_signature) {
        if (out.madt)
            return duplicate();
        out.madt.emplace();
        if (auto parsed = parse_madt(table, address, *out.madt, out.problems); !parsed) {
            out.madt.reset();
            out.problems.add(parsed.error());
            return false;
        }
    } else if (signature == fadt_signature) {
        if (out.fadt)
            return duplicate();
        auto parsed = parse_fadt(table, address);
        if (!parsed) {
            out.problems.add(parsed.error());
            return false;
        }
        out.fadt = *parsed;
    } else if (signature == hpet_signature) {
        if (out.hpet)
            return duplicate();
        auto parsed = parse_hpet(table, address);
        if (!parsed) {
            out.problems.add(parsed.error());
            return false;
        }
        out.hpet = *parsed;
    }
    return true;
}

void visit_entry(const PhysicalReader& memory, arch::PhysAddr address, Tables& out)
{
    TableEntry entry;
    entry.address = address;
    auto table = read_table(memory, address);
    if (!table) {
        entry.signature = table.error().signature;
        out.problems.add(table.error());
    } else {
        const TableHeader header = read_header(*table);
        entry.signature = header.signature;
        entry.length = header.length;
        entry.revision = header.revision;
        entry.valid = parse_known(*table, address, header.signature, out);
    }
    if (out.entry_count == Tables::max_entries)
        ++out.entries_left_out;
    else
        out.entries[out.entry_count++] = entry;
}

// The DSDT the FADT names, and \_S5 in it.
void read_dsdt(const PhysicalReader& memory, Tables& out)
{
    if (!out.fadt || out.fadt->dsdt.value() == 0)
        return;
    TableEntry entry;
    entry.signature = dsdt_signature;
    entry.address = out.fadt->dsdt;
    auto table = read_table(memory, entry.address, dsdt_signature);
    if (!table) {
        out.problems.add(table.error());
        out.dsdt = entry;
        return;
    }
    entry.length = static_cast<uint32_t>(table->size());
    entry.revision = read_header(*table).revision;
    entry.valid = true;
    out.dsdt = entry;
    auto s5 = find_s5(table->subspan(header_size));
    if (s5)
        out.s5 = *s5;
    else
        out.s5_error = s5.error();
}

} // namespace

std::string_view to_string(AcpiError error)
{
    switch (error) {
    case AcpiError::NoRsdp: return "no RSDP: the boot loader gave none and the BIOS area holds none";
    case AcpiError::BadRsdp: return "the RSDP fails its checks";
    case AcpiError::NoRootTable: return "neither the XSDT nor the RSDT is usable";
    case AcpiError::NotInitialized: return "ACPI is not initialised";
    }
    return "unknown ACPI error";
}

const TableEntry* Tables::find(Signature signature) const
{
    for (const TableEntry& entry : tables()) {
        if (entry.valid && entry.signature == signature)
            return &entry;
    }
    return nullptr;
}

kstd::Expected<void, AcpiError> discover(const PhysicalReader& memory, const std::optional<boot::RsdpInfo>& rsdp,
                                         bool scan_bios, Tables& out)
{
    new (&out) Tables(); // cleared in place: a few KiB
    out.rsdp = TRY(find_rsdp(memory, rsdp, scan_bios, out));

    // The XSDT when there is one (ACPI 6.5, 5.2.5.3: "an ACPI-compatible OS
    // must use the XSDT if present"), the RSDT when it is absent or bad.
    std::span<const std::byte> root;
    size_t entry_size = 0;
    if (out.rsdp.revision >= 2 && out.rsdp.xsdt.value() != 0) {
        if (auto xsdt = read_root(memory, out.rsdp.xsdt, xsdt_signature, 8); xsdt) {
            root = *xsdt;
            entry_size = 8;
            out.root_signature = xsdt_signature;
            out.root_address = out.rsdp.xsdt;
        } else {
            out.problems.add(xsdt.error());
        }
    }
    if (entry_size == 0 && out.rsdp.rsdt.value() != 0) {
        if (auto rsdt = read_root(memory, out.rsdp.rsdt, rsdt_signature, 4); rsdt) {
            root = *rsdt;
            entry_size = 4;
            out.root_signature = rsdt_signature;
            out.root_address = out.rsdp.rsdt;
        } else {
            out.problems.add(rsdt.error());
        }
    }
    if (entry_size == 0)
        return kstd::unexpected(AcpiError::NoRootTable);

    const size_t count = (root.size() - header_size) / entry_size;
    if (count > max_root_entries)
        out.problems.add(problem(out.root_signature, out.root_address,
                                 "more entries than the kernel reads (256): the rest are ignored", count));
    for (size_t i = 0; i < count && i < max_root_entries; ++i) {
        const size_t at = header_size + i * entry_size;
        const uint64_t address = entry_size == 8 ? kstd::load_unaligned<uint64_t>(root, at)
                                                 : kstd::load_unaligned<uint32_t>(root, at);
        if (address == 0) {
            out.problems.add(problem(out.root_signature, out.root_address, "entry is 0 (index as value)", i));
            continue;
        }
        visit_entry(memory, arch::PhysAddr(address), out);
    }
    read_dsdt(memory, out);
    return {};
}

void format_value(kstd::Sink& sink, const Tables& tables, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "RSDP v{} ", tables.rsdp.revision);
    if (tables.rsdp_address.value() == 0)
        kstd::format_to(sink, "(boot loader's copy)");
    else
        kstd::format_to(sink, "at {:#x}{}", tables.rsdp_address.value(), tables.rsdp_found_by_scan ? " (scan)" : "");
    kstd::format_to(sink, ", {}:", tables.root_signature);
    for (const TableEntry& entry : tables.tables())
        kstd::format_to(sink, " {}{}", entry.signature, entry.valid ? "" : "(bad)");
    if (tables.entries_left_out > 0)
        kstd::format_to(sink, " +{}", tables.entries_left_out);
    if (const MadtInfo* madt = tables.madt ? &*tables.madt : nullptr) {
        kstd::format_to(sink, "; MADT: {} CPUs", madt->enabled_processors());
        if (madt->processors().size() > madt->enabled_processors())
            kstd::format_to(sink, " (+{} hot-pluggable)", madt->processors().size() - madt->enabled_processors());
        for (const IoApicEntry& io_apic : madt->io_apics())
            kstd::format_to(sink, ", I/O APIC {} at {:#x} (GSI {})", io_apic.id, io_apic.address.value(),
                            io_apic.gsi_base);
        kstd::format_to(sink, ", {} overrides", madt->overrides().size());
    } else {
        kstd::format_to(sink, "; no MADT");
    }
    if (tables.hpet)
        kstd::format_to(sink, "; HPET at {:#x}", tables.hpet->address.value());
    if (tables.s5)
        kstd::format_to(sink, "; S5 {}/{}", tables.s5->a, tables.s5->b);
    else if (tables.s5_error)
        kstd::format_to(sink, "; no S5: {}", *tables.s5_error);
    if (!tables.problems.all().empty())
        kstd::format_to(sink, "; {} problems", tables.problems.all().size() + tables.problems.dropped());
}

} // namespace acpi

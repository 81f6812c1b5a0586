// libFuzzer harness for the ACPI table parsers (src/acpi/): discovery from
// the RSDP through the root table to the MADT, FADT, HPET and the DSDT's
// \_S5, over a fake physical memory made from the input, and the \_S5 scan
// on the raw input as AML.
//
// Input: a mode byte (bits 0-1: 0 the RSDP's address is handed over, as PVH
// does; 1 a copy of it, as multiboot2's tags; 2 none, the BIOS area is
// scanned), then records {u64 address, u32 size, size bytes} of physical
// memory (a record cut short by the end of the input holds what is left).
// The first record holds the RSDP. A read is served only whole from one
// record; everything else is unreadable (tests/fuzz/make_corpus.py writes
// the seeds: QEMU's real tables and hand-made ones).
//
// The sanitizers catch any read outside the input; FUZZ_CHECK catches a
// result the kernel could not trust.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>
#include "acpi/aml_s5.h"
#include "acpi/discovery.h"
#include "fuzz_check.h"

namespace {

struct Record {
    uint64_t address;
    std::span<const std::byte> bytes;
};

class InputMemory final : public acpi::PhysicalReader {
public:
    explicit InputMemory(std::span<const std::byte> input)
    {
        size_t at = 0;
        while (input.size() - at >= 12 && m_records.size() < 64) {
            uint64_t address;
            uint32_t size;
            std::memcpy(&address, input.data() + at, 8);
            std::memcpy(&size, input.data() + at + 8, 4);
            at += 12;
            const size_t length = size < input.size() - at ? size : input.size() - at;
            m_records.push_back(Record{address, input.subspan(at, length)});
            at += length;
        }
    }

    std::span<const std::byte> read(arch::PhysAddr address, size_t bytes) const override
    {
        if (bytes == 0)
            return {};
        for (const Record& record : m_records) {
            if (address.value() < record.address)
                continue;
            const uint64_t offset = address.value() - record.address;
            if (offset <= record.bytes.size() && bytes <= record.bytes.size() - offset)
                return record.bytes.subspan(offset, bytes);
        }
        return {};
    }

    const std::vector<Record>& records() const { return m_records; }

private:
    std::vector<Record> m_records;
};

// A checked table: re-read from the memory it came from, its bytes add up to 0.
bool adds_up(const InputMemory& memory, const acpi::TableEntry& entry)
{
    const auto bytes = memory.read(entry.address, entry.length);
    return bytes.size() == entry.length && acpi::checksum(bytes) == 0;
}

void check_madt(const acpi::MadtInfo& madt)
{
    FUZZ_CHECK(madt.processors().size() <= acpi::MadtInfo::max_processors, "at most 64 processors kept");
    FUZZ_CHECK(madt.io_apics().size() <= acpi::MadtInfo::max_io_apics, "at most 8 I/O APICs kept");
    FUZZ_CHECK(madt.overrides().size() <= acpi::MadtInfo::max_overrides, "at most 16 overrides kept");
    FUZZ_CHECK(madt.nmis().size() <= acpi::MadtInfo::max_nmis, "at most 64 NMI entries kept");
    FUZZ_CHECK(madt.local_apic_address.value() != 0, "a MADT has a local APIC address");
    for (size_t i = 0; i < madt.processors().size(); ++i) {
        const acpi::ProcessorEntry& processor = madt.processors()[i];
        FUZZ_CHECK(processor.enabled || processor.online_capable, "only processors that can run are kept");
        for (size_t j = 0; j < i; ++j)
            FUZZ_CHECK(madt.processors()[j].apic_id != processor.apic_id, "no APIC ID is kept twice");
    }
    for (const acpi::IoApicEntry& io_apic : madt.io_apics())
        FUZZ_CHECK(io_apic.address.value() != 0, "no I/O APIC at address 0");
    for (const acpi::LocalApicNmi& nmi : madt.nmis())
        FUZZ_CHECK(nmi.lint <= 1, "an NMI names LINT0 or LINT1");
}

void check_success(const InputMemory& memory, acpi::Tables& tables)
{
    FUZZ_CHECK(tables.entry_count <= acpi::Tables::max_entries, "at most 32 tables listed");
#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
    // The self-test build (CTest fuzz.acpi_fires): a planted off-by-one, as if
    // read_table took one byte too many. The check below must fire.
    if (tables.entry_count > 0)
        tables.entries[0].length += 1;
#endif
    for (const acpi::TableEntry& entry : tables.tables()) {
        if (!entry.valid)
            continue;
        FUZZ_CHECK(entry.length >= acpi::header_size && entry.length <= acpi::max_table_bytes,
                   "a valid table's length is 36 bytes to 1 MiB");
        FUZZ_CHECK(adds_up(memory, entry), "every valid table adds up to 0 over its length");
    }
    if (tables.dsdt && tables.dsdt->valid)
        FUZZ_CHECK(adds_up(memory, *tables.dsdt), "a valid DSDT adds up to 0 over its length");
    if (tables.madt) {
        FUZZ_CHECK(tables.find(acpi::Signature("APIC")) != nullptr, "a MADT comes from a valid APIC table");
        check_madt(*tables.madt);
    }
    if (tables.fadt)
        FUZZ_CHECK(tables.fadt->length >= acpi::FadtInfo::acpi1_length, "a FADT has ACPI 1.0's 116 bytes");
    if (tables.hpet)
        FUZZ_CHECK(tables.hpet->address.value() != 0, "an HPET has an address");
    if (tables.s5) {
        FUZZ_CHECK(tables.s5->a <= 7 && tables.s5->b <= 7, "S5 values fit SLP_TYP's 3 bits");
        FUZZ_CHECK(tables.dsdt && tables.dsdt->valid && !tables.s5_error, "S5 comes from a valid DSDT");
    }
    fuzz::BufferSink sink;
    kstd::format_to(sink, "{}", tables);
    FUZZ_CHECK(sink.size() > 0, "the summary prints");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    // libFuzzer's bytes, seen as bytes.
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    const unsigned mode = static_cast<unsigned>(input[0]) & 3;
    const InputMemory memory(input.subspan(1));

    std::optional<boot::RsdpInfo> rsdp;
    if (mode == 0 && !memory.records().empty()) {
        rsdp = boot::RsdpInfo{};
        rsdp->origin = boot::RsdpOrigin::PvhAddress;
        rsdp->address = arch::PhysAddr(memory.records()[0].address);
    } else if (mode == 1 && !memory.records().empty()) {
        rsdp = boot::RsdpInfo{};
        rsdp->origin = boot::RsdpOrigin::Multiboot2V2;
        const auto bytes = memory.records()[0].bytes;
        rsdp->copy_size = bytes.size() < boot::RsdpInfo::max_copy ? bytes.size() : boot::RsdpInfo::max_copy;
        std::memcpy(rsdp->copy.data(), bytes.data(), rsdp->copy_size);
    }
    auto tables = std::make_unique<acpi::Tables>();
    auto found = acpi::discover(memory, rsdp, mode == 2, *tables);
    if (found) {
        check_success(memory, *tables);
    } else {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", found.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
    }
    for (const acpi::Problem& problem : tables->problems.all()) {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", problem);
        FUZZ_CHECK(sink.size() > 0, "a problem prints as text");
    }

    // The whole input as AML too: the scan must stay inside it.
    auto s5 = acpi::find_s5(input);
    if (s5)
        FUZZ_CHECK(s5->a <= 7 && s5->b <= 7, "S5 values fit SLP_TYP's 3 bits");
    return 0;
}

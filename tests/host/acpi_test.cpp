// The ACPI table parsers (src/acpi/): the RSDP, the root tables, the MADT,
// FADT and HPET, the \_S5 scan of the DSDT, and discovery over a fake
// physical memory laid out as QEMU's SeaBIOS and OVMF lay it out. Every bad
// table must be reported with its signature, address and what is wrong, and
// skipped; random corruption must give a report or a result, never a bad read
// (ASan and UBSan watch every byte; the fake hands out exactly what exists).

#include <gtest/gtest.h>
#include "formatted_text.h"
#include <cstring>
#include <map>
#include <string>
#include <vector>
#include "acpi/aml_s5.h"
#include "acpi/discovery.h"
#include "test_seed.h"

namespace {

using acpi::MadtInfo;
using acpi::Polarity;
using acpi::Trigger;
using Bytes = std::vector<std::byte>;

class Builder {
public:
    Builder& u8(uint64_t v) { return raw(v, 1); }
    Builder& u16(uint64_t v) { return raw(v, 2); }
    Builder& u32(uint64_t v) { return raw(v, 4); }
    Builder& u64(uint64_t v) { return raw(v, 8); }
    Builder& text(std::string_view s)
    {
        for (char c : s)
            m_bytes.push_back(static_cast<std::byte>(c));
        return *this;
    }
    Builder& bytes(const Bytes& more)
    {
        m_bytes.insert(m_bytes.end(), more.begin(), more.end());
        return *this;
    }
    Builder& zeros(size_t n) { return bytes(Bytes(n)); }
    Bytes done() const { return m_bytes; }
    size_t size() const { return m_bytes.size(); }

private:
    Builder& raw(uint64_t v, size_t n)
    {
        for (size_t i = 0; i < n; ++i)
            m_bytes.push_back(static_cast<std::byte>(v >> (8 * i)));
        return *this;
    }
    Bytes m_bytes;
};

void put(Bytes& bytes, size_t offset, uint64_t value, size_t size)
{
    for (size_t i = 0; i < size; ++i)
        bytes[offset + i] = static_cast<std::byte>(value >> (8 * i));
}

// Makes bytes[0, length) add up to 0 through the byte at `at`.
void fix_checksum(Bytes& bytes, size_t at, size_t length)
{
    bytes[at] = std::byte{0};
    bytes[at] = static_cast<std::byte>(-acpi::checksum(std::span<const std::byte>(bytes).first(length)));
}

// A table: the 36-byte header ("BOCHS ", "BXPC    ") and `body`, length and
// checksum filled in.
Bytes table(std::string_view signature, uint8_t revision, const Bytes& body)
{
    Builder header;
    header.text(signature).u32(36 + body.size()).u8(revision).u8(0).text("BOCHS ").text("BXPC    ").u32(1);
    header.text("BXPC").u32(1).bytes(body);
    Bytes bytes = header.done();
    fix_checksum(bytes, 9, bytes.size());
    return bytes;
}

Bytes rsdp_v1(uint32_t rsdt)
{
    Bytes bytes = Builder().text("RSD PTR ").u8(0).text("BOCHS ").u8(0).u32(rsdt).done();
    fix_checksum(bytes, 8, 20);
    return bytes;
}

Bytes rsdp_v2(uint32_t rsdt, uint64_t xsdt)
{
    Bytes bytes = Builder().text("RSD PTR ").u8(0).text("BOCHS ").u8(2).u32(rsdt).u32(36).u64(xsdt).u32(0).done();
    fix_checksum(bytes, 8, 20);
    fix_checksum(bytes, 32, 36);
    return bytes;
}

// MADT entries (ACPI 6.5, 5.2.12).
Builder local_apic(uint8_t uid, uint8_t id, uint32_t flags = 1)
{
    return std::move(Builder().u8(0).u8(8).u8(uid).u8(id).u32(flags));
}
Builder io_apic(uint8_t id, uint32_t address, uint32_t gsi_base)
{
    return std::move(Builder().u8(1).u8(12).u8(id).u8(0).u32(address).u32(gsi_base));
}
Builder source_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    return std::move(Builder().u8(2).u8(10).u8(0).u8(irq).u32(gsi).u16(flags));
}
Builder apic_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
    return std::move(Builder().u8(4).u8(6).u8(uid).u16(flags).u8(lint));
}

// QEMU's MADT for `cpus` processors (pc machine): local APICs, one I/O APIC,
// five overrides, one NMI for all processors.
Bytes qemu_madt(int cpus)
{
    Builder body;
    body.u32(0xFEE00000).u32(1); // local APIC address, PCAT_COMPAT
    for (int i = 0; i < cpus; ++i)
        body.bytes(local_apic(static_cast<uint8_t>(i), static_cast<uint8_t>(i)).done());
    body.bytes(io_apic(0, 0xFEC00000, 0).done());
    body.bytes(source_override(0, 2, 0).done());
    body.bytes(source_override(5, 5, 0xD).done());
    body.bytes(source_override(9, 9, 0xD).done());
    body.bytes(source_override(10, 10, 0xD).done());
    body.bytes(source_override(11, 11, 0xD).done());
    body.bytes(apic_nmi(0xFF, 0, 1).done());
    return table("APIC", 1, body.done());
}

// An FADT of `length` bytes (116: ACPI 1.0; 244: ACPI 5 and up) with the
// DSDT, PM1a at port 0x604 (QEMU's PIIX4), and in longer ones the X_ fields.
Bytes fadt(uint32_t dsdt, size_t length = 116, uint8_t revision = 1)
{
    Bytes body(length - 36);
    auto at = [&](size_t offset, uint64_t value, size_t size) { put(body, offset - 36, value, size); };
    at(36, 0x7FE0000, 4); // FIRMWARE_CTRL
    at(40, dsdt, 4);
    at(46, 9, 2);         // SCI_INT
    at(48, 0xB2, 4);      // SMI_CMD
    at(52, 0xF1, 1);      // ACPI_ENABLE
    at(64, 0x604, 4);     // PM1a_CNT_BLK
    at(89, 2, 1);         // PM1_CNT_LEN
    at(112, 0x4A5 | (1u << 10), 4); // flags with RESET_REG_SUP
    if (length >= 129) {
        at(109, 0x3, 2);  // IAPC_BOOT_ARCH: legacy devices, 8042
        at(116, 1, 1);    // RESET_REG: I/O space
        at(117, 8, 1);
        at(120, 0xCF9, 8);
        at(128, 0x0F, 1); // RESET_VALUE
    }
    if (length >= 184) {
        at(140, dsdt, 8); // X_DSDT
        at(172, 1, 1);    // X_PM1a_CNT_BLK: I/O, 16 bits
        at(173, 16, 1);
        at(176, 0x604, 8);
    }
    return table("FACP", revision, body);
}

Bytes hpet_table(uint64_t base = 0xFED00000, uint8_t space = 0)
{
    Builder body;
    body.u32(0x8086A201).u8(space).u8(64).u8(0).u8(0).u64(base).u8(0).u16(0x80).u8(0);
    return table("HPET", 1, body.done());
}

// QEMU's \_S5: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }).
const Bytes qemu_s5 = Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x06).u8(0x04).u32(0).done();

Bytes dsdt_with(const Bytes& aml)
{
    // A few unrelated opcodes before, as in a real DSDT (a Scope(\_SB) head).
    return table("DSDT", 1, Builder().u8(0x10).u8(0x40).u8(0x15).text("\\_SB_").zeros(8).bytes(aml).done());
}

class FakeMemory final : public acpi::PhysicalReader {
public:
    void place(uint64_t address, Bytes bytes) { m_pieces[address] = std::move(bytes); }
    void remove(uint64_t address) { m_pieces.erase(address); }
    Bytes& piece(uint64_t address) { return m_pieces.at(address); }
    std::vector<uint64_t> addresses() const
    {
        std::vector<uint64_t> all;
        for (const auto& [address, bytes] : m_pieces)
            all.push_back(address);
        return all;
    }

    std::span<const std::byte> read(arch::PhysAddr address, size_t bytes) const override
    {
        auto it = m_pieces.upper_bound(address.value());
        if (bytes == 0 || it == m_pieces.begin())
            return {};
        --it;
        const uint64_t offset = address.value() - it->first;
        if (offset > it->second.size() || bytes > it->second.size() - offset)
            return {};
        return std::span<const std::byte>(it->second).subspan(offset, bytes);
    }

private:
    std::map<uint64_t, Bytes> m_pieces;
};

constexpr uint64_t rsdp_at = 0xF59D0, rsdt_at = 0x7FE1A49, xsdt_at = 0x7FE1B00, fadt_at = 0x7FE18FD,
                   madt_at = 0x7FE1971, hpet_at = 0x7FE19E9, waet_at = 0x7FE1A21, dsdt_at = 0x7FE0040;

Bytes root(std::string_view signature, std::initializer_list<uint64_t> entries)
{
    Builder body;
    for (uint64_t entry : entries)
        signature == "XSDT" ? body.u64(entry) : body.u32(entry);
    return table(signature, 1, body.done());
}

// SeaBIOS on QEMU's pc machine: an ACPI 1.0 RSDP in the BIOS area, the RSDT.
FakeMemory seabios(int cpus = 2)
{
    FakeMemory memory;
    memory.place(rsdp_at, rsdp_v1(rsdt_at));
    memory.place(rsdt_at, root("RSDT", {fadt_at, madt_at, hpet_at, waet_at}));
    memory.place(fadt_at, fadt(dsdt_at));
    memory.place(madt_at, qemu_madt(cpus));
    memory.place(hpet_at, hpet_table());
    memory.place(waet_at, table("WAET", 1, Builder().u32(2).done()));
    memory.place(dsdt_at, dsdt_with(qemu_s5));
    return memory;
}

// OVMF: an ACPI 2.0 RSDP with both roots, an ACPI 6 FADT with X_ fields.
FakeMemory ovmf(int cpus = 2)
{
    FakeMemory memory = seabios(cpus);
    memory.place(rsdp_at, rsdp_v2(rsdt_at, xsdt_at));
    memory.place(xsdt_at, root("XSDT", {fadt_at, madt_at, hpet_at}));
    memory.place(fadt_at, fadt(dsdt_at, 276, 6));
    return memory;
}

std::optional<boot::RsdpInfo> pvh_rsdp(uint64_t address = rsdp_at)
{
    boot::RsdpInfo info;
    info.origin = boot::RsdpOrigin::PvhAddress;
    info.address = arch::PhysAddr(address);
    return info;
}

template <typename T>
std::string text_of(const T& value)
{
    return formatted_text(value);
}

std::string problems_of(const acpi::Tables& tables)
{
    std::string all;
    for (const acpi::Problem& problem : tables.problems.all())
        all += text_of(problem) + "\n";
    return all;
}

struct Discovered {
    bool ok = false;
    acpi::AcpiError error{};
    std::unique_ptr<acpi::Tables> tables = std::make_unique<acpi::Tables>();
};

Discovered discover(const FakeMemory& memory, const std::optional<boot::RsdpInfo>& rsdp = pvh_rsdp(),
                    bool scan = false)
{
    Discovered result;
    auto found = acpi::discover(memory, rsdp, scan, *result.tables);
    result.ok = found.has_value();
    if (!found)
        result.error = found.error();
    return result;
}

TEST(Acpi, reads_what_seabios_gives)
{
    for (int cpus : {1, 2, 4}) {
        const Discovered found = discover(seabios(cpus));
        ASSERT_TRUE(found.ok) << problems_of(*found.tables);
        const acpi::Tables& t = *found.tables;
        EXPECT_EQ(problems_of(t), "");
        EXPECT_EQ(t.rsdp.revision, 0);
        EXPECT_EQ(t.root_signature, acpi::Signature("RSDT"));
        ASSERT_EQ(t.tables().size(), 4u);
        ASSERT_TRUE(t.madt.has_value());
        EXPECT_EQ(t.madt->processors().size(), static_cast<size_t>(cpus));
        EXPECT_EQ(t.madt->enabled_processors(), static_cast<size_t>(cpus));
        EXPECT_EQ(text_of(t), "RSDP v0 at 0xf59d0, RSDT: FACP APIC HPET WAET; MADT: " + std::to_string(cpus) +
                                  " CPUs, I/O APIC 0 at 0xfec00000 (GSI 0), 5 overrides; HPET at 0xfed00000; S5 0/0");
    }
}

TEST(Acpi, the_madt_as_the_apic_code_reads_it)
{
    const Discovered found = discover(seabios(2));
    ASSERT_TRUE(found.ok);
    const MadtInfo& madt = *found.tables->madt;
    EXPECT_EQ(madt.local_apic_address.value(), 0xFEE00000u);
    EXPECT_TRUE(madt.has_legacy_pics);
    ASSERT_EQ(madt.processors().size(), 2u);
    EXPECT_EQ(madt.processors()[1].apic_id, 1u);
    EXPECT_EQ(madt.processors()[1].processor_uid, 1u);
    EXPECT_TRUE(madt.processors()[1].enabled);
    ASSERT_EQ(madt.io_apics().size(), 1u);
    EXPECT_EQ(madt.io_apics()[0].address.value(), 0xFEC00000u);
    ASSERT_EQ(madt.overrides().size(), 5u);
    EXPECT_EQ(madt.overrides()[0].source_irq, 0);
    EXPECT_EQ(madt.overrides()[0].gsi, 2u);
    EXPECT_EQ(madt.overrides()[0].polarity, Polarity::BusDefault);
    EXPECT_EQ(madt.overrides()[1].polarity, Polarity::ActiveHigh);
    EXPECT_EQ(madt.overrides()[1].trigger, Trigger::Level);
    ASSERT_NE(madt.override_for_isa_irq(9), nullptr);
    EXPECT_EQ(madt.override_for_isa_irq(9)->gsi, 9u);
    EXPECT_EQ(madt.override_for_isa_irq(1), nullptr);
    ASSERT_EQ(madt.nmis().size(), 1u);
    EXPECT_EQ(madt.nmis()[0].processor_uid, MadtInfo::all_processors);
    EXPECT_EQ(madt.nmis()[0].lint, 1);
}

TEST(Acpi, prefers_the_xsdt_and_the_x_fields)
{
    const Discovered found = discover(ovmf());
    ASSERT_TRUE(found.ok) << problems_of(*found.tables);
    const acpi::Tables& t = *found.tables;
    EXPECT_EQ(t.rsdp.revision, 2);
    EXPECT_EQ(t.root_signature, acpi::Signature("XSDT"));
    EXPECT_EQ(t.root_address.value(), xsdt_at);
    EXPECT_EQ(t.tables().size(), 3u); // the XSDT's three, not the RSDT's four
    ASSERT_TRUE(t.fadt.has_value());
    EXPECT_EQ(t.fadt->revision, 6);
    EXPECT_EQ(t.fadt->dsdt.value(), dsdt_at);
    EXPECT_EQ(t.fadt->pm1a_control.space, acpi::GenericAddress::SystemIo);
    EXPECT_EQ(t.fadt->pm1a_control.bit_width, 16);
    EXPECT_EQ(t.fadt->pm1a_control.address, 0x604u);
    EXPECT_FALSE(t.fadt->pm1b_control.present());
    EXPECT_TRUE(t.fadt->has_boot_architecture);
    EXPECT_EQ(t.fadt->boot_architecture, acpi::FadtInfo::legacy_devices | acpi::FadtInfo::has_8042);
    EXPECT_TRUE(t.fadt->has_reset_register);
    EXPECT_EQ(t.fadt->reset_register.address, 0xCF9u);
    EXPECT_EQ(t.fadt->reset_value, 0x0F);
    EXPECT_EQ(t.fadt->sci_interrupt, 9);
    EXPECT_EQ(t.fadt->smi_command, 0xB2u);
    EXPECT_EQ(t.fadt->acpi_enable, 0xF1);
    ASSERT_TRUE(t.s5.has_value());
}

TEST(Acpi, acpi_1_fadt_has_no_boot_flags_or_reset_register)
{
    const Discovered found = discover(seabios());
    const acpi::FadtInfo& f = *found.tables->fadt;
    EXPECT_EQ(f.length, 116u);
    EXPECT_FALSE(f.has_boot_architecture);
    EXPECT_FALSE(f.has_reset_register); // RESET_REG_SUP is set, but the table ends before the register
    EXPECT_EQ(f.pm1a_control.address, 0x604u);
    EXPECT_EQ(f.pm1a_control.bit_width, 16); // PM1_CNT_LEN 2
}

TEST(Acpi, a_bad_xsdt_falls_back_to_the_rsdt)
{
    FakeMemory memory = ovmf();
    memory.piece(xsdt_at)[20] ^= std::byte{1}; // checksum now wrong
    const Discovered found = discover(memory);
    ASSERT_TRUE(found.ok);
    EXPECT_EQ(found.tables->root_signature, acpi::Signature("RSDT"));
    EXPECT_EQ(problems_of(*found.tables), "XSDT at 0x7fe1b00: checksum does not add up to 0 (value 0x1)\n");
}

TEST(Acpi, each_bad_table_is_reported_and_skipped)
{
    struct Case {
        const char* name;
        uint64_t piece;
        size_t offset;
        uint32_t value;
        size_t size;
        const char* problem;
    };
    const Case cases[] = {
        {"checksum", madt_at, 40, 0, 4, "APIC at 0x7fe1971: checksum does not add up to 0 (value 0xff)\n"},
        {"short length", hpet_at, 4, 20, 4, "HPET at 0x7fe19e9: length is shorter than the 36-byte header (value 0x14)\n"},
        {"huge length", madt_at, 4, 0x7FFFFFFF, 4,
         "APIC at 0x7fe1971: length is over the 1 MiB the kernel accepts (value 0x7fffffff)\n"},
        {"length past the memory", madt_at, 4, 0x1000, 4,
         "APIC at 0x7fe1971: table runs into memory that cannot be read (value 0x1000)\n"},
    };
    for (const Case& c : cases) {
        FakeMemory memory = seabios();
        put(memory.piece(c.piece), c.offset, c.value, c.size);
        const Discovered found = discover(memory);
        ASSERT_TRUE(found.ok) << c.name;
        EXPECT_EQ(problems_of(*found.tables), c.problem) << c.name;
        EXPECT_EQ(found.tables->tables().size(), 4u) << c.name; // listed, as bad
        EXPECT_EQ(found.tables->find(acpi::Signature::of(memory.piece(c.piece))), nullptr) << c.name;
        EXPECT_TRUE(found.tables->fadt.has_value()) << c.name; // the others are still read
    }
    // The summary marks the bad one.
    FakeMemory memory = seabios();
    put(memory.piece(madt_at), 40, 0, 4);
    EXPECT_EQ(text_of(*discover(memory).tables),
              "RSDP v0 at 0xf59d0, RSDT: FACP APIC(bad) HPET WAET; no MADT; HPET at 0xfed00000; S5 0/0; 1 problems");
}

TEST(Acpi, a_root_entry_that_points_nowhere_or_at_zero)
{
    FakeMemory memory;
    memory.place(rsdp_at, rsdp_v1(rsdt_at));
    memory.place(rsdt_at, root("RSDT", {0x12345000, 0}));
    const Discovered found = discover(memory);
    ASSERT_TRUE(found.ok);
    EXPECT_EQ(problems_of(*found.tables), "---- at 0x12345000: table header is not in readable memory\n"
                                          "RSDT at 0x7fe1a49: entry is 0 (index as value) (value 0x1)\n");
    EXPECT_FALSE(found.tables->madt.has_value());
    EXPECT_EQ(text_of(*found.tables), "RSDP v0 at 0xf59d0, RSDT: ----(bad); no MADT; 2 problems");
}

TEST(Acpi, rsdp_checks)
{
    Bytes good = rsdp_v2(rsdt_at, xsdt_at);
    auto parse = [](const Bytes& bytes) { return acpi::parse_rsdp(bytes, arch::PhysAddr(rsdp_at)); };
    ASSERT_TRUE(parse(good).has_value());
    EXPECT_EQ(parse(good)->xsdt.value(), xsdt_at);
    EXPECT_EQ(parse(rsdp_v1(rsdt_at))->xsdt.value(), 0u);

    auto problem = [&](Bytes bytes) { return text_of(parse(bytes).error()); };
    Bytes bad_signature = good;
    bad_signature[3] = std::byte{'X'};
    EXPECT_EQ(problem(bad_signature), "RSDP at 0xf59d0: signature is not \"RSD PTR \"");
    Bytes bad_v1 = good;
    bad_v1[16] ^= std::byte{0x10};
    EXPECT_EQ(problem(bad_v1), "RSDP at 0xf59d0: checksum of the first 20 bytes is not 0 (value 0x10)");
    Bytes bad_extended = good;
    bad_extended[30] ^= std::byte{1};
    EXPECT_EQ(problem(bad_extended), "RSDP at 0xf59d0: extended checksum is not 0 (value 0x1)");
    Bytes long_length = good;
    put(long_length, 20, 64, 4);
    fix_checksum(long_length, 32, 36);
    EXPECT_EQ(problem(long_length), "RSDP at 0xf59d0: RSDP length is longer than the bytes there are (value 0x40)");
    Bytes short_length = good;
    put(short_length, 20, 20, 4);
    EXPECT_EQ(problem(short_length), "RSDP at 0xf59d0: RSDP length is not 36 to 4096 bytes (value 0x14)");
    EXPECT_EQ(problem(Bytes(good.begin(), good.begin() + 24)),
              "RSDP at 0xf59d0: revision 2 RSDP is shorter than 36 bytes (value 0x18)");
    EXPECT_EQ(problem(Bytes(good.begin(), good.begin() + 12)),
              "RSDP at 0xf59d0: RSDP is shorter than 20 bytes (value 0xc)");

    // Through discover: a bad RSDP means no ACPI, with the problem kept.
    FakeMemory memory = seabios();
    memory.piece(rsdp_at)[0] = std::byte{'X'};
    const Discovered found = discover(memory);
    EXPECT_FALSE(found.ok);
    EXPECT_EQ(found.error, acpi::AcpiError::BadRsdp);
    EXPECT_EQ(problems_of(*found.tables), "RSDP at 0xf59d0: signature is not \"RSD PTR \"\n");
    EXPECT_EQ(discover(memory, pvh_rsdp(0x1000)).error, acpi::AcpiError::BadRsdp); // nothing readable there
}

TEST(Acpi, the_boot_loaders_copy_and_the_bios_scan)
{
    // GRUB's tag 14: a copy, no address.
    boot::RsdpInfo copy;
    copy.origin = boot::RsdpOrigin::Multiboot2V1;
    const Bytes v1 = rsdp_v1(rsdt_at);
    std::memcpy(copy.copy.data(), v1.data(), v1.size());
    copy.copy_size = v1.size();
    FakeMemory memory = seabios();
    Discovered found = discover(memory, copy);
    ASSERT_TRUE(found.ok);
    EXPECT_EQ(text_of(*found.tables).substr(0, 42), "RSDP v0 (boot loader's copy), RSDT: FACP A");

    // No RSDP from the loader: found by scanning 0xE0000-0xFFFFF (the EBDA is empty here).
    memory.place(0xE0000, Bytes(0x20000));
    std::memcpy(memory.piece(0xE0000).data() + (rsdp_at - 0xE0000), v1.data(), v1.size());
    memory.remove(rsdp_at); // so the piece above is what the reads see
    memory.piece(0xE0000)[0x100] = std::byte{'R'}; // a candidate that is not one
    found = discover(memory, std::nullopt, true);
    ASSERT_TRUE(found.ok) << problems_of(*found.tables);
    EXPECT_TRUE(found.tables->rsdp_found_by_scan);
    EXPECT_EQ(found.tables->rsdp_address.value(), rsdp_at);
    EXPECT_EQ(discover(memory, std::nullopt, false).error, acpi::AcpiError::NoRsdp);
    EXPECT_EQ(discover(FakeMemory(), std::nullopt, true).error, acpi::AcpiError::NoRsdp);
}

Bytes madt_of(const Builder& entries, uint32_t flags = 0)
{
    return table("APIC", 1, Builder().u32(0xFEE00000).u32(flags).bytes(entries.done()).done());
}

struct Parsed {
    bool ok;
    std::string problem;
    std::unique_ptr<MadtInfo> info = std::make_unique<MadtInfo>();
    std::string logged;
};

Parsed parse_madt(const Bytes& table)
{
    Parsed result;
    acpi::ProblemLog log;
    auto parsed = acpi::parse_madt(table, arch::PhysAddr(madt_at), *result.info, log);
    result.ok = parsed.has_value();
    if (!parsed)
        result.problem = text_of(parsed.error());
    for (const acpi::Problem& problem : log.all())
        result.logged += text_of(problem) + "\n";
    return result;
}

TEST(Acpi, madt_x2apic_duplicates_disabled_and_overrides)
{
    Builder entries;
    entries.bytes(local_apic(0, 0).done());
    entries.bytes(local_apic(1, 1, 0).done());     // neither enabled nor online capable: left out
    entries.bytes(local_apic(2, 2, 2).done());     // online capable
    entries.u8(9).u8(16).u16(0).u32(0x100).u32(1).u32(300); // x2APIC 0x100, uid 300
    entries.u8(9).u8(16).u16(0).u32(0).u32(1).u32(7);       // x2APIC 0 again: left out, reported
    entries.u8(5).u8(12).u16(0).u64(0xFEE10000);            // local APIC address override
    entries.u8(0xA).u8(12).u16(0xF).u32(300).u8(0).zeros(3); // x2APIC NMI, active low level
    entries.bytes(source_override(4, 20, 0x2).done());      // reserved polarity: skipped
    entries.bytes(apic_nmi(3, 0, 2).done());                 // LINT2: skipped
    entries.u8(0x7F).u8(3).u8(0);                            // an unknown type: counted
    const Parsed p = parse_madt(madt_of(entries));
    ASSERT_TRUE(p.ok) << p.problem;
    const MadtInfo& m = *p.info;
    EXPECT_FALSE(m.has_legacy_pics);
    EXPECT_EQ(m.local_apic_address.value(), 0xFEE10000u);
    ASSERT_EQ(m.processors().size(), 3u);
    EXPECT_EQ(m.enabled_processors(), 2u);
    EXPECT_TRUE(m.processors()[1].online_capable);
    EXPECT_FALSE(m.processors()[1].enabled);
    EXPECT_EQ(m.processors()[2].apic_id, 0x100u);
    EXPECT_EQ(m.processors()[2].processor_uid, 300u);
    EXPECT_EQ(m.unusable_processors, 1u);
    ASSERT_EQ(m.nmis().size(), 1u);
    EXPECT_EQ(m.nmis()[0].processor_uid, 300u);
    EXPECT_EQ(m.nmis()[0].polarity, Polarity::ActiveLow);
    EXPECT_EQ(m.nmis()[0].trigger, Trigger::Level);
    EXPECT_EQ(m.overrides().size(), 0u);
    EXPECT_EQ(m.ignored_entries, 3u);
    EXPECT_EQ(m.other_entries, 1u);
    EXPECT_EQ(p.logged,
              "APIC at 0x7fe1971: two processor entries name one APIC ID; the second is ignored (value 0x0)\n"
              "APIC at 0x7fe1971: interrupt source override with reserved polarity or trigger flags is ignored "
              "(value 0x2)\n"
              "APIC at 0x7fe1971: local APIC NMI names a LINT pin other than 0 and 1; ignored (value 0x2)\n");
}

TEST(Acpi, madt_limits_are_reported_once_and_the_rest_ignored)
{
    Builder entries;
    for (int i = 0; i < 70; ++i)
        entries.bytes(local_apic(static_cast<uint8_t>(i), static_cast<uint8_t>(i)).done());
    for (int i = 0; i < 10; ++i)
        entries.bytes(io_apic(static_cast<uint8_t>(i), 0xFEC00000 + 0x1000 * i, 24 * i).done());
    for (int i = 0; i < 20; ++i)
        entries.bytes(source_override(static_cast<uint8_t>(i), i, 0).done());
    const Parsed p = parse_madt(madt_of(entries, 1));
    ASSERT_TRUE(p.ok) << p.problem;
    EXPECT_EQ(p.info->processors().size(), MadtInfo::max_processors);
    EXPECT_EQ(p.info->io_apics().size(), MadtInfo::max_io_apics);
    EXPECT_EQ(p.info->overrides().size(), MadtInfo::max_overrides);
    EXPECT_EQ(p.info->ignored_entries, 6u + 2u + 4u);
    EXPECT_EQ(p.logged, "APIC at 0x7fe1971: more processors than the kernel keeps (64): the rest are ignored\n"
                        "APIC at 0x7fe1971: more I/O APICs than the kernel keeps (8): the rest are ignored\n"
                        "APIC at 0x7fe1971: more interrupt source overrides than the kernel keeps (16): the rest "
                        "are ignored\n");
}

TEST(Acpi, a_broken_madt_entry_list_rejects_the_table)
{
    struct Case {
        Builder entries;
        const char* problem;
    };
    Case cases[] = {
        {std::move(Builder().bytes(local_apic(0, 0).done()).u8(0).u8(0)),
         "APIC at 0x7fe1971: the entry at this offset is shorter than 2 bytes (value 0x34)"},
        {std::move(Builder().u8(0).u8(40).zeros(6)),
         "APIC at 0x7fe1971: the entry at this offset runs past the table (value 0x2c)"},
        {std::move(Builder().u8(1).u8(8).zeros(6)),
         "APIC at 0x7fe1971: the entry at this offset is too short for its type (value 0x2c)"},
        {std::move(Builder().u8(0)), "APIC at 0x7fe1971: the entry at this offset has no room for its header (value 0x2c)"},
        {std::move(Builder().u8(5).u8(12).u16(0).u64(0xFEE10000).u8(5).u8(12).u16(0).u64(0xFEE20000)),
         "APIC at 0x7fe1971: a second local APIC address override at this offset (value 0x38)"},
    };
    for (const Case& c : cases) {
        const Parsed p = parse_madt(madt_of(c.entries));
        EXPECT_FALSE(p.ok);
        EXPECT_EQ(p.problem, c.problem);
    }
    Bytes zero_address = madt_of(Builder());
    put(zero_address, 36, 0, 4);
    EXPECT_EQ(parse_madt(zero_address).problem, "APIC at 0x7fe1971: local APIC address is 0");
}

TEST(Acpi, fadt_and_hpet_checks)
{
    auto fadt_problem = [](const Bytes& table) {
        auto parsed = acpi::parse_fadt(table, arch::PhysAddr(fadt_at));
        return parsed ? std::string() : text_of(parsed.error());
    };
    EXPECT_EQ(fadt_problem(table("FACP", 1, Bytes(60))),
              "FACP at 0x7fe18fd: FADT is shorter than ACPI 1.0's 116 bytes (value 0x60)");
    EXPECT_EQ(fadt_problem(fadt(0)), "FACP at 0x7fe18fd: FADT gives no DSDT");
    // X_DSDT wins over DSDT when it is not 0.
    Bytes both = fadt(dsdt_at, 244, 5);
    put(both, 140, 0x1234000, 8);
    EXPECT_EQ(acpi::parse_fadt(both, arch::PhysAddr(fadt_at))->dsdt.value(), 0x1234000u);

    auto hpet_problem = [](const Bytes& table) {
        auto parsed = acpi::parse_hpet(table, arch::PhysAddr(hpet_at));
        return parsed ? std::string() : text_of(parsed.error());
    };
    auto hpet = acpi::parse_hpet(hpet_table(), arch::PhysAddr(hpet_at));
    ASSERT_TRUE(hpet.has_value());
    EXPECT_EQ(hpet->address.value(), 0xFED00000u);
    EXPECT_EQ(hpet->minimum_tick, 0x80);
    EXPECT_EQ(hpet->comparators, 3);
    EXPECT_TRUE(hpet->counter_64bit);
    EXPECT_TRUE(hpet->legacy_replacement);
    EXPECT_EQ(hpet->pci_vendor, 0x8086);
    EXPECT_EQ(hpet_problem(hpet_table(0xFED00000, 1)),
              "HPET at 0x7fe19e9: HPET registers are not in system memory (value 0x1)");
    EXPECT_EQ(hpet_problem(hpet_table(0)), "HPET at 0x7fe19e9: HPET base address is 0");
    EXPECT_EQ(hpet_problem(table("HPET", 1, Bytes(4))), "HPET at 0x7fe19e9: HPET table is shorter than 56 bytes (value 0x28)");
}

std::string s5_of(const Bytes& aml)
{
    auto found = acpi::find_s5(aml);
    if (!found)
        return text_of(found.error());
    return std::to_string(found->a) + "/" + std::to_string(found->b);
}

TEST(AcpiS5, the_shapes_firmware_writes)
{
    EXPECT_EQ(s5_of(qemu_s5), "0/0");
    // Name(\_S5, Package(2) {0x07, One}), behind a root prefix.
    EXPECT_EQ(s5_of(Builder().u8(0x08).text("\\_S5_").u8(0x12).u8(0x05).u8(0x02).u8(0x0A).u8(7).u8(0x01).done()), "7/1");
    // Word and DWord constants, a two-byte PkgLength.
    EXPECT_EQ(s5_of(Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x4B).u8(0x00).u8(0x02).u8(0x0B).u16(5).u8(0x0C).u32(6)
                        .zeros(8).done()),
              "5/6");
    // One element: both values packed (old firmware).
    EXPECT_EQ(s5_of(Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x05).u8(0x01).u8(0x0B).u16(0x0305).done()), "5/3");
    // The first occurrence is a reference (a Notify, a method call): the Name after it is found.
    EXPECT_EQ(s5_of(Builder().u8(0x86).text("_S5_").u8(0x00).bytes(qemu_s5).done()), "0/0");
    // A broken one first, then a good one: the good one.
    EXPECT_EQ(s5_of(Builder().u8(0x08).text("_S5_").u8(0x0A).u8(1).bytes(qemu_s5).done()), "0/0");
}

TEST(AcpiS5, hostile_aml_is_refused_with_a_reason)
{
    const std::pair<Bytes, const char*> cases[] = {
        {Bytes(), "no _S5_ in the AML (at AML offset 0x0)"},
        {Builder().text("_S5").done(), "no _S5_ in the AML (at AML offset 0x0)"},
        {Builder().text("_S5_").done(), "_S5_ appears, but not as a Name (a Method, or a reference) (at AML offset 0x0)"},
        {Builder().u8(0x14).text("_S5_").u8(0).done(),
         "_S5_ appears, but not as a Name (a Method, or a reference) (at AML offset 0x1)"},
        {Builder().u8(0x08).text("_S5_").done(), "_S5_ is named, but not as a Package (at AML offset 0x5)"},
        {Builder().u8(0x08).text("_S5_").u8(0x0A).u8(5).done(), "_S5_ is named, but not as a Package (at AML offset 0x5)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).done(), "the _S5_ package's length runs past the AML (at AML offset 0x6)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0xC0).u8(0xFF).done(),
         "the _S5_ package's length runs past the AML (at AML offset 0x6)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0xCF).u8(0xFF).u8(0xFF).u8(0xFF).u8(0x02).done(),
         "the _S5_ package's length does not fit the AML (at AML offset 0x6, value 0xfffffff)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x70).u8(0x00).done(),
         "the _S5_ package's length has reserved bits set (at AML offset 0x6, value 0x70)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x3F).u8(0x02).u8(0).u8(0).done(),
         "the _S5_ package's length does not fit the AML (at AML offset 0x6, value 0x3f)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x01).u8(0x02).done(),
         "the _S5_ package's length does not fit the AML (at AML offset 0x6, value 0x1)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x02).u8(0x00).done(),
         "the _S5_ package is empty (at AML offset 0x5)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x03).u8(0x02).u8(0x00).u8(0x00).done(),
         "the _S5_ package holds fewer elements than it says (at AML offset 0x9, value 0x2)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x04).u8(0x02).u8(0x0C).u8(0).u8(0).u8(0).u8(0).done(),
         "an _S5_ package element runs past its package (at AML offset 0x8, value 0xc)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x05).u8(0x02).u8(0x0A).u8(8).u8(0).done(),
         "an _S5_ value does not fit SLP_TYP's 3 bits (at AML offset 0x5, value 0x8)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x04).u8(0x02).u8(0xFF).u8(0).done(),
         "an _S5_ package element is not an integer constant (opcode as value) (at AML offset 0x8, value 0xff)"},
        {Builder().u8(0x08).text("_S5_").u8(0x12).u8(0x04).u8(0x02).u8(0x70).u8(0).done(),
         "an _S5_ package element is not an integer constant (opcode as value) (at AML offset 0x8, value 0x70)"},
    };
    for (const auto& [aml, expected] : cases)
        EXPECT_EQ(s5_of(aml), expected);
}

TEST(AcpiS5, random_bytes_around_the_name_never_read_out_of_bounds)
{
    host_test::Random random(host_test::test_seed("AcpiS5.random_bytes_around_the_name_never_read_out_of_bounds"));
    size_t found = 0;
    for (int round = 0; round < 50000; ++round) {
        Builder aml;
        if (host_test::uniform(random, 0, 1) == 0)
            aml.u8(0x08);
        aml.text("_S5_");
        const int tail = host_test::uniform(random, 0, 12);
        for (int i = 0; i < tail; ++i) {
            const int kind = host_test::uniform(random, 0, 3);
            aml.u8(kind == 0 ? host_test::uniform(random, 0, 255) : kind == 1 ? 0x12 : host_test::uniform(random, 0, 14));
        }
        const Bytes bytes = aml.done();
        // An exactly-sized heap copy: ASan sees a read one past its end.
        auto copy = std::make_unique<std::byte[]>(bytes.size());
        std::memcpy(copy.get(), bytes.data(), bytes.size());
        auto s5 = acpi::find_s5(std::span<const std::byte>(copy.get(), bytes.size()));
        if (s5) {
            ++found;
            ASSERT_LE(s5->a, 7);
            ASSERT_LE(s5->b, 7);
        }
    }
    EXPECT_GT(found, 0u);
}

TEST(Acpi, random_corruption_of_every_table_is_reported_never_misread)
{
    host_test::Random random(host_test::test_seed("Acpi.random_corruption_of_every_table_is_reported_never_misread"));
    size_t whole = 0, with_problems = 0;
    for (int round = 0; round < 4000; ++round) {
        FakeMemory memory = host_test::uniform(random, 0, 1) ? ovmf(host_test::uniform(random, 1, 4))
                                                             : seabios(host_test::uniform(random, 1, 4));
        const auto pieces = memory.addresses();
        const int flips = host_test::uniform(random, 1, 3);
        for (int i = 0; i < flips; ++i) {
            Bytes& bytes = memory.piece(pieces[host_test::uniform<size_t>(random, 0, pieces.size() - 1)]);
            const size_t at = host_test::uniform<size_t>(random, 0, bytes.size() - 1);
            bytes[at] = static_cast<std::byte>(host_test::uniform(random, 0, 255));
            // Half the time keep the checksum right, so the parsers behind it see the change.
            if (host_test::uniform(random, 0, 1) && bytes.size() >= 36 && at != 9)
                fix_checksum(bytes, 9, bytes.size());
        }
        const Discovered found = discover(memory);
        const std::string summary = text_of(*found.tables);
        ASSERT_FALSE(summary.empty());
        if (found.ok && found.tables->problems.all().empty())
            ++whole;
        else
            ++with_problems;
        if (found.tables->madt) {
            ASSERT_LE(found.tables->madt->processors().size(), MadtInfo::max_processors);
            ASSERT_NE(found.tables->madt->local_apic_address.value(), 0u);
        }
        if (found.tables->s5) {
            ASSERT_LE(found.tables->s5->a, 7);
        }
    }
    EXPECT_GT(whole, 0u);
    EXPECT_GT(with_problems, 0u);
}

} // namespace

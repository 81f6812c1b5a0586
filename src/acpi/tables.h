#pragma once
// What every ACPI table shares (ACPI 6.5, section 5.2): the RSDP that points
// at the root table, the 36-byte header every other table starts with, and
// the rule that a table's bytes add up to 0 (mod 256). Firmware writes these
// tables; the kernel trusts none of them: a table whose signature, length or
// checksum is wrong is reported as a Problem (signature, address, what) and
// skipped.
//
// Plain C++ over byte spans: physical memory is read through a
// PhysicalReader the caller provides (the kernel: mem::physical_bytes; the
// host tests and the fuzzer: fakes), so tests/host and tests/fuzz build it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace acpi {

inline constexpr size_t header_size = 36;
// A table longer than this is taken as corrupt (real DSDTs are tens to a few
// hundred KiB); the bound also caps what one table can make the kernel map.
inline constexpr uint32_t max_table_bytes = 1u << 20;

// A 4-character table signature ("APIC"); prints with '?' for bytes that are
// not printable ASCII.
struct Signature {
    std::array<char, 4> chars{};

    constexpr Signature() = default;
    constexpr Signature(const char (&text)[5]) : chars{text[0], text[1], text[2], text[3]} {}
    static Signature of(std::span<const std::byte> bytes); // the first 4 bytes (at least 4)

    std::string_view view() const { return {chars.data(), chars.size()}; }
    constexpr bool operator==(const Signature&) const = default;
};

void format_value(kstd::Sink& sink, const Signature& signature, const kstd::FormatSpec& spec);

// Something wrong with what the firmware wrote, found while reading it.
struct Problem {
    Signature signature;   // the table ("RSDP" for the RSDP itself)
    arch::PhysAddr address; // where it is (0: a copy the boot loader made)
    std::string_view what; // "checksum does not add up to 0 (mod 256)"
    uint64_t value = 0;    // the offending number, where there is one
    bool has_value = false;
};

// Prints "APIC at 0x...: what (value 0x..)".
void format_value(kstd::Sink& sink, const Problem& problem, const kstd::FormatSpec& spec);

// A problem with the value it is about.
Problem problem(Signature signature, arch::PhysAddr address, std::string_view what);
Problem problem(Signature signature, arch::PhysAddr address, std::string_view what, uint64_t value);

// The problems found while reading the tables, in order; the first 16 are
// kept, the rest counted.
class ProblemLog {
public:
    static constexpr size_t capacity = 16;
    void add(const Problem& problem);
    std::span<const Problem> all() const { return {m_problems.data(), m_count}; }
    size_t dropped() const { return m_dropped; }

private:
    std::array<Problem, capacity> m_problems{};
    size_t m_count = 0;
    size_t m_dropped = 0;
};

// Physical memory as the parser reads it.
class PhysicalReader {
public:
    // Exactly `bytes` bytes from `address` on, or an empty span if any of
    // them cannot be read (or `bytes` is 0).
    virtual std::span<const std::byte> read(arch::PhysAddr address, size_t bytes) const = 0;

protected:
    ~PhysicalReader() = default;
};

// The sum of the bytes, mod 256: 0 for a good table.
uint8_t checksum(std::span<const std::byte> bytes);

// The system description table header (ACPI 6.5, 5.2.6).
struct TableHeader {
    Signature signature;
    uint32_t length = 0;
    uint8_t revision = 0;
    std::array<char, 6> oem_id{};
};

// The header in the first 36 bytes of `bytes` (at least 36).
TableHeader read_header(std::span<const std::byte> bytes);

// Reads and checks the table at `address`: its header readable, a length of
// at least 36 bytes and at most max_table_bytes, the whole table readable,
// the checksum 0, and the signature `expected` when one is given. The span
// is the whole table.
kstd::Expected<std::span<const std::byte>, Problem> read_table(const PhysicalReader& memory, arch::PhysAddr address,
                                                               std::optional<Signature> expected = std::nullopt);

// The Root System Description Pointer (ACPI 6.5, 5.2.5.3).
struct Rsdp {
    uint8_t revision = 0;       // 0: ACPI 1.0 (RSDT only); 2 and up: ACPI 2.0+ (XSDT)
    std::array<char, 6> oem_id{};
    arch::PhysAddr rsdt;        // 32-bit
    arch::PhysAddr xsdt;        // revision >= 2 only, else 0
    uint32_t length = 20;       // revision >= 2: the length field
};

inline constexpr size_t rsdp_v1_size = 20;
inline constexpr size_t rsdp_v2_size = 36;
inline constexpr uint32_t max_rsdp_size = 4096;

// Checks and reads an RSDP: "RSD PTR ", the ACPI 1.0 checksum over the first
// 20 bytes, and for revision 2 and up a length of 36 to 4096 bytes, all of
// them in `bytes`, and the extended checksum over them. `address` is only
// for the report.
kstd::Expected<Rsdp, Problem> parse_rsdp(std::span<const std::byte> bytes, arch::PhysAddr address);

// Reads the RSDP at `address` through `memory` (20 bytes, then as many as
// its length says) and checks it as parse_rsdp does.
kstd::Expected<Rsdp, Problem> read_rsdp(const PhysicalReader& memory, arch::PhysAddr address);

// Looks for the RSDP where a PC BIOS leaves it (ACPI 6.5, 5.2.5.1): on a
// 16-byte boundary in the first KiB of the EBDA (its segment is the 16-bit
// word at 0x40E), then in 0xE0000-0xFFFFF. The first candidate whose
// checksums hold wins. Not for UEFI machines (the boot loader hands those
// over).
std::optional<arch::PhysAddr> scan_bios_area(const PhysicalReader& memory);

} // namespace acpi

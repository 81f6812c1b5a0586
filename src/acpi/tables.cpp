#include "acpi/tables.h"
#include "kstd/unaligned.h"

namespace acpi {

namespace {

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

constexpr Signature rsdp_signature("RSDP");

bool is_rsdp_signature(std::span<const std::byte> bytes)
{
    constexpr char text[] = "RSD PTR ";
    for (size_t i = 0; i < 8; ++i) {
        if (bytes[i] != static_cast<std::byte>(text[i]))
            return false;
    }
    return true;
}

std::array<char, 6> oem_id(std::span<const std::byte> bytes, size_t offset)
{
    std::array<char, 6> id{};
    for (size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<char>(bytes[offset + i]);
    return id;
}

} // namespace

Signature Signature::of(std::span<const std::byte> bytes)
{
    Signature signature;
    for (size_t i = 0; i < 4; ++i)
        signature.chars[i] = static_cast<char>(bytes[i]);
    return signature;
}

void format_value(kstd::Sink& sink, const Signature& signature, const kstd::FormatSpec&)
{
    char text[4];
    for (size_t i = 0; i < 4; ++i) {
        const char c = signature.chars[i];
        text[i] = (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    sink.write(std::string_view(text, 4));
}

void format_value(kstd::Sink& sink, const Problem& problem, const kstd::FormatSpec&)
{
    if (problem.address.value() == 0)
        kstd::format_to(sink, "{} (boot loader's copy): {}", problem.signature, problem.what);
    else
        kstd::format_to(sink, "{} at {:#x}: {}", problem.signature, problem.address.value(), problem.what);
    if (problem.has_value)
        kstd::format_to(sink, " (value {:#x})", problem.value);
}

Problem problem(Signature signature, arch::PhysAddr address, std::string_view what)
{
    return Problem{signature, address, what, 0, false};
}

Problem problem(Signature signature, arch::PhysAddr address, std::string_view what, uint64_t value)
{
    return Problem{signature, address, what, value, true};
}

void ProblemLog::add(const Problem& problem)
{
    if (m_count == capacity) {
        ++m_dropped;
        return;
    }
    m_problems[m_count++] = problem;
}

uint8_t checksum(std::span<const std::byte> bytes)
{
    uint8_t sum = 0;
    for (std::byte b : bytes)
        sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(b));
    return sum;
}

TableHeader read_header(std::span<const std::byte> bytes)
{
    TableHeader header;
    header.signature = Signature::of(bytes);
    header.length = read<uint32_t>(bytes, 4);
    header.revision = read<uint8_t>(bytes, 8);
    header.oem_id = oem_id(bytes, 10);
    return header;
}

kstd::Expected<std::span<const std::byte>, Problem> read_table(const PhysicalReader& memory, arch::PhysAddr address,
                                                               std::optional<Signature> expected)
{
    const Signature named = expected.value_or(Signature("----"));
    if (address.value() == 0)
        return kstd::unexpected(problem(named, address, "table address is 0"));
    if (address.value() + max_table_bytes < address.value())
        return kstd::unexpected(problem(named, address, "table address is too close to the end of the address space"));
    const std::span<const std::byte> head = memory.read(address, header_size);
    if (head.size() != header_size)
        return kstd::unexpected(problem(named, address, "table header is not in readable memory"));
    const TableHeader header = read_header(head);
    if (expected && header.signature != *expected) {
        // The value is the 4 signature bytes found, as a little-endian number.
        return kstd::unexpected(problem(*expected, address, "signature is not the one expected",
                                        read<uint32_t>(head, 0)));
    }
    if (header.length < header_size)
        return kstd::unexpected(problem(header.signature, address, "length is shorter than the 36-byte header",
                                        header.length));
    if (header.length > max_table_bytes)
        return kstd::unexpected(problem(header.signature, address, "length is over the 1 MiB the kernel accepts",
                                        header.length));
    const std::span<const std::byte> table = memory.read(address, header.length);
    if (table.size() != header.length)
        return kstd::unexpected(problem(header.signature, address, "table runs into memory that cannot be read",
                                        header.length));
    if (const uint8_t sum = checksum(table); sum != 0)
        return kstd::unexpected(problem(header.signature, address, "checksum does not add up to 0", sum));
    return table;
}

kstd::Expected<Rsdp, Problem> parse_rsdp(std::span<const std::byte> bytes, arch::PhysAddr address)
{
    if (bytes.size() < rsdp_v1_size)
        return kstd::unexpected(problem(rsdp_signature, address, "RSDP is shorter than 20 bytes", bytes.size()));
    if (!is_rsdp_signature(bytes))
        return kstd::unexpected(problem(rsdp_signature, address, "signature is not \"RSD PTR \""));
    if (const uint8_t sum = checksum(bytes.first(rsdp_v1_size)); sum != 0)
        return kstd::unexpected(
            problem(rsdp_signature, address, "checksum of the first 20 bytes is not 0", sum));
    Rsdp rsdp;
    rsdp.oem_id = oem_id(bytes, 9);
    rsdp.revision = read<uint8_t>(bytes, 15);
    rsdp.rsdt = arch::PhysAddr(read<uint32_t>(bytes, 16));
    if (rsdp.revision < 2)
        return rsdp; // ACPI 1.0 (revision 0; 1 was never used)
    if (bytes.size() < rsdp_v2_size)
        return kstd::unexpected(
            problem(rsdp_signature, address, "revision 2 RSDP is shorter than 36 bytes", bytes.size()));
    rsdp.length = read<uint32_t>(bytes, 20);
    if (rsdp.length < rsdp_v2_size || rsdp.length > max_rsdp_size)
        return kstd::unexpected(problem(rsdp_signature, address, "RSDP length is not 36 to 4096 bytes", rsdp.length));
    if (rsdp.length > bytes.size())
        return kstd::unexpected(
            problem(rsdp_signature, address, "RSDP length is longer than the bytes there are", rsdp.length));
    if (const uint8_t sum = checksum(bytes.first(rsdp.length)); sum != 0)
        return kstd::unexpected(problem(rsdp_signature, address, "extended checksum is not 0", sum));
    rsdp.xsdt = arch::PhysAddr(read<uint64_t>(bytes, 24));
    return rsdp;
}

kstd::Expected<Rsdp, Problem> read_rsdp(const PhysicalReader& memory, arch::PhysAddr address)
{
    std::span<const std::byte> bytes = memory.read(address, rsdp_v1_size);
    if (bytes.empty())
        return kstd::unexpected(problem(rsdp_signature, address, "RSDP is not in readable memory"));
    // The revision and length are read before they are checked: a bad one
    // only decides how many bytes parse_rsdp gets to refuse.
    if (read<uint8_t>(bytes, 15) >= 2) {
        std::span<const std::byte> v2 = memory.read(address, rsdp_v2_size);
        if (!v2.empty()) {
            bytes = v2;
            const uint32_t length = read<uint32_t>(v2, 20);
            if (length > rsdp_v2_size && length <= max_rsdp_size) {
                if (auto whole = memory.read(address, length); !whole.empty())
                    bytes = whole;
            }
        }
    }
    return parse_rsdp(bytes, address);
}

std::optional<arch::PhysAddr> scan_bios_area(const PhysicalReader& memory)
{
    // Page by page: a page that cannot be read is skipped, not the area.
    auto scan = [&](uint64_t start, size_t bytes) -> std::optional<arch::PhysAddr> {
        constexpr size_t page = 4096;
        for (uint64_t chunk = start; chunk < start + bytes; chunk += page) {
            const size_t size = start + bytes - chunk < page ? start + bytes - chunk : page;
            const std::span<const std::byte> area = memory.read(arch::PhysAddr(chunk), size);
            for (size_t at = 0; at + rsdp_v1_size <= area.size(); at += 16) {
                const arch::PhysAddr candidate(chunk + at);
                if (is_rsdp_signature(area.subspan(at)) && read_rsdp(memory, candidate))
                    return candidate;
            }
        }
        return std::nullopt;
    };
    // The EBDA's segment, in the BIOS data area (0 or nonsense when there is none).
    if (auto word = memory.read(arch::PhysAddr(0x40E), 2); !word.empty()) {
        const uint64_t ebda = uint64_t{read<uint16_t>(word, 0)} << 4;
        if (ebda >= 0x80000 && ebda < 0xA0000) {
            if (auto found = scan(ebda, 1024))
                return found;
        }
    }
    return scan(0xE0000, 0x20000);
}

} // namespace acpi

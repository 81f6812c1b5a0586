#include "acpi/hpet.h"
#include "kstd/unaligned.h"

namespace acpi {

namespace {

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

constexpr Signature hpet_signature("HPET");
constexpr size_t hpet_table_size = 56;

} // namespace

kstd::Expected<HpetInfo, Problem> parse_hpet(std::span<const std::byte> table, arch::PhysAddr address)
{
    if (table.size() < hpet_table_size)
        return kstd::unexpected(problem(hpet_signature, address, "HPET table is shorter than 56 bytes", table.size()));
    // Event Timer Block ID (offset 36): the general capabilities register's low half.
    const uint32_t block_id = read<uint32_t>(table, 36);
    const uint8_t space = read<uint8_t>(table, 40); // the base address's Generic Address Structure
    const uint64_t base = read<uint64_t>(table, 44);
    if (space != 0)
        return kstd::unexpected(problem(hpet_signature, address, "HPET registers are not in system memory", space));
    if (base == 0)
        return kstd::unexpected(problem(hpet_signature, address, "HPET base address is 0"));
    if (base % 8 != 0 || base + 1024 < base)
        return kstd::unexpected(problem(hpet_signature, address, "HPET base address is misaligned or wraps", base));
    HpetInfo info;
    info.address = arch::PhysAddr(base);
    info.hpet_number = read<uint8_t>(table, 52);
    info.minimum_tick = read<uint16_t>(table, 53);
    info.comparators = static_cast<uint8_t>(((block_id >> 8) & 0x1F) + 1);
    info.counter_64bit = (block_id & (1u << 13)) != 0;
    info.legacy_replacement = (block_id & (1u << 15)) != 0;
    info.pci_vendor = static_cast<uint16_t>(block_id >> 16);
    return info;
}

} // namespace acpi

#include "drivers/partition.h"

namespace drivers {

namespace mbr {

namespace {

uint32_t le32(std::span<const std::byte> bytes, size_t at)
{
    return static_cast<uint32_t>(bytes[at]) | static_cast<uint32_t>(bytes[at + 1]) << 8
           | static_cast<uint32_t>(bytes[at + 2]) << 16 | static_cast<uint32_t>(bytes[at + 3]) << 24;
}

kstd::Unexpected<Error> fail(Problem problem, uint8_t entry = 0, uint64_t value = 0)
{
    return kstd::unexpected(Error{problem, entry, value});
}

} // namespace

std::string_view to_string(Problem problem)
{
    switch (problem) {
    case Problem::WrongSize: return "the sector is not 512 bytes";
    case Problem::NoSignature: return "no 0x55 0xAA signature: not an MBR";
    case Problem::BadStatus: return "a status other than 0x00 or 0x80: not a partition table";
    case Problem::StartsAtZero: return "starts at sector 0, the MBR itself";
    case Problem::Empty: return "a partition of no sectors";
    case Problem::PastEnd: return "ends past the end of the disk";
    case Problem::Overlap: return "overlaps another entry";
    case Problem::Unreadable: return "sector 0 cannot be read";
    case Problem::NotSectorSized: return "the disk's blocks are not 512 bytes";
    }
    return "unknown MBR problem";
}

void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec&)
{
    sink.write("MBR: ");
    if (error.entry != 0)
        kstd::format_to(sink, "entry {}: ", error.entry);
    sink.write(to_string(error.problem));
    switch (error.problem) {
    case Problem::BadStatus: kstd::format_to(sink, " ({:#04x})", error.value); break;
    case Problem::PastEnd: kstd::format_to(sink, " ({} sectors)", error.value); break;
    case Problem::Overlap: kstd::format_to(sink, " (entry {})", error.value); break;
    case Problem::Unreadable: kstd::format_to(sink, " ({})", static_cast<BlockError>(error.value)); break;
    default: break;
    }
}

kstd::Expected<Table, Error> parse(std::span<const std::byte> sector, uint64_t disk_sectors)
{
    if (sector.size() != sector_size)
        return fail(Problem::WrongSize, 0, sector.size());
    if (sector[510] != std::byte{0x55} || sector[511] != std::byte{0xAA})
        return fail(Problem::NoSignature);
    Table table;
    for (uint8_t slot = 0; slot < entry_count; ++slot) {
        const size_t at = table_offset + slot * entry_size;
        Entry entry;
        entry.number = static_cast<uint8_t>(slot + 1);
        entry.type = static_cast<uint8_t>(sector[at + 4]);
        const auto status = static_cast<uint8_t>(sector[at]);
        entry.bootable = status == 0x80;
        entry.first = le32(sector, at + 8);
        entry.count = le32(sector, at + 12);
        if (entry.type == type_empty)
            continue; // unused, whatever else the slot holds
        if (entry.type == type_protective_gpt) {
            // A GPT disk: its protective entry covers the disk (or 2^32 - 1 sectors); nothing else is checked.
            Table gpt;
            gpt.kind = Kind::Gpt;
            gpt.entries[0] = entry;
            gpt.count = 1;
            return gpt;
        }
        if (status != 0x00 && status != 0x80)
            return fail(Problem::BadStatus, entry.number, status);
        table.entries[table.count++] = entry;
    }
    // Checked after the walk, so a protective entry in any slot wins over a bad one elsewhere.
    for (size_t i = 0; i < table.count; ++i) {
        const Entry& entry = table.entries[i];
        if (entry.first == 0)
            return fail(Problem::StartsAtZero, entry.number);
        if (entry.count == 0)
            return fail(Problem::Empty, entry.number);
        // Both are below 2^32: the sum cannot overflow.
        if (entry.first + entry.count > disk_sectors)
            return fail(Problem::PastEnd, entry.number, disk_sectors);
        for (size_t j = 0; j < i; ++j) {
            const Entry& other = table.entries[j];
            if (entry.first < other.first + other.count && other.first < entry.first + entry.count)
                return fail(Problem::Overlap, entry.number, other.number);
        }
    }
    return table;
}

std::string_view type_name(uint8_t type)
{
    switch (type) {
    case 0x01: return "FAT12";
    case 0x04: return "FAT16 (< 32 MiB)";
    case 0x05: return "extended";
    case 0x06: return "FAT16";
    case 0x07: return "NTFS/exFAT";
    case 0x0B: return "FAT32";
    case 0x0C: return "FAT32 (LBA)";
    case 0x0E: return "FAT16 (LBA)";
    case 0x0F: return "extended (LBA)";
    case 0x82: return "Linux swap";
    case 0x83: return "Linux";
    case 0x85: return "Linux extended";
    case 0xEE: return "GPT protective";
    case 0xEF: return "EFI system";
    default: return "unknown";
    }
}

} // namespace mbr

void Partition::assign(BlockDevice& disk, uint64_t first, uint64_t count, uint8_t number)
{
    m_disk = &disk;
    m_first = first;
    m_count = count;
    m_name_length = kstd::format_into(std::span<char>(m_name, sizeof m_name), "{}p{}", disk.name(), number).text.size();
}

kstd::Expected<void, BlockError> Partition::read(uint64_t first, uint32_t count, std::span<std::byte> into)
{
    if (m_disk == nullptr)
        return kstd::unexpected(BlockError::NoDevice);
    TRY(check_range(first, count, into.size()));
    return m_disk->read(m_first + first, count, into); // first + count <= m_count: no overflow, on the disk
}

kstd::Expected<void, BlockError> Partition::write(uint64_t first, uint32_t count, std::span<const std::byte> from)
{
    if (m_disk == nullptr)
        return kstd::unexpected(BlockError::NoDevice);
    TRY(check_range(first, count, from.size()));
    return m_disk->write(m_first + first, count, from);
}

kstd::Expected<void, BlockError> Partition::flush()
{
    if (m_disk == nullptr)
        return kstd::unexpected(BlockError::NoDevice);
    return m_disk->flush();
}

namespace {
Partition g_partition_storage[max_partitions];
Partition* g_partitions[max_partitions];
size_t g_partition_count = 0; // filled at boot, before other threads look
} // namespace

kstd::Expected<mbr::Table, mbr::Error> scan_partitions(BlockDevice& disk)
{
    if (disk.block_size() != mbr::sector_size)
        return kstd::unexpected(mbr::Error{mbr::Problem::NotSectorSized, 0, disk.block_size()});
    std::byte sector[mbr::sector_size];
    if (auto read = disk.read(0, 1, sector); !read)
        return kstd::unexpected(mbr::Error{mbr::Problem::Unreadable, 0, static_cast<uint64_t>(read.error())});
    const mbr::Table table = TRY(mbr::parse(sector, disk.block_count()));
    if (table.kind != mbr::Kind::Mbr)
        return table;
    for (const mbr::Entry& entry : table.used()) {
        if (entry.is_extended() || g_partition_count == max_partitions)
            continue;
        Partition& partition = g_partition_storage[g_partition_count];
        partition.assign(disk, entry.first, entry.count, entry.number);
        g_partitions[g_partition_count++] = &partition;
        register_block_device(partition);
    }
    return table;
}

std::span<Partition* const> partitions()
{
    return {g_partitions, g_partition_count};
}

} // namespace drivers

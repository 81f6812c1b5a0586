#include "fs/fat/boot_sector.h"

namespace fs::fat {

namespace {

uint32_t u8_at(std::span<const std::byte, 512> s, size_t at)
{
    return static_cast<uint32_t>(s[at]);
}
uint32_t u16_at(std::span<const std::byte, 512> s, size_t at)
{
    return u8_at(s, at) | u8_at(s, at + 1) << 8;
}
uint32_t u32_at(std::span<const std::byte, 512> s, size_t at)
{
    return u16_at(s, at) | u16_at(s, at + 2) << 16;
}

kstd::Unexpected<Error> fail(Problem problem, uint64_t value = 0, uint64_t limit = 0)
{
    Error error{problem};
    error.value = value;
    error.limit = limit;
    return kstd::unexpected(error);
}

bool power_of_two(uint32_t value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

} // namespace

std::string_view to_string(FatType type)
{
    switch (type) {
    case FatType::Fat12: return "FAT12";
    case FatType::Fat16: return "FAT16";
    case FatType::Fat32: return "FAT32";
    }
    return "FAT?";
}

kstd::Expected<Layout, Error> parse_boot_sector(std::span<const std::byte, 512> s)
{
    // fatgen103 3.1: BS_jmpBoot is EB ?? 90 or E9 ?? ??.
    const uint32_t jump = u8_at(s, 0);
    if (!(jump == 0xEB && u8_at(s, 2) == 0x90) && jump != 0xE9)
        return fail(Problem::BadJump, jump);
    if (u8_at(s, 510) != 0x55 || u8_at(s, 511) != 0xAA)
        return fail(Problem::BadSignature, u16_at(s, 510));

    Layout layout{};
    layout.bytes_per_sector = u16_at(s, 11);
    if (layout.bytes_per_sector < 512 || layout.bytes_per_sector > 4096 || !power_of_two(layout.bytes_per_sector))
        return fail(Problem::BadBytesPerSector, layout.bytes_per_sector);
    layout.sectors_per_cluster = u8_at(s, 13);
    if (!power_of_two(layout.sectors_per_cluster)
        || layout.sectors_per_cluster * layout.bytes_per_sector > 32 * 1024)
        return fail(Problem::BadSectorsPerCluster, layout.sectors_per_cluster);
    layout.reserved_sectors = u16_at(s, 14);
    if (layout.reserved_sectors == 0)
        return fail(Problem::BadReservedSectors);
    layout.fat_count = u8_at(s, 16);
    if (layout.fat_count < 1 || layout.fat_count > 2)
        return fail(Problem::BadFatCount, layout.fat_count);
    layout.root_entries = u16_at(s, 17);
    const uint32_t total16 = u16_at(s, 19);
    const uint32_t fat_size16 = u16_at(s, 22);
    const uint32_t total32 = u32_at(s, 32);
    layout.total_sectors = total16 != 0 ? total16 : total32;
    layout.fat_sectors = fat_size16 != 0 ? fat_size16 : u32_at(s, 36);
    if (layout.fat_sectors == 0)
        return fail(Problem::BadFatSize, 0, 1);
    // fatgen103 3.5: RootDirSectors, rounded up to whole sectors.
    layout.root_sectors = (layout.root_entries * 32 + layout.bytes_per_sector - 1) / layout.bytes_per_sector;
    const uint64_t before_data = layout.data_start();
    if (layout.total_sectors <= before_data)
        return fail(Problem::BadTotalSectors, layout.total_sectors, before_data + 1);
    const uint64_t clusters = (layout.total_sectors - before_data) / layout.sectors_per_cluster;
    if (clusters == 0)
        return fail(Problem::BadTotalSectors, layout.total_sectors, before_data + layout.sectors_per_cluster);
    // FAT32 holds 28-bit cluster numbers; 0x0FFFFFF7 and up are bad and end marks.
    if (clusters > 0x0FFFFFF5)
        return fail(Problem::BadFatType, clusters);
    layout.cluster_count = static_cast<uint32_t>(clusters);
    layout.type = clusters <= fat12_max_clusters ? FatType::Fat12
                  : clusters <= fat16_max_clusters ? FatType::Fat16
                                                   : FatType::Fat32;

    layout.mirrored = true;
    if (layout.type == FatType::Fat32) {
        if (fat_size16 != 0)
            return fail(Problem::BadFatType, clusters);
        if (layout.root_entries != 0)
            return fail(Problem::BadRootEntries, layout.root_entries);
        layout.root_cluster = u32_at(s, 44);
        if (layout.root_cluster < 2 || layout.root_cluster > layout.max_cluster())
            return fail(Problem::BadRootCluster, layout.root_cluster);
        const uint32_t fsinfo = u16_at(s, 48);
        layout.fsinfo_sector = fsinfo != 0 && fsinfo != 0xFFFF && fsinfo < layout.reserved_sectors ? fsinfo : 0;
        // BPB_ExtFlags: bit 7 set means only FAT number (bits 0-3) is active.
        const uint32_t flags = u16_at(s, 40);
        if (flags & 0x80) {
            layout.mirrored = false;
            layout.active_fat = flags & 0x0F;
            if (layout.active_fat >= layout.fat_count)
                return fail(Problem::BadFatCount, layout.active_fat);
        }
    } else {
        if (layout.root_entries == 0)
            return fail(Problem::BadRootEntries, 0);
        if (fat_size16 == 0)
            return fail(Problem::BadFatType, clusters);
    }
    // Every cluster, and the two reserved entries, must have a FAT entry.
    const uint64_t bits = layout.type == FatType::Fat12 ? 12 : layout.type == FatType::Fat16 ? 16 : 32;
    const uint64_t needed = ((uint64_t{layout.cluster_count} + 2) * bits + 8 * layout.bytes_per_sector - 1)
                            / (8 * layout.bytes_per_sector);
    if (layout.fat_sectors < needed)
        return fail(Problem::BadFatSize, layout.fat_sectors, needed);
    return layout;
}

} // namespace fs::fat

#pragma once
// The FAT boot sector: the BIOS Parameter Block (BPB) parsed, checked, and
// the layout it implies. The rules are Microsoft's "FAT: General Overview of
// On-Disk Format" (fatgen103, 2000), section 3: field offsets, the root
// directory's sector count, and the FAT type decided by the count of data
// clusters alone (< 4085 FAT12, < 65525 FAT16, else FAT32), never by the
// type string.
//
//   sector 0           reserved sectors      FAT 1 .. FAT n     root dir (12/16)   data: cluster 2, 3, ...
//   [boot sector, BPB][FSInfo (32), ...   ][fat_sectors each ][root_sectors      ][sectors_per_cluster each]

#include <cstddef>
#include <cstdint>
#include <span>
#include "fs/fat/fat_error.h"
#include "kstd/expected.h"

namespace fs::fat {

enum class FatType : uint8_t { Fat12, Fat16, Fat32 };
std::string_view to_string(FatType type);

inline constexpr uint32_t fat12_max_clusters = 4084; // fatgen103: fewer than 4085
inline constexpr uint32_t fat16_max_clusters = 65524;

struct Layout {
    FatType type;
    uint32_t bytes_per_sector;
    uint32_t sectors_per_cluster;
    uint32_t reserved_sectors;
    uint32_t fat_count;
    uint32_t fat_sectors;        // one copy's size
    uint32_t root_entries;       // FAT12/16's fixed root directory; 0 on FAT32
    uint32_t root_sectors;
    uint64_t total_sectors;
    uint32_t cluster_count;      // data clusters: numbered 2 .. cluster_count + 1
    uint32_t root_cluster;       // FAT32's root directory; 0 on FAT12/16
    uint32_t fsinfo_sector;      // FAT32's FSInfo, 0 if none
    uint32_t active_fat;         // FAT32 with mirroring off: the one FAT in use
    bool mirrored;               // writes go to every FAT copy

    uint64_t fat_start() const { return reserved_sectors; }
    uint64_t root_start() const { return reserved_sectors + uint64_t{fat_count} * fat_sectors; }
    uint64_t data_start() const { return root_start() + root_sectors; }
    uint32_t cluster_bytes() const { return bytes_per_sector * sectors_per_cluster; }
    uint32_t max_cluster() const { return cluster_count + 1; }
    uint64_t cluster_sector(uint32_t cluster) const
    {
        return data_start() + uint64_t{cluster - 2} * sectors_per_cluster;
    }
};

// Checks the first 512 bytes of a volume (the BPB) and returns its layout.
// Does not know the device: whether the volume fits is the caller's check.
[[nodiscard]] kstd::Expected<Layout, Error> parse_boot_sector(std::span<const std::byte, 512> sector);

} // namespace fs::fat

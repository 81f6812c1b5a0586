#pragma once
// What can go wrong on a FAT volume, as a value: the problem, the path it
// concerns (when one is known) and the numbers that make it concrete.
//
//   FAT: cluster chain of "/a/b.txt" loops at cluster 123
//   FAT: boot sector: bytes per sector 384 (512, 1024, 2048 or 4096)
//   FAT: the device has 2000 blocks, the boot sector's volume needs 2880 (truncated image)

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "drivers/block_device.h"
#include "kstd/format.h"

namespace fs::fat {

enum class Problem : uint8_t {
    // The boot sector (BPB) and the layout it describes.
    DeviceBlockSize,     // the device's blocks are not 512 bytes
    BadJump,             // the first bytes are not a jump (EB xx 90 or E9 xx xx)
    BadBytesPerSector,   // not 512, 1024, 2048 or 4096
    BadSectorsPerCluster,// not a power of two, or a cluster over 32 KiB
    BadReservedSectors,  // 0
    BadFatCount,         // not 1 or 2
    BadRootEntries,      // FAT12/16 with no root entries, FAT32 with some
    BadTotalSectors,     // 0, or too few for the FATs and the root directory
    BadFatSize,          // 0, or too small for the clusters
    BadSignature,        // no 0x55 0xAA at offset 510
    BadRootCluster,      // FAT32's root directory cluster is out of range
    BadFatType,          // the cluster count's FAT type disagrees with the BPB's shape
    Truncated,           // the device is smaller than the volume
    FatCopiesDiffer,     // the FAT copies are not equal
    // Structures met while walking.
    ClusterOutOfRange,   // a cluster number past the last cluster (or 1)
    ChainLoops,          // a cluster chain longer than the volume has clusters
    ChainBroken,         // a free, reserved or bad cluster inside a chain
    SizeBeyondChain,     // a file's size reaches past the end of its chain
    BadDirectory,        // a directory entry that cannot be (a directory of cluster 0, ...)
    // Requests.
    NotFound,
    NotADirectory,
    IsADirectory,
    AlreadyExists,
    NotEmpty,
    NoSpace,             // no free cluster
    RootFull,            // FAT12/16's fixed root directory has no free entries
    InvalidName,         // empty, too long, a character FAT does not take, "." or ".."
    FileTooLarge,        // past 4 GiB - 1, FAT's limit
    InvalidRename,       // a directory into itself or below itself
    OutOfMemory,
    Device,              // the block device failed (see `block`)
};
std::string_view to_string(Problem problem);

struct Error {
    static constexpr size_t max_path = 160;

    Problem problem;
    uint64_t value = 0;     // the number at fault: a cluster, a size, a field's value
    uint64_t limit = 0;     // what it should have been within, where that helps
    drivers::BlockError block = drivers::BlockError::DeviceError; // Problem::Device
    char path[max_path] = {};
    uint8_t path_length = 0;

    std::string_view path_view() const { return {path, path_length}; }
    // Records the path (cut at max_path bytes) unless one is set already.
    void set_path(std::string_view text);
};
void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec& spec);

} // namespace fs::fat

#pragma once
// A block device: a disk (ATA on the IDE ports, virtio-blk), a partition of
// one, or the buffer cache in front of either. Everything above (MBR
// partitions, the buffer cache, FAT) reads and writes through this one
// interface, so each piece is tested on the host against a disk in memory
// and run in the kernel against a real one.
//
//   drivers::BlockDevice& disk = *drivers::block_devices()[0];
//   std::byte sector[512];
//   TRY(disk.read(0, 1, sector));          // the MBR
//
// Blocks are numbered from 0; a transfer of `count` blocks moves
// count * block_size() bytes, and the buffer must be exactly that large.
// A device's errors come back as values, never as a hang or a panic.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers {

enum class BlockError : uint8_t {
    OutOfRange,  // a block past the end, a count of 0, or a buffer of the wrong size
    DeviceError, // the device reported an error for the transfer (a bad sector, an aborted command)
    Timeout,     // the device did not answer in time
    NoDevice,    // nothing there any more (or never was)
    ReadOnly,    // a write to a device that takes none
};
std::string_view to_string(BlockError error);

class BlockDevice {
public:
    virtual ~BlockDevice() = default;

    virtual std::string_view name() const = 0;   // "ata0", "virtio0", "ata0p1", ...
    virtual uint32_t block_size() const = 0;     // bytes; 512 for every disk so far
    virtual uint64_t block_count() const = 0;

    [[nodiscard]] virtual kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count,
                                                                std::span<std::byte> into) = 0;
    [[nodiscard]] virtual kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count,
                                                                 std::span<const std::byte> from) = 0;
    // Everything written so far is on the medium (a device's write cache flushed).
    [[nodiscard]] virtual kstd::Expected<void, BlockError> flush() { return {}; }

protected:
    // The checks every implementation starts with: OutOfRange unless
    // [first, first + count) lies on the device and `bytes` is its size.
    [[nodiscard]] kstd::Expected<void, BlockError> check_range(uint64_t first, uint32_t count, size_t bytes) const;
};

// The disks found at boot, in the order found (IDE first, then virtio):
// /disk0, /disk1, ... once the VFS mounts them. At most 8.
void register_block_device(BlockDevice& device);
std::span<BlockDevice* const> block_devices();

} // namespace drivers

#pragma once
// The test disks' pattern (written at build time by tests/CMakeLists.txt's
// image commands): sector `lba` starts with "LBA 00000000042\n", and byte
// i >= 16 of it is (7 * lba + i) & 0xFF. The ATA and virtio-blk integration
// kernels check what their drivers read against it.

#include <cstddef>
#include <cstdint>
#include "kstd/format.h"

namespace disk_pattern {

// The pattern's byte `offset` of sector `lba`.
inline std::byte expected_byte(uint64_t lba, size_t offset)
{
    if (offset < 16) {
        kstd::StringBuffer<24> head;
        kstd::format_to(head, "LBA {:011}\n", lba);
        return static_cast<std::byte>(head.view()[offset]);
    }
    return static_cast<std::byte>((7 * lba + offset) & 0xFF);
}

// The first offset in `sector` that differs from the pattern of `lba` (up to
// `end`), or -1.
inline long first_mismatch(const std::byte* sector, uint64_t lba, size_t end = 512)
{
    for (size_t i = 0; i < end; ++i) {
        if (sector[i] != expected_byte(lba, i))
            return static_cast<long>(i);
    }
    return -1;
}

} // namespace disk_pattern

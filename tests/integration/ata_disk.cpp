// The ATA PIO driver (src/drivers/ata.cpp) and MBR partitions
// (src/drivers/partition.cpp) on real (emulated) IDE disks. tests/CMakeLists.txt
// makes the images and gives QEMU:
//   ata0, primary master: 4 MiB; every sector starts with "LBA nnnnnnnnnnn\n"
//         (its own number), then bytes (7 * LBA + offset) mod 256; sector 0
//         also holds an MBR: partition 1 Linux (0x83) at 2048, 4096 sectors;
//         partition 2 extended (0x05) at 6144, 2048 sectors;
//   ata1, primary slave: 200 GiB, sparse, the pattern in sectors 0,
//         2^28 - 1, 2^28, 2^28 + 5 and the last; no MBR;
//   an empty ATAPI CD-ROM at secondary master, which probe() must skip;
//   ata2, secondary slave: ata0's image through QEMU's blkdebug driver,
//         which fails every read of sector 3000 (EIO).
// QEMU runs with -snapshot: writes never reach the image files. Cases write
// only to sectors no other case reads.

#include <cstddef>
#include <cstdint>
#include "drivers/ata.h"
#include "drivers/block_device.h"
#include "drivers/partition.h"
#include "drivers/pci.h"
#include "core/print.h"
#include "kstd/format.h"
#include "ktest/binary.h"
#include "tests/disk_pattern.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Everything);

using namespace drivers;

namespace {

constexpr uint64_t small_sectors = 8192;
constexpr uint64_t big_sectors = 200ull << 21;
constexpr uint64_t lba28_limit = 1ull << 28;

std::byte g_buffer[64 * 512]; // big transfers do not belong on a case's stack
std::byte g_other[64 * 512];

using disk_pattern::expected_byte;
using disk_pattern::first_mismatch;

ata::Disk* disk(size_t index)
{
    return index < ata::disks().size() ? ata::disks()[index] : nullptr;
}

} // namespace

KTEST(ata_disk, the_disks_are_found_and_the_cdrom_is_skipped)
{
    ASSERT_EQ(ata::disks().size(), 3u, "three IDE disks; the ATAPI CD-ROM is not a disk");
    ata::Disk& small = *disk(0);
    ata::Disk& big = *disk(1);
    EXPECT_STREQ(small.name(), "ata0");
    EXPECT_STREQ(big.name(), "ata1");
    EXPECT_EQ(small.block_count(), small_sectors);
    EXPECT_EQ(small.block_size(), 512u);
    EXPECT_EQ(big.block_count(), big_sectors);
    EXPECT_TRUE(big.supports_lba48());
    EXPECT_TRUE(small.is_primary());
    EXPECT_FALSE(small.is_slave());
    EXPECT_TRUE(big.is_slave());
    EXPECT_STREQ(small.model(), "QEMU HARDDISK");
    EXPECT_STREQ(disk(2)->name(), "ata2", "the secondary slave, after the CD-ROM");
    EXPECT_FALSE(disk(2)->is_primary());
    EXPECT_TRUE(disk(2)->is_slave());
}

KTEST(ata_disk, the_disks_and_the_partition_are_registered_block_devices)
{
    const auto devices = block_devices();
    ASSERT_EQ(devices.size(), 5u);
    EXPECT_STREQ(devices[0]->name(), "ata0");
    EXPECT_STREQ(devices[1]->name(), "ata1");
    EXPECT_STREQ(devices[2]->name(), "ata2");
    EXPECT_STREQ(devices[3]->name(), "ata0p1", "the extended partition gets no device");
    EXPECT_STREQ(devices[4]->name(), "ata2p1");
}

KTEST(ata_disk, sectors_0_1_and_the_last_read_back_their_pattern)
{
    ata::Disk& small = *disk(0);
    for (uint64_t lba : {uint64_t{1}, small_sectors - 1, uint64_t{4097}}) {
        ASSERT_OK(small.read(lba, 1, std::span(g_buffer, 512)));
        EXPECT_EQ(first_mismatch(g_buffer, lba), -1, "sector {}", lba);
    }
    // Sector 0: the pattern in the boot code's place, the table, the signature.
    ASSERT_OK(small.read(0, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 0, 0x1BE), -1);
    EXPECT_EQ(g_buffer[510], std::byte{0x55});
    EXPECT_EQ(g_buffer[511], std::byte{0xAA});
}

KTEST(ata_disk, a_multi_sector_read_spans_several_commands)
{
    ata::Disk& small = *disk(0);
    constexpr uint32_t count = 64; // two commands of max_sectors_per_command
    static_assert(count > ata::max_sectors_per_command);
    ASSERT_OK(small.read(100, count, std::span(g_buffer, count * 512)));
    for (uint32_t i = 0; i < count; ++i)
        EXPECT_EQ(first_mismatch(g_buffer + i * 512, 100 + i), -1, "sector {}", 100 + i);
}

KTEST(ata_disk, a_write_reads_back_and_flushes)
{
    ata::Disk& small = *disk(0);
    constexpr uint64_t first = 7000; // inside the extended partition, which nothing reads
    constexpr uint32_t count = 35;
    for (size_t i = 0; i < count * 512; ++i)
        g_other[i] = static_cast<std::byte>((i * 13 + 5) ^ (i >> 9));
    ASSERT_OK(small.write(first, count, std::span<const std::byte>(g_other, count * 512)));
    ASSERT_OK(small.flush());
    __builtin_memset(g_buffer, 0, sizeof g_buffer);
    ASSERT_OK(small.read(first, count, std::span(g_buffer, count * 512)));
    EXPECT_MEMEQ(g_buffer, g_other, count * 512);
    // The neighbours are untouched.
    ASSERT_OK(small.read(first - 1, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, first - 1), -1);
    ASSERT_OK(small.read(first + count, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, first + count), -1);
}

KTEST(ata_disk, reads_and_writes_outside_the_disk_are_out_of_range)
{
    ata::Disk& small = *disk(0);
    const std::span<std::byte> one(g_buffer, 512);
    EXPECT_ERROR(small.read(small_sectors, 1, one), BlockError::OutOfRange);
    EXPECT_ERROR(small.read(small_sectors - 1, 2, std::span(g_buffer, 1024)), BlockError::OutOfRange);
    EXPECT_ERROR(small.read(0, 0, std::span(g_buffer, 0)), BlockError::OutOfRange);
    EXPECT_ERROR(small.read(0, 1, std::span(g_buffer, 511)), BlockError::OutOfRange, "a buffer of the wrong size");
    EXPECT_ERROR(small.read(~uint64_t{0}, 2, std::span(g_buffer, 1024)), BlockError::OutOfRange, "wraps around");
    EXPECT_ERROR(small.write(small_sectors, 1, std::span<const std::byte>(g_buffer, 512)), BlockError::OutOfRange);
}

KTEST(ata_disk, sectors_above_2_to_the_28_are_reached_with_lba48)
{
    ata::Disk& big = *disk(1);
    for (uint64_t lba : {uint64_t{0}, lba28_limit - 1, lba28_limit, lba28_limit + 5, big_sectors - 1}) {
        ASSERT_OK(big.read(lba, 1, std::span(g_buffer, 512)));
        EXPECT_EQ(first_mismatch(g_buffer, lba), -1, "sector {:#x}", lba);
    }
    // One read across the boundary (the LBA48 command from 2^28 - 1).
    ASSERT_OK(big.read(lba28_limit - 1, 2, std::span(g_buffer, 1024)));
    EXPECT_EQ(first_mismatch(g_buffer, lba28_limit - 1), -1);
    EXPECT_EQ(first_mismatch(g_buffer + 512, lba28_limit), -1);
    // Written above 2^28, read back; the sparse sector beside it is still zeros.
    for (size_t i = 0; i < 1024; ++i)
        g_other[i] = static_cast<std::byte>(i * 31 + 1);
    ASSERT_OK(big.write(lba28_limit + 100, 2, std::span<const std::byte>(g_other, 1024)));
    ASSERT_OK(big.read(lba28_limit + 99, 4, std::span(g_buffer, 2048)));
    EXPECT_MEMEQ(g_buffer + 512, g_other, 1024);
    for (size_t i = 0; i < 512; ++i)
        ASSERT_EQ(g_buffer[i], std::byte{0}, "byte {} of the sector before", i);
}

KTEST(ata_disk, partition_1_is_a_view_of_its_sectors)
{
    ASSERT_EQ(partitions().size(), 2u);
    Partition& p1 = *partitions()[0];
    EXPECT_STREQ(p1.name(), "ata0p1");
    EXPECT_EQ(p1.block_count(), 4096u);
    EXPECT_EQ(p1.first_block(), 2048u);
    EXPECT_TRUE(p1.disk() == disk(0));
    ASSERT_OK(p1.read(0, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 2048), -1, "block 0 of the partition is sector 2048");
    ASSERT_OK(p1.read(4095, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 6143), -1);
    EXPECT_ERROR(p1.read(4096, 1, std::span(g_buffer, 512)), BlockError::OutOfRange, "sector 6144 is not its own");
    EXPECT_ERROR(p1.read(4095, 2, std::span(g_buffer, 1024)), BlockError::OutOfRange);
    EXPECT_ERROR(p1.write(4096, 1, std::span<const std::byte>(g_buffer, 512)), BlockError::OutOfRange);
}

KTEST(ata_disk, a_sector_the_disk_fails_to_read_is_a_device_error)
{
    ata::Disk& faulty = *disk(2);
    ASSERT_OK(faulty.read(2999, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 2999), -1);
    EXPECT_ERROR(faulty.read(3000, 1, std::span(g_buffer, 512)), BlockError::DeviceError);
    EXPECT_EQ(faulty.last_error(), 0x04, "ABRT");
    EXPECT_ERROR(faulty.read(2990, 20, std::span(g_buffer, 20 * 512)), BlockError::DeviceError,
                 "a transfer that includes it");
    // The channel goes on working.
    ASSERT_OK(faulty.read(3001, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 3001), -1);
    ASSERT_OK(disk(0)->read(3000, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 3000), -1, "the same image without blkdebug reads fine");
}

KTEST(ata_disk, the_mbr_lists_the_extended_partition_and_the_big_disk_has_none)
{
    ASSERT_OK(disk(0)->read(0, 1, std::span(g_buffer, 512)));
    auto table = mbr::parse(std::span<const std::byte>(g_buffer, 512), small_sectors);
    ASSERT_OK(table);
    ASSERT_EQ(table->count, 2u);
    EXPECT_EQ(table->entries[0].type, 0x83);
    EXPECT_TRUE(table->entries[0].bootable);
    EXPECT_TRUE(table->entries[1].is_extended());
    EXPECT_EQ(table->entries[1].first, 6144u);

    ASSERT_OK(disk(1)->read(0, 1, std::span(g_buffer, 512)));
    auto none = mbr::parse(std::span<const std::byte>(g_buffer, 512), big_sectors);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().problem, mbr::Problem::NoSignature, "ata1 is a whole-disk device");
}

KTEST(ata_disk, pci_lists_the_ide_controller)
{
    const pci::Device* ide = pci::find_class(0x01, 0x01);
    ASSERT_NOT_NULL(ide);
    kstd::StringBuffer<4096> text;
    pci::print_devices(text);
    for (const pci::Device& device : pci::devices())
        core::println("    # {}", device); // as a KTAP diagnostic of this case
    EXPECT_NE(text.view().find("IDE interface [0101]: 8086:7010"), std::string_view::npos);
}

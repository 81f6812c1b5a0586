// The virtio-blk driver (src/drivers/virtio_block.cpp) on QEMU's legacy
// virtio-blk PCI devices. tests/CMakeLists.txt makes the images and gives QEMU:
//   virtio0: 4 MiB, written through a snapshot (the file never changes); every
//            sector starts with "LBA nnnnnnnnnnn\n" (its own number), then bytes
//            (7 * LBA + offset) mod 256; sector 0 also holds an MBR: partition 1
//            Linux (0x83) at 2048, 4096 sectors; partition 2 extended at 6144;
//   virtio1: 1 MiB, the same pattern without an MBR, readonly=on;
//   virtio2: virtio1's image through QEMU's blkdebug driver: every read of
//            sector 1000 fails (EIO), which the device reports as IOERR.
// Cases write only to sectors no other case reads.

#include <cstddef>
#include <cstdint>
#include "core/print.h"
#include "drivers/block_device.h"
#include "drivers/partition.h"
#include "drivers/pci.h"
#include "drivers/virtio_block.h"
#include "interrupts/interrupts.h"
#include "interrupts/irq.h"
#include "kstd/format.h"
#include "ktest/binary.h"
#include "tests/disk_pattern.h"
#include "ktest/ktest.h"
#include "sched/test_threads.h"
#include "sched/thread.h"

KTEST_INIT_STAGE(Everything);

using namespace drivers;

namespace {

constexpr uint64_t disk_sectors = 8192;
constexpr uint64_t read_only_sectors = 2048;

std::byte g_buffer[320 * 512]; // big transfers do not belong on a case's stack
std::byte g_other[320 * 512];

using disk_pattern::expected_byte;
using disk_pattern::first_mismatch;

virtio_block::Disk* disk(size_t index)
{
    return index < virtio_block::disks().size() ? virtio_block::disks()[index] : nullptr;
}

} // namespace

KTEST(virtio_disk, both_devices_are_found_with_their_sizes)
{
    ASSERT_EQ(virtio_block::disks().size(), 3u);
    virtio_block::Disk& rw = *disk(0);
    virtio_block::Disk& ro = *disk(1);
    EXPECT_STREQ(rw.name(), "virtio0");
    EXPECT_STREQ(ro.name(), "virtio1");
    EXPECT_EQ(rw.block_count(), disk_sectors);
    EXPECT_EQ(ro.block_count(), read_only_sectors);
    EXPECT_EQ(rw.block_size(), 512u);
    EXPECT_FALSE(rw.is_read_only());
    EXPECT_TRUE(ro.is_read_only(), "readonly=on offers VIRTIO_BLK_F_RO");
    EXPECT_GT(rw.queue_size(), 0u);
    EXPECT_EQ(rw.queue_size() & (rw.queue_size() - 1), 0u, "a power of two");
    EXPECT_LT(rw.irq_line(), 16u);
    EXPECT_EQ(rw.features() & ~(virtio_block::feature::read_only | virtio_block::feature::flush), 0u,
              "no feature the driver does not use");
    const pci::Device* device = pci::find(virtio_block::vendor_id, virtio_block::transitional_block_device_id);
    ASSERT_NOT_NULL(device);
    EXPECT_EQ(device->bars[0].kind, pci::BarKind::Io);
    for (const virtio_block::Disk* each : virtio_block::disks()) // as KTAP diagnostics of this case
        core::println("    # {}: {} sectors, queue of {}, IRQ {}, I/O {:#x}, features {:#x}", each->name(),
                      each->block_count(), each->queue_size(), each->irq_line(), each->io_base(), each->features());
}

KTEST(virtio_disk, the_disks_and_the_partition_are_registered_block_devices)
{
    const auto devices = block_devices();
    ASSERT_EQ(devices.size(), 4u);
    EXPECT_STREQ(devices[0]->name(), "virtio0");
    EXPECT_STREQ(devices[1]->name(), "virtio1");
    EXPECT_STREQ(devices[2]->name(), "virtio2");
    EXPECT_STREQ(devices[3]->name(), "virtio0p1", "the extended partition gets no device");
    ASSERT_EQ(partitions().size(), 1u);
    Partition& p1 = *partitions()[0];
    EXPECT_TRUE(p1.disk() == disk(0));
    EXPECT_EQ(p1.first_block(), 2048u);
    ASSERT_OK(p1.read(0, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 2048), -1, "block 0 of the partition is sector 2048");
}

KTEST(virtio_disk, sectors_0_1_and_the_last_read_back_their_pattern)
{
    virtio_block::Disk& rw = *disk(0);
    for (uint64_t lba : {uint64_t{1}, disk_sectors - 1, uint64_t{4097}}) {
        ASSERT_OK(rw.read(lba, 1, std::span(g_buffer, 512)));
        EXPECT_EQ(first_mismatch(g_buffer, lba), -1, "sector {}", lba);
    }
    ASSERT_OK(rw.read(0, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 0, 0x1BE), -1);
    EXPECT_EQ(g_buffer[510], std::byte{0x55});
    EXPECT_EQ(g_buffer[511], std::byte{0xAA});
    virtio_block::Disk& ro = *disk(1);
    ASSERT_OK(ro.read(read_only_sectors - 1, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, read_only_sectors - 1), -1);
}

KTEST(virtio_disk, a_multi_sector_read_spans_several_requests)
{
    virtio_block::Disk& rw = *disk(0);
    constexpr uint32_t count = 300; // three requests of at most max_sectors_per_request
    static_assert(count > 2 * virtio_block::max_sectors_per_request);
    const uint64_t before = rw.completed_requests();
    ASSERT_OK(rw.read(100, count, std::span(g_buffer, count * 512)));
    for (uint32_t i = 0; i < count; ++i)
        EXPECT_EQ(first_mismatch(g_buffer + i * 512, 100 + i), -1, "sector {}", 100 + i);
    EXPECT_EQ(rw.completed_requests() - before, 3u);
}

KTEST(virtio_disk, a_write_reads_back_and_flushes)
{
    virtio_block::Disk& rw = *disk(0);
    constexpr uint64_t first = 7000; // inside the extended partition, which nothing reads
    constexpr uint32_t count = 150;  // two requests
    for (size_t i = 0; i < count * 512; ++i)
        g_other[i] = static_cast<std::byte>((i * 13 + 5) ^ (i >> 9));
    ASSERT_OK(rw.write(first, count, std::span<const std::byte>(g_other, count * 512)));
    ASSERT_OK(rw.flush());
    __builtin_memset(g_buffer, 0, sizeof g_buffer);
    ASSERT_OK(rw.read(first, count, std::span(g_buffer, count * 512)));
    EXPECT_MEMEQ(g_buffer, g_other, count * 512);
    ASSERT_OK(rw.read(first - 1, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, first - 1), -1);
    ASSERT_OK(rw.read(first + count, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, first + count), -1);
}

KTEST(virtio_disk, reads_and_writes_outside_the_disk_are_out_of_range)
{
    virtio_block::Disk& rw = *disk(0);
    const std::span<std::byte> one(g_buffer, 512);
    EXPECT_ERROR(rw.read(disk_sectors, 1, one), BlockError::OutOfRange);
    EXPECT_ERROR(rw.read(disk_sectors - 1, 2, std::span(g_buffer, 1024)), BlockError::OutOfRange);
    EXPECT_ERROR(rw.read(0, 0, std::span(g_buffer, 0)), BlockError::OutOfRange);
    EXPECT_ERROR(rw.read(0, 1, std::span(g_buffer, 511)), BlockError::OutOfRange, "a buffer of the wrong size");
    EXPECT_ERROR(rw.read(~uint64_t{0}, 2, std::span(g_buffer, 1024)), BlockError::OutOfRange, "wraps around");
    EXPECT_ERROR(rw.write(disk_sectors, 1, std::span<const std::byte>(g_buffer, 512)), BlockError::OutOfRange);
}

KTEST(virtio_disk, the_read_only_device_refuses_writes)
{
    virtio_block::Disk& ro = *disk(1);
    ASSERT_TRUE(ro.is_read_only());
    const uint64_t before = ro.completed_requests();
    EXPECT_ERROR(ro.write(5, 1, std::span<const std::byte>(g_other, 512)), BlockError::ReadOnly);
    EXPECT_EQ(ro.completed_requests(), before, "nothing was sent to the device");
    EXPECT_OK(ro.flush());
    ASSERT_OK(ro.read(5, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 5), -1, "the sector is as it was");
}

KTEST(virtio_disk, a_failed_read_is_a_device_error_and_the_disk_goes_on)
{
    virtio_block::Disk& faulty = *disk(2);
    ASSERT_OK(faulty.read(999, 1, std::span(g_buffer, 512)));
    EXPECT_EQ(first_mismatch(g_buffer, 999), -1);
    EXPECT_ERROR(faulty.read(1000, 1, std::span(g_buffer, 512)), BlockError::DeviceError, "IOERR");
    EXPECT_ERROR(faulty.read(990, 20, std::span(g_buffer, 20 * 512)), BlockError::DeviceError, "a run across it");
    ASSERT_OK(faulty.read(1001, 1, std::span(g_buffer, 512)), "the next request is served");
    EXPECT_EQ(first_mismatch(g_buffer, 1001), -1);
}

KTEST(virtio_disk, completion_comes_by_interrupt)
{
    virtio_block::Disk& rw = *disk(0);
    const uint8_t vector = interrupts::vector_of_irq(rw.irq_line());
    const uint64_t interrupts_before = interrupts::count(vector);
    const uint64_t completed_before = rw.completed_requests();
    for (uint64_t lba = 10; lba < 15; ++lba) {
        ASSERT_OK(rw.read(lba, 1, std::span(g_buffer, 512)));
        EXPECT_EQ(first_mismatch(g_buffer, lba), -1, "sector {}", lba);
    }
    EXPECT_EQ(rw.completed_requests() - completed_before, 5u, "the IRQ handler collected each request");
    EXPECT_GE(interrupts::count(vector) - interrupts_before, 5u, "IRQ {} arrived for each", rw.irq_line());
}

// Threads that read at once, two on one disk and one on each other (whose
// IRQ lines differ here): one request per disk is in flight, the others
// sleep until the disk is free, each wakes to its own completion.
KTEST(virtio_disk, threads_reading_at_once_each_get_their_sectors)
{
    struct Reader {
        virtio_block::Disk* disk;
        uint64_t first;
        std::byte buffer[40 * 512];
        int operator()()
        {
            int wrong = 0;
            for (uint64_t round = 0; round < 6; ++round) {
                const uint64_t lba = first + round * 40;
                if (!disk->read(lba, 40, std::span(buffer, sizeof buffer)))
                    return 1000;
                for (uint32_t i = 0; i < 40; ++i)
                    wrong += first_mismatch(buffer + i * 512, lba + i) != -1;
            }
            return wrong;
        }
    };
    static Reader readers[4] = {{disk(0), 200, {}}, {disk(0), 1200, {}}, {disk(1), 300, {}}, {disk(2), 1100, {}}};
    sched::Thread* threads[4];
    for (size_t i = 0; i < 4; ++i)
        threads[i] = &sched::testing::start("virtio reader", readers[i]);
    for (size_t i = 0; i < 4; ++i)
        EXPECT_EQ(sched::join(*threads[i]), 0, "reader {}: sectors that differ from the pattern", i);
}

// The file-system benchmark kernel (`make bench`, tools/bench_fs.py; issue
// 11, part 10). QEMU gives it one FAT disk (virtio-blk or IDE). First the
// device's floor: the same number of bytes the program reads through the VFS,
// read raw from drivers::block_devices()[0] (the whole disk, no partition, no
// buffer cache, no FAT) in 64 KiB (128-sector) requests, timed with the TSC
// and printed on the console as `BENCH raw_read_mb_s ...` (MB = 10^6 bytes),
// the format of the program's lines. Then the disk's FAT is mounted at /disk0
// and /bench/fs_bench (user/bench/fs_bench.c) runs from the initial ramdisk
// with the console as its output. With ktest.bench_quick: 256 KiB, one
// repetition, and the program gets `quick` (CTest's bench.fs_runs).
// Unsanitized: it measures the kernel as the product runs it.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "arch/x86_64/tsc.h"
#include "core/print.h"
#include "drivers/block_device.h"
#include "fs/vfs.h"
#include "kernel/disks.h"
#include "ktest/bench.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "user/process.h"

KTEST_INIT_STAGE(Everything);

namespace {

constexpr uint32_t request_sectors = 128; // 64 KiB, what the program's read() asks for
constexpr uint32_t reps = 3;
alignas(4096) std::byte g_buffer[request_sectors * 512];

// Thousandths as text: 12.345.
void print_figure(std::string_view name, const uint64_t* thousandths, uint32_t count, uint64_t bytes)
{
    // Sorted by insertion; count is at most `reps`.
    uint64_t sorted[reps] = {};
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t j = i;
        for (; j > 0 && sorted[j - 1] > thousandths[i]; --j)
            sorted[j] = sorted[j - 1];
        sorted[j] = thousandths[i];
    }
    const uint64_t median = count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    auto part = [](uint64_t v, uint32_t digit) { return static_cast<unsigned>(v / digit % 10); };
    core::println("BENCH {} {}.{}{}{} min={}.{}{}{} max={}.{}{}{} n={} reps={}", name, median / 1000,
                  part(median, 100), part(median, 10), part(median, 1), sorted[0] / 1000, part(sorted[0], 100),
                  part(sorted[0], 10), part(sorted[0], 1), sorted[count - 1] / 1000, part(sorted[count - 1], 100),
                  part(sorted[count - 1], 10), part(sorted[count - 1], 1), bytes, count);
}

} // namespace

// Slow: a full run takes tens of seconds of TCG, past the default watchdog.
KTEST(fs_bench, raw_floor_then_the_vfs, ktest::slow)
{
    const bool quick = ktest::bench_repetitions() == 1; // ktest.bench_quick
    const uint64_t bytes = quick ? 256ull << 10 : 8ull << 20; // fs_bench.c's file size
    const uint32_t count = quick ? 1 : reps;
    ASSERT_FALSE(drivers::block_devices().empty(), "a disk is attached (QEMU -drive)");
    drivers::BlockDevice& disk = *drivers::block_devices()[0];
    ASSERT_TRUE(arch::tsc::calibrated(), "the TSC's rate is known");
    const uint64_t sectors = bytes / 512;
    ASSERT_TRUE(disk.block_count() >= sectors, "the disk holds the bytes to read");
    core::println("# fs_bench: raw reads of {} bytes from {} in {}-sector requests", bytes, disk.name(),
                  request_sectors);

    uint64_t mb_s[reps] = {};
    for (uint32_t r = 0; r < count; ++r) {
        const uint64_t start = arch::tsc::now();
        for (uint64_t sector = 0; sector < sectors; sector += request_sectors) {
            auto done = disk.read(sector, request_sectors, g_buffer);
            ASSERT_TRUE(done.has_value(), "a raw read of the disk");
        }
        const uint64_t ns = arch::tsc::to_nanoseconds(arch::tsc::now() - start).value();
        // bytes / ns * 1000 = MB/s; in thousandths of that.
        mb_s[r] = ns ? bytes * 1'000'000 / ns : 0;
    }
    print_figure("raw_read_mb_s", mb_s, count, bytes);

    kernel::mount_disks();
    kernel::print_disk_mounts();
    ASSERT_TRUE(fs::vfs::lookup("/disk0").has_value(), "the disk's FAT file system is mounted at /disk0");
    auto file = fs::vfs::read_file("/bench/fs_bench", 64ull << 20);
    ASSERT_TRUE(file.has_value(), "/bench/fs_bench is in the initial ramdisk (QEMU -initrd)");
    const std::string_view argv[] = {"fs_bench", "/disk0", "quick"};
    const std::string_view envp[] = {"HOME=/"};
    // No standard files given: descriptors 0, 1 and 2 are the console.
    auto process = user::Process::spawn("fs_bench", file->span(), {argv, quick ? 3u : 2u}, envp);
    ASSERT_TRUE(process.has_value(), "the program starts");
    EXPECT_EQ(user::Process::wait(*process), 0, "fs_bench's exit status");
    EXPECT_TRUE(fs::vfs::sync_all().has_value());
}

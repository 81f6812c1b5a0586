// The FAT round trip's kernel (tools/fat_roundtrip.py): the disk the host
// made is mounted at /disk0, and /tests/disktest checks what is there and
// writes what the host then checks with fsck.fat and mtools.

#include "fs/vfs.h"
#include "kernel/disks.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "tests/user/run_program.h"

KTEST_INIT_STAGE(Everything);

namespace {
user_tests::ProgramRun g_run;
}

KTEST(fat_disk, the_hosts_disk_is_read_and_written)
{
    kernel::mount_disks();
    kernel::print_disk_mounts();
    ASSERT_TRUE(fs::vfs::lookup("/disk0").has_value(), "the disk's FAT file system is mounted at /disk0");
    user_tests::run_program(g_run, "/tests/disktest", {"disktest", "/disk0"});
    EXPECT_EQ(g_run.status, 0, "disktest's exit status is its number of failed checks");
    EXPECT_TRUE(fs::vfs::sync_all().has_value());
}

// tools/fat_roundtrip.py --damage boot-sector: the disk is refused with the
// reason, and the kernel runs on (the shell's programs with it).
KTEST(fat_disk, a_disk_with_a_bad_boot_sector_is_refused_and_the_kernel_goes_on)
{
    kernel::mount_disks();
    kernel::print_disk_mounts();
    EXPECT_FALSE(fs::vfs::lookup("/disk0").has_value(), "nothing mounted");
    user_tests::run_program(g_run, "/bin/hello", {"hello"});
    EXPECT_EQ(g_run.status, 0);
}

// tools/fat_roundtrip.py --damage loop: mounted, but one file's chain loops.
KTEST(fat_disk, a_looping_cluster_chain_fails_that_file_only)
{
    kernel::mount_disks();
    ASSERT_TRUE(fs::vfs::lookup("/disk0").has_value());
    user_tests::run_program(g_run, "/tests/disktest", {"disktest", "/disk0", "damaged"});
    EXPECT_EQ(g_run.status, 0);
}

// tools/fat_roundtrip.py --power-loss: writes until QEMU is killed under it.
KTEST(fat_disk, power_loss_writer, ktest::slow)
{
    kernel::mount_disks();
    ASSERT_TRUE(fs::vfs::lookup("/disk0").has_value());
    // Its output straight on the console (no pipe): the host watches it live.
    auto file = MUST(fs::vfs::read_file("/tests/disktest", 64ull << 20));
    const std::string_view argv[] = {"disktest", "/disk0", "power-loss"};
    user::Process* process = MUST(user::Process::spawn("disktest", file.span(), argv, {}));
    (void)user::Process::wait(process);
}

// ... and the next boot: the image mounts again and the synced file is whole.
KTEST(fat_disk, after_a_power_loss_the_disk_mounts_and_the_synced_file_is_whole)
{
    kernel::mount_disks();
    ASSERT_TRUE(fs::vfs::lookup("/disk0").has_value());
    user_tests::run_program(g_run, "/tests/disktest", {"disktest", "/disk0", "after-power-loss"});
    EXPECT_EQ(g_run.status, 0);
}

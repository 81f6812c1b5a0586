// The user-mode benchmark kernel (`make bench`, tools/bench_user.py): runs
// /bench/usermode_bench (user/bench/usermode_bench.c) from the initial
// ramdisk, its output straight on the console (COM1), where the tool reads
// its BENCH lines; Linux runs the same binary as /init. With
// ktest.bench_quick the program gets `quick` (tiny loops: CTest's
// bench.user_runs). Unsanitized: it measures the kernel as the product runs it.

#include <string_view>
#include "fs/vfs.h"
#include "ktest/bench.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "user/process.h"

KTEST_INIT_STAGE(Everything);

// Slow: a full run takes some seconds of TCG, past the default watchdog.
KTEST(user_bench, usermode_bench, ktest::slow)
{
    auto file = fs::vfs::read_file("/bench/usermode_bench", 64ull << 20);
    ASSERT_TRUE(file.has_value(), "/bench/usermode_bench is in the initial ramdisk (QEMU -initrd)");
    const bool quick = ktest::bench_repetitions() == 1; // ktest.bench_quick
    // argv[0]: the program's path, as a shell gives it (exec_musl_ns runs it again by that name).
    const std::string_view argv[] = {"/bench/usermode_bench", "quick"};
    const std::string_view envp[] = {"HOME=/"};
    // No standard files given: descriptors 0, 1 and 2 are the console, so
    // the kernel does no work for the program while it measures.
    auto process = user::Process::spawn("/bench/usermode_bench", file->span(), {argv, quick ? 2u : 1u}, envp);
    ASSERT_TRUE(process.has_value(), "the program starts");
    EXPECT_EQ(user::Process::wait(*process), 0, "usermode_bench's exit status");
}

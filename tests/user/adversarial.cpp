// Hostile programs (user/bin/crash.c, forkbomb.c, syscall_garbage.c,
// syscall_fuzz.c): each may end only itself, with the status of the signal
// Linux would send, and the kernel says what happened; the kernel, and the
// next program, go on. Every frame comes back afterwards.
// ktest-runner-args: --expect-output "killed: general protection fault"
// ktest-runner-args: --expect-output "killed: out of memory"

#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"
#include "tests/user/run_program.h"

KTEST_INIT_STAGE(Everything);

using user_tests::ProgramRun;
using user_tests::run_program;

namespace {

constexpr int sigill = 4, sigtrap = 5, sigkill = 9, sigfpe = 8, sigsegv = 11;

struct Misdeed {
    const char* name;
    int status; // 128 + the signal, or the exit code
};

constexpr Misdeed misdeeds[] = {
    {"cli", 128 + sigsegv},
    {"hlt", 128 + sigsegv},
    {"in", 128 + sigsegv},
    {"out", 128 + sigsegv},
    {"mov-cr3", 128 + sigsegv},
    {"lgdt", 128 + sigsegv},
    {"wrmsr", 128 + sigsegv},
    {"jump-to-kernel", 128 + sigsegv},
    {"read-kernel", 128 + sigsegv},
    {"read-direct-map", 128 + sigsegv},
    {"write-own-code", 128 + sigsegv},
    {"execute-stack", 128 + sigsegv},
    {"execute-heap", 128 + sigsegv},
    {"null", 128 + sigsegv},
    {"non-canonical", 128 + sigsegv},
    {"sysret-non-canonical", 128 + sigsegv},
    {"stack-overflow", 128 + sigsegv},
    {"ud2", 128 + sigill},
    {"divide-by-zero", 128 + sigfpe},
    {"int3", 128 + sigtrap},
    {"huge-brk", 0},
    {"out-of-memory", 128 + sigkill},
};

ProgramRun g_run;

} // namespace

KTEST_P(adversarial, ends_only_itself, misdeeds)
{
    run_program(g_run, "/bin/crash", {"crash", param.name});
    EXPECT_EQ(g_run.status, param.status, "crash {}", param.name);
    EXPECT_FALSE(g_run.output_contains("survived"));
}

KTEST(adversarial, a_fork_bomb_meets_the_process_limit)
{
    run_program(g_run, "/tests/forkbomb", {"forkbomb"});
    EXPECT_EQ(g_run.status, 0);
    EXPECT_EQ(user::Process::count(), 0u, "every process of the tree ended and was reaped");
}

KTEST(adversarial, every_system_call_with_garbage_arguments)
{
    run_program(g_run, "/tests/syscall_garbage", {"syscall_garbage", "3"});
    EXPECT_EQ(g_run.status, 0);
}

KTEST(adversarial, a_system_call_fuzzer)
{
    run_program(g_run, "/tests/syscall_fuzz", {"syscall_fuzz", "20000"});
    EXPECT_EQ(g_run.status, 0);
}

// Slow: two rounds of every hostile program, seconds under TCG (more on a busy host).
KTEST(adversarial, every_frame_comes_back_after_all_of_them, ktest::slow)
{
    const auto run_all = [] {
        for (const Misdeed& misdeed : misdeeds) {
            if (std::string_view(misdeed.name) != "out-of-memory") // it takes every frame, and then some heap
                run_program(g_run, "/bin/crash", {"crash", misdeed.name});
        }
        run_program(g_run, "/tests/forkbomb", {"forkbomb"});
        run_program(g_run, "/tests/usertests", {"usertests"});
    };
    // A first round brings the kernel heap and the stack slots to their
    // steady state. After a round, the free frames and the heap's live
    // allocations must be as before it. The heap's high-water mark depends
    // on how the fork bomb's processes happened to overlap, and a heap keeps
    // what it mapped (and KASAN its shadow), so a round in which the heap
    // grew is run again; growing in every round would be a leak.
    run_all();
    for (int round = 0; round < 4; ++round) {
        const uint64_t frames = mem::physical::statistics().free_frames;
        const auto heap = mem::kernel_heap::statistics();
        run_all();
        const auto heap_after = mem::kernel_heap::statistics();
        EXPECT_EQ(heap_after.heap.live_allocations, heap.heap.live_allocations, "round {}", round);
        if (heap_after.mapped_bytes == heap.mapped_bytes) {
            EXPECT_EQ(mem::physical::statistics().free_frames, frames, "round {}", round);
            return;
        }
    }
    EXPECT_TRUE(false, "the kernel heap grew in each of 4 rounds");
}

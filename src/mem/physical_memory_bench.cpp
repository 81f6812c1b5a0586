// KBENCH benchmarks of the kernel's frame allocator (physical_memory.cpp), on
// the real frames: TSC cycles per operation, run by the benchmark kernel
// (`make bench`; ktest/bench.h).

#include "arch/x86_64/address.h"
#include "ktest/bench.h"
#include "mem/physical_memory.h"

namespace {

constexpr unsigned batch_frames = 4096;
arch::PhysAddr g_frames[batch_frames];

} // namespace

KBENCH(frames, alloc_free_pair)
{
    bench.run(20000, [] {
        auto frame = mem::physical::allocate();
        ASSERT_OK(frame);
        mem::physical::free(*frame);
    });
}

// 4096 frames allocated in a row (timed), then freed.
KBENCH(frames, alloc_4096_in_a_row)
{
    const uint64_t count = bench.iterations(batch_frames);
    bench.rounds(count, [&](ktest::BenchTimer& timer) {
        timer.start();
        for (uint64_t i = 0; i < count; ++i) {
            auto frame = mem::physical::allocate();
            ASSERT_OK(frame);
            g_frames[i] = *frame;
        }
        timer.stop();
        for (uint64_t i = 0; i < count; ++i)
            mem::physical::free(g_frames[i]);
    });
}

// 4096 frames allocated, then freed in a row (timed).
KBENCH(frames, free_4096_in_a_row)
{
    const uint64_t count = bench.iterations(batch_frames);
    bench.rounds(count, [&](ktest::BenchTimer& timer) {
        for (uint64_t i = 0; i < count; ++i) {
            auto frame = mem::physical::allocate();
            ASSERT_OK(frame);
            g_frames[i] = *frame;
        }
        timer.start();
        for (uint64_t i = 0; i < count; ++i)
            mem::physical::free(g_frames[i]);
        timer.stop();
    });
}

// A 2 MiB run (order 9) allocated and freed.
KBENCH(frames, alloc_free_2mib_run)
{
    bench.run(2000, [] {
        auto run = mem::physical::allocate_run(9);
        ASSERT_OK(run);
        mem::physical::free_run(*run, 9);
    });
}

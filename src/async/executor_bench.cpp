// KBENCH benchmarks of the executor (`make bench`): TSC cycles per resume
// of a task that suspends and is woken at once (co_await yield_now), which
// is the executor's whole path: the awaitable, the waker, the ready list and
// the resume.

#include "async/executor.h"
#include "ktest/bench.h"

namespace {
async::Task<void> yield_times(uint64_t count)
{
    for (uint64_t i = 0; i < count; ++i)
        co_await async::yield_now();
}
} // namespace

KBENCH(async, coroutine_resume)
{
    const uint64_t n = bench.iterations(20'000);
    bench.rounds(n, [&](ktest::BenchTimer& timer) {
        async::Executor executor{"bench"};
        MUST(executor.spawn(yield_times(n), "yielder"));
        timer.start();
        (void)executor.run_ready();
        timer.stop();
    });
}

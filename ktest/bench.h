#pragma once
// KBENCH: benchmarks beside the code they measure, registered like KTEST.
//
//   #include "ktest/bench.h"
//
//   KBENCH(frames, alloc_free_pair) {
//       bench.run(20000, [] { mem::physical::free(MUST(mem::physical::allocate())); });
//   }
//   KBENCH_P(heap, pair, heap_cases) {            // one benchmark per value
//       mem::HeapInstance instance(param.design);
//       bench.run(20000, [&] { ... });
//   }
//
// A benchmark is a case (the filter, --list, shuffle and KTAP see it as one)
// registered in a section of its own, .ktest_benches, that only the
// benchmark kernel (bench/, kind `bench`) runs: the unit kernel's link
// discards it. The body measures once, through bench.run() or
// bench.rounds(): after a warm-up pass, every repetition is timed in TSC
// cycles, and the case reports cycles per operation (median, minimum,
// maximum and the spread between them) as a diagnostic line and as
//   # KBENCH {"name":"frames.alloc_free_pair","operations":20000,...}
// which tools/bench_kernel.py reads (`make bench`). With ktest.bench_quick
// every benchmark runs one repetition of a few operations (the CTest smoke
// test): nothing is judged but that it runs to the end.

#include <cstdint>
#include "ktest/ktest.h"

namespace ktest {

class Bench;

// Brackets the timed part of one repetition; may be started and stopped
// more than once (the parts add up).
class BenchTimer {
public:
    void start();
    void stop();
    uint64_t cycles() const { return m_cycles; }

private:
    uint64_t m_started = 0;
    uint64_t m_cycles = 0;
};

class Bench {
public:
    static constexpr uint32_t max_repetitions = 32;

    // The operation count to use: `full`, or a handful in quick mode.
    uint64_t iterations(uint64_t full) const;

    // Fewer repetitions than the default (11), for a benchmark whose rounds
    // use up something (fresh heap regions); before run() or rounds().
    void limit_repetitions(uint32_t repetitions);

    // Times `operation` called `count` (scaled by iterations()) times in a
    // row, per repetition; the result is cycles per call.
    template <typename Operation>
    void run(uint64_t count, Operation&& operation)
    {
        const uint64_t n = iterations(count);
        rounds(n, [&](BenchTimer& timer) {
            timer.start();
            for (uint64_t i = 0; i < n; ++i)
                operation();
            timer.stop();
        });
    }

    // Each repetition calls round(timer): the round sets up what it needs,
    // brackets `operations` operations with timer.start()/stop(), and undoes
    // what it did. The result is the timed cycles over `operations`.
    template <typename Round>
    void rounds(uint64_t operations, Round&& round)
    {
        begin(operations);
        BenchTimer warm_up;
        round(warm_up);
        for (uint32_t i = 0; i < m_repetitions; ++i) {
            BenchTimer timer;
            round(timer);
            record(timer.cycles());
        }
        m_measured = true;
    }

    // Called by the KBENCH thunk: sets the repetitions; then reports.
    explicit Bench(uint32_t repetitions);
    void finish();

private:
    void begin(uint64_t operations);
    void record(uint64_t cycles);

    uint32_t m_repetitions;
    uint32_t m_recorded = 0;
    uint64_t m_operations = 0;
    bool m_measured = false;
    uint64_t m_tenths[max_repetitions] = {}; // tenths of a cycle per operation, per repetition
};

// The repetitions every benchmark runs (ktest.bench_quick: 1).
uint32_t bench_repetitions();

// What a benchmark reports of its repetitions, all in tenths (of a cycle per
// operation; spread: of a percent, (max - min) / median).
struct BenchSummary {
    uint64_t median, minimum, maximum, spread;
};
// `count` (1..Bench::max_repetitions) values, in any order.
BenchSummary summarize(const uint64_t* tenths, uint32_t count);

} // namespace ktest

#define KBENCH_BODY_(suite, name, call)                                                                          \
    [](void*, uint32_t ktest_index_) {                                                                            \
        (void)ktest_index_;                                                                                       \
        ::ktest::Bench ktest_bench_(::ktest::bench_repetitions());                                               \
        call;                                                                                                     \
        ktest_bench_.finish();                                                                                    \
    }

// A benchmark; the body gets `bench` (a ktest::Bench&).
#define KBENCH(suite, name, ...)                                                                                  \
    static void ktest_bench_##suite##__##name(::ktest::Bench& bench);                                            \
    static const ::ktest::CaseRunner ktest_runner_##suite##__##name{0, nullptr, nullptr, nullptr,                 \
        KBENCH_BODY_(suite, name, ktest_bench_##suite##__##name(ktest_bench_)), nullptr, nullptr};                \
    KTEST_REGISTER_(".ktest_benches", suite, name, nullptr, &ktest_runner_##suite##__##name, __VA_ARGS__)         \
    static void ktest_bench_##suite##__##name([[maybe_unused]] ::ktest::Bench& bench)

// A benchmark per value of `values` (as KTEST_P); the body gets `bench` and `param`.
#define KBENCH_P(suite, name, values, ...)                                                                        \
    using ktest_param_##suite##__##name = ::ktest::ParamType<decltype(values)>;                                   \
    static void ktest_bench_##suite##__##name(::ktest::Bench& bench, const ktest_param_##suite##__##name& param); \
    static const ::ktest::CaseRunner ktest_runner_##suite##__##name{::ktest::param_count(values),                 \
        [](::kstd::Sink& sink, uint32_t index) { ::ktest::write_param_name(sink, (values)[index]); }, nullptr,     \
        nullptr, KBENCH_BODY_(suite, name, ktest_bench_##suite##__##name(ktest_bench_, (values)[ktest_index_])),  \
        nullptr, nullptr};                                                                                        \
    KTEST_REGISTER_(".ktest_benches", suite, name, nullptr, &ktest_runner_##suite##__##name, __VA_ARGS__)         \
    static void ktest_bench_##suite##__##name([[maybe_unused]] ::ktest::Bench& bench,                            \
                                              [[maybe_unused]] const ktest_param_##suite##__##name& param)

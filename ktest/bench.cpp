// KBENCH: timing a benchmark's repetitions and reporting them (ktest/bench.h).

#include "ktest/bench.h"
#include "arch/x86_64/tsc.h"
#include "core/print.h"
#include "ktest/internal.h"

namespace ktest {

namespace {

bool g_quick = false;
constexpr uint32_t full_repetitions = 11; // odd: the median is one of them
constexpr uint64_t quick_iterations = 4;

uint64_t serialised_tsc()
{
    uint32_t low, high;
    // LFENCE before RDTSC: the read waits until every earlier instruction has
    // completed locally, so the timed code cannot still be in flight (Intel
    // SDM Vol. 2B, RDTSC: "execute LFENCE immediately before RDTSC"); LFENCE
    // after it: no later instruction starts before the read. AMD documents
    // the same when LFENCE is dispatch-serialising (always on Zen and under
    // QEMU's TCG, which executes in order). The "memory" clobber keeps the
    // compiler from moving memory accesses across the read.
    asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(low), "=d"(high) : : "memory");
    return (static_cast<uint64_t>(high) << 32) | low;
}

// Tenths as "123.4".
struct Tenths {
    uint64_t value;
};

void format_value(kstd::Sink& sink, const Tenths& t, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{}.{}", t.value / 10, t.value % 10);
}

// The running benchmark's name, as the executor reports it (suite.name or
// suite.name[value]).
struct BenchName {};

void format_value(kstd::Sink& sink, const BenchName&, const kstd::FormatSpec&)
{
    const internal::RunState& run = internal::state();
    kstd::format_to(sink, "{}.{}", run.current->suite, run.current->name);
    const CaseRunner* runner = run.current->runner;
    if (runner == nullptr || runner->param_count == 0)
        return;
    kstd::StringBuffer<64> value;
    runner->write_param_name(value, run.param);
    sink.write("[");
    write_name_token(sink, value.view());
    sink.write("]");
}

} // namespace

void internal::configure_benchmarks(const Options& options)
{
    g_quick = options.bench_quick;
}

uint32_t bench_repetitions()
{
    return g_quick ? 1 : full_repetitions;
}

void BenchTimer::start()
{
    m_started = serialised_tsc();
}

void BenchTimer::stop()
{
    m_cycles += serialised_tsc() - m_started;
}

Bench::Bench(uint32_t repetitions) : m_repetitions(repetitions < max_repetitions ? repetitions : max_repetitions) {}

void Bench::limit_repetitions(uint32_t repetitions)
{
    if (repetitions > 0 && repetitions < m_repetitions)
        m_repetitions = repetitions;
}

uint64_t Bench::iterations(uint64_t full) const
{
    return g_quick && full > quick_iterations ? quick_iterations : full;
}

void Bench::begin(uint64_t operations)
{
    if (m_measured)
        core::panic("a KBENCH body measures once (bench.run or bench.rounds), not twice");
    if (operations == 0)
        core::panic("a KBENCH measurement of 0 operations");
    m_operations = operations;
}

void Bench::record(uint64_t cycles)
{
    m_tenths[m_recorded++] = cycles * 10 / m_operations;
}

BenchSummary summarize(const uint64_t* tenths, uint32_t count)
{
    if (count == 0 || count > Bench::max_repetitions)
        core::panic("summarize: {} values", count);
    // Insertion sort: at most max_repetitions values.
    uint64_t sorted[Bench::max_repetitions];
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t j = i;
        while (j > 0 && sorted[j - 1] > tenths[i]) {
            sorted[j] = sorted[j - 1];
            --j;
        }
        sorted[j] = tenths[i];
    }
    const uint64_t median = sorted[count / 2]; // the upper median of an even count
    const uint64_t spread = median ? (sorted[count - 1] - sorted[0]) * 1000 / median : 0;
    return {median, sorted[0], sorted[count - 1], spread};
}

namespace {
// The calibrated TSC rate, so reports can give nanoseconds (0: unknown).
uint64_t tsc_hz()
{
    const auto hz = arch::tsc::frequency_hz();
    return hz ? *hz : 0;
}
} // namespace

void Bench::finish()
{
    if (!m_measured) {
        Failure("KBENCH", "the body", internal::state().current->file,
                static_cast<int>(internal::state().current->line));
        Failure::text("the benchmark measured nothing: call bench.run() or bench.rounds()");
        Failure::finish(Severity::Expect);
        return;
    }
    const BenchSummary summary = summarize(m_tenths, m_recorded);
    const Tenths median{summary.median}, minimum{summary.minimum}, maximum{summary.maximum}, spread{summary.spread};
    core::println("{}# bench {}: {} cycles/op median, min {}, max {}, spread {}% ({} x {} ops)",
                  internal::case_indent, BenchName{}, median, minimum, maximum, spread, m_recorded, m_operations);
    core::print("{}# KBENCH {{\"name\":\"{}\",\"unit\":\"cycles/op\",\"operations\":{},\"repetitions\":{},"
                "\"median\":{},\"min\":{},\"max\":{},\"spread_pct\":{},\"tsc_hz\":{},\"samples\":[",
                internal::case_indent, BenchName{}, m_operations, m_recorded, median, minimum, maximum, spread,
                tsc_hz());
    for (uint32_t i = 0; i < m_recorded; ++i)
        core::print("{}{}", i ? "," : "", Tenths{m_tenths[i]});
    core::println("]}}");
}

} // namespace ktest

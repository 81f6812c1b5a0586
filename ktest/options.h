#pragma once
// Run-time options of a test kernel, read at boot from the multiboot2
// command line and then from QEMU's fw_cfg file "opt/ktest/args" (which the
// runner sets, so no rebuild is needed). Words not starting with "ktest."
// belong to the kernel and are ignored here.
//
//   ktest.filter=GLOBS   comma-separated globs on suite.case; '-' excludes
//   ktest.list           print the selected cases, run nothing
//   ktest.shuffle        random order (suites, and cases within a suite)
//   ktest.seed=N         the shuffle's seed (implies ktest.shuffle)
//   ktest.repeat=N       run the selection N times (1..10000)
//   ktest.skip_slow      report cases marked ktest::slow as skipped
//   ktest.attr=NAME      select only cases with the attribute NAME
//                        (slow, should_panic), beside the filter
//   ktest.bench_quick    benchmarks (KBENCH) run once, a few operations each
//   ktest.watchdog_ms=N  a case still running after N ms (6N if slow) is
//                        reported with every thread's state and backtrace,
//                        failed and its threads killed (0: never; the
//                        runner sets 80% of its own case timeout)

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace ktest {

// A case attribute the selection can require (ktest.attr=).
enum class RequiredAttribute : uint8_t { None, Slow, ShouldPanic };

struct Options {
    static constexpr size_t max_filter = 512;

    char filter_storage[max_filter] = {};
    size_t filter_length = 0;
    bool list = false;
    bool shuffle = false;
    bool seed_given = false;
    bool skip_slow = false;
    bool bench_quick = false;
    uint64_t seed = 0;
    uint32_t repeat = 1;
    uint64_t watchdog_ms = 8000;
    RequiredAttribute required_attribute = RequiredAttribute::None;

    std::string_view filter() const { return {filter_storage, filter_length}; }
};

struct OptionError {
    std::string_view what;
    std::string_view word;
};

void format_value(kstd::Sink& sink, const OptionError& error, const kstd::FormatSpec& spec);

// Applies the options in `text` on top of `options` (later words win).
kstd::Expected<void, OptionError> parse_options(std::string_view text, Options& options);

} // namespace ktest

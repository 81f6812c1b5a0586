// The test executor: selects the registered cases, runs each one so that a
// failure, a skip or a panic ends only that case, and reports in KTAP
// version 1 (https://docs.kernel.org/dev-tools/ktap.html):
//
//   KTAP version 1
//   1..2                          one top-level test per suite (per repeat),
//                                 always on the line after the version line
//   # ktest: 5 case(s) in 2 suite(s)   notes (filter, seed, repeat) follow it
//       KTAP version 1
//       # Subtest: fmt
//       1..3
//       # RUN fmt.integers         printed before the case runs
//       # fmt.integers took 0.021 ms
//       ok 1 integers
//       ...
//   # fmt: pass:3 fail:0 skip:0 total:3
//   ok 1 fmt
//   # Totals: pass:5 fail:0 skip:0 total:5

#include "ktest/executor.h"
#include <span>
#include "arch/x86_64/tsc.h"
#include "drivers/tsc_calibration.h"
#include "core/backtrace.h"
#include "core/print.h"
#include "ktest/expect_fault.h"
#include "ktest/glob.h"
#include "ktest/internal.h"

// Bounds of the registry sections (linker script, test links only).
extern "C" const ktest::CaseInfo* const __ktest_cases_start[];
extern "C" const ktest::CaseInfo* const __ktest_cases_end[];
extern "C" const ktest::HookInfo* const __ktest_hooks_start[];
extern "C" const ktest::HookInfo* const __ktest_hooks_end[];

namespace ktest {

using internal::case_indent;
using internal::Phase;

namespace {

constexpr size_t max_cases = 2048;
constexpr size_t max_suites = 256;

internal::RunState g_state;
const ShouldPanicSpec* g_should_panic = nullptr;

struct Suite {
    const char* name;
    uint32_t first; // index into g_cases
    uint32_t count;
};

// One case to run: a registered case, and for a parameterised one, which
// of its values (each value is a case of its own: selected, shuffled,
// listed and reported alone).
struct Selected {
    const CaseInfo* info;
    uint32_t param;
};

Selected g_cases[max_cases]; // selected cases, grouped by suite

// The executor's storage for a fixture: outside every frame a case or its
// hooks run in, so an ASSERT_* that abandons those frames leaves the fixture
// whole for its tear-down and destructor.
alignas(max_fixture_alignment) std::byte g_fixture_storage[max_fixture_bytes];

// A case's name as KTAP prints it: `name`, or `name[value]` for a value of a
// parameterised case (the value's name made one token).
struct CaseName {
    const Selected& selected;
};

void format_value(kstd::Sink& sink, const CaseName& name, const kstd::FormatSpec&)
{
    sink.write(name.selected.info->name);
    const CaseRunner* runner = name.selected.info->runner;
    if (runner == nullptr || runner->param_count == 0)
        return;
    kstd::StringBuffer<64> value;
    runner->write_param_name(value, name.selected.param);
    sink.write("[");
    write_name_token(sink, value.view());
    sink.write(value.truncated() ? "...]" : "]");
}

uint32_t values_of(const CaseInfo& info)
{
    return info.runner != nullptr && info.runner->param_count > 0 ? info.runner->param_count : 1;
}
Suite g_suites[max_suites];
uint32_t g_suite_count = 0;
uint32_t g_case_count = 0;

struct Totals {
    uint32_t passed = 0;
    uint32_t failed = 0;
    uint32_t skipped = 0;
    uint32_t total() const { return passed + failed + skipped; }
};

void format_value(kstd::Sink& sink, const Totals& t, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "pass:{} fail:{} skip:{} total:{}", t.passed, t.failed, t.skipped, t.total());
}

// xorshift64*: small, good enough to shuffle test order reproducibly.
class Random {
public:
    explicit Random(uint64_t seed) : m_state(seed ? seed : 0x9E3779B97F4A7C15ull) {}
    uint64_t next()
    {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return m_state * 0x2545F4914F6CDD1Dull;
    }
    uint32_t below(uint32_t bound) { return static_cast<uint32_t>(next() % bound); }

private:
    uint64_t m_state;
};

template <typename T>
void shuffle(std::span<T> items, Random& random)
{
    for (uint32_t i = static_cast<uint32_t>(items.size()); i > 1; --i) {
        const uint32_t j = random.below(i);
        T tmp = items[i - 1];
        items[i - 1] = items[j];
        items[j] = tmp;
    }
}

std::span<const CaseInfo* const> registered_cases()
{
    return {__ktest_cases_start, __ktest_cases_end};
}

std::span<const HookInfo* const> registered_hooks()
{
    return {__ktest_hooks_start, __ktest_hooks_end};
}

bool same(const char* a, const char* b)
{
    return std::string_view(a) == std::string_view(b);
}

bool comes_before(const Selected& a, const Selected& b)
{
    const std::string_view file_a(a.info->file), file_b(b.info->file);
    if (file_a != file_b)
        return file_a < file_b;
    return a.info->line != b.info->line ? a.info->line < b.info->line : a.param < b.param;
}

bool has_attribute(const CaseAttributes& attributes, RequiredAttribute required)
{
    switch (required) {
    case RequiredAttribute::None: return true;
    case RequiredAttribute::Slow: return attributes.slow;
    case RequiredAttribute::ShouldPanic: return attributes.should_panic;
    }
    return false;
}

// Fills g_cases/g_suites with the cases the filter (and ktest.attr) selects,
// grouped by suite in the order suites first appear in the image.
void select_cases(const Options& options)
{
    static uint16_t suite_of[max_cases];
    static Selected selected[max_cases];
    uint32_t count = 0;
    g_suite_count = 0;
    for (const CaseInfo* info : registered_cases()) {
        kstd::StringBuffer<160> group_name;
        kstd::format_to(group_name, "{}.{}", info->suite, info->name);
        for (uint32_t param = 0; param < values_of(*info); ++param) {
            // A value is selected by a pattern on its own name
            // (suite.case[value]) or on the whole case's (suite.case).
            kstd::StringBuffer<240> full_name;
            kstd::format_to(full_name, "{}.{}", info->suite, CaseName{Selected{info, param}});
            if (!filter_selects(options.filter(), full_name.view(), group_name.view())
                || !has_attribute(info->attributes, options.required_attribute))
                continue;
            if (count == max_cases)
                core::panic("more than {} test cases selected", max_cases);
            uint32_t suite = 0;
            while (suite < g_suite_count && !same(g_suites[suite].name, info->suite))
                ++suite;
            if (suite == g_suite_count) {
                if (g_suite_count == max_suites)
                    core::panic("more than {} test suites", max_suites);
                g_suites[g_suite_count++] = Suite{info->suite, 0, 0};
            }
            ++g_suites[suite].count;
            suite_of[count] = static_cast<uint16_t>(suite);
            selected[count++] = Selected{info, param};
        }
    }
    uint32_t next = 0;
    for (uint32_t s = 0; s < g_suite_count; ++s) {
        g_suites[s].first = next;
        next += g_suites[s].count;
        g_suites[s].count = 0;
    }
    for (uint32_t i = 0; i < count; ++i) {
        Suite& suite = g_suites[suite_of[i]];
        g_cases[suite.first + suite.count++] = selected[i];
    }
    g_case_count = count;
    // The compiler emits a file's registrations in no particular order; run a
    // suite's cases in source order (insertion sort: suites are small).
    for (uint32_t s = 0; s < g_suite_count; ++s) {
        Selected* cases = g_cases + g_suites[s].first;
        for (uint32_t i = 1; i < g_suites[s].count; ++i) {
            const Selected moving = cases[i];
            uint32_t j = i;
            while (j > 0 && comes_before(moving, cases[j - 1])) {
                cases[j] = cases[j - 1];
                --j;
            }
            cases[j] = moving;
        }
    }
}

using internal::run_protected;

// The body of a case with a CaseRunner: without a fixture just the body;
// with one, construct, set_up, the body, then tear_down and the destructor
// whenever the fixture was constructed, however the steps before ended. The
// body runs only if set_up returned (not after an ASSERT_*, a skip or a
// panic in it). Returns true if the body returned.
bool run_with_runner(const CaseRunner& runner, uint32_t param)
{
    if (runner.construct == nullptr)
        return run_protected(Phase::Body, [&] { runner.body(nullptr, param); });
    void* const fixture = g_fixture_storage;
    if (!run_protected(Phase::CaseSetup, [&] { runner.construct(fixture, param); })) {
        core::println("{}# the fixture's constructor did not finish; body not run", case_indent);
        ++g_state.failures;
        return false;
    }
    bool body_returned = false;
    if (runner.set_up == nullptr || run_protected(Phase::CaseSetup, [&] { runner.set_up(fixture); })) {
        if (!g_state.skipped)
            body_returned = run_protected(Phase::Body, [&] { runner.body(fixture, param); });
    } else if (!g_state.skipped) {
        core::println("{}# the fixture's set_up did not finish; body not run", case_indent);
    }
    const bool panicked_in_body = g_state.panicked;
    if (runner.tear_down != nullptr)
        (void)run_protected(Phase::CaseTeardown, [&] { runner.tear_down(fixture); });
    (void)run_protected(Phase::CaseTeardown, [&] { runner.destroy(fixture); });
    // A panic in tear-down is a failure of its own (on_panic counted it);
    // what should_panic judges is the body's.
    g_state.panicked = panicked_in_body;
    return body_returned;
}

// Runs every hook of `kind` for `suite`; false if one did not finish cleanly.
bool run_hooks(const char* suite, HookKind kind, Phase phase)
{
    bool ok = true;
    for (const HookInfo* hook : registered_hooks()) {
        if (hook->kind != kind || !same(hook->suite, suite))
            continue;
        const uint32_t failures_before = g_state.failures;
        if (!run_protected(phase, hook->function) || g_state.failures != failures_before)
            ok = false;
    }
    return ok;
}

void print_duration(const Selected& selected, uint64_t tsc_ticks)
{
    const CaseInfo& info = *selected.info;
    // Kernels that stop before the Timing stage calibrate at their first case.
    if (!arch::tsc::calibrated()) {
        if (auto hz = drivers::calibrate_tsc(); !hz) {
            core::println("{}# {}.{}: duration unknown: {}", case_indent, info.suite, CaseName{selected},
                          hz.error());
            return;
        }
    }
    const uint64_t ns = MUST(arch::tsc::to_nanoseconds(tsc_ticks)); // calibrated just above
    core::println("{}# {}.{} took {}.{:03} ms", case_indent, info.suite, CaseName{selected}, ns / 1'000'000,
                    (ns / 1'000) % 1'000);
}

bool contains(std::string_view text, const char* part)
{
    return part == nullptr || text.find(part) != std::string_view::npos;
}

enum class Verdict { Passed, Failed, Skipped };

// What a case's thread does: the setup hooks, the body (or the fixture's
// steps around it), the tear-down hooks, then the cleanup actions.
struct CaseRun {
    const Selected& selected;
    bool body_returned = false;
    bool body_panicked = false;
};

void run_case_phases(void* context)
{
    auto& run = *static_cast<CaseRun*>(context);
    const CaseInfo& info = *run.selected.info;
    if (run_hooks(info.suite, HookKind::CaseSetup, Phase::CaseSetup) && !g_state.skipped) {
        run.body_returned = info.runner != nullptr ? run_with_runner(*info.runner, run.selected.param)
                                                   : run_protected(Phase::Body, info.body);
        run.body_panicked = g_state.panicked;
    } else if (!g_state.skipped) {
        core::println("{}# the case's setup failed; body not run", case_indent);
        ++g_state.failures;
    }
    if (!run_hooks(info.suite, HookKind::CaseTeardown, Phase::CaseTeardown))
        ++g_state.failures;
    internal::run_deferred_actions();
}

Verdict run_case(const Selected& selected, uint32_t number, const Options& options, bool suite_ready)
{
    const CaseInfo& info = *selected.info;
    const CaseName name{selected};
    const CaseAttributes& attributes = info.attributes;
    core::println("{}# RUN {}.{}{}{}", case_indent, info.suite, name, attributes.slow ? " [slow]" : "",
                    attributes.should_panic ? " [should_panic]" : "");
    if (!suite_ready) {
        core::println("{}# not run: the suite's setup failed", case_indent);
        core::println("{}not ok {} {}", case_indent, number, name);
        return Verdict::Failed;
    }
    if (attributes.slow && options.skip_slow) {
        core::println("{}ok {} {} # SKIP slow case (ktest.skip_slow)", case_indent, number, name);
        return Verdict::Skipped;
    }

    g_state.reset_for(&info, Phase::CaseSetup);
    g_state.param = selected.param;
    const uint64_t start = arch::tsc::now();
    CaseRun run{selected};
    internal::run_in_case_thread(info, options, &run_case_phases, &run);
    const bool body_returned = run.body_returned;
    const bool body_panicked = run.body_panicked;
    const uint64_t elapsed = arch::tsc::now() - start;
    g_state.phase = Phase::Idle;
    g_state.current = nullptr;
    print_duration(selected, elapsed);

    if (g_state.skipped && g_state.failures == 0) {
        core::println("{}ok {} {} # SKIP {}", case_indent, number, name, g_state.skip_reason.view());
        return Verdict::Skipped;
    }
    bool passed = g_state.failures == 0;
    if (attributes.should_panic) {
        if (!body_panicked) {
            passed = false;
            core::println("{}# did not panic: the case {} without the panic it should cause", case_indent,
                            body_returned ? "returned" : "ended");
        } else if (!contains(g_state.panic_message.view(), attributes.panic_message)) {
            passed = false;
            core::println("{}# the panic message does not contain \"{}\"", case_indent, attributes.panic_message);
        }
    }
    core::println("{}{} {} {}", case_indent, passed ? "ok" : "not ok", number, name);
    return passed ? Verdict::Passed : Verdict::Failed;
}

bool run_suite(const Suite& suite, uint32_t number, const Options& options, Totals& totals)
{
    core::println("{}KTAP version 1", case_indent);
    core::println("{}# Subtest: {}", case_indent, suite.name);
    core::println("{}1..{}", case_indent, suite.count);

    g_state.reset_for(nullptr, Phase::SuiteSetup);
    const bool ready = run_hooks(suite.name, HookKind::SuiteSetup, Phase::SuiteSetup);
    g_state.phase = Phase::Idle;
    if (!ready)
        core::println("{}# suite setup of {} failed", case_indent, suite.name);

    Totals suite_totals;
    for (uint32_t i = 0; i < suite.count; ++i) {
        switch (run_case(g_cases[suite.first + i], i + 1, options, ready)) {
        case Verdict::Passed: ++suite_totals.passed; break;
        case Verdict::Failed: ++suite_totals.failed; break;
        case Verdict::Skipped: ++suite_totals.skipped; break;
        }
    }

    g_state.reset_for(nullptr, Phase::SuiteTeardown);
    const bool torn_down = run_hooks(suite.name, HookKind::SuiteTeardown, Phase::SuiteTeardown);
    g_state.phase = Phase::Idle;
    if (!torn_down)
        core::println("{}# suite teardown of {} failed", case_indent, suite.name);

    totals.passed += suite_totals.passed;
    totals.failed += suite_totals.failed;
    totals.skipped += suite_totals.skipped;
    const bool ok = suite_totals.failed == 0 && ready && torn_down;
    core::println("# {}: {}", suite.name, suite_totals);
    const bool all_skipped = suite_totals.skipped == suite.count && suite.count > 0;
    core::println("{} {} {}{}", ok ? "ok" : "not ok", number, suite.name, ok && all_skipped ? " # SKIP" : "");
    return ok;
}

void list_cases()
{
    core::println("# ktest: {} case(s) selected; listing only, nothing runs", g_case_count);
    for (uint32_t s = 0; s < g_suite_count; ++s) {
        for (uint32_t i = 0; i < g_suites[s].count; ++i) {
            const Selected& selected = g_cases[g_suites[s].first + i];
            const CaseInfo& info = *selected.info;
            core::println("# case {}.{}{}{} ({}:{})", info.suite, CaseName{selected}, info.attributes.slow ? " [slow]" : "",
                            info.attributes.should_panic ? " [should_panic]" : "", info.file, info.line);
        }
    }
}

} // namespace

internal::RunState& internal::state()
{
    return g_state;
}

void write_name_token(kstd::Sink& sink, std::string_view text)
{
    for (char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '-' || c == '+';
        const char out = keep ? c : '_';
        sink.write(std::string_view(&out, 1));
    }
}

ExitCode run_registered_cases(const Options& options)
{
    // The top-level plan comes on the line right after the version line, before
    // any diagnostic: some KTAP readers (older versions of Linux's kunit.py)
    // look for it only there, and without a plan a reader cannot tell a report
    // cut between two suites from a whole one. Selecting the cases prints
    // nothing (it can only panic, which the runner reports as a panic).
    core::println("KTAP version 1");
    internal::configure_benchmarks(options);
    select_cases(options);
    const bool runs = !options.list && g_case_count > 0;
    core::println("1..{}", runs ? g_suite_count * options.repeat : 0);

    const size_t registered = registered_cases().size();
    if (!options.filter().empty())
        core::println("# ktest: filter '{}' selects {} of {} case(s)", options.filter(), g_case_count, registered);
    if (options.list) {
        list_cases();
        return ExitCode::Passed;
    }
    if (g_case_count == 0) {
        core::println("# ktest: no test case to run ({} registered{})", registered,
                        options.filter().empty() ? "" : ", none matches the filter");
        return ExitCode::Failed;
    }

    Random random(options.seed_given ? options.seed : arch::tsc::now());
    uint64_t seed = options.seed;
    if (options.shuffle && !options.seed_given) {
        seed = random.next();
        random = Random(seed);
    }
    core::println("# ktest: {} case(s) in {} suite(s)", g_case_count, g_suite_count);
    if (options.shuffle)
        core::println("# ktest: shuffled with seed {} (same order again: ktest.seed={})", seed, seed);
    if (options.repeat > 1)
        core::println("# ktest: repeating {} times", options.repeat);

    Totals totals;
    bool all_ok = true;
    uint32_t number = 0;
    for (uint32_t iteration = 1; iteration <= options.repeat; ++iteration) {
        if (options.repeat > 1)
            core::println("# ktest: iteration {} of {}", iteration, options.repeat);
        if (options.shuffle) {
            shuffle(std::span<Suite>(g_suites, g_suite_count), random);
            for (uint32_t s = 0; s < g_suite_count; ++s)
                shuffle(std::span<Selected>(g_cases + g_suites[s].first, g_suites[s].count), random);
        }
        for (uint32_t s = 0; s < g_suite_count; ++s)
            all_ok &= run_suite(g_suites[s], ++number, options, totals);
    }
    core::println("# Totals: {}", totals);
    return all_ok ? ExitCode::Passed : ExitCode::Failed;
}

void run_should_panic(const ShouldPanicSpec& spec)
{
    g_should_panic = &spec;
    core::println("KTAP version 1");
    core::println("1..1");
    core::println("# RUN {} (should panic with a message containing \"{}\")", spec.name, spec.message_contains);
    spec.body();
    g_should_panic = nullptr;
    core::println("# did not panic: {} returned without panicking ({}:{})", spec.name, spec.file, spec.line);
    core::println("not ok 1 {}", spec.name);
    core::println("# Totals: pass:0 fail:1 skip:0 total:1");
    qemu_exit(ExitCode::Failed);
}

void internal::on_panic(const core::PanicInfo& info)
{
    if (g_state.running()) {
        // A panic inside a case (or hook): report it as the case's
        // diagnostics and resume the executor; the run goes on. In a thread
        // the case started, that thread ends instead (case_thread.cpp).
        const bool expected = g_state.phase == Phase::Body && g_state.current
            && g_state.current->attributes.should_panic;
        core::println("{}# PANIC: {}", case_indent, info.message);
        core::println("{}#   at {}:{} in {}", case_indent, info.location.file_name(), info.location.line(),
                        info.location.function_name());
        core::print_backtrace(core::console(), info.frame_pointer, "    #   ");
        if (expected) {
            core::println("{}#   (this case should panic)", case_indent);
        } else {
            ++g_state.failures;
        }
        g_state.panicked = true;
        g_state.panic_message.clear();
        g_state.panic_message.write(info.message);
        core::panic_recovered();
        if (!internal::on_case_thread())
            internal::end_helper_thread("it panicked");
        ktest_resume_context(&g_state.jump, ResumePanic);
    }

    core::print_panic_report(info);
    if (g_should_panic) {
        const ShouldPanicSpec& spec = *g_should_panic;
        const bool matches = contains(info.message, spec.message_contains);
        if (matches)
            core::println("# should-panic: panicked as expected");
        else
            core::println("# the panic message does not contain \"{}\"", spec.message_contains);
        core::println("{} 1 {}", matches ? "ok" : "not ok", spec.name);
        core::println("# Totals: pass:{} fail:{} skip:0 total:1", matches ? 1 : 0, matches ? 0 : 1);
        qemu_exit(matches ? ExitCode::Passed : ExitCode::Failed);
    }
    core::println("# ktest: kernel panic outside any test case; stopping");
    qemu_exit(ExitCode::Failed);
}

} // namespace ktest

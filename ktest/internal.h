#pragma once
// ktest's own state, shared by its source files; not for test code.

#include <cstdint>
#include <string_view>
#include "core/panic.h"
#include "kstd/format.h"
#include "ktest/ktest.h"
#include "ktest/options.h"

namespace ktest::internal {

struct JumpBuffer {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};

extern "C" [[gnu::returns_twice]] int ktest_save_context(JumpBuffer* buffer);
extern "C" [[noreturn]] void ktest_resume_context(JumpBuffer* buffer, int value);

// Why a case left through ktest_resume_context.
enum Resume : int { ResumeAssert = 1, ResumeSkip = 2, ResumePanic = 3 };

enum class Phase : uint8_t { Idle, SuiteSetup, CaseSetup, Body, CaseTeardown, SuiteTeardown };

// What is running now and what it has done so far.
struct RunState {
    const CaseInfo* current = nullptr; // null in suite hooks
    uint32_t param = 0;                // which value of a parameterised case
    Phase phase = Phase::Idle;
    JumpBuffer jump{};
    uint32_t failures = 0;
    bool skipped = false;
    bool panicked = false;
    kstd::StringBuffer<160> skip_reason;
    kstd::StringBuffer<256> panic_message;

    bool running() const { return phase != Phase::Idle; }
    void reset_for(const CaseInfo* info, Phase next)
    {
        current = info;
        param = 0;
        phase = next;
        failures = 0;
        skipped = false;
        panicked = false;
        skip_reason.clear();
        panic_message.clear();
    }
};

RunState& state();

// Diagnostic lines of a case are indented like its result line (KTAP
// subtests are indented four spaces).
inline constexpr std::string_view case_indent = "    ";

// Benchmarks (ktest/bench.cpp) read ktest.bench_quick from the options.
void configure_benchmarks(const Options& options);

// Called by the kernel's panic() (see core::set_panic_observer).
void on_panic(const core::PanicInfo& info);
// Called by the sanitizers' reports (see core::set_sanitizer_observer).
bool on_sanitizer_report(std::string_view report);

} // namespace ktest::internal

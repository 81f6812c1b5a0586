#pragma once
// ktest's own state, shared by its source files; not for test code.

#include <cstdint>
#include <string_view>
#include "core/panic.h"
#include "kstd/format.h"
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "ktest/options.h"
#include "sched/thread.h"
#include "smp/cpu_startup.h"
#include "sync/preemption.h"
#include "sync/spinlock.h"

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
    // The thread the case runs in (ktest/case_thread.cpp), null while none
    // does or when the kernel has no scheduler (cases then run on the boot thread).
    sched::Thread* case_thread = nullptr;
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

// Runs one phase (a hook, a fixture's step, the body, a deferred action) so
// that ASSERT_*, KTEST_SKIP and a panic end it by resuming here. Returns true
// if `function` returned. Nests: the outer phase's resume point is kept.
template <typename Function>
bool run_protected(Phase phase, const Function& function)
{
    RunState& run = state();
    const JumpBuffer outer = run.jump;
    const Phase outer_phase = run.phase;
    run.phase = phase;
    const uint32_t preemption_depth = sync::preemption_depth();
    const uint32_t scheduler_lock_depth = sched::scheduler_lock_depth();
    const uint32_t held_locks = sync::held_lock_count();
    bool returned = true;
    if (ktest_save_context(&run.jump) == 0) {
        function();
    } else {
        returned = false;
        // The phase may have ended with GS on a borrowed per-CPU area (a
        // case of per_cpu or spinlock): this CPU's own, first.
        smp::reload_own_cpu_data();
        disarm_fault_expectation(); // the phase may have ended inside an EXPECT_FAULT
        // A spinlock or an interrupt handler the jump abandoned held the count.
        sync::restore_preemption_depth(preemption_depth);
        sched::restore_scheduler_lock_depth(scheduler_lock_depth);
        sync::forget_held_locks_above(held_locks); // and the lock order checker's record of them
    }
    run.jump = outer;
    run.phase = outer_phase;
    return returned;
}

// Cleanup actions (ktest::defer, ktest/defer.cpp): runs the pending ones,
// last in first out, each as a phase of its own; forgets them all.
void run_deferred_actions();
uint32_t deferred_actions();

// Case threads (ktest/case_thread.cpp).
// Whether the code running now may end its phase by resuming the executor:
// it runs in the case's thread (or cases run on the boot thread).
bool on_case_thread();
// A thread the case started failed an ASSERT or panicked: it ends here
// (sched::exit with sched::killed_status); the case goes on and fails.
[[noreturn]] void end_helper_thread(std::string_view why);
// Runs `body` as the case's thread, with the watchdog; reports and reaps the
// threads the case left behind. Without a scheduler, runs it in place.
void run_in_case_thread(const CaseInfo& info, const Options& options, void (*body)(void*), void* context);

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

// Each case runs in a thread of its own (as KUnit runs each in a kthread),
// while the executor waits for it at high priority with a deadline:
//
//   executor (boot thread, high)        case thread (normal)
//   create "ktest case" ------------->  setup hooks, body, tear-down,
//   join_until(watchdog deadline)       cleanup actions (ktest::defer)
//        |                                  |  may start threads of its own
//        | <-------- exits ----------------'
//   reap what the case left: report each thread still there, kill it, free it
//
// A failed ASSERT or a panic in the case's thread ends its phase by a jump
// within that thread (executor.cpp); in a thread the case started, it ends
// that thread (end_helper_thread) and the case fails. If the deadline passes
// first (a deadlock, a thread that spins), the watchdog prints every
// thread's state and backtrace, fails the case, kills its threads and runs
// its cleanup actions from the executor. Code that spins with interrupts
// off stops the timer too: then only the runner's own timeout can tell.
//
// Kernels without a scheduler (an early init stage) and cases marked
// ktest::on_boot_thread run in place, on the boot thread.

#include "arch/x86_64/memory_layout.h"
#include "core/console.h"
#include "core/print.h"
#include "ktest/internal.h"
#include "sched/thread.h"

namespace ktest::internal {

namespace {
struct CaseThreadStart {
    void (*body)(void*);
    void* context;
};

int case_thread_main(void* argument)
{
    const auto& start = *static_cast<CaseThreadStart*>(argument); // run_in_case_thread passes its CaseThreadStart
    start.body(start.context);
    return 0;
}

// Writes to the console with `prefix` at the start of every line: the
// thread table as KTAP diagnostic lines of the case.
class DiagnosticSink final : public kstd::Sink {
public:
    explicit DiagnosticSink(std::string_view prefix) : m_prefix(prefix) {}
    void write(std::string_view text) override
    {
        while (!text.empty()) {
            if (m_at_line_start)
                core::console().write(m_prefix);
            const size_t newline = text.find('\n');
            const size_t length = newline == std::string_view::npos ? text.size() : newline + 1;
            core::console().write(text.substr(0, length));
            m_at_line_start = newline != std::string_view::npos;
            text.remove_prefix(length);
        }
    }

private:
    std::string_view m_prefix;
    bool m_at_line_start = true;
};

// Reports, kills and frees the threads with an id from `first_id` on that
// are still there; returns how many were reported. Detached threads that
// have exited are the reaper's, not left behind.
uint32_t reap_leftovers(uint64_t first_id)
{
    uint32_t reported = 0;
    for (;;) {
        (void)sched::reap_detached();
        sched::Thread* leftover[1];
        if (sched::threads_since(first_id, leftover) == 0)
            return reported;
        sched::Thread& thread = *leftover[0];
        ++reported;
        core::println("{}# thread {} \"{}\" was left {}{} by the case: {}", case_indent, thread.id(), thread.name(),
                      to_string(thread.state()), thread.is_detached() ? " (detached)" : "",
                      thread.state() == sched::ThreadState::Exited ? "freed" : "killed and freed");
        sched::kill(thread);
        if (!thread.is_detached())
            (void)sched::join(thread); // a detached one is reaped at the top of the loop
    }
}
} // namespace

bool on_case_thread()
{
    const RunState& run = state();
    return run.case_thread == nullptr || &sched::current_thread() == run.case_thread;
}

void end_helper_thread(std::string_view why)
{
    sched::Thread& self = sched::current_thread();
    core::println("{}# thread {} \"{}\" of the case ends here: {}", case_indent, self.id(), self.name(), why);
    // Whatever spinlock or guard it held is abandoned with it (as a jump
    // abandons them in the case's own thread): the next thread starts at 0.
    sync::restore_preemption_depth(0);
    sched::restore_scheduler_lock_depth(0);
    sync::forget_held_locks_above(0);
    sched::exit(sched::killed_status);
}

void run_in_case_thread(const CaseInfo& info, const Options& options, void (*body)(void*), void* context)
{
    RunState& run = state();
    if (!sched::initialized() || info.attributes.on_boot_thread) {
        body(context);
        return;
    }
    sched::Thread& executor = sched::current_thread();
    if (executor.priority() != sched::Priority::High)
        sched::set_priority(executor, sched::Priority::High); // the watchdog's deadline preempts the case
    const uint64_t first_id = sched::next_thread_id();
    CaseThreadStart start{body, context};
    // The boot stack's size: cases were written for it.
    // A static record: cases check the heap's counters, which it must not move.
    static sched::ThreadStorage record;
    auto thread = sched::Thread::create_in(&record, "ktest case", &case_thread_main, &start, sched::Priority::Normal,
                                           arch::layout::boot_stack_size);
    if (!thread) {
        core::println("{}# cannot start the case's thread ({}): it runs on the executor's", case_indent,
                      thread.error());
        body(context);
        return;
    }
    run.case_thread = *thread;
    const uint64_t limit_ms = options.watchdog_ms * (info.attributes.slow ? 6 : 1);
    const auto deadline
        = limit_ms == 0 ? sched::Deadline::never() : sched::Deadline::after(std::chrono::milliseconds(limit_ms));
    const bool ended = sched::wait_until_exited(**thread, deadline);
    if (!ended) {
        core::println("{}# watchdog: {}.{} still runs after {} ms (a deadlock, or a thread that never ends); "
                      "its threads:",
                      case_indent, info.suite, info.name, limit_ms);
        DiagnosticSink sink("    #   ");
        sched::print_threads(sink, true);
        ++run.failures;
        sched::kill(**thread);
        run.case_thread = nullptr; // its cleanup actions run here, its stack still intact
        run.phase = Phase::CaseTeardown;
        run_deferred_actions();
    }
    run.case_thread = nullptr;
    // Before the case thread's stack goes: threads left behind may wait in
    // queues that live there.
    if (reap_leftovers(first_id + 1) > 0)
        ++run.failures;
    (void)sched::join(**thread);
}

} // namespace ktest::internal

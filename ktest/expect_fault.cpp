// ktest's fault interceptor (interrupts::set_fault_interceptor): catches the
// exceptions EXPECT_FAULT expects, and turns any other exception inside a
// case into a failed case with the report as KTAP diagnostics.

#include "ktest/expect_fault.h"
#include "interrupts/fault_report.h"
#include "interrupts/interrupts.h"
#include "core/print.h"
#include "ktest/internal.h"

namespace ktest {

namespace {

// Report lines inside a case: KTAP diagnostics at the case's indentation.
constexpr std::string_view report_indent = "    # ";

const internal::FaultSite* g_armed = nullptr;
internal::JumpBuffer g_resume{};
interrupts::Fault g_last_fault{};

interrupts::Interception intercept(const interrupts::Fault& fault)
{
    if (const internal::FaultSite* site = g_armed) {
        g_armed = nullptr;
        if (fault.vector() == site->vector) {
            g_last_fault = fault;
            // Back into run_expecting_fault(), abandoning the statement and
            // the exception handler's frames (the CPU keeps no state for an
            // exception in progress, so nothing needs IRET).
            internal::ktest_resume_context(&g_resume, 1);
        }
        Failure(site->check, site->arguments, site->file, site->line);
        Failure::note("expected {} from `{}`, but got {}", interrupts::FaultTitle{site->vector}, site->statement,
                      interrupts::FaultTitle{fault.vector()});
        interrupts::print_fault_report(core::console(), fault, report_indent);
        Failure::finish(Severity::Assert); // ends the case: it cannot go on after a wrong fault
    }
    if (!internal::state().running())
        return interrupts::Interception::Default; // outside a case: the kernel reports and panics
    interrupts::print_fault_report(core::console(), fault, report_indent);
    if (fault.vector() < interrupts::exception_count && interrupts::continues_after_report(fault.vector())) {
        core::println("{}  (continuing)", report_indent);
        return interrupts::Interception::Continue;
    }
    interrupts::panic_for_fault(fault); // the panic observer fails the case and resumes the executor
}

} // namespace

void internal::install_fault_interceptor()
{
    interrupts::set_fault_interceptor(&intercept);
}

const interrupts::Fault& last_fault()
{
    return g_last_fault;
}

void print_fault(const interrupts::Fault& fault)
{
    interrupts::print_fault_report(core::console(), fault, report_indent);
}

internal::FaultOutcome internal::run_expecting_fault(const FaultSite& site, void (*thunk)(void*), void* context)
{
    if (g_armed)
        core::panic("{} at {}:{} inside the statement of another fault check", site.check, site.file, site.line);
    if (ktest_save_context(&g_resume) != 0)
        return FaultOutcome::Faulted; // resumed by intercept()
    g_armed = &site;
    thunk(context);
    g_armed = nullptr;
    return FaultOutcome::NoFault;
}

void internal::disarm_fault_expectation()
{
    g_armed = nullptr;
}

} // namespace ktest

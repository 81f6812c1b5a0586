// The kernel's sanitizers (UBSan, KASAN: docs/testing.md) report through
// core::SanitizerReport; in a test kernel the report lands here. Inside a
// case (or a hook) it becomes the case's diagnostics and the case fails, as
// after a failed EXPECT: the code goes on, and the case is reported `not ok`.
// Outside any case the report is a panic (the kernel's own error).

#include "core/print.h"
#include "core/sanitizer_report.h"
#include "ktest/internal.h"

namespace ktest::internal {

bool on_sanitizer_report(std::string_view report)
{
    RunState& run = state();
    if (!run.running())
        return false;
    while (!report.empty()) {
        const size_t end = report.find('\n');
        const std::string_view line = report.substr(0, end);
        core::println("{}# {}", case_indent, line);
        report = end == std::string_view::npos ? std::string_view() : report.substr(end + 1);
    }
    Failure::finish(Severity::Expect); // the case fails and goes on
    return true;
}

} // namespace ktest::internal

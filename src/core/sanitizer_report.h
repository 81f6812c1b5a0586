#pragma once
// How the kernel's sanitizers report (test kernels only: UBSan's handlers in
// core/ubsan.cpp, KASAN in mem/kasan/). A report is a few lines of text, the
// first naming the kind of error and where, the rest the values and the
// backtraces ("#N 0x..." lines, which the test runner symbolises):
//
//   UBSan: signed-integer-overflow at tests/detectors/ubsan_catches.cpp:31:14
//     2147483647 + 1 cannot be represented in type 'int'
//     backtrace:
//       #0 0xffffffff80104c3e
//
// The code that erred goes on after the report (the checks are recoverable).
// A harness may take the report: ktest prints it as the running case's
// diagnostics and fails that case (ktest/sanitizer_reports.cpp). Without an
// observer, or when it declines (no case is running), the report is a panic.

#include <source_location>
#include <string_view>
#include "arch/x86_64/address.h"
#include "kstd/format.h"

namespace core {

// Takes a finished report (lines separated by '\n'); true if it did, false
// to have the report panic.
using SanitizerObserver = bool (*)(std::string_view report);
void set_sanitizer_observer(SanitizerObserver observer);

// Writes one report. At most one is written at a time: a check that fails
// while a report is being written (in the reporting code itself, or in an
// interrupt handler) reports nothing, so sink() is null and the caller must
// give up. Use as
//
//   SanitizerReport report;
//   if (!report.sink()) return;
//   kstd::format_to(*report.sink(), "UBSan: ...\n");
//   report.backtrace(frame_pointer);
//   report.finish();                    // the observer takes it, or a panic
class SanitizerReport {
public:
    SanitizerReport();
    ~SanitizerReport();
    SanitizerReport(const SanitizerReport&) = delete;
    SanitizerReport& operator=(const SanitizerReport&) = delete;

    kstd::Sink* sink() { return m_active ? m_sink : nullptr; }
    // "  backtrace:" and the return addresses up the chain from `frame_pointer`.
    void backtrace(arch::VirtAddr frame_pointer);
    void finish(const std::source_location& location = std::source_location::current());
    // For errors after which the code cannot go on: the report is a panic.
    [[noreturn]] void finish_fatal(const std::source_location& location = std::source_location::current());

private:
    bool m_active;
    kstd::Sink* m_sink;
};

// Is a report being written? (KASAN's checks pass meanwhile.)
bool in_sanitizer_report();

} // namespace core

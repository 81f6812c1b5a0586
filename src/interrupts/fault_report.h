#pragma once
// The report printed for an exception or an unexpected interrupt:
//
//   EXCEPTION: page fault (#PF, vector 14)
//     what happened: null-pointer dereference: write at 0x0000000000000000
//     error code 0x0000000000000002: not-present page, write, supervisor mode
//     CR2 0x0000000000000000
//     RIP 0xffffffff80104c3e  RSP 0xffffffff80117e80  RFLAGS 0x0000000000010246 [ZF PF IF RF]
//     CS 0x0008  SS 0x0010  interrupted on the boot stack; handler on the boot stack
//     RAX 0x...  RBX 0x...  RCX 0x...
//     ...
//     backtrace:
//       #0 0xffffffff80104c3e
//       #1 0xffffffff80104d10
//
// The backtrace is the panic report's (core/backtrace.h), with the
// interrupted RIP as #0; the test runner turns its lines into function and
// file:line. docs/interrupts.md explains how to read a report.

#include <string_view>
#include "interrupts/exceptions.h"
#include "kstd/format.h"

namespace interrupts {

// "page fault (#PF, vector 14)" or "unexpected interrupt (vector 0x90)".
struct FaultTitle {
    uint8_t vector;
};
void format_value(kstd::Sink& sink, FaultTitle title, const kstd::FormatSpec& spec);

// Every line starts with `indent` (the test framework makes the lines KTAP
// diagnostics with "    # ").
void print_fault_report(kstd::Sink& sink, const Fault& fault, std::string_view indent);

// True while a report is being printed: a fault now is a fault in the
// reporting code, and the dispatcher stops instead of reporting it again.
bool fault_report_in_progress();

} // namespace interrupts

#include "interrupts/fault_report.h"
#include "arch/x86_64/kernel_stacks.h"
#include "core/backtrace.h"
#include "interrupts/fault_diagnosis.h"
#include "mem/page_walk.h"

namespace interrupts {

namespace {

bool g_reporting = false;

struct Flags {
    uint64_t rflags;
};

// RFLAGS by name (Intel SDM vol. 1, figure 3-8).
void format_value(kstd::Sink& sink, Flags flags, const kstd::FormatSpec&)
{
    struct Bit {
        unsigned bit;
        std::string_view name;
    };
    constexpr Bit bits[] = {{0, "CF"},  {2, "PF"},  {4, "AF"},  {6, "ZF"},  {7, "SF"},  {8, "TF"}, {9, "IF"},
                            {10, "DF"}, {11, "OF"}, {14, "NT"}, {16, "RF"}, {17, "VM"}, {18, "AC"}};
    sink.write("[");
    bool first = true;
    for (const Bit& b : bits) {
        if ((flags.rflags >> b.bit) & 1) {
            if (!first)
                sink.write(" ");
            sink.write(b.name);
            first = false;
        }
    }
    const uint64_t iopl = (flags.rflags >> 12) & 3;
    if (iopl != 0)
        kstd::format_to(sink, "{}IOPL={}", first ? "" : " ", iopl);
    sink.write("]");
}

struct StackName {
    arch::VirtAddr address;
};

void format_value(kstd::Sink& sink, StackName stack, const kstd::FormatSpec&)
{
    if (const arch::GuardedStack* known = arch::stack_containing(stack.address))
        kstd::format_to(sink, "the {}", known->name);
    else if (const arch::GuardedStack* guarded = arch::stack_guarded_at(stack.address))
        kstd::format_to(sink, "the guard page of the {}", guarded->name);
    else
        sink.write("an unknown stack");
}

} // namespace

void format_value(kstd::Sink& sink, FaultTitle title, const kstd::FormatSpec&)
{
    if (title.vector < exception_count) {
        const ExceptionInfo& info = exception_info(title.vector);
        kstd::format_to(sink, "{} ({}, vector {})", info.name, info.mnemonic, title.vector);
    } else {
        kstd::format_to(sink, "unexpected interrupt (vector {:#04x})", title.vector);
    }
}

bool fault_report_in_progress()
{
    return g_reporting;
}

void print_fault_report(kstd::Sink& sink, const Fault& fault, std::string_view indent)
{
    g_reporting = true;
    const arch::InterruptFrame& f = fault.frame;
    const uint8_t vector = fault.vector();
    const bool exception = vector < exception_count;
    kstd::format_to(sink, "{}{}: {}\n", indent, exception ? "EXCEPTION" : "INTERRUPT", FaultTitle{vector});
    kstd::format_to(sink, "{}  what happened: {}\n", indent, diagnose(fault));
    if (exception && exception_info(vector).has_error_code) {
        kstd::format_to(sink, "{}  error code {:#018x}", indent, f.error_code);
        if (fault.is(Exception::PageFault))
            kstd::format_to(sink, ": {}", PageFaultError(f.error_code));
        else if (!fault.is(Exception::DoubleFault) && !fault.is(Exception::ControlProtection))
            kstd::format_to(sink, ": {}", SelectorError(f.error_code));
        sink.write("\n");
    }
    if (fault.is(Exception::PageFault) || fault.is(Exception::DoubleFault))
        kstd::format_to(sink, "{}  CR2 {:#018x}\n", indent, fault.cr2);
    if (fault.is(Exception::DoubleFault))
        kstd::format_to(sink, "{}  (after a double fault the saved RIP may not be exact: SDM vol. 3, 6.15)\n", indent);
    kstd::format_to(sink, "{}  RIP {:#018x}  RSP {:#018x}  RFLAGS {:#018x} {}\n", indent, f.rip, f.rsp, f.rflags,
                    Flags{f.rflags});
    kstd::format_to(sink, "{}  CS {:#06x}  SS {:#06x}  interrupted on {}; handler on {}\n", indent, f.cs, f.ss,
                    StackName{arch::VirtAddr(f.rsp)}, StackName{fault.frame_address});
    kstd::format_to(sink, "{}  RAX {:#018x}  RBX {:#018x}  RCX {:#018x}\n", indent, f.rax, f.rbx, f.rcx);
    kstd::format_to(sink, "{}  RDX {:#018x}  RSI {:#018x}  RDI {:#018x}\n", indent, f.rdx, f.rsi, f.rdi);
    kstd::format_to(sink, "{}  RBP {:#018x}  R8  {:#018x}  R9  {:#018x}\n", indent, f.rbp, f.r8, f.r9);
    kstd::format_to(sink, "{}  R10 {:#018x}  R11 {:#018x}  R12 {:#018x}\n", indent, f.r10, f.r11, f.r12);
    kstd::format_to(sink, "{}  R13 {:#018x}  R14 {:#018x}  R15 {:#018x}\n", indent, f.r13, f.r14, f.r15);
    kstd::StringBuffer<40> nested_indent;
    nested_indent.write(indent);
    nested_indent.write("  ");
    // The chain may be what broke: every record is checked to be mapped
    // before it is read, so a corrupt one ends the list instead of faulting
    // again (the report can be printed before mem has registered its check).
    core::print_backtrace_from(sink, arch::VirtAddr(f.rip), arch::VirtAddr(f.rbp), nested_indent.view(),
                               mem::frame_record_mapped);
    g_reporting = false;
}

} // namespace interrupts

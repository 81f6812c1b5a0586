#include "interrupts/exceptions.h"

namespace interrupts {

namespace {

using C = ExceptionClass;

// Intel SDM vol. 3, table 6-1, and AMD APM vol. 2, table 8-1 for 28-30.
constexpr ExceptionInfo g_exceptions[exception_count] = {
    {"#DE", "divide error", C::Fault, false},
    {"#DB", "debug exception", C::Trap, false},
    {"NMI", "non-maskable interrupt", C::Interrupt, false},
    {"#BP", "breakpoint", C::Trap, false},
    {"#OF", "overflow", C::Trap, false},
    {"#BR", "bound range exceeded", C::Fault, false},
    {"#UD", "invalid opcode", C::Fault, false},
    {"#NM", "device not available", C::Fault, false},
    {"#DF", "double fault", C::Abort, true},
    {"#9", "coprocessor segment overrun", C::Abort, false},
    {"#TS", "invalid TSS", C::Fault, true},
    {"#NP", "segment not present", C::Fault, true},
    {"#SS", "stack-segment fault", C::Fault, true},
    {"#GP", "general protection fault", C::Fault, true},
    {"#PF", "page fault", C::Fault, true},
    {"#15", "reserved exception", C::Reserved, false},
    {"#MF", "x87 floating-point error", C::Fault, false},
    {"#AC", "alignment check", C::Fault, true},
    {"#MC", "machine check", C::Abort, false},
    {"#XM", "SIMD floating-point exception", C::Fault, false},
    {"#VE", "virtualization exception", C::Fault, false},
    {"#CP", "control protection exception", C::Fault, true},
    {"#22", "reserved exception", C::Reserved, false},
    {"#23", "reserved exception", C::Reserved, false},
    {"#24", "reserved exception", C::Reserved, false},
    {"#25", "reserved exception", C::Reserved, false},
    {"#26", "reserved exception", C::Reserved, false},
    {"#27", "reserved exception", C::Reserved, false},
    {"#HV", "hypervisor injection exception", C::Fault, false},
    {"#VC", "VMM communication exception", C::Fault, true},
    {"#SX", "security exception", C::Fault, true},
    {"#31", "reserved exception", C::Reserved, false},
};

} // namespace

const ExceptionInfo& exception_info(uint8_t vector)
{
    return g_exceptions[vector % exception_count];
}

bool continues_after_report(uint8_t vector)
{
    return vector == vector_of(Exception::Breakpoint) || vector == vector_of(Exception::NonMaskableInterrupt);
}

} // namespace interrupts

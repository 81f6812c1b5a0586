#pragma once
// The 32 exception vectors the CPU reserves (Intel SDM vol. 3, 6.3.1 and
// table 6-1; AMD APM vol. 2, 8.2 for 28-30), what each one means, and the
// Fault record a handler works with.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/interrupt_frame.h"

namespace interrupts {

inline constexpr unsigned exception_count = 32;

enum class Exception : uint8_t {
    DivideError = 0,
    Debug = 1,
    NonMaskableInterrupt = 2,
    Breakpoint = 3,
    Overflow = 4,
    BoundRangeExceeded = 5,
    InvalidOpcode = 6,
    DeviceNotAvailable = 7,
    DoubleFault = 8,
    CoprocessorSegmentOverrun = 9,
    InvalidTss = 10,
    SegmentNotPresent = 11,
    StackSegmentFault = 12,
    GeneralProtection = 13,
    PageFault = 14,
    X87FloatingPoint = 16,
    AlignmentCheck = 17,
    MachineCheck = 18,
    SimdFloatingPoint = 19,
    Virtualization = 20,
    ControlProtection = 21,
    HypervisorInjection = 28,
    VmmCommunication = 29,
    Security = 30,
};

// SDM vol. 3, 6.5: after a fault RIP points at the faulting instruction
// (it can be restarted), after a trap at the next one; an abort leaves no
// reliable place to continue.
enum class ExceptionClass : uint8_t { Fault, Trap, Abort, Interrupt, Reserved };

struct ExceptionInfo {
    std::string_view mnemonic; // "#PF"
    std::string_view name;     // "page fault"
    ExceptionClass kind;
    bool has_error_code;
};

// For vectors 0-31; vectors 22-27 and 31 are reserved ("reserved exception").
const ExceptionInfo& exception_info(uint8_t vector);

constexpr uint8_t vector_of(Exception exception)
{
    return static_cast<uint8_t>(exception);
}

// What a handler knows about one exception or unexpected interrupt: a copy
// of the frame the stub built, CR2 as read on entry (before anything else
// could fault), and where the frame was (which stack the handler ran on).
struct Fault {
    arch::InterruptFrame frame;
    arch::VirtAddr cr2;
    arch::VirtAddr frame_address;

    uint8_t vector() const { return static_cast<uint8_t>(frame.vector); }
    bool is(Exception exception) const { return frame.vector == vector_of(exception); }
};

// True for the exceptions after which the kernel carries on by default
// (#BP, NMI): the report is printed and the interrupted code resumes.
bool continues_after_report(uint8_t vector);

} // namespace interrupts

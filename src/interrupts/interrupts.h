#pragma once
// Interrupts and exceptions: how a vector reaches its handler.
//
//   CPU -> IDT gate (arch/x86_64/idt.cpp) -> entry stub (interrupt_stubs.asm)
//       -> interrupt_dispatch() (dispatch.cpp)
//            vectors  0-31   exceptions: the fault interceptor, then the
//                            report, then continue (#BP, NMI) or panic
//            vectors 32-47   IRQ 0-15, from the 8259 PICs or the I/O APIC (irq.h)
//            vectors 48-223  handlers registered with register_handler();
//                            any other is reported and the kernel panics
//            vectors 224-239 the 8259s parked under the I/O APIC (spurious only)
//            vectors 240-255 the local APIC: timer, IPIs, error, spurious
//                            (local_apic.h)
//
// See docs/interrupts.md.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/interrupt_frame.h"
#include "interrupts/exceptions.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace interrupts {

using Handler = void (*)(arch::InterruptFrame& frame);

enum class Error : uint8_t {
    ReservedVector, // an exception or PIC vector: not for register_handler()
    InvalidIrq,
    AlreadyRegistered,
};
std::string_view to_string(Error error);

// A handler for a software vector (48-223), e.g. for INT n. Handlers run
// with interrupts off, on the interrupted stack.
kstd::Expected<void, Error> register_handler(uint8_t vector, Handler handler);
void unregister_handler(uint8_t vector);

// The first vector that is neither an exception nor a PIC line.
inline constexpr uint8_t first_free_vector = 48;

// How often each vector has arrived since boot.
uint64_t count(uint8_t vector);

// The test framework's hook into exception handling: called first for every
// exception and every unexpected vector, with interrupts off, on the
// handler's stack. It may leave by resuming a saved context (never to
// return), return Continue to resume the interrupted code as the CPU left
// it (only sensible after a trap, such as #BP), or return Default to get
// the kernel's handling (report, then continue or panic).
enum class Interception : uint8_t { Default, Continue };
using FaultInterceptor = Interception (*)(const Fault& fault);
void set_fault_interceptor(FaultInterceptor interceptor);

// NMIs first go to this handler (smp/ installs it: other CPUs send NMIs to
// ask for a TLB shootdown or to stop, since an NMI gets through with
// interrupts off). It returns true for an NMI it was expecting; any other
// is reported as an exception. Runs on the NMI's own stack (IST2), at any
// point of any code: it may only touch atomics and the TLB.
using NmiHandler = bool (*)();
void set_nmi_handler(NmiHandler handler);

// Exceptions raised by user code (ring 3) go to this handler (the user
// layer registers it): it ends the program that faulted, never the kernel,
// or returns having pointed `frame` at the program's signal handler (then
// with interrupts off again). Called with interrupts off, on the thread's
// kernel stack, before any interceptor. Null: such a fault is handled as a kernel one.
using UserFaultHandler = void (*)(const Fault& fault, arch::InterruptFrame& frame);
void set_user_fault_handler(UserFaultHandler handler);

// A page fault at a user address (the lower half), raised by user code or
// by a kernel instruction listed in the exception table (copy_to_user's
// copy): the user layer may resolve it by mapping the page (memory a
// program reserved but has not touched yet, or a copy-on-write page) and
// return true, and the faulting instruction runs again. False: the fault
// is real, and takes its usual course (the fix-up, or the program's end).
// Called on the thread's kernel stack with interrupts off; the resolver
// may turn them on when they were on where the fault struck (it may sleep then).
struct UserPageFault {
    arch::VirtAddr address;
    uint64_t error_code;         // the CPU's (SDM vol. 3, 4.7): present, write, user, fetch bits
    bool interrupts_were_enabled;
};
using UserPageFaultResolver = bool (*)(const UserPageFault& fault);
void set_user_page_fault_resolver(UserPageFaultResolver resolver);

// Called after a hardware interrupt that struck user code, on the way back
// to it (interrupts off, on the thread's kernel stack): where the user
// layer acts on a signal sent while the program ran (it may change `frame`:
// the interrupt returns through IRETQ with every register of it). Returns
// with interrupts off.
using ReturnToUserHook = void (*)(arch::InterruptFrame& frame);
void set_return_to_user_hook(ReturnToUserHook hook);

// The report and panic of an unhandled fault, for an interceptor that
// prints the report itself (indented) and then wants the kernel's panic.
[[noreturn]] void panic_for_fault(const Fault& fault);

// #BP: how many have been handled, and where the last one returned to (the
// instruction after the INT3).
uint64_t breakpoint_count();
arch::VirtAddr last_breakpoint_return_address();

} // namespace interrupts

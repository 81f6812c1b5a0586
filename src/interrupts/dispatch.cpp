// interrupt_dispatch(): where every interrupt stub lands, and the handling
// of exceptions and unexpected vectors.

#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "interrupts/fault_diagnosis.h"
#include "interrupts/fault_report.h"
#include "interrupts/interrupts.h"
#include "arch/x86_64/exception_table.h"
#include "arch/x86_64/user_mode.h"
#include "interrupts/irq.h"
#include "interrupts/local_apic.h"
#include "core/panic.h"
#include "core/print.h"
#include "sync/atomic.h"
#include "sync/preemption.h"

namespace interrupts {

namespace {

constexpr unsigned vector_count = 256;

sync::Atomic<Handler> g_handlers[vector_count];
// Counted by interrupt_dispatch on every CPU, read anywhere.
sync::Atomic<uint64_t> g_counts[vector_count];
sync::Atomic<FaultInterceptor> g_interceptor{nullptr};
sync::Atomic<NmiHandler> g_nmi_handler{nullptr};
sync::Atomic<UserFaultHandler> g_user_fault_handler{nullptr};
sync::Atomic<UserPageFaultResolver> g_user_page_fault_resolver{nullptr};
sync::Atomic<ReturnToUserHook> g_return_to_user_hook{nullptr};

// The lower half, where user memory lives (elf::user_space_end's bound).
constexpr uint64_t lower_half_end = 0x0000'8000'0000'0000;
sync::Atomic<uint64_t> g_last_breakpoint{0}; // the saved RIP, raw: an atomic holds an integer

bool is_software_vector(unsigned vector)
{
    return vector >= first_free_vector && vector < parked_pic_vector;
}

// Interrupts from hardware: the ISA lines (8259 or I/O APIC), the parked
// 8259s' spurious ones, and the local APIC's own (timer, IPIs, error,
// spurious).
bool is_hardware_vector(unsigned vector)
{
    return (vector >= irq_base_vector && vector < irq_base_vector + irq_count) || vector >= parked_pic_vector;
}

void handle_hardware_interrupt(arch::InterruptFrame& frame)
{
    if (frame.vector < irq_base_vector + irq_count)
        handle_irq(frame);
    else if (frame.vector < local_apic::first_vector)
        handle_parked_pic(frame);
    else
        local_apic::handle_interrupt(frame);
}

// A fault while a report was being printed: the reporting code itself is
// broken. Say the least that identifies it and stop.
[[noreturn]] void nested_fault(const arch::InterruptFrame& frame, arch::VirtAddr cr2)
{
    kstd::format_to(core::console(),
                    "\nEXCEPTION while printing an exception report: vector {} at RIP {:#018x}, CR2 {:#018x}; "
                    "halted\n",
                    frame.vector, frame.rip, cr2);
    arch::halt_forever();
}

// Exceptions and unexpected vectors: the interceptor first, then the report,
// then continue or panic.
void handle_fault(const Fault& fault)
{
    if (fault_report_in_progress())
        nested_fault(fault.frame, fault.cr2);
    if (FaultInterceptor interceptor = g_interceptor.load(sync::MemoryOrder::Acquire)) {
        if (interceptor(fault) == Interception::Continue)
            return;
    }
    print_fault_report(core::console(), fault, "");
    if (fault.vector() < exception_count && continues_after_report(fault.vector())) {
        core::println("  (continuing)");
        return;
    }
    panic_for_fault(fault);
}

} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::ReservedVector: return "the vector is an exception, an IRQ line's or the APIC's";
    case Error::InvalidIrq: return "there is no such IRQ line (0-15)";
    case Error::AlreadyRegistered: return "a handler is already registered";
    }
    return "unknown interrupt error";
}

kstd::Expected<void, Error> register_handler(uint8_t vector, Handler handler)
{
    KASSERT(handler != nullptr);
    if (!is_software_vector(vector))
        return kstd::unexpected(Error::ReservedVector);
    Handler expected = nullptr;
    if (!g_handlers[vector].compare_exchange(expected, handler, sync::MemoryOrder::AcquireRelease))
        return kstd::unexpected(Error::AlreadyRegistered);
    return {};
}

void unregister_handler(uint8_t vector)
{
    if (is_software_vector(vector))
        g_handlers[vector].store(nullptr, sync::MemoryOrder::Release);
}

uint64_t count(uint8_t vector)
{
    return g_counts[vector].load(sync::MemoryOrder::Relaxed);
}

void set_user_fault_handler(UserFaultHandler handler)
{
    g_user_fault_handler.store(handler, sync::MemoryOrder::Release);
}

void set_user_page_fault_resolver(UserPageFaultResolver resolver)
{
    g_user_page_fault_resolver.store(resolver, sync::MemoryOrder::Release);
}

void set_return_to_user_hook(ReturnToUserHook hook)
{
    g_return_to_user_hook.store(hook, sync::MemoryOrder::Release);
}

void set_nmi_handler(NmiHandler handler)
{
    g_nmi_handler.store(handler, sync::MemoryOrder::Release);
}

void set_fault_interceptor(FaultInterceptor interceptor)
{
    g_interceptor.store(interceptor, sync::MemoryOrder::Release);
}

void panic_for_fault(const Fault& fault)
{
    core::panic("{}{} at RIP {:#018x}: {}", fault.vector() < exception_count ? "unhandled exception: " : "",
                  FaultTitle{fault.vector()}, fault.frame.rip, diagnose(fault));
}

uint64_t breakpoint_count()
{
    return count(vector_of(Exception::Breakpoint));
}

arch::VirtAddr last_breakpoint_return_address()
{
    return arch::VirtAddr(g_last_breakpoint.load(sync::MemoryOrder::Relaxed));
}

} // namespace interrupts

// Called by interrupt_common (interrupt_stubs.asm) with interrupts off.
extern "C" void interrupt_dispatch(arch::InterruptFrame* frame)
{
    using namespace interrupts;
    // CR2 first: any page fault from here on would overwrite it.
    const arch::VirtAddr cr2 = frame->vector < exception_count ? arch::read_cr2() : arch::VirtAddr();
    const uint8_t vector = static_cast<uint8_t>(frame->vector);
    g_counts[vector].fetch_add(1, sync::MemoryOrder::Relaxed);

    // An NMI another CPU sent on purpose (smp/: a TLB shootdown, a stop):
    // handled and done, before any report.
    if (vector == vector_of(Exception::NonMaskableInterrupt)) {
        if (NmiHandler handler = g_nmi_handler.load(sync::MemoryOrder::Acquire); handler != nullptr && handler())
            return;
    }

    if (is_hardware_vector(vector)) {
        // Woken from the idle loop's halt: a TLB flush a shootdown left
        // as a note is done before anything else runs here.
        arch::leave_idle_tlb(arch::this_cpu_data());
        // No switch away from a hardware-interrupt handler: a reschedule it
        // asks for (the timer's) runs when the count drops, on the way out,
        // after the handler's end-of-interrupt.
        {
            const sync::PreemptionGuard no_preemption;
            handle_hardware_interrupt(*frame);
        }
        if (arch::from_user_mode(*frame)) {
            if (ReturnToUserHook hook = g_return_to_user_hook.load(sync::MemoryOrder::Acquire))
                hook(*frame);
        }
        return;
    }
    if (vector >= exception_count) {
        if (Handler handler = g_handlers[vector].load(sync::MemoryOrder::Acquire)) {
            handler(*frame);
            return;
        }
    }
    // A page fault on user memory that only needs the page mapped: by user
    // code, or by the kernel's user copy (never by other kernel code, which
    // must not touch user memory at all).
    if (vector == vector_of(Exception::PageFault) && cr2.value() < lower_half_end
        && (arch::from_user_mode(*frame) || arch::exception_fixup(arch::VirtAddr(frame->rip)))) {
        if (UserPageFaultResolver resolver = g_user_page_fault_resolver.load(sync::MemoryOrder::Acquire)) {
            constexpr uint64_t interrupt_flag = 1u << 9;
            if (resolver(UserPageFault{cr2, frame->error_code, (frame->rflags & interrupt_flag) != 0}))
                return;
        }
    }
    // A kernel instruction that may fault (copy_from_user's copy) resumes at
    // its fix-up (arch/x86_64/exception_table.h), before any report.
    if ((vector == vector_of(Exception::PageFault) || vector == vector_of(Exception::GeneralProtection))
        && (frame->cs & 3) == 0) {
        if (const auto fixup = arch::exception_fixup(arch::VirtAddr(frame->rip))) {
            frame->rip = fixup->value();
            return;
        }
    }
    if (vector < exception_count && arch::from_user_mode(*frame)) {
        if (UserFaultHandler handler = g_user_fault_handler.load(sync::MemoryOrder::Acquire)) {
            // Ends the program, or returns with the frame at its signal handler.
            handler(Fault{*frame, cr2, arch::VirtAddr::of(frame)}, *frame);
            return;
        }
    }
    if (vector == vector_of(Exception::Breakpoint))
        g_last_breakpoint.store(frame->rip, sync::MemoryOrder::Relaxed);
    // The frame is on a kernel stack: its address is a virtual address.
    handle_fault(Fault{*frame, cr2, arch::VirtAddr::of(frame)});
}

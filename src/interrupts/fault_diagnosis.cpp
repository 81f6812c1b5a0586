#include "interrupts/fault_diagnosis.h"
#include "arch/x86_64/boot_map.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"

namespace interrupts {

namespace {

constexpr arch::VirtAddr null_page_end(arch::page_size);

Access access_of(PageFaultError error)
{
    if (error.is(PageFaultError::instruction_fetch))
        return Access::Execute;
    return error.is(PageFaultError::write) ? Access::Write : Access::Read;
}

std::string_view to_string(Access access)
{
    switch (access) {
    case Access::Read: return "read";
    case Access::Write: return "write";
    case Access::Execute: return "instruction fetch";
    }
    return "access";
}

FaultDiagnosis diagnose_page_fault(const Fault& fault)
{
    const PageFaultError error(fault.frame.error_code);
    FaultDiagnosis d{FaultCause::Exception, access_of(error), fault.cr2, nullptr, fault.vector(),
                     fault.frame.error_code};
    if (error.is(PageFaultError::reserved_bit)) {
        d.cause = FaultCause::ReservedBit;
    } else if (error.is(PageFaultError::protection_key)) {
        d.cause = FaultCause::ProtectionKey;
    } else if (error.is(PageFaultError::shadow_stack)) {
        d.cause = FaultCause::ShadowStack;
    } else if (!error.is(PageFaultError::present)) {
        if (fault.cr2 < null_page_end) {
            d.cause = FaultCause::NullPointer;
        } else if (const arch::GuardedStack* stack = arch::stack_guarded_at(fault.cr2)) {
            d.cause = FaultCause::StackOverflow;
            d.stack = stack;
        } else {
            d.cause = FaultCause::UnmappedAddress;
        }
    } else if (error.is(PageFaultError::user) && fault.cr2.value() >= 0x0000'8000'0000'0000ull) {
        // A present page that ring 3 may not touch: in the upper half, the
        // kernel's. (In the lower half it is a user page used against its
        // protection: a write to read-only memory, say; see below.)
        d.cause = FaultCause::UserAccessToKernel;
    } else if (error.is(PageFaultError::instruction_fetch)) {
        d.cause = FaultCause::ExecuteNoExecute;
    } else if (error.is(PageFaultError::write)) {
        d.cause = FaultCause::WriteToReadOnly;
    }
    return d;
}

// A double fault after a stack overflow: the #PF on the guard page could not
// be delivered because delivering it pushes onto the same full stack (SDM
// vol. 3, table 6-5: a page fault while delivering a page fault is a double
// fault). The saved RSP then sits right at or in the guard page; CR2 holds
// the guard-page address of the failed push.
const arch::GuardedStack* overflowed_stack(const Fault& fault)
{
    const arch::VirtAddr rsp(fault.frame.rsp);
    if (const arch::GuardedStack* stack = arch::stack_guarded_at(rsp - 8))
        return stack;
    const arch::GuardedStack* stack = arch::stack_guarded_at(fault.cr2);
    if (stack && rsp >= stack->guard && rsp < stack->bottom + arch::page_size)
        return stack;
    return nullptr;
}

// " (in the kernel .text)" after the address, when the region is known.
void format_region(kstd::Sink& sink, arch::VirtAddr address)
{
    if (const std::string_view region = memory_region_of(address); !region.empty())
        kstd::format_to(sink, " (in the {})", region);
}

// Is `address` in the `size` bytes from `start`?
bool in_region(arch::VirtAddr address, arch::VirtAddr start, uint64_t size)
{
    return address >= start && address - start < size;
}

} // namespace

std::string_view memory_region_of(arch::VirtAddr address)
{
    namespace layout = arch::layout;
    const arch::VirtAddr heap_area(layout::heap_region_base);
    const arch::VirtAddr scratch(layout::scratch_region_base);
    const arch::VirtAddr direct_map(layout::direct_map_base);
    const mem::ImageLayout image = mem::kernel_image_layout();
    if (address >= image.text_start && address < image.text_end)
        return "kernel .text";
    if (address >= image.rodata_start && address < image.rodata_end)
        return "kernel .rodata";
    if (address >= image.data_start && address < image.data_end)
        return "kernel .data/.bss";
    if (arch::in_boot_window(address))
        return "boot window";
    if (in_region(address, heap_area, layout::heap_region_end - layout::heap_region_base))
        return "kernel heap area";
    if (in_region(address, scratch, layout::scratch_region_size))
        return "scratch region";
    if (in_region(address, arch::VirtAddr(layout::physical_mapping_base), layout::physical_mapping_size))
        return "physical mappings (devices, firmware)";
    if (in_region(address, direct_map, layout::direct_map_max))
        return !mem::direct_map_active() || in_region(address, direct_map, mem::direct_map_bytes())
                   ? "direct map"
                   : "direct map, past the end of RAM";
    return {};
}

void format_value(kstd::Sink& sink, PageFaultError error, const kstd::FormatSpec&)
{
    sink.write(error.is(PageFaultError::present) ? "protection violation" : "not-present page");
    sink.write(error.is(PageFaultError::instruction_fetch) ? ", instruction fetch"
               : error.is(PageFaultError::write)           ? ", write"
                                                           : ", read");
    sink.write(error.is(PageFaultError::user) ? ", user mode" : ", supervisor mode");
    if (error.is(PageFaultError::reserved_bit))
        sink.write(", reserved bit set");
    if (error.is(PageFaultError::protection_key))
        sink.write(", protection key");
    if (error.is(PageFaultError::shadow_stack))
        sink.write(", shadow stack");
    if (error.is(PageFaultError::sgx))
        sink.write(", SGX");
}

void format_value(kstd::Sink& sink, SelectorError error, const kstd::FormatSpec&)
{
    if (error.is_null()) {
        sink.write("no selector involved (e.g. a non-canonical address, a privileged instruction, or a bad "
                   "MSR or control-register write)");
        return;
    }
    if (error.in_idt())
        kstd::format_to(sink, "IDT vector {:#04x}", error.index());
    else
        kstd::format_to(sink, "{} selector {:#06x} (entry {})", error.in_ldt() ? "LDT" : "GDT",
                        error.selector() & ~7, error.index());
    if (error.external())
        sink.write(", during delivery of an external event");
}

FaultDiagnosis diagnose(const Fault& fault)
{
    FaultDiagnosis d{FaultCause::Exception, Access::Read, {}, nullptr, fault.vector(), fault.frame.error_code};
    switch (fault.vector()) {
    case vector_of(Exception::PageFault):
        return diagnose_page_fault(fault);
    case vector_of(Exception::DoubleFault):
        if (const arch::GuardedStack* stack = overflowed_stack(fault)) {
            d.cause = FaultCause::StackOverflow;
            d.stack = stack;
            d.address = fault.cr2;
            d.access = Access::Write;
        }
        return d;
    case vector_of(Exception::Breakpoint):
        d.address = arch::VirtAddr(fault.frame.rip) - 1; // INT3 is one byte; RIP is past it (a trap)
        d.access = Access::Execute;
        return d;
    case vector_of(Exception::InvalidTss):
    case vector_of(Exception::SegmentNotPresent):
    case vector_of(Exception::StackSegmentFault):
    case vector_of(Exception::GeneralProtection):
        if (fault.frame.error_code != 0)
            d.cause = FaultCause::Selector;
        return d;
    default:
        return d;
    }
}

void format_value(kstd::Sink& sink, const FaultDiagnosis& d, const kstd::FormatSpec&)
{
    switch (d.cause) {
    case FaultCause::NullPointer:
        if (d.access == Access::Execute)
            kstd::format_to(sink, "null-pointer call: instruction fetch at {:#018x}", d.address);
        else
            kstd::format_to(sink, "null-pointer dereference: {} at {:#018x}", to_string(d.access), d.address);
        return;
    case FaultCause::StackOverflow:
        kstd::format_to(sink, "kernel stack overflow: the {} ran into its guard page at {:#018x}", d.stack->name,
                        d.stack->guard);
        return;
    case FaultCause::WriteToReadOnly:
        kstd::format_to(sink, "write to read-only memory at {:#018x}", d.address);
        format_region(sink, d.address);
        return;
    case FaultCause::ExecuteNoExecute:
        kstd::format_to(sink, "execution of no-execute memory at {:#018x}", d.address);
        format_region(sink, d.address);
        return;
    case FaultCause::UnmappedAddress:
        kstd::format_to(sink, "{} at unmapped address {:#018x}", to_string(d.access), d.address);
        format_region(sink, d.address);
        return;
    case FaultCause::ReservedBit:
        kstd::format_to(sink, "a page-table entry for {:#018x} has a reserved bit set (corrupt page tables)",
                        d.address);
        return;
    case FaultCause::UserAccessToKernel:
        kstd::format_to(sink, "user-mode {} of kernel memory at {:#018x}", to_string(d.access), d.address);
        return;
    case FaultCause::ProtectionKey:
        kstd::format_to(sink, "{} at {:#018x} denied by its protection key", to_string(d.access), d.address);
        return;
    case FaultCause::ShadowStack:
        kstd::format_to(sink, "shadow-stack access at {:#018x}", d.address);
        return;
    case FaultCause::Selector:
        kstd::format_to(sink, "{} caused by {}", exception_info(d.vector).name, SelectorError(d.error_code));
        return;
    case FaultCause::Exception:
        break;
    }
    switch (d.vector) {
    case vector_of(Exception::DivideError):
        sink.write("division by zero, or a quotient too large for the destination (DIV/IDIV)");
        return;
    case vector_of(Exception::InvalidOpcode):
        sink.write("invalid or undefined opcode (UD2, or an instruction this CPU does not have)");
        return;
    case vector_of(Exception::Breakpoint):
        kstd::format_to(sink, "INT3 breakpoint at {:#018x}; execution continues after it", d.address);
        return;
    case vector_of(Exception::DoubleFault):
        sink.write("an exception occurred while the CPU was delivering another one");
        return;
    case vector_of(Exception::GeneralProtection):
    case vector_of(Exception::StackSegmentFault):
        kstd::format_to(sink, "{}: {}", exception_info(d.vector).name, SelectorError(0));
        return;
    case vector_of(Exception::MachineCheck):
        sink.write("the CPU detected a hardware error (see the machine-check MSRs)");
        return;
    default:
        if (d.vector < exception_count)
            sink.write(exception_info(d.vector).name);
        else
            kstd::format_to(sink, "interrupt vector {:#04x} has no handler", d.vector);
        return;
    }
}

} // namespace interrupts

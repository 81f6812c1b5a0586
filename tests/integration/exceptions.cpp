// Each exception is caught, with the right vector, error code and CR2, and
// its report says what happened. Also: an exception inside a case fails
// only that case, and the run goes on.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kernel_stacks.h"
#include "interrupts/fault_diagnosis.h"
#include "interrupts/fault_report.h"
#include "ktest/binary.h"
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"

KTEST_INIT_STAGE(Everything);

namespace {

using interrupts::FaultCause;
using interrupts::PageFaultError;

// No page table maps the bottom of the kernel half (PML4 entry 256).
constexpr uint64_t unmapped_address = 0xFFFF'8000'0000'1000ull;
constexpr uint64_t non_canonical_address = 0x8000'0000'0000'0000ull;

alignas(arch::page_size) uint8_t g_probe_page[arch::page_size];

arch::VirtAddr probe_page()
{
    return arch::VirtAddr::of(g_probe_page);
}

// The report of the last caught fault, as text.
std::string_view report_text(kstd::StringBuffer<4096>& buffer)
{
    buffer.clear();
    interrupts::print_fault_report(buffer, ktest::last_fault(), "");
    return buffer.view();
}

bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

} // namespace

KTEST_TEARDOWN(exceptions)
{
    // Image data is read-write and no-execute (mem/kernel_address_space.h).
    ASSERT_OK(mem::kernel_address_space().protect(probe_page(), arch::Protection::read_write()));
}

// Global labels on the faulting instructions (asm outputs are never written
// when the asm faults, so the address cannot come back as an operand).
extern "C" const char exceptions_divide_site[];
extern "C" const char exceptions_ud2_site[];

KTEST(exceptions, divide_error)
{
    // DIV by a zero register raises #DE at the DIV itself (a fault: RIP
    // points at the instruction, which could be restarted).
    EXPECT_FAULT(DivideError, asm volatile("xorl %%edx, %%edx\n\t"
                                           "movl $7, %%eax\n\t"
                                           "xorl %%ecx, %%ecx\n"
                                           ".globl exceptions_divide_site\n"
                                           "exceptions_divide_site:\n\t"
                                           "divl %%ecx"
                                           :
                                           :
                                           : "rax", "rcx", "rdx", "memory"));
    EXPECT_EQ(ktest::last_fault().vector(), 0u);
    // The label is code in the kernel image: its address is a virtual address.
    EXPECT_EQ(ktest::last_fault().frame.rip, reinterpret_cast<uint64_t>(exceptions_divide_site));
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "EXCEPTION: divide error (#DE, vector 0)"));
}

KTEST(exceptions, invalid_opcode)
{
    // UD2 is defined to raise #UD; the global label marks it.
    EXPECT_FAULT(InvalidOpcode, asm volatile(".globl exceptions_ud2_site\nexceptions_ud2_site:\n\tud2" ::: "memory"));
    // The label is code in the kernel image: its address is a virtual address.
    EXPECT_EQ(ktest::last_fault().frame.rip, reinterpret_cast<uint64_t>(exceptions_ud2_site));
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "EXCEPTION: invalid opcode (#UD, vector 6)"));
}

KTEST(exceptions, page_fault_on_an_unmapped_address_has_it_in_cr2)
{
    // Deliberately a pointer to nothing: the read must fault.
    auto* pointer = ktest::opaque(reinterpret_cast<volatile uint64_t*>(unmapped_address + 0x18));
    EXPECT_FAULT(PageFault, (void)*pointer);
    const interrupts::Fault& fault = ktest::last_fault();
    EXPECT_EQ(fault.vector(), 14u);
    EXPECT_EQ(fault.cr2, arch::VirtAddr(unmapped_address + 0x18));
    EXPECT_EQ(fault.frame.error_code, 0u, "not present, read, supervisor");
    EXPECT_EQ(interrupts::diagnose(fault).cause, FaultCause::UnmappedAddress);
    kstd::StringBuffer<4096> buffer;
    const std::string_view report = report_text(buffer);
    EXPECT_TRUE(contains(report, "EXCEPTION: page fault (#PF, vector 14)"), "{}", report);
    EXPECT_TRUE(contains(report, "CR2 0xffff800000001018"), "{}", report);
    EXPECT_TRUE(contains(report, "what happened: read at unmapped address 0xffff800000001018"), "{}", report);
    EXPECT_TRUE(contains(report, "error code 0x0000000000000000: not-present page, read, supervisor mode"));
}

KTEST(exceptions, null_pointer_write)
{
    // A member at offset 0x10 of a null struct pointer, deliberately.
    auto* pointer = ktest::opaque(reinterpret_cast<volatile uint32_t*>(0x10));
    EXPECT_FAULT(PageFault, *pointer = 5);
    const interrupts::Fault& fault = ktest::last_fault();
    EXPECT_EQ(fault.cr2, arch::VirtAddr(0x10));
    EXPECT_EQ(fault.frame.error_code, PageFaultError::write);
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "null-pointer dereference: write at 0x0000000000000010"));
}

KTEST(exceptions, call_through_a_null_function_pointer)
{
    // A null function pointer, deliberately: the call must fault on the fetch.
    auto function = ktest::opaque(reinterpret_cast<void (*)()>(0));
    EXPECT_FAULT(PageFault, function());
    const interrupts::Fault& fault = ktest::last_fault();
    EXPECT_TRUE(fault.cr2.is_null());
    EXPECT_EQ(fault.frame.rip, 0u, "the fetch itself faulted");
    EXPECT_NE(fault.frame.error_code & PageFaultError::instruction_fetch, 0u);
    EXPECT_EQ(interrupts::diagnose(fault).cause, FaultCause::NullPointer);
}

KTEST(exceptions, write_to_read_only_memory)
{
    ASSERT_OK(mem::kernel_address_space().protect(probe_page(), arch::Protection::read_only()));
    volatile uint8_t* target = ktest::opaque(g_probe_page + 100);
    const uint8_t value = *target; // reading is still allowed
    EXPECT_FAULT(PageFault, *target = static_cast<uint8_t>(value + 1));
    const interrupts::Fault& fault = ktest::last_fault();
    EXPECT_EQ(fault.cr2, probe_page() + 100);
    EXPECT_EQ(fault.frame.error_code, PageFaultError::present | PageFaultError::write);
    EXPECT_EQ(interrupts::diagnose(fault).cause, FaultCause::WriteToReadOnly);
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "what happened: write to read-only memory at"));
}

KTEST(exceptions, execution_of_no_execute_memory)
{
    if (!arch::no_execute_enabled())
        KTEST_SKIP("this CPU has no NX");
    g_probe_page[0] = 0xC3; // RET
    // The probe page holds one RET: code we can call (x86_64 makes data and
    // code addresses the same; GCC accepts the conversion).
    auto function = ktest::opaque(reinterpret_cast<void (*)()>(g_probe_page));
    ASSERT_OK(mem::kernel_address_space().protect(probe_page(), {.writable = true, .executable = true}));
    function(); // executable now: returns
    ASSERT_OK(mem::kernel_address_space().protect(probe_page(), arch::Protection::read_write()));
    EXPECT_FAULT(PageFault, function());
    const interrupts::Fault& fault = ktest::last_fault();
    EXPECT_EQ(fault.cr2, probe_page());
    EXPECT_EQ(fault.frame.rip, probe_page().value());
    EXPECT_EQ(fault.frame.error_code, PageFaultError::present | PageFaultError::instruction_fetch);
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "what happened: execution of no-execute memory at"));
}

KTEST(exceptions, touching_a_guard_page_is_reported_as_a_stack_overflow)
{
    const arch::GuardedStack& ist2 = arch::interrupt_stack(arch::InterruptStack::NonMaskableInterrupt);
    // The last word below IST2's stack: in its guard page, deliberately.
    auto* guard = ktest::opaque((ist2.bottom - 8).as_pointer<volatile uint64_t>());
    EXPECT_FAULT(PageFault, *guard = 0);
    EXPECT_EQ(ktest::last_fault().cr2, ist2.bottom - 8);
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "kernel stack overflow: the NMI stack (IST2) ran into its guard page"));
}

KTEST(exceptions, general_protection_fault_on_a_non_canonical_address)
{
    // Deliberately a non-canonical address: bits 63..47 differ.
    auto* pointer = ktest::opaque(reinterpret_cast<volatile uint64_t*>(non_canonical_address));
    EXPECT_FAULT(GeneralProtection, (void)*pointer);
    EXPECT_EQ(ktest::last_fault().frame.error_code, 0u);
    kstd::StringBuffer<4096> buffer;
    const std::string_view report = report_text(buffer);
    EXPECT_TRUE(contains(report, "EXCEPTION: general protection fault (#GP, vector 13)"));
    EXPECT_TRUE(contains(report, "no selector involved (e.g. a non-canonical address"));
}

KTEST(exceptions, general_protection_fault_names_the_bad_selector)
{
    // 0x38 is past the end of the kernel's 7-entry GDT: loading it into DS
    // is refused with #GP and the selector as error code (SDM vol. 3, 6.13).
    EXPECT_FAULT(GeneralProtection, asm volatile("movw $0x38, %%ax\n\tmovw %%ax, %%ds" : : : "rax", "memory"));
    EXPECT_EQ(ktest::last_fault().frame.error_code, 0x38u);
    kstd::StringBuffer<4096> buffer;
    EXPECT_TRUE(contains(report_text(buffer), "error code 0x0000000000000038: GDT selector 0x0038 (entry 7)"));
}

KTEST(exceptions, an_unexpected_page_fault_fails_its_case,
      ktest::should_panic("unhandled exception: page fault (#PF, vector 14)"))
{
    // Without EXPECT_FAULT: the report is printed as this case's diagnostics
    // and the kernel panics, which ends the case; the next case runs.
    // Deliberately a pointer to nothing.
    *ktest::opaque(reinterpret_cast<volatile uint64_t*>(unmapped_address)) = 1;
}

KTEST(exceptions, fault_checks_still_work_after_a_case_ended_in_a_fault)
{
    // UD2 is defined to raise #UD (Intel SDM vol. 2B, "UD").
    EXPECT_FAULT(InvalidOpcode, asm volatile("ud2"));
    EXPECT_TRUE(arch::interrupts_enabled(), "the resume restored the interrupt flag");
}

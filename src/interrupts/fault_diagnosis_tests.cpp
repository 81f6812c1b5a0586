// KTEST cases of fault_diagnosis.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and fault_diagnosis.cpp has strings of its own.

#include "interrupts/fault_diagnosis.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/page_walk.h"
#include "ktest/ktest.h"

// Diagnoses of synthetic faults; tests/integration/exceptions.cpp raises the
// real ones.

namespace {

interrupts::Fault page_fault(uint64_t cr2, uint64_t error_code, uint64_t rsp = 0xFFFF'FFFF'8010'0000ull)
{
    interrupts::Fault fault{};
    fault.frame.vector = 14;
    fault.frame.error_code = error_code;
    fault.frame.rsp = rsp;
    fault.cr2 = arch::VirtAddr(cr2);
    return fault;
}

template <typename T>
std::string_view text_of(const T& value, kstd::StringBuffer<200>& buffer)
{
    buffer.clear();
    kstd::format_to(buffer, "{}", value);
    return buffer.view();
}

} // namespace

KTEST(fault_diagnosis, page_fault_causes_in_words)
{
    using interrupts::FaultCause;
    using E = interrupts::PageFaultError;
    const uint64_t unmapped = 0xFFFF'8000'0000'0000ull;
    EXPECT_EQ(interrupts::diagnose(page_fault(0x10, E::write)).cause, FaultCause::NullPointer);
    EXPECT_EQ(interrupts::diagnose(page_fault(0x1000, 0)).cause, FaultCause::UnmappedAddress,
              "0x1000 is past the null page");
    EXPECT_EQ(interrupts::diagnose(page_fault(unmapped, E::present | E::write)).cause, FaultCause::WriteToReadOnly);
    EXPECT_EQ(interrupts::diagnose(page_fault(unmapped, E::present | E::instruction_fetch)).cause,
              FaultCause::ExecuteNoExecute);
    EXPECT_EQ(interrupts::diagnose(page_fault(unmapped, E::present | E::reserved_bit)).cause,
              FaultCause::ReservedBit);
    const arch::GuardedStack& ist1 = arch::interrupt_stack(arch::InterruptStack::DoubleFault);
    const interrupts::FaultDiagnosis overflow = interrupts::diagnose(page_fault((ist1.guard + 0xFF8).value(), E::write));
    EXPECT_EQ(overflow.cause, FaultCause::StackOverflow);
    EXPECT_EQ(overflow.stack, &ist1);
}

KTEST(fault_diagnosis, the_words_name_the_access_and_the_address)
{
    using E = interrupts::PageFaultError;
    kstd::StringBuffer<200> buffer;
    EXPECT_STREQ(text_of(interrupts::diagnose(page_fault(0x18, E::write)), buffer),
                 "null-pointer dereference: write at 0x0000000000000018");
    EXPECT_STREQ(text_of(interrupts::diagnose(page_fault(0, E::instruction_fetch)), buffer),
                 "null-pointer call: instruction fetch at 0x0000000000000000");
    EXPECT_STREQ(text_of(interrupts::PageFaultError(E::present | E::write | E::user), buffer),
                 "protection violation, write, user mode");
    const arch::GuardedStack& boot = arch::kernel_stacks()[0];
    interrupts::Fault double_fault{};
    double_fault.frame.vector = 8;
    double_fault.frame.rsp = boot.bottom.value(); // a push from here hits the guard page
    double_fault.cr2 = boot.bottom - 8;
    kstd::StringBuffer<200> expected;
    kstd::format_to(expected, "kernel stack overflow: the boot stack ran into its guard page at {:#018x}", boot.guard);
    EXPECT_STREQ(text_of(interrupts::diagnose(double_fault), buffer), expected.view());
}

KTEST(fault_diagnosis, a_double_fault_far_from_any_guard_page_is_not_an_overflow)
{
    interrupts::Fault fault{};
    fault.frame.vector = 8;
    const arch::GuardedStack& boot = arch::kernel_stacks()[0];
    fault.frame.rsp = (boot.top - 512).value();
    fault.cr2 = boot.guard + 16; // a stale CR2 alone does not make an overflow
    EXPECT_EQ(interrupts::diagnose(fault).cause, interrupts::FaultCause::Exception);
}

KTEST(fault_diagnosis, selector_error_codes_are_decoded)
{
    kstd::StringBuffer<200> buffer;
    EXPECT_STREQ(text_of(interrupts::SelectorError(0x28), buffer), "GDT selector 0x0028 (entry 5)");
    EXPECT_STREQ(text_of(interrupts::SelectorError(0x0D * 8 + 2 + 1), buffer),
                 "IDT vector 0x0d, during delivery of an external event");
    EXPECT_STREQ(text_of(interrupts::SelectorError(0x3C), buffer), "LDT selector 0x0038 (entry 7)");
}
KTEST(fault_diagnosis, page_faults_name_the_kernel_region)
{
    using E = interrupts::PageFaultError;
    const mem::ImageLayout image = mem::kernel_image_layout();
    kstd::StringBuffer<200> buffer;
    kstd::StringBuffer<200> expected;
    kstd::format_to(expected, "write to read-only memory at {:#018x} (in the kernel .text)", image.text_start.value());
    EXPECT_STREQ(text_of(interrupts::diagnose(page_fault(image.text_start.value(), E::present | E::write)), buffer),
                 expected.view());
    EXPECT_EQ(interrupts::memory_region_of(image.rodata_start), std::string_view("kernel .rodata"));
    EXPECT_EQ(interrupts::memory_region_of(image.data_start), std::string_view("kernel .data/.bss"));
    const arch::VirtAddr heap(arch::layout::heap_region_base);
    EXPECT_EQ(interrupts::memory_region_of(heap + arch::page_size), std::string_view("kernel heap area"));
    const arch::VirtAddr direct_map(arch::layout::direct_map_base);
    EXPECT_EQ(interrupts::memory_region_of(direct_map), std::string_view("direct map"));
    EXPECT_EQ(interrupts::memory_region_of(direct_map + mem::direct_map_bytes()),
              std::string_view("direct map, past the end of RAM"));
    EXPECT_TRUE(interrupts::memory_region_of(arch::VirtAddr(0x1000)).empty());
}

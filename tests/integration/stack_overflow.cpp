// A kernel stack overflow lands on the guard page below the boot stack. The
// page fault cannot be delivered (it would push onto the same full stack),
// so the CPU raises a double fault, whose gate switches to IST1: the
// handler runs on its own stack and reports the overflow. Without the IST
// entry the double fault could not be delivered either and the machine
// would triple-fault (QEMU resets; the runner reports "triple fault").

#include <cstdint>
#include <string_view>
#include "mem/page_walk.h"
#include "arch/x86_64/kernel_stacks.h"
#include "interrupts/fault_diagnosis.h"
#include "interrupts/fault_report.h"
#include "ktest/binary.h"
#include "ktest/expect_fault.h"
#include "kernel/deliberate_faults.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Everything);

namespace {

const arch::GuardedStack& boot_stack()
{
    return arch::kernel_stacks()[0];
}

} // namespace

// These overflow the boot stack itself: they run on the boot thread.
KTEST(stack_overflow, double_fault_runs_on_ist1_and_reports_the_overflow, ktest::on_boot_thread)
{
    ASSERT_FAULT(DoubleFault, (void)kernel::deliberate::overflow_stack());
    const interrupts::Fault& fault = ktest::last_fault();
    ktest::print_fault(fault);

    const arch::GuardedStack& ist1 = arch::interrupt_stack(arch::InterruptStack::DoubleFault);
    EXPECT_TRUE(ist1.contains(fault.frame_address), "the handler's frame {:#x} is on IST1 [{:#x}, {:#x})",
                fault.frame_address, ist1.bottom, ist1.top);
    EXPECT_TRUE(boot_stack().guard_contains(fault.cr2), "CR2 {:#x} is the boot stack's guard page", fault.cr2);
    const interrupts::FaultDiagnosis diagnosis = interrupts::diagnose(fault);
    EXPECT_EQ(diagnosis.cause, interrupts::FaultCause::StackOverflow);
    ASSERT_NOT_NULL(diagnosis.stack);
    EXPECT_STREQ(diagnosis.stack->name, "boot stack");

    kstd::StringBuffer<4096> report;
    interrupts::print_fault_report(report, fault, "");
    const std::string_view text = report.view();
    EXPECT_NE(text.find("EXCEPTION: double fault (#DF, vector 8)"), std::string_view::npos);
    EXPECT_NE(text.find("kernel stack overflow: the boot stack ran into its guard page"), std::string_view::npos);
    EXPECT_NE(text.find("handler on the double-fault stack (IST1)"), std::string_view::npos);
}

KTEST(stack_overflow, an_unexpected_overflow_fails_only_its_case, ktest::on_boot_thread,
      ktest::should_panic("unhandled exception: double fault (#DF, vector 8)"))
{
    // No EXPECT_FAULT: the real path. The report goes out as diagnostics,
    // then the kernel panics, which ends this case, and the run goes on.
    (void)kernel::deliberate::overflow_stack();
}

KTEST(stack_overflow, the_kernel_survives_repeated_overflows, ktest::on_boot_thread)
{
    for (int i = 0; i < 3; ++i)
        ASSERT_FAULT(DoubleFault, (void)kernel::deliberate::overflow_stack(), "overflow {}", i);
    EXPECT_FALSE(mem::is_mapped(boot_stack().guard), "the guard page stays unmapped");
}

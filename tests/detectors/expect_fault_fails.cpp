// Detector: EXPECT_FAULT fails when the statement raises no fault, and
// fails (ending the case, with the report) when it raises a different one.
// ktest-runner-args: --expect failed --expect-passed 1
// ktest-runner-args: --expect-failure-marked tests/detectors/expect_fault_fails.cpp
// ktest-runner-args: --expect-output "expected page fault (#PF, vector 14) from `asm volatile(\"ud2\")`, but got invalid opcode (#UD, vector 6)"

#include "ktest/expect_fault.h"
#include "ktest/ktest.h"

KTEST(detector, expect_fault_without_a_fault)
{
    int x = 1;
    EXPECT_FAULT(PageFault, x = ktest::opaque(x) + 1); // expected failure here
}

KTEST(detector, expect_fault_with_another_fault)
{
    // UD2 is defined to raise #UD (Intel SDM vol. 2B, "UD").
    EXPECT_FAULT(PageFault, asm volatile("ud2"));
    EXPECT_TRUE(false, "not reached: a wrong fault ends the case");
}

KTEST(detector, a_matching_fault_passes)
{
    // UD2 is defined to raise #UD (Intel SDM vol. 2B, "UD").
    EXPECT_FAULT(InvalidOpcode, asm volatile("ud2"));
}

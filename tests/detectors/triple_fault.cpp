// Detector: a triple fault (the CPU resets; QEMU exits with status 0 under
// -no-reboot) is reported as a triple fault naming the running case, never
// as a pass.
// ktest-runner-args: --expect triple-fault --expect-case detector.triple_faults

#include <cstdint>
#include "ktest/ktest.h"

KTEST(detector, triple_faults)
{
    // An IDT with limit 0: int3 cannot be delivered (#GP), nor can the #GP,
    // nor the double fault: the CPU shuts down (Intel SDM vol. 3, 6.15, #DF).
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty_idt{0, 0};
    // LIDT loads the IDT register from the 10-byte descriptor; INT3 raises #BP.
    asm volatile("lidt %0; int3" : : "m"(empty_idt) : "memory");
}

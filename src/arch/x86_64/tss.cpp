#include "arch/x86_64/tss.h"

namespace arch {

namespace {
// 128-byte alignment keeps the 104 bytes within one page, which the CPU does
// not require but SDM vol. 3, 9.2.1 recommends.
alignas(128) TaskStateSegment g_tss;
} // namespace

TaskStateSegment& task_state_segment()
{
    return g_tss;
}

void initialize_task_state_segment()
{
    g_tss = TaskStateSegment{};
    for (unsigned i = 1; i <= interrupt_stack_count; ++i) {
        // The CPU loads RSP from the entry as is and pushes below it; the
        // stack tops are page aligned, so the 16-byte alignment holds.
        g_tss.ist[i - 1] = interrupt_stack(static_cast<InterruptStack>(i)).top.value(); // the TSS field is a raw RSP
    }
    g_tss.io_map_base = sizeof(TaskStateSegment); // no I/O permission bitmap
}

VirtAddr interrupt_stack_pointer(InterruptStack which)
{
    return VirtAddr(g_tss.ist[static_cast<unsigned>(which) - 1]);
}

} // namespace arch

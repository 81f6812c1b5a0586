#include "arch/x86_64/tss.h"
#include "arch/x86_64/per_cpu.h"

namespace arch {

namespace {
// One per CPU. 128-byte alignment keeps the 104 bytes within one page, which
// the CPU does not require but SDM vol. 3, 9.2.1 recommends.
KESTREL_PER_CPU alignas(128) TaskStateSegment g_tss;
} // namespace

TaskStateSegment& task_state_segment_instance()
{
    return g_tss;
}

TaskStateSegment& task_state_segment()
{
    return *this_cpu_data().tss;
}

void initialize_task_state_segment()
{
    TaskStateSegment& tss = task_state_segment();
    tss = TaskStateSegment{};
    for (unsigned i = 1; i <= interrupt_stack_count; ++i) {
        // The CPU loads RSP from the entry as is and pushes below it; the
        // stack tops are page aligned, so the 16-byte alignment holds.
        tss.ist[i - 1] = this_cpu_data().interrupt_stacks[i - 1].top.value(); // the TSS field is a raw RSP
    }
    tss.io_map_base = sizeof(TaskStateSegment); // no I/O permission bitmap
}

VirtAddr interrupt_stack_pointer(InterruptStack which)
{
    return VirtAddr(task_state_segment().ist[static_cast<unsigned>(which) - 1]);
}

} // namespace arch

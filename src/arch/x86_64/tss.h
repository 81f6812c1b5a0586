#pragma once
// The 64-bit Task State Segment (Intel SDM vol. 3, 9.7 "Task Management in
// 64-bit Mode", figure 9-11). In long mode it holds no task state, only
// stack pointers: RSP0-2 for privilege changes and the seven Interrupt
// Stack Table entries the IDT's gates can select.

#include <cstdint>
#include "arch/x86_64/kernel_stacks.h"

namespace arch {

// Laid out as the CPU reads it, so the stack pointers stay raw linear
// addresses; interrupt_stack_pointer() reads them back typed.
struct [[gnu::packed]] TaskStateSegment {
    uint32_t reserved0;
    uint64_t rsp[3];  // stack for entering ring 0/1/2 from a less privileged ring
    uint64_t reserved1;
    uint64_t ist[7];  // ist[0] is IST1
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base; // offset of the I/O permission bitmap; >= limit: none
};
static_assert(sizeof(TaskStateSegment) == 104);

// This CPU's TSS (a per-CPU variable, arch/x86_64/per_cpu.h), with IST1-3
// pointing at the tops of the interrupt stacks (kernel_stacks.h). RSP0 stays
// 0 until there is a user mode.
TaskStateSegment& task_state_segment();
// The per-CPU variable itself, the boot CPU's copy (for per_cpu.cpp).
TaskStateSegment& task_state_segment_instance();
void initialize_task_state_segment();

// What the CPU loads into RSP on entry through IST entry `which`.
VirtAddr interrupt_stack_pointer(InterruptStack which);

} // namespace arch

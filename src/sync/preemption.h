#pragma once
// The preemption count: while it is above zero on a CPU, the scheduler
// (issue 9, to come) must not switch that CPU to another thread. Held by
// every spinlock and by every hardware-interrupt handler, and by whoever
// needs it with a PreemptionGuard. It is a per-CPU variable
// (arch/x86_64/per_cpu.h) changed in one GS-relative instruction each way,
// so a thread moved to another CPU between two changes stays right.
//
// When the count drops back to zero, a reschedule asked for while it was
// held (by the timer tick, later) runs: the hook the scheduler registers.

#include <cstdint>

namespace sync {

void disable_preemption();
void enable_preemption();
// This CPU's count (0: preemptible).
uint32_t preemption_depth();
bool preemptible();

// What runs when the count returns to zero with a reschedule pending.
using RescheduleHook = void (*)();
void set_reschedule_hook(RescheduleHook hook);
RescheduleHook reschedule_hook();
// Asks for a reschedule: at once if preemptible, else when the count drops
// to zero. Without a hook (no scheduler yet) nothing happens.
void request_reschedule();

// For a harness that abandons code holding the count (ktest, when a case
// ends by a jump out of a panic or an expected fault): puts it back.
void restore_preemption_depth(uint32_t depth);

class PreemptionGuard {
public:
    PreemptionGuard() { disable_preemption(); }
    ~PreemptionGuard() { enable_preemption(); }
    PreemptionGuard(const PreemptionGuard&) = delete;
    PreemptionGuard& operator=(const PreemptionGuard&) = delete;
};

} // namespace sync

#pragma once
// The preemption count: while it is above zero on a CPU, the scheduler
// (sched/) must not switch that CPU to another thread. Held by
// every spinlock and by every hardware-interrupt handler, and by whoever
// needs it with a PreemptionGuard. It is a per-CPU variable
// (arch/x86_64/per_cpu.h) changed in one GS-relative instruction each way,
// so a thread moved to another CPU between two changes stays right.
//
// When the count drops back to zero, a reschedule asked for while it was
// held (by the timer tick, or a wake-up) runs: the hook the scheduler registers.
//
// disable_preemption() and enable_preemption() are inline: a GS-relative
// add, and a subtract whose zero flag says whether to look for a pending
// reschedule (one read); the rest (a reschedule, a panic) out of line. Out
// of line they cost 72 TSC cycles per pair in QEMU, inline 12, and the
// per-CPU heap cache takes the count twice per allocate+free
// (mem/heap/cpu_cache.h).

#include <cstdint>
#include "arch/x86_64/per_cpu.h"

namespace sync {

namespace detail {
// This CPU's count and its pending reschedule (defined in preemption.cpp);
// only the inline functions below touch them.
KESTREL_PER_CPU extern uint32_t g_preemption_depth;
KESTREL_PER_CPU extern uint32_t g_reschedule_pending;
[[noreturn]] void preemption_underflow();
void run_pending_reschedule();
} // namespace detail

inline void disable_preemption()
{
    arch::this_cpu_add(detail::g_preemption_depth, 1);
}

inline void enable_preemption()
{
    if (arch::this_cpu_decrement_to_zero(detail::g_preemption_depth)) {
        if (arch::this_cpu_read(detail::g_reschedule_pending) != 0) [[unlikely]]
            detail::run_pending_reschedule();
    } else if (arch::this_cpu_read(detail::g_preemption_depth) == UINT32_MAX) [[unlikely]] {
        detail::preemption_underflow(); // it was zero
    }
}
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

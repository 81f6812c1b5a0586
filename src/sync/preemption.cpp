#include "sync/preemption.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "core/panic.h"

namespace sync {

namespace detail {
KESTREL_PER_CPU uint32_t g_preemption_depth;
KESTREL_PER_CPU uint32_t g_reschedule_pending;
} // namespace detail

namespace {
RescheduleHook g_reschedule = nullptr;
} // namespace

using detail::g_preemption_depth;
using detail::g_reschedule_pending;

void detail::run_pending_reschedule()
{
    // Interrupts off while deciding: a tick in between could ask again.
    const bool were_enabled = arch::interrupts_enabled();
    arch::disable_interrupts();
    const bool pending = arch::this_cpu_read(g_reschedule_pending) != 0;
    if (pending)
        arch::this_cpu(g_reschedule_pending) = 0;
    if (were_enabled)
        arch::enable_interrupts();
    if (pending && g_reschedule)
        g_reschedule();
}

void detail::preemption_underflow()
{
    // The count wrapped to 2^32 - 1; the panic path takes locks, which need it sane.
    arch::this_cpu_add(g_preemption_depth, 1);
    core::panic("enable_preemption() without a matching disable_preemption() on CPU {}", arch::this_cpu_data().id);
}

uint32_t preemption_depth()
{
    return arch::this_cpu_read(g_preemption_depth);
}

bool preemptible()
{
    return preemption_depth() == 0;
}

void set_reschedule_hook(RescheduleHook hook)
{
    g_reschedule = hook;
}

RescheduleHook reschedule_hook()
{
    return g_reschedule;
}

void request_reschedule()
{
    arch::this_cpu_add(g_reschedule_pending, 1);
    if (preemptible())
        detail::run_pending_reschedule();
}

void restore_preemption_depth(uint32_t depth)
{
    arch::this_cpu(g_preemption_depth) = depth;
}

} // namespace sync

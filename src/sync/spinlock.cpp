#include "sync/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "core/panic.h"
#include "sync/preemption.h"

namespace sync {

namespace {
// The owner field's value for this CPU (0 means free).
uint32_t this_cpu_owner()
{
    return arch::this_cpu_data().id + 1;
}
} // namespace

bool Spinlock::lock()
{
    const bool were_enabled = arch::interrupts_enabled();
    arch::disable_interrupts();
    disable_preemption(); // a holder is never switched away from (preemption.h)
    // Interrupts are off: this CPU cannot change under us, nor can an
    // interrupt handler on it take the lock between the check and the spin.
    const uint32_t me = this_cpu_owner();
    if (m_owner.load(MemoryOrder::Relaxed) == me)
        core::panic("spinlock \"{}\" taken twice on CPU {}: it is held here already, and waiting would never end",
                    m_name, me - 1);
    // Test-and-test-and-set: spin on a plain load so a waiting CPU does not
    // keep the cache line in exclusive state. Acquire: the protected data is
    // read only after the lock is ours.
    for (uint32_t spins = 0; m_locked.exchange(true, MemoryOrder::Acquire); ) {
        while (m_locked.load(MemoryOrder::Relaxed)) {
            if (++spins == m_deadlock_spins)
                core::panic("spinlock \"{}\" still held by CPU {} after {} spins on CPU {}", m_name,
                            m_owner.load(MemoryOrder::Relaxed) - 1, m_deadlock_spins, me - 1);
            arch::pause();
        }
    }
    m_owner.store(me, MemoryOrder::Relaxed);
    return were_enabled;
}

bool Spinlock::try_lock(bool& interrupts_were_enabled)
{
    const bool were_enabled = arch::interrupts_enabled();
    arch::disable_interrupts();
    if (m_locked.exchange(true, MemoryOrder::Acquire)) {
        if (were_enabled)
            arch::enable_interrupts();
        return false;
    }
    disable_preemption();
    m_owner.store(this_cpu_owner(), MemoryOrder::Relaxed);
    interrupts_were_enabled = were_enabled;
    return true;
}

void Spinlock::unlock(bool interrupts_were_enabled)
{
    if (!m_locked.load(MemoryOrder::Relaxed))
        core::panic("spinlock \"{}\" released but not held", m_name);
    const uint32_t me = this_cpu_owner();
    const uint32_t owner = m_owner.load(MemoryOrder::Relaxed);
    if (owner != me)
        core::panic("spinlock \"{}\" released on CPU {} but held by CPU {}", m_name, me - 1, owner - 1);
    m_owner.store(0, MemoryOrder::Relaxed);
    // Release: writes to the protected data (and the owner) are visible
    // before the lock is free.
    m_locked.store(false, MemoryOrder::Release);
    // Interrupts back first: a reschedule that was waiting for the count
    // may switch threads, which it does with interrupts as the holder had them.
    if (interrupts_were_enabled)
        arch::enable_interrupts();
    enable_preemption();
}

} // namespace sync

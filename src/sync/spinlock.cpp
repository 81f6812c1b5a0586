#include "sync/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "core/panic.h"

namespace sync {

bool Spinlock::lock()
{
    const bool were_enabled = arch::interrupts_enabled();
    arch::disable_interrupts();
    // Test-and-test-and-set: spin on a plain load so a waiting CPU does not
    // keep the cache line in exclusive state. Acquire: the protected data is
    // read only after the lock is ours.
    for (uint32_t spins = 0; m_locked.exchange(true, MemoryOrder::Acquire); ) {
        while (m_locked.load(MemoryOrder::Relaxed)) {
            if (++spins == m_deadlock_spins)
                core::panic("spinlock \"{}\" still held after {} spins: taken twice on this CPU?", m_name,
                              m_deadlock_spins);
            arch::pause();
        }
    }
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
    interrupts_were_enabled = were_enabled;
    return true;
}

void Spinlock::unlock(bool interrupts_were_enabled)
{
    if (!m_locked.load(MemoryOrder::Relaxed))
        core::panic("spinlock \"{}\" released but not held", m_name);
    // Release: writes to the protected data are visible before the lock is free.
    m_locked.store(false, MemoryOrder::Release);
    if (interrupts_were_enabled)
        arch::enable_interrupts();
}

} // namespace sync

#include "sync/spinlock.h"
#include "sync/deadlock_watch.h"
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

#ifdef KESTREL_LOCK_CHECKS
// The locks this CPU holds, in the order taken, with where.
struct HeldLock {
    const Spinlock* lock;
    std::source_location where;
};
struct HeldLocks {
    static constexpr uint32_t capacity = 16;
    HeldLock entries[capacity];
    uint32_t count;
};
KESTREL_PER_CPU HeldLocks g_held;

// Both called with interrupts off (the lock's own), so this CPU's record is
// ours. The order is checked before waiting (an out-of-order wait is how two
// CPUs deadlock), the lock recorded once it is held.
void check_order(const Spinlock& lock, const std::source_location& where)
{
    const HeldLocks& held = arch::this_cpu(g_held);
    if (lock.rank() != LockRank::None) {
        for (uint32_t i = 0; i < held.count; ++i) {
            const HeldLock& other = held.entries[i];
            if (other.lock->rank() == LockRank::None || other.lock->rank() > lock.rank())
                continue;
            core::panic("lock order: taking \"{}\" (rank {}) at {}:{} while holding \"{}\" (rank {}) taken at {}:{}",
                        lock.name(), to_string(lock.rank()), where.file_name(), where.line(), other.lock->name(),
                        to_string(other.lock->rank()), other.where.file_name(), other.where.line());
        }
    }
}

void record(const Spinlock& lock, const std::source_location& where)
{
    HeldLocks& held = arch::this_cpu(g_held);
    if (held.count == HeldLocks::capacity)
        core::panic("lock order checker: more than {} locks held on CPU {}", HeldLocks::capacity,
                    arch::this_cpu_data().id);
    held.entries[held.count++] = HeldLock{&lock, where};
}

void forget(const Spinlock& lock)
{
    HeldLocks& held = arch::this_cpu(g_held);
    for (uint32_t i = held.count; i-- > 0;) {
        if (held.entries[i].lock != &lock)
            continue;
        for (uint32_t j = i; j + 1 < held.count; ++j)
            held.entries[j] = held.entries[j + 1];
        --held.count;
        return;
    }
}
#endif
} // namespace

std::string_view to_string(LockRank rank)
{
    switch (rank) {
    case LockRank::None: return "none";
    case LockRank::InterruptController: return "interrupt controller";
    case LockRank::FrameAllocator: return "frame allocator";
    case LockRank::AddressSpace: return "address space";
    case LockRank::KernelHeap: return "kernel heap";
    case LockRank::PhysicalMapping: return "physical mappings";
    }
    return "unknown";
}

uint32_t held_lock_count()
{
#ifdef KESTREL_LOCK_CHECKS
    return arch::this_cpu(g_held).count;
#else
    return 0;
#endif
}

void forget_held_locks_above(uint32_t count)
{
#ifdef KESTREL_LOCK_CHECKS
    HeldLocks& held = arch::this_cpu(g_held);
    if (held.count > count)
        held.count = count;
#else
    (void)count;
#endif
}

void describe_held_locks(kstd::Sink& sink)
{
#ifdef KESTREL_LOCK_CHECKS
    const HeldLocks& held = arch::this_cpu(g_held);
    for (uint32_t i = 0; i < held.count; ++i)
        kstd::format_to(sink, "{}\"{}\" (taken at {}:{})", i ? ", " : "", held.entries[i].lock->name(),
                        held.entries[i].where.file_name(), held.entries[i].where.line());
#else
    (void)sink;
#endif
}

bool Spinlock::lock(const std::source_location& where)
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
#ifdef KESTREL_LOCK_CHECKS
    check_order(*this, where);
#endif
    // Test-and-test-and-set: spin on a plain load so a waiting CPU does not
    // keep the cache line in exclusive state. Acquire: the protected data is
    // read only after the lock is ours.
    DeadlockWatch watch(m_deadlock_spins, 2);
    while (m_locked.exchange(true, MemoryOrder::Acquire)) {
        while (m_locked.load(MemoryOrder::Relaxed)) {
            if (watch.stuck())
                core::panic("spinlock \"{}\" still held by CPU {} after {} spins on CPU {}", m_name,
                            m_owner.load(MemoryOrder::Relaxed) - 1, watch.spins(), me - 1);
            arch::pause();
        }
    }
    m_owner.store(me, MemoryOrder::Relaxed);
#ifdef KESTREL_LOCK_CHECKS
    record(*this, where);
#else
    (void)where;
#endif
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
#ifdef KESTREL_LOCK_CHECKS
    record(*this, std::source_location::current());
#endif
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
#ifdef KESTREL_LOCK_CHECKS
    forget(*this);
#endif
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

#pragma once
// A spinlock that disables interrupts while held and restores the previous
// state on release: data shared with an interrupt handler can be taken in
// normal code without the handler deadlocking on the same CPU.
//
//   sync::SpinlockProtected<Table> g_table;
//   g_table.with([&](Table& table) { table.insert(x); });
//
//   sync::Spinlock lock{"pic masks"};
//   { sync::SpinlockGuard guard(lock); ... }
//
// A held lock records the CPU that holds it (arch::this_cpu_data().id), so
// taking it again on the same CPU, which with interrupts off can never end,
// is a panic at once, naming the lock and the CPU, and releasing it on
// another CPU than the holder's is one too. Waiting for another CPU panics
// after `deadlock_spins` attempts (10 million by default: about a second)
// and, with other CPUs online, two more seconds of TSC time (a virtual CPU
// the host holds back is slow, not stuck), instead of hanging silently.

#include "sync/atomic.h"
#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>
#include <utility>
#include "kstd/format.h"

namespace sync {

// Lock ranks, the documented order (SerenityOS's LockRank.h has the idea): a
// ranked lock may be taken only while every ranked lock this CPU holds has a
// higher rank. The heap grows by mapping pages (heap, then address space),
// mapping takes frames (address space, then frames), and the PIC's masks are
// a leaf. Test kernels check it (KESTREL_LOCK_CHECKS): taking locks out of
// order panics, naming both locks and where each was taken; a lock of rank
// None is not checked. The product carries the ranks but not the checker.
enum class LockRank : uint8_t {
    None = 0,
    InterruptController = 1, // the 8259's masks
    FrameAllocator = 2,
    AddressSpace = 3,
    KernelHeap = 4,
    PhysicalMapping = 5, // mem/physical_mapping.h: hands out the region, then maps (address space)
};
std::string_view to_string(LockRank rank);

class Spinlock {
public:
    static constexpr uint32_t default_deadlock_spins = 10'000'000;

    constexpr explicit Spinlock(const char* name, LockRank rank = LockRank::None,
                                uint32_t deadlock_spins = default_deadlock_spins)
        : m_name(name), m_rank(rank), m_deadlock_spins(deadlock_spins)
    {
    }
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    // Disables interrupts and takes the lock; returns whether interrupts
    // were enabled, which unlock() needs. `where` is recorded for the lock
    // order checker's reports.
    [[nodiscard]] bool lock(const std::source_location& where = std::source_location::current());
    void unlock(bool interrupts_were_enabled);
    // Takes the lock if it is free (interrupts off only on success).
    [[nodiscard]] bool try_lock(bool& interrupts_were_enabled);

    bool is_locked() const { return m_locked.load(MemoryOrder::Relaxed); }
    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }
    // The CPU holding the lock, if any.
    std::optional<uint32_t> owner_cpu() const
    {
        const uint32_t owner = m_owner.load(MemoryOrder::Relaxed);
        return owner == 0 ? std::nullopt : std::optional<uint32_t>(owner - 1);
    }

private:
    Atomic<bool> m_locked{false};
    Atomic<uint32_t> m_owner{0}; // the holder's CPU id + 1; 0 while free
    const char* m_name;
    LockRank m_rank;
    uint32_t m_deadlock_spins;
};

class SpinlockGuard {
public:
    explicit SpinlockGuard(Spinlock& lock, const std::source_location& where = std::source_location::current())
        : m_lock(lock), m_interrupts_were_enabled(lock.lock(where))
    {
    }
    ~SpinlockGuard() { m_lock.unlock(m_interrupts_were_enabled); }
    SpinlockGuard(const SpinlockGuard&) = delete;
    SpinlockGuard& operator=(const SpinlockGuard&) = delete;

private:
    Spinlock& m_lock;
    bool m_interrupts_were_enabled;
};

// A value that can only be reached with its lock held.
template <typename T>
class SpinlockProtected {
public:
    template <typename... Args>
    constexpr explicit SpinlockProtected(const char* name, Args&&... args)
        : m_lock(name), m_value(std::forward<Args>(args)...)
    {
    }

    template <typename F>
    decltype(auto) with(F&& function, const std::source_location& where = std::source_location::current())
    {
        SpinlockGuard guard(m_lock, where);
        return function(m_value);
    }

    bool is_locked() const { return m_lock.is_locked(); }

private:
    Spinlock m_lock;
    T m_value;
};

// The lock order checker's record of this CPU's held locks (test kernels;
// elsewhere both are no-ops): for a harness that abandons code holding locks
// (ktest, when a case ends by a jump out of a panic).
uint32_t held_lock_count();
void forget_held_locks_above(uint32_t count);
// The held locks for a report: `"name" (taken at file:line)`, comma
// separated, innermost last; nothing without the checker or without locks.
void describe_held_locks(kstd::Sink& sink);

} // namespace sync

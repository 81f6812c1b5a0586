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
// The kernel runs on one CPU today, where a held lock can only be released
// by the code that holds it: spinning on it with interrupts off means the
// lock is taken twice on this CPU. After `deadlock_spins` attempts (10
// million by default: about a second) the lock panics with its name instead
// of hanging silently.

#include "sync/atomic.h"
#include <cstdint>
#include <utility>

namespace sync {

class Spinlock {
public:
    static constexpr uint32_t default_deadlock_spins = 10'000'000;

    constexpr explicit Spinlock(const char* name, uint32_t deadlock_spins = default_deadlock_spins)
        : m_name(name), m_deadlock_spins(deadlock_spins)
    {
    }
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    // Disables interrupts and takes the lock; returns whether interrupts
    // were enabled, which unlock() needs.
    [[nodiscard]] bool lock();
    void unlock(bool interrupts_were_enabled);
    // Takes the lock if it is free (interrupts off only on success).
    [[nodiscard]] bool try_lock(bool& interrupts_were_enabled);

    bool is_locked() const { return m_locked.load(MemoryOrder::Relaxed); }
    const char* name() const { return m_name; }

private:
    Atomic<bool> m_locked{false};
    const char* m_name;
    uint32_t m_deadlock_spins;
};

class SpinlockGuard {
public:
    explicit SpinlockGuard(Spinlock& lock) : m_lock(lock), m_interrupts_were_enabled(lock.lock()) {}
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
    decltype(auto) with(F&& function)
    {
        SpinlockGuard guard(m_lock);
        return function(m_value);
    }

    bool is_locked() const { return m_lock.is_locked(); }

private:
    Spinlock m_lock;
    T m_value;
};

} // namespace sync

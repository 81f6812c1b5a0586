#pragma once
// Atomic<T>: the part of std::atomic the kernel needs, on GCC's __atomic
// builtins (which compile to plain MOV / LOCK-prefixed instructions on
// x86_64 for 1-, 2-, 4- and 8-byte values; no library calls).
//
// Why not <atomic>: the compiler we build with is GCC 12 in its hosted
// configuration, where <atomic> includes the C++20 wait/notify machinery
// and through it the host's <unistd.h>. glibc declarations have no place in
// a freestanding kernel (its `sync()` even collides with this namespace).

#include <cstddef>
#include <type_traits>

namespace sync {

enum class MemoryOrder : int {
    Relaxed = __ATOMIC_RELAXED,
    Acquire = __ATOMIC_ACQUIRE,
    Release = __ATOMIC_RELEASE,
    AcquireRelease = __ATOMIC_ACQ_REL,
    SequentiallyConsistent = __ATOMIC_SEQ_CST,
};

template <typename T>
    requires(std::is_trivially_copyable_v<T>
             && (std::is_integral_v<T> || std::is_pointer_v<T>)
             && (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8))
class Atomic {
public:
    constexpr Atomic() : m_value() {}
    constexpr Atomic(T value) : m_value(value) {} // NOLINT: implicit, like std::atomic
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    T load(MemoryOrder order = MemoryOrder::SequentiallyConsistent) const
    {
        return __atomic_load_n(&m_value, static_cast<int>(order));
    }
    void store(T value, MemoryOrder order = MemoryOrder::SequentiallyConsistent)
    {
        __atomic_store_n(&m_value, value, static_cast<int>(order));
    }
    T exchange(T value, MemoryOrder order = MemoryOrder::SequentiallyConsistent)
    {
        return __atomic_exchange_n(&m_value, value, static_cast<int>(order));
    }
    // On failure `expected` receives the current value.
    bool compare_exchange(T& expected, T desired, MemoryOrder order = MemoryOrder::SequentiallyConsistent)
    {
        return __atomic_compare_exchange_n(&m_value, &expected, desired, false, static_cast<int>(order),
                                           static_cast<int>(failure_order(order)));
    }
    T fetch_add(T delta, MemoryOrder order = MemoryOrder::SequentiallyConsistent)
        requires std::is_integral_v<T>
    {
        return __atomic_fetch_add(&m_value, delta, static_cast<int>(order));
    }

    // A counter with exactly one writer (e.g. an interrupt handler, which
    // cannot be interrupted on this CPU): a plain load and store, no LOCK
    // prefix; readers still see whole values.
    void add_single_writer(T delta)
        requires std::is_integral_v<T>
    {
        store(static_cast<T>(load(MemoryOrder::Relaxed) + delta), MemoryOrder::Relaxed);
    }

private:
    // The failure ordering of a compare-exchange may not be a release.
    static constexpr MemoryOrder failure_order(MemoryOrder order)
    {
        switch (order) {
        case MemoryOrder::Release: return MemoryOrder::Relaxed;
        case MemoryOrder::AcquireRelease: return MemoryOrder::Acquire;
        default: return order;
        }
    }

    alignas(sizeof(T)) T m_value;
};

} // namespace sync

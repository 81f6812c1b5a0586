#pragma once
// A fixed-size, lock-free ring buffer for exactly one producer and one
// consumer, e.g. an interrupt handler (producer) and the kernel loop that
// drains it (consumer). Neither side ever waits or takes a lock: the
// producer owns `m_head`, the consumer owns `m_tail`, and each only reads
// the other's index.
//
// push() on a full ring refuses the item and returns false; the caller
// counts the loss (see drivers/keyboard.cpp), so an overflow is never silent.

#include "sync/atomic.h"
#include <cstddef>
#include <optional>

namespace sync {

template <typename T, size_t Capacity>
class SpscRing {
    static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "capacity must be a power of two");

public:
    static constexpr size_t capacity = Capacity;

    // Producer side.
    [[nodiscard]] bool push(const T& item)
    {
        const size_t head = m_head.load(MemoryOrder::Relaxed);
        // Acquire: the consumer is done with a slot before we reuse it.
        const size_t tail = m_tail.load(MemoryOrder::Acquire);
        if (head - tail == Capacity)
            return false;
        m_items[head & (Capacity - 1)] = item;
        // Release: the item is written before the consumer can see it.
        m_head.store(head + 1, MemoryOrder::Release);
        return true;
    }

    // Consumer side.
    std::optional<T> pop()
    {
        const size_t tail = m_tail.load(MemoryOrder::Relaxed);
        // Acquire: pairs with the producer's release in push().
        const size_t head = m_head.load(MemoryOrder::Acquire);
        if (head == tail)
            return std::nullopt;
        const T item = m_items[tail & (Capacity - 1)];
        // Release: the slot is read before the producer may overwrite it.
        m_tail.store(tail + 1, MemoryOrder::Release);
        return item;
    }

    // Either side; exact only when the other side is not running.
    size_t size() const
    {
        return m_head.load(MemoryOrder::Acquire) - m_tail.load(MemoryOrder::Acquire);
    }
    bool empty() const { return size() == 0; }

private:
    // Free-running indices (wrap at 2^64, never in practice); the slot is the
    // index modulo the capacity, so full and empty are told apart.
    Atomic<size_t> m_head{0};
    Atomic<size_t> m_tail{0};
    T m_items[Capacity]{};
};

} // namespace sync

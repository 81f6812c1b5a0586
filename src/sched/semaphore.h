#pragma once
// A counting semaphore: acquire takes one unit, blocking while there is
// none; release adds units and wakes as many waiters (FIFO). release may be
// called anywhere, interrupt handlers included; acquire only where a thread
// may block (might_sleep.h).
//
//   sched::Semaphore items{0, "items"};     // a bounded buffer's filled slots
//   items.release();                        // producer
//   items.acquire();                        // consumer

#include <cstdint>
#include "sched/clock.h"
#include "sched/wait_queue.h"

namespace sched {

class Semaphore {
public:
    explicit Semaphore(uint32_t initial, const char* name = "semaphore") : m_count(initial), m_waiters(name) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    void acquire(const std::source_location& where = std::source_location::current());
    // False if no unit came by `deadline`.
    [[nodiscard]] bool acquire_until(Deadline deadline,
                                     const std::source_location& where = std::source_location::current());
    [[nodiscard]] bool try_acquire();
    void release(uint32_t units = 1);

    uint32_t count() const { return m_count; }

private:
    uint32_t m_count;
    WaitQueue m_waiters;
};

} // namespace sched

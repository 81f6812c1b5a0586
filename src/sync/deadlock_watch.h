#pragma once
// A wait for another CPU that must end: the spinlocks', the scheduler
// lock's, a TLB shootdown's answer. It counts as stuck after `spins` spins
// and, with other CPUs online, `seconds` more of TSC time: under QEMU on a
// busy host a virtual CPU holding the lock may simply not be running for a
// while (10 million spins went by in well under a second), which is slow,
// not stuck. Without a calibrated TSC the spins alone decide.
//
//   sync::DeadlockWatch watch(10'000'000, 2);
//   while (locked())
//       if (watch.stuck()) core::panic(...);

#include <cstdint>
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"

namespace sync {

class DeadlockWatch {
public:
    constexpr DeadlockWatch(uint64_t spins, uint64_t seconds) : m_limit(spins), m_seconds(seconds) {}

    // One more spin of the wait; true once it counts as stuck.
    bool stuck()
    {
        if (m_spins < m_limit) {
            ++m_spins;
            return false;
        }
        auto hz = arch::tsc::frequency_hz();
        if (arch::online_cpu_count() <= 1 || !hz)
            return true;
        const uint64_t now = arch::tsc::now();
        if (m_since == 0)
            m_since = now;
        return now - m_since > m_seconds * *hz;
    }
    uint64_t spins() const { return m_spins; }

private:
    uint64_t m_limit;
    uint64_t m_seconds;
    uint64_t m_spins = 0;
    uint64_t m_since = 0; // TSC when the spins ran out
};

} // namespace sync

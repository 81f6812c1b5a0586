#pragma once
// InterruptGuard: interrupts are off for the guard's lifetime and come back
// only if they were on before, so guards nest and work in code that already
// runs with interrupts off (an interrupt handler, a panic).
//
//   {
//       sync::InterruptGuard guard;
//       ... no interrupt handler runs on this CPU here ...
//   }

#include "arch/x86_64/cpu.h"

namespace sync {

class InterruptGuard {
public:
    InterruptGuard() : m_were_enabled(arch::interrupts_enabled()) { arch::disable_interrupts(); }
    ~InterruptGuard()
    {
        if (m_were_enabled)
            arch::enable_interrupts();
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    bool interrupts_were_enabled() const { return m_were_enabled; }

private:
    bool m_were_enabled;
};

} // namespace sync

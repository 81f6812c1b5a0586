#include "sync/idle.h"
#include "arch/x86_64/cpu.h"

namespace sync {

void wait_for_interrupt()
{
    const bool were_enabled = arch::interrupts_enabled();
    // STI; HLT back to back: the STI shadow covers the HLT, so no interrupt
    // can be handled between the two (see idle.h). "memory": the handler
    // that runs while halted may change memory the caller reads next.
    asm volatile("sti; hlt" ::: "memory");
    if (!were_enabled)
        arch::disable_interrupts();
}

void idle_forever()
{
    for (;;)
        wait_for_interrupt();
}

} // namespace sync

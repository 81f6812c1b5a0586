#pragma once
// Waiting without spinning: HLT stops the CPU until the next interrupt.
//
// The pattern that cannot miss a wake-up: check the condition with
// interrupts off, then enable them and halt in one step.
//
//   sync::InterruptGuard guard;
//   while (!ready())
//       sync::wait_for_interrupt();
//
// STI delays interrupt delivery until after the next instruction (Intel SDM
// vol. 2B, "STI"), so an interrupt that arrives after the check wakes the
// HLT instead of being handled just before it.

namespace sync {

// Enables interrupts, halts until one has been handled, then restores the
// caller's interrupt state.
void wait_for_interrupt();

// The idle loop: halt, handle interrupts, halt again. Never returns.
[[noreturn]] void idle_forever();

} // namespace sync

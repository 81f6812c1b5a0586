#pragma once
// The sleeping-in-atomic check: code that may block calls might_sleep()
// first. Blocking is allowed only in a thread, with interrupts on and the
// preemption count at zero: no spinlock held (each holds the count), not in
// an interrupt handler (the interrupt path holds it), no PreemptionGuard.
// Anything else would switch away from a CPU state the next thread cannot
// share (on one CPU, the spinlock's next taker would spin forever), so it is
// a panic naming what was called, where, why, and (in test kernels, which
// record them) the spinlocks held and where each was taken:
//
//   sleeping in atomic context: Mutex::lock at src/x.cpp:12 with preemption
//   disabled (count 1), holding "kernel heap" (taken at src/mem/kernel_heap.cpp:129)

#include <source_location>
#include "sched/scheduler_lock.h"

namespace sched {

void might_sleep(const char* what, const std::source_location& where = std::source_location::current());
// For a primitive that has taken the scheduler lock already (once, with
// interrupts on, is the only way allowed).
void might_sleep(const SchedulerLock& lock, const char* what,
                 const std::source_location& where = std::source_location::current());

} // namespace sched

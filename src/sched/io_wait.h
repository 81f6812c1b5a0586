#pragma once
// Sleeping until a device's interrupt: the waiter that drivers (which sit
// below the scheduler) call through drivers::set_io_waiter. sched::initialize()
// installs it; from then on a thread waiting for a virtio-blk request sleeps on
// one wait queue, and the IRQ handler's wake-up wakes it.

namespace sched {

void install_io_waiter();

} // namespace sched

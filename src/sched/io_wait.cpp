#include "sched/io_wait.h"
#include "drivers/virtio_block.h"
#include "sched/wait_queue.h"

namespace sched {

namespace {

// Every thread waiting for any device's completion: there are few, and each
// checks its own flag again when woken.
WaitQueue g_io_queue("device I/O");

// The flag is checked with the scheduler lock held and the thread queued
// before the lock is let go (wait_queue.h), so an interrupt that sets it in
// between cannot be missed. Callers must be allowed to sleep (a thread,
// interrupts on, no spinlock held): wait() panics otherwise.
void sleep_until(volatile bool& done)
{
    SchedulerLock lock;
    while (!done)
        (void)g_io_queue.wait(lock);
}

// From the IRQ handler (interrupts off): wake_all is callable anywhere.
void wake_sleepers()
{
    (void)g_io_queue.wake_all();
}

} // namespace

void install_io_waiter()
{
    drivers::set_io_waiter(&sleep_until, &wake_sleepers);
}

} // namespace sched

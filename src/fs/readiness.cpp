#include "fs/readiness.h"
#include "sched/scheduler_lock.h"

namespace fs {

namespace {

sched::WaitQueue g_pollers{"poll"};
uint64_t g_generation = 0; // atomic
uint32_t g_polling = 0;    // threads between reading the count and sleeping, or asleep; atomic

} // namespace

ReadinessWatch::ReadinessWatch()
{
    __atomic_add_fetch(&g_polling, 1, __ATOMIC_SEQ_CST); // before the count is read: a change now wakes us
    m_generation = __atomic_load_n(&g_generation, __ATOMIC_SEQ_CST);
}

ReadinessWatch::~ReadinessWatch()
{
    __atomic_sub_fetch(&g_polling, 1, __ATOMIC_SEQ_CST);
}

void readiness_changed()
{
    __atomic_add_fetch(&g_generation, 1, __ATOMIC_SEQ_CST);
    // Sequentially consistent with the watch's two steps: either it reads
    // the new count, or this sees it polling and wakes it (wake_all takes
    // the scheduler lock, under which wait() compares and queues).
    if (__atomic_load_n(&g_polling, __ATOMIC_SEQ_CST) != 0)
        (void)g_pollers.wake_all();
}

sched::WaitResult ReadinessWatch::wait(sched::Deadline deadline)
{
    sched::WaitResult result = sched::WaitResult::Woken;
    {
        sched::SchedulerLock lock;
        if (__atomic_load_n(&g_generation, __ATOMIC_SEQ_CST) == m_generation)
            result = g_pollers.wait(lock, deadline, std::source_location::current(), sched::Interruptible::Yes);
    }
    m_generation = __atomic_load_n(&g_generation, __ATOMIC_SEQ_CST); // before the caller asks its files again
    return result;
}

} // namespace fs

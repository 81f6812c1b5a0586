#include "async/executor.h"
#include <new>
#include "core/panic.h"
#include "sched/scheduler_lock.h"
#include "sched/thread.h"

namespace async {

void* detail::PromiseBase::operator new(size_t size) noexcept
{
    return ::operator new(size, std::nothrow);
}

void detail::PromiseBase::operator delete(void* frame) noexcept
{
    ::operator delete(frame);
}

std::coroutine_handle<> detail::PromiseBase::finish(PromiseBase& promise) noexcept
{
    if (promise.continuation)
        return promise.continuation;
    // A root task: its frame stays until the executor, back from resume(),
    // destroys it (a coroutine cannot destroy itself while it runs).
    if (promise.record != nullptr) {
        const sched::SchedulerLock lock;
        promise.record->state = TaskState::Done;
    }
    return std::noop_coroutine();
}

void detail::awaited_an_invalid_task()
{
    core::panic("co_await on a task whose frame could not be allocated (check Task::valid())");
}

std::string_view to_string(SpawnError error)
{
    switch (error) {
    case SpawnError::InvalidTask: return "the task's coroutine frame could not be allocated";
    case SpawnError::OutOfMemory: return "no memory for the executor's task record";
    }
    return "unknown spawn error";
}

void Waker::wake() const
{
    if (m_record == nullptr)
        return;
    sched::SchedulerLock lock; // the same lock whatever the context: the executor's lists are shared with interrupts
    if (m_record->generation != m_generation || m_record->state != TaskState::Waiting)
        return;
    m_record->executor->make_ready(*m_record);
}

Executor::Executor(const char* name) : m_name(name), m_idle(name) {}

Executor::~Executor()
{
    while (TaskRecord* record = m_all.front())
        destroy(*record);
}

kstd::Expected<uint64_t, SpawnError> Executor::spawn(Task<void> task, const char* name)
{
    if (!task.valid())
        return kstd::unexpected(SpawnError::InvalidTask);
    auto* record = new (std::nothrow) TaskRecord;
    if (record == nullptr)
        return kstd::unexpected(SpawnError::OutOfMemory); // `task` destroys its frame
    auto handle = task.release();
    handle.promise().record = record;
    record->executor = this;
    record->name = name;
    record->root = handle;
    record->resume_point = handle;
    sched::SchedulerLock lock;
    record->id = m_next_id++;
    record->state = TaskState::Waiting; // make_ready's precondition
    m_all.push_back(*record);
    make_ready(*record);
    return record->id;
}

void Executor::make_ready(TaskRecord& record)
{
    ++record.generation;
    record.state = TaskState::Ready;
    m_ready.push_back(record);
    (void)m_idle.wake_one();
}

void Executor::expire_timers(uint64_t now)
{
    while (Timer* timer = m_timers.front()) {
        if (timer->deadline_ns > now)
            return;
        m_timers.remove(*timer);
        timer->waker.wake(); // the scheduler lock again, nested: a stale waker does nothing
    }
}

Waker Executor::suspend(detail::PromiseBase& promise, std::coroutine_handle<> resume_point)
{
    TaskRecord* record = promise.record;
    if (record == nullptr)
        core::panic("an awaitable suspended a coroutine that no executor runs (spawn its root task)");
    const sched::SchedulerLock lock;
    record->resume_point = resume_point;
    record->state = TaskState::Waiting;
    return Waker(record, record->generation);
}

void Executor::resume(TaskRecord& record)
{
    ++record.resumes;
    record.resume_point.resume();
    TaskState state;
    {
        const sched::SchedulerLock lock;
        state = record.state;
    }
    if (state == TaskState::Done)
        destroy(record);
    else if (state == TaskState::Running)
        core::panic("task {} \"{}\" of executor \"{}\" suspended without taking a waker (async::suspend)", record.id,
                    record.name, m_name);
}

void Executor::destroy(TaskRecord& record)
{
    {
        const sched::SchedulerLock lock;
        if (static_cast<kstd::IntrusiveListNode<ReadyTag>&>(record).is_linked())
            m_ready.remove(record);
        m_all.remove(record);
        record.state = TaskState::Done;
        ++record.generation; // any waker still out there is stale
    }
    // The frames and their awaitables go: each takes back its waker.
    record.root.destroy();
    delete &record;
}

uint32_t Executor::run_ready()
{
    uint32_t resumed = 0;
    for (;;) {
        TaskRecord* next;
        {
            const sched::SchedulerLock lock;
            expire_timers(sched::now_ns());
            next = m_ready.pop_front();
            if (next == nullptr)
                return resumed;
            next->state = TaskState::Running;
        }
        resume(*next);
        ++resumed;
    }
}

void Executor::run()
{
    const sched::Thread* self = &sched::current_thread();
    KASSERT(m_thread == nullptr || m_thread == self, "executor \"{}\" runs on one thread only", m_name);
    m_thread = self;
    for (;;) {
        (void)run_ready();
        sched::SchedulerLock lock;
        if (m_all.empty())
            return;
        if (!m_ready.empty())
            continue;
        // Nothing ready: sleep until a waker or the next timer.
        const sched::Deadline deadline
            = m_timers.empty() ? sched::Deadline::never() : sched::Deadline::at_ns(m_timers.front()->deadline_ns);
        m_sleeping = true;
        (void)m_idle.wait(lock, deadline);
        m_sleeping = false;
    }
}

bool Executor::cancel(uint64_t id)
{
    TaskRecord* record = find(id);
    if (record == nullptr)
        return false;
    if (record->state == TaskState::Running)
        core::panic("executor \"{}\": task {} \"{}\" cannot cancel itself", m_name, id, record->name);
    destroy(*record);
    return true;
}

TaskRecord* Executor::find(uint64_t id) const
{
    const sched::SchedulerLock lock;
    for (const TaskRecord& record : m_all) {
        if (record.id == id)
            return const_cast<TaskRecord*>(&record); // m_all holds them non-const; begin() here is const
    }
    return nullptr;
}

bool Executor::is_live(uint64_t id) const
{
    return find(id) != nullptr;
}

uint64_t Executor::resumes_of(uint64_t id) const
{
    const TaskRecord* record = find(id);
    return record ? record->resumes : 0;
}

uint32_t Executor::live_tasks() const
{
    const sched::SchedulerLock lock;
    return static_cast<uint32_t>(m_all.size());
}

bool Executor::sleeping() const
{
    const sched::SchedulerLock lock;
    return m_sleeping;
}

void Executor::add_timer(Timer& timer)
{
    const sched::SchedulerLock lock;
    auto position = m_timers.begin();
    while (position != m_timers.end() && position->deadline_ns <= timer.deadline_ns)
        ++position;
    m_timers.insert(position, timer);
    (void)m_idle.wake_one(); // a sleeping run() recomputes its deadline
}

void Executor::remove_timer(Timer& timer)
{
    const sched::SchedulerLock lock;
    if (static_cast<kstd::IntrusiveListNode<TimerTag>&>(timer).is_linked())
        m_timers.remove(timer);
}

void Sleep::arm(detail::PromiseBase& promise, std::coroutine_handle<> handle)
{
    m_executor = promise.record ? promise.record->executor : nullptr;
    m_timer.waker = Executor::suspend(promise, handle);
    m_timer.deadline_ns = sched::Deadline::after(m_duration).ns();
    m_executor->add_timer(m_timer);
}

Sleep::~Sleep()
{
    if (m_executor != nullptr)
        m_executor->remove_timer(m_timer);
}

} // namespace async

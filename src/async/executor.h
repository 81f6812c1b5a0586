#pragma once
// The executor: runs tasks (task.h) on one kernel thread, the one that
// calls run(). A task runs until it awaits something that is not ready; the
// awaitable then takes the task's Waker and the executor goes on with other
// ready tasks. The task is not resumed again (not "polled") until something
// calls that waker: an interrupt handler, another thread, a timer. With no
// task ready, the executor's thread blocks on a wait queue (until a wake-up
// or the next timer), so an idle executor costs no CPU.
//
//   async::Executor executor{"main"};
//   MUST(executor.spawn(keyboard_echo(), "echo"));
//   executor.run();                 // returns when every task has finished
//
//   ready list --pop--> resume the task ----> it finishes: frame destroyed
//        ^                                \--> it awaits: suspend() gives its
//        |                                     Waker to whoever will wake it
//        '---- Waker::wake() (any context) <---'
//
// Writing an awaitable: in await_suspend, `Waker waker = async::suspend(handle);`
// hand the waker to whoever will call wake() once, and make the awaitable's
// destructor take it back, so a task destroyed while it waits (cancel)
// leaves no waker behind.

#include <coroutine>
#include <cstdint>
#include "async/task.h"
#include "kstd/expected.h"
#include "kstd/intrusive_list.h"
#include "sched/clock.h"
#include "sched/wait_queue.h"

namespace sched {
class Thread;
}

namespace async {

class Executor;

enum class TaskState : uint8_t { Ready, Running, Waiting, Done };

struct ReadyTag {};
struct AllTasksTag {};

// The executor's record of a spawned (root) task and all it awaits.
struct TaskRecord : kstd::IntrusiveListNode<ReadyTag>, kstd::IntrusiveListNode<AllTasksTag> {
    Executor* executor = nullptr;
    uint64_t id = 0;
    const char* name = "";
    std::coroutine_handle<> root;          // the spawned coroutine, destroyed when it ends
    std::coroutine_handle<> resume_point;  // the coroutine in its chain that waits
    TaskState state = TaskState::Ready;
    uint32_t generation = 0;               // bumped at each wake: an old Waker does nothing
    uint64_t resumes = 0;
};

// Wakes one wait of one task, once. Copyable; callable anywhere, interrupt
// handlers included. A waker from before the task's latest wake-up is stale
// and does nothing.
class Waker {
public:
    Waker() = default;
    void wake() const;
    bool empty() const { return m_record == nullptr; }

private:
    friend class Executor;
    Waker(TaskRecord* record, uint32_t generation) : m_record(record), m_generation(generation) {}
    TaskRecord* m_record = nullptr;
    uint32_t m_generation = 0;
};

struct TimerTag {};
// A timer of the executor: wakes `waker` at `deadline_ns` (sched/clock.h).
struct Timer : kstd::IntrusiveListNode<TimerTag> {
    uint64_t deadline_ns = 0;
    Waker waker;
};

enum class SpawnError : uint8_t {
    InvalidTask, // the task's frame could not be allocated (Task::valid() is false)
    OutOfMemory, // no memory for the executor's record of it
};
std::string_view to_string(SpawnError error);

class Executor {
public:
    explicit Executor(const char* name);
    // Destroys the tasks that have not finished, as cancel() does.
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Takes `task` as a root task, ready to run; returns its id.
    [[nodiscard]] kstd::Expected<uint64_t, SpawnError> spawn(Task<void> task, const char* name);
    // Runs tasks until every one has finished, blocking the calling thread
    // while none is ready. Always on the same thread.
    void run();
    // Runs the tasks that are ready, and those they make ready, until none
    // is; returns how many resumes that took. Never blocks.
    uint32_t run_ready();
    // Destroys a task that is not running (its frame, the frames it awaits
    // and their awaitables); false if no such task is live.
    bool cancel(uint64_t id);

    bool is_live(uint64_t id) const;
    // How often a live task has been resumed (0 if it is not live).
    uint64_t resumes_of(uint64_t id) const;
    uint32_t live_tasks() const;
    // The thread run() runs on, or null before the first run.
    const sched::Thread* thread() const { return m_thread; }
    bool sleeping() const;

    void add_timer(Timer& timer);
    void remove_timer(Timer& timer);

    // For awaitables: marks the task of `promise` as waiting in `resume_point`
    // and returns the waker that makes it ready again.
    static Waker suspend(detail::PromiseBase& promise, std::coroutine_handle<> resume_point);

private:
    friend class Waker;
    void make_ready(TaskRecord& record); // scheduler lock held
    void expire_timers(uint64_t now);    // scheduler lock held
    TaskRecord* find(uint64_t id) const;
    void resume(TaskRecord& record);
    void destroy(TaskRecord& record);

    const char* m_name;
    sched::WaitQueue m_idle;
    kstd::IntrusiveList<TaskRecord, ReadyTag> m_ready;
    kstd::IntrusiveList<TaskRecord, AllTasksTag> m_all;
    kstd::IntrusiveList<Timer, TimerTag> m_timers; // soonest first
    const sched::Thread* m_thread = nullptr;
    uint64_t m_next_id = 1;
    bool m_sleeping = false;
};

// The waker of the task awaiting in `handle` (an awaitable's await_suspend).
template <typename Promise>
Waker suspend(std::coroutine_handle<Promise> handle)
{
    return Executor::suspend(handle.promise(), handle);
}

// co_await async::sleep(10ms): resumes the task at least that much later
// (sched::Deadline::after), other tasks running meanwhile.
class Sleep {
public:
    explicit Sleep(sched::Duration duration) : m_duration(duration) {}
    ~Sleep();
    Sleep(const Sleep&) = delete;
    Sleep& operator=(const Sleep&) = delete;

    bool await_ready() const { return m_duration.count() <= 0; }
    template <typename Promise>
    void await_suspend(std::coroutine_handle<Promise> handle)
    {
        arm(handle.promise(), handle);
    }
    void await_resume() {}

private:
    void arm(detail::PromiseBase& promise, std::coroutine_handle<> handle);
    sched::Duration m_duration;
    Timer m_timer;
    Executor* m_executor = nullptr;
};

inline Sleep sleep(sched::Duration duration)
{
    return Sleep(duration);
}

// co_await async::yield_now(): lets the other ready tasks run first; the
// task is ready again at once (its waker called in await_suspend).
struct YieldNow {
    bool await_ready() const { return false; }
    template <typename Promise>
    void await_suspend(std::coroutine_handle<Promise> handle)
    {
        suspend(handle).wake();
    }
    void await_resume() const {}
};

inline YieldNow yield_now()
{
    return {};
}

} // namespace async

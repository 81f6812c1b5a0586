// KTEST cases of the coroutine tasks and the executor: chains of tasks,
// wakers that are the only way back, timers, cancellation, frames that
// cannot be allocated, and the keyboard awaitable driven by its interrupt.

#include "async/executor.h"
#include "async/keyboard.h"
#include "async/task.h"
#include "drivers/keyboard.h"
#include "drivers/system_timer.h"
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"
#include "sched/test_threads.h"

using namespace std::chrono_literals;

namespace {

async::Task<int> leaf(int x)
{
    co_return x * 2;
}

async::Task<int> middle(int x)
{
    const int a = co_await leaf(x);
    const int b = co_await leaf(a);
    co_return a + b;
}

async::Task<void> root(int x, int& out)
{
    out = co_await middle(x);
}

// An awaitable that only a call to open() lets through, to watch what the
// executor does with a task that waits.
class Gate {
public:
    struct Awaiter {
        Gate& gate;
        bool await_ready() const { return gate.m_open; }
        template <typename Promise>
        void await_suspend(std::coroutine_handle<Promise> handle)
        {
            gate.m_waker = async::suspend(handle);
            gate.m_waiting = this;
        }
        void await_resume() const {}
        ~Awaiter()
        {
            if (gate.m_waiting == this)
                gate.m_waiting = nullptr; // destroyed while waiting: the waker goes back
        }
    };
    Awaiter operator co_await() { return Awaiter{*this}; }
    void open()
    {
        m_open = true;
        if (m_waiting != nullptr) {
            m_waiting = nullptr;
            m_waker.wake();
        }
    }
    bool has_waiter() const { return m_waiting != nullptr; }

private:
    bool m_open = false;
    Awaiter* m_waiting = nullptr;
    async::Waker m_waker;
};

struct DestroyedFlag {
    bool& destroyed;
    ~DestroyedFlag() { destroyed = true; }
};

async::Task<void> wait_at(Gate& gate, int& steps, bool& destroyed)
{
    const DestroyedFlag flag{destroyed};
    ++steps;
    co_await gate;
    ++steps;
}

} // namespace

KTEST(executor, a_chain_of_tasks_returns_its_result_up_the_chain)
{
    async::Executor executor{"test"};
    int out = 0;
    ASSERT_OK(executor.spawn(root(3, out), "chain"));
    executor.run();
    EXPECT_EQ(out, 18, "leaf(3) = 6, leaf(6) = 12, 6 + 12");
    EXPECT_EQ(executor.live_tasks(), 0u);
}

KTEST(executor, a_waiting_task_is_not_resumed_until_its_waker_is_called)
{
    async::Executor executor{"test"};
    Gate gate;
    int steps = 0;
    bool destroyed = false;
    const uint64_t id = MUST(executor.spawn(wait_at(gate, steps, destroyed), "waiter"));
    EXPECT_EQ(executor.run_ready(), 1u);
    EXPECT_EQ(steps, 1);
    EXPECT_TRUE(gate.has_waiter());
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(executor.run_ready(), 0u, "nothing woke it: not polled again");
    EXPECT_EQ(executor.resumes_of(id), 1u);
    gate.open();
    EXPECT_EQ(executor.run_ready(), 1u);
    EXPECT_EQ(steps, 2);
    EXPECT_TRUE(destroyed, "the finished task's frame was destroyed");
    EXPECT_FALSE(executor.is_live(id));
}

KTEST(executor, a_stale_waker_does_nothing)
{
    async::Executor executor{"test"};
    Gate gate;
    int steps = 0;
    bool destroyed = false;
    const uint64_t id = MUST(executor.spawn(wait_at(gate, steps, destroyed), "waiter"));
    (void)executor.run_ready();
    gate.open();
    gate.open(); // no waiter left: nothing more
    EXPECT_EQ(executor.run_ready(), 1u);
    EXPECT_FALSE(executor.is_live(id));
}

KTEST(executor, the_executor_thread_sleeps_while_no_task_is_ready_until_a_waker_is_called)
{
    // The executor runs in a thread of its own and blocks while its task
    // waits; this thread's wake-up (gate.open()) makes it run again. (The
    // keyboard case below wakes it from an interrupt handler.)
    async::Executor executor{"sleepy"};
    Gate gate;
    int steps = 0;
    bool destroyed = false;
    MUST(executor.spawn(wait_at(gate, steps, destroyed), "waiter"));
    auto run = [&] {
        executor.run();
        return 0;
    };
    sched::Thread& thread = sched::testing::start("executor", run);
    sched::sleep_for(3ms);
    EXPECT_TRUE(executor.sleeping());
    EXPECT_EQ(thread.state(), sched::ThreadState::Blocked, "no task ready: its thread blocks");
    EXPECT_EQ(steps, 1);
    gate.open();
    sched::join(thread);
    EXPECT_EQ(steps, 2);
}

KTEST(executor, co_await_sleep_resumes_after_its_time_while_others_run)
{
    async::Executor executor{"timers"};
    uint64_t slept_ns = 0;
    int others = 0;
    auto sleeper = [](uint64_t& slept) -> async::Task<void> {
        const uint64_t start = sched::now_ns();
        co_await async::sleep(10ms);
        slept = sched::now_ns() - start;
    };
    auto busy = [](int& count) -> async::Task<void> {
        for (int i = 0; i < 3; ++i) {
            co_await async::sleep(1ms);
            ++count;
        }
    };
    MUST(executor.spawn(sleeper(slept_ns), "sleeper"));
    MUST(executor.spawn(busy(others), "busy"));
    executor.run();
    EXPECT_GE(slept_ns, 10'000'000u);
    // Loose on purpose: a host that stops the guest makes QEMU deliver the
    // missed ticks in a burst (the scheduler's own accuracy is checked in
    // scheduler.sleep_for_wakes_at_the_first_tick_after_its_deadline).
    EXPECT_LE(slept_ns, 10'000'000u + 20 * drivers::system_timer::period_ns(), "the timer woke it, nothing later did");
    EXPECT_EQ(others, 3, "the other task ran while the first slept");
}

KTEST(executor, cancelling_a_pending_task_destroys_its_frames_and_takes_back_its_waker)
{
    async::Executor executor{"test"};
    Gate gate;
    int steps = 0;
    bool destroyed = false;
    auto outer = [](Gate& g, int& s, bool& d) -> async::Task<void> { co_await wait_at(g, s, d); };
    const uint64_t id = MUST(executor.spawn(outer(gate, steps, destroyed), "doomed"));
    (void)executor.run_ready();
    ASSERT_TRUE(gate.has_waiter());
    EXPECT_TRUE(executor.cancel(id));
    EXPECT_TRUE(destroyed, "the child's frame went with its parent");
    EXPECT_FALSE(gate.has_waiter(), "the awaitable took its waker back");
    gate.open();
    EXPECT_EQ(executor.run_ready(), 0u);
    EXPECT_EQ(steps, 1, "never resumed after the cancel");
    EXPECT_FALSE(executor.cancel(id));
}

KTEST(executor, a_sleeping_task_cancelled_leaves_no_timer)
{
    async::Executor executor{"test"};
    auto sleeper = []() -> async::Task<void> { co_await async::sleep(1000ms); };
    const uint64_t id = MUST(executor.spawn(sleeper(), "sleeper"));
    (void)executor.run_ready();
    EXPECT_TRUE(executor.cancel(id));
    executor.run(); // no task, no timer: returns at once
    EXPECT_EQ(executor.live_tasks(), 0u);
}

namespace {
async::Task<void> with_a_huge_frame(int& out)
{
    // 64 GiB of locals: more than the heap can give (it does not panic: it
    // returns null to the frame allocation).
    volatile char huge[64ull << 30];
    huge[0] = 1;
    out = huge[0];
    co_return;
}
} // namespace

KTEST(executor, a_frame_that_cannot_be_allocated_is_an_error_not_a_crash)
{
    int out = 0;
    EXPECT_FALSE(with_a_huge_frame(out).valid());
    async::Executor executor{"test"};
    auto spawned = executor.spawn(with_a_huge_frame(out), "huge");
    ASSERT_FALSE(spawned.has_value());
    EXPECT_EQ(spawned.error(), async::SpawnError::InvalidTask);
    EXPECT_EQ(executor.live_tasks(), 0u);
    EXPECT_EQ(out, 0, "its body never ran");
}

KTEST(executor, a_frame_comes_from_the_kernel_heap_and_goes_back)
{
    const auto before = mem::kernel_heap::statistics().heap.live_allocations;
    {
        int out = 0;
        async::Task<void> task = root(1, out);
        EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, before + 1);
    }
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, before, "an unstarted task destroyed");
}

KTEST(executor, next_key_wakes_on_the_keyboard_interrupt)
{
    ASSERT_TRUE(drivers::keyboard::initialized());
    while (drivers::keyboard::read_scancode()) {
    }
    async::Executor executor{"keys"};
    drivers::keyboard::KeyEvent got{};
    auto reader = [](drivers::keyboard::KeyEvent& event) -> async::Task<void> { event = co_await async::next_key(); };
    const uint64_t id = MUST(executor.spawn(reader(got), "reader"));
    (void)executor.run_ready();
    EXPECT_TRUE(executor.is_live(id), "no key yet: the task waits");
    EXPECT_EQ(executor.run_ready(), 0u);
    ASSERT_OK(drivers::keyboard::inject_scancode(0x1E)); // 'a' pressed, through IRQ 1
    executor.run(); // sleeps until the interrupt's wake-up, then the task ends
    EXPECT_EQ(got.key, drivers::keyboard::Key::A);
    EXPECT_TRUE(got.pressed);
}

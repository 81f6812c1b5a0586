// KTEST cases of thread.cpp and thread_stack.cpp: threads run, take turns
// where they yield and where the timer preempts them, exit with a status,
// and give back every frame and every byte of heap once joined.

#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "ktest/ktest.h"
#include "arch/x86_64/per_cpu.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"
#include "sync/preemption.h"

namespace {

struct PingPong {
    char trace[64];
    size_t length;
    // Both threads write here and the timer may switch between them: the
    // append is one step for the scheduler (length++ lost an update once).
    void note(char c)
    {
        // One atomic step for the index: the two threads may run on two
        // CPUs at once (a PreemptionGuard only keeps one CPU's scheduler out).
        trace[__atomic_fetch_add(&length, 1, __ATOMIC_RELAXED)] = c;
    }
};

int ping(void* argument)
{
    auto& game = *static_cast<PingPong*>(argument);
    for (int i = 0; i < 3; ++i) {
        game.note('a');
        sched::yield();
    }
    return 7;
}

int pong(void* argument)
{
    auto& game = *static_cast<PingPong*>(argument);
    for (int i = 0; i < 3; ++i) {
        game.note('b');
        sched::yield();
    }
    return 8;
}

int returns_its_argument(void* argument)
{
    return static_cast<int>(reinterpret_cast<intptr_t>(argument)); // the argument carries a number here
}

int reports_itself(void* argument)
{
    auto& seen = *static_cast<uint64_t*>(argument);
    seen = sched::current_thread().id();
    return sched::current_thread().stack() != nullptr ? 0 : 1;
}

} // namespace

KTEST(thread, two_threads_take_turns_and_exit_with_a_status)
{
    const uint64_t self = sched::current_thread().id();
    PingPong game{};
    auto a = sched::Thread::create("ping", &ping, &game);
    auto b = sched::Thread::create("pong", &pong, &game);
    ASSERT_OK(a);
    ASSERT_OK(b);
    EXPECT_STREQ((*a)->name(), "ping");
    if (arch::online_cpu_count() == 1) // elsewhere another CPU may run it at once
        EXPECT_EQ((*a)->state(), sched::ThreadState::Runnable);
    EXPECT_NE((*a)->id(), (*b)->id());
    EXPECT_EQ(sched::join(**a), 7);
    EXPECT_EQ(sched::join(**b), 8);
    // Each yield hands over to the other, and the timer may switch between
    // them anywhere too: both ran to the end, with turns in between.
    const std::string_view trace(game.trace, game.length);
    size_t as = 0, turns = 0;
    for (size_t i = 0; i < trace.size(); ++i) {
        as += trace[i] == 'a';
        turns += i > 0 && trace[i] != trace[i - 1];
    }
    EXPECT_EQ(trace.size(), 6u);
    EXPECT_EQ(as, 3u, "trace {}", trace);
    if (arch::online_cpu_count() == 1) // on several CPUs both may run through side by side
        EXPECT_GE(turns, 1u, "trace {}", trace);
    EXPECT_EQ(sched::current_thread().id(), self, "back on the thread that joined them");
}

KTEST(thread, a_thread_runs_on_its_own_guarded_stack)
{
    uint64_t seen_id = 0;
    auto thread = sched::Thread::create("self", &reports_itself, &seen_id);
    ASSERT_OK(thread);
    const sched::ThreadStack stack = *(*thread)->stack();
    EXPECT_EQ(stack.top - stack.bottom, sched::thread_stack_size);
    EXPECT_EQ(stack.bottom - stack.guard, 4096u);
    const uint64_t id = (*thread)->id();
    EXPECT_EQ(sched::join(**thread), 0);
    EXPECT_EQ(seen_id, id);
}

namespace {
// Creates and joins `count` threads, one after the other.
void create_and_join(int count)
{
    for (int i = 0; i < count; ++i) {
        auto thread = sched::Thread::create("worker", &returns_its_argument, reinterpret_cast<void*>(intptr_t{i}));
        ASSERT_OK(thread, "thread {}", i);
        ASSERT_EQ(sched::join(**thread), i);
    }
}
} // namespace

// Slow: a thousand creations and joins, each join a stack unmapped and shot down on the other CPUs;
// seconds when QEMU's CPUs share a busy host.
KTEST(thread, a_thousand_threads_created_and_joined_give_back_every_frame_and_byte, ktest::slow)
{
    // A first few hundred bring the heap to its steady size: in a test kernel
    // KASAN's quarantine keeps the last 256 freed blocks (the Thread records),
    // and the heap maps frames to make up for them (and keeps them: it never
    // shrinks). Then a thousand more must leave every counter exactly as it
    // was: a thread that kept one frame or one byte would show a thousand.
    create_and_join(300);
    const uint64_t free_frames = mem::physical::statistics().free_frames;
    const mem::KernelHeapStatistics heap = mem::kernel_heap::statistics();
    const uint32_t threads = sched::live_threads();
    const uint32_t stacks = sched::stacks_in_use();
    create_and_join(1000);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_frames);
    EXPECT_EQ(mem::kernel_heap::statistics().heap.used_bytes, heap.heap.used_bytes);
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, heap.heap.live_allocations);
    EXPECT_EQ(mem::kernel_heap::statistics().mapped_bytes, heap.mapped_bytes);
    EXPECT_EQ(sched::live_threads(), threads);
    EXPECT_EQ(sched::stacks_in_use(), stacks);
}

KTEST(thread, many_live_threads_at_once_each_get_a_stack_slot)
{
    constexpr int count = 64;
    sched::Thread* threads[count];
    for (int i = 0; i < count; ++i) {
        auto thread = sched::Thread::create("many", &returns_its_argument, reinterpret_cast<void*>(intptr_t{i}));
        ASSERT_OK(thread);
        threads[i] = *thread;
    }
    for (int i = 1; i < count; ++i)
        EXPECT_NE(threads[i]->stack()->bottom, threads[i - 1]->stack()->bottom);
    for (int i = 0; i < count; ++i)
        EXPECT_EQ(sched::join(*threads[i]), i);
}

namespace {
volatile bool g_spinner_started = false;
volatile bool g_other_ran = false;

int spins_until_the_other_runs(void*)
{
    // Never yields: only the timer can let the other thread run.
    g_spinner_started = true;
    uint64_t spins = 0;
    do
        ++spins;
    while (!g_other_ran);
    return spins > 0 ? 1 : 0;
}

int marks_that_it_ran(void*)
{
    // Waits for the spinner to be spinning, so that it can only have been
    // let go by the timer (the two may start in either order).
    while (!g_spinner_started)
        sched::yield();
    g_other_ran = true;
    return 2;
}
} // namespace

KTEST(thread, a_thread_that_never_yields_is_preempted_by_the_timer)
{
    ASSERT_TRUE(arch::interrupts_enabled(), "the timer must tick");
    g_spinner_started = false;
    g_other_ran = false;
    auto spinner = sched::Thread::create("spinner", &spins_until_the_other_runs, nullptr);
    auto marker = sched::Thread::create("marker", &marks_that_it_ran, nullptr);
    ASSERT_OK(spinner);
    ASSERT_OK(marker);
    // join() yields to the spinner, which would keep the CPU for good
    // without preemption (the case would time out).
    EXPECT_EQ(sched::join(**spinner), 1);
    EXPECT_EQ(sched::join(**marker), 2);
    EXPECT_TRUE(g_other_ran);
}

namespace {
int busy_for_a_while(void*)
{
    const uint64_t start = arch::tsc::now();
    while (arch::tsc::now() - start < arch::tsc::frequency_hz().value() / 500) // 2 ms of TSC ticks
        arch::pause();
    return 0;
}
} // namespace

KTEST(thread, the_thread_table_lists_every_thread_with_its_state_and_cpu_time)
{
    const uint64_t started = arch::tsc::now(); // before the threads exist: the timer may run them any time after
    auto busy = sched::Thread::create("busy one", &busy_for_a_while, nullptr);
    auto idle = sched::Thread::create("waiting one", &returns_its_argument, nullptr);
    ASSERT_OK(busy);
    ASSERT_OK(idle);
    kstd::StringBuffer<1024> before;
    sched::print_threads(before);
    EXPECT_TRUE(before.view().find("boot") != std::string_view::npos, "{}", before.view());
    EXPECT_TRUE(before.view().find("runnable  ") != std::string_view::npos, "{}", before.view());
    EXPECT_TRUE(before.view().find("busy one") != std::string_view::npos, "{}", before.view());
    EXPECT_TRUE(before.view().find("waiting one") != std::string_view::npos, "{}", before.view());
    sched::Thread& busy_thread = **busy;
    sched::Thread& idle_thread = **idle;
    while (busy_thread.state() != sched::ThreadState::Exited || idle_thread.state() != sched::ThreadState::Exited)
        sched::yield();
    // The busy one spun for 2 ms of wall time, the other returned at once:
    // each was charged for what it ran, and nobody for more than has passed.
    EXPECT_GT(idle_thread.cpu_ticks(), 0u);
    EXPECT_GT(busy_thread.cpu_ticks(), idle_thread.cpu_ticks());
    const uint64_t elapsed = arch::tsc::now() - started;
    if (arch::online_cpu_count() == 1)
        EXPECT_LE(busy_thread.cpu_ticks() + idle_thread.cpu_ticks(), elapsed);
    else // side by side on two CPUs, the two together may have run longer than the time that passed
        EXPECT_LE(busy_thread.cpu_ticks(), elapsed);
    EXPECT_EQ(sched::join(busy_thread), 0);
    EXPECT_EQ(sched::join(idle_thread), 0);
    kstd::StringBuffer<1024> after;
    sched::print_threads(after);
    EXPECT_TRUE(after.view().find("busy one") == std::string_view::npos, "joined threads are gone: {}", after.view());
}

#pragma once
// The scheduler's insides, shared by the files of sched/ (thread.cpp,
// wait_queue.cpp, scheduler.cpp); not for code outside sched/. Every
// function here is called with the scheduler lock held (scheduler_lock.h).

#include <cstdint>
#include "kstd/intrusive_list.h"
#include "sched/thread.h"

namespace sched {

struct Scheduler {
    // One timer period per turn at the same priority.
    static constexpr uint64_t time_slice_ticks = 1;

    static Thread& current();
    static Thread* idle(); // this CPU's idle thread (null before sched::initialize())
    // Queues a thread that was not runnable (new, woken, killed out of a
    // wait) and asks for a switch if it should run before the current one.
    static void make_runnable(Thread& thread);
    // Takes `thread` out of the wait queue and the timer queue it is in and
    // makes it runnable with `result` as its wait's outcome.
    static void wake(Thread& thread, WaitResult result);
    // Puts the current thread in `state` (Blocked or Sleeping; the caller
    // has queued it where it waits) with an optional deadline, and runs
    // another thread until it is woken. Returns how the wait ended.
    static WaitResult block(ThreadState state, Deadline deadline);
    // Switches to the best runnable thread, or idle; the current thread is
    // not queued again (it blocks or exits).
    static void switch_away();
    static void switch_to(Thread& next);
    static Thread* best_runnable();
    static void remove_from_run_queue(Thread& thread);
    // The timer's reschedule (sync/preemption.h): wakes sleepers whose
    // deadline passed, ends a used-up turn, lets a better thread run.
    static void reschedule();
    static void yield();
    // The running thread `self` goes to the back of its run queue and
    // `next` (runnable, queued) runs.
    static void hand_over(Thread& self, Thread& next);
    static void wake_expired_timers(uint64_t now);
    static void cancel_timer(Thread& thread);
    // Takes a thread out of the wait queue and the timer queue it is in.
    static void leave_waits(Thread& thread);

    static kstd::Expected<Thread*, ThreadError> create(std::string_view name, Thread::Entry entry, void* argument,
                                                      Priority priority, uint64_t stack_size,
                                                      mem::AddressSpace* address_space);
    // Gives `record` a stack and queues it as a new thread (create's
    // second half; the idle thread's record is static, not from the heap).
    static kstd::Expected<void, ThreadError> start(Thread& record, std::string_view name, Thread::Entry entry,
                                                   void* argument, Priority priority,
                                                   uint64_t stack_size = thread_stack_size);
    [[noreturn]] static void exit(int status);
    // Makes `thread` exited with `status`: its joiners woken, a detached
    // one queued for the reaper (exit and kill).
    static void mark_exited(Thread& thread, int status);
    static void free_thread(Thread& thread); // without the lock: unmaps its stack, deletes it
    [[noreturn]] static void run_thread(Thread& thread);

    static Thread& boot_thread();
    static Thread& idle_record();
    // A runnable thread is queued: an idle CPU other than this one (if any)
    // gets a reschedule IPI to come and take it.
    static void kick_idle_cpu();
    // `thread` is this CPU's idle thread from now on.
    static void make_idle(Thread& thread);
    static Thread* new_record(); // a Thread from the heap, or null
    // The code running on this CPU (another than the boot CPU, on the stack
    // it started on) becomes its idle thread, with `record` as its Thread.
    static void adopt_as_idle(Thread& record, std::string_view name);
    // This CPU's accounting of the running thread's turn (per-CPU variables).
    static uint64_t& turn_started_tsc();
    static uint64_t& turn_started_tick();
    static uint64_t& ticks_charged(); // the tick up to which ticks_run is charged
    static uint64_t turn_started_tsc_of(uint32_t cpu);
    static inline bool s_initialized = false;
    static inline kstd::IntrusiveList<Thread, RunQueueTag> s_ready[priority_count];
    static inline kstd::IntrusiveList<Thread, TimerTag> s_timers;       // by deadline, soonest first
    static inline kstd::IntrusiveList<Thread, AllThreadsTag> s_all;     // every thread not yet freed
    static inline kstd::IntrusiveList<Thread, RunQueueTag> s_zombies;   // detached and exited
    static inline uint64_t s_next_id = 1;
    static inline uint32_t s_live = 1; // the boot thread
};

} // namespace sched

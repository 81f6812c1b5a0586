#pragma once
// Kernel threads and the preemptive scheduler's public face.
//
//   auto worker = MUST(sched::Thread::create("worker", &work, &data));
//   sched::sleep_for(10ms);
//   const int status = sched::join(*worker); // blocks until it exits, frees it
//
// The code that called kernel_main is the "boot" thread (id 0), on the boot
// stack. sched::initialize() (the kernel's Scheduler init stage) makes it a
// thread, starts the idle thread and lets the timer preempt: round robin
// among the runnable threads of the highest priority, one timer period per
// turn (docs/scheduling.md has the policy and the state diagram).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <source_location>
#include <span>
#include <string_view>
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/kernel_stacks.h"
#include "kstd/expected.h"
#include "kstd/format.h"
#include "kstd/intrusive_list.h"
#include "sched/clock.h"
#include "sched/thread_stack.h"
#include "sched/wait_queue.h"

namespace mem {
class AddressSpace;
}

namespace sched {

// Runnable: in a run queue. Running: on the CPU. Blocked: in a wait queue
// (and in the timer queue too if the wait has a deadline). Sleeping: only in
// the timer queue (sleep_for). Exited: done, waiting to be joined or reaped.
enum class ThreadState : uint8_t { Runnable, Running, Blocked, Sleeping, Exited };
std::string_view to_string(ThreadState state);

// Strict priorities: a runnable thread of a higher priority always runs
// before any of a lower one (which can starve: docs/scheduling.md). The idle
// thread has none: it runs only when nothing else can.
enum class Priority : uint8_t { Low = 0, Normal = 1, High = 2 };
inline constexpr uint32_t priority_count = 3;
std::string_view to_string(Priority priority);

enum class ThreadError : uint8_t {
    OutOfMemory, // no memory for the Thread record or the stack's frames
    NoStackSlot, // every stack slot is in use
    BadStackSize, // see allocate_stack (thread_stack.h)
};
std::string_view to_string(ThreadError error);

// The exit status of a thread ended by kill().
inline constexpr int killed_status = -1000;

class Thread;
std::optional<int> join_until(Thread& thread, Deadline deadline);
bool wait_until_exited(Thread& thread, Deadline deadline);
void detach(Thread& thread);
void kill(Thread& thread);
void set_priority(Thread& thread, Priority priority);
void sleep_for(Duration duration, const std::source_location& where);
void print_threads(kstd::Sink& sink, bool backtraces);

struct TimerTag {};
struct AllThreadsTag {};

class Thread final : public kstd::IntrusiveListNode<RunQueueTag>,
                     public kstd::IntrusiveListNode<TimerTag>,
                     public kstd::IntrusiveListNode<AllThreadsTag> {
public:
    using Entry = int (*)(void* argument);
    static constexpr size_t max_name = 32;

    // A new runnable thread that will run entry(argument) and exit with what
    // it returns. `name` is copied (cut to max_name - 1 characters).
    // With `address_space`, the thread runs on it (a user program's: the
    // switch to the thread loads its CR3); without, on the kernel's.
    [[nodiscard]] static kstd::Expected<Thread*, ThreadError> create(std::string_view name, Entry entry,
                                                                      void* argument,
                                                                      Priority priority = Priority::Normal,
                                                                      uint64_t stack_size = thread_stack_size,
                                                                      mem::AddressSpace* address_space = nullptr);

    // The same with the record in `storage`, which the caller keeps until
    // the thread is joined or reaped: for a harness that must not touch the
    // heap whose counters the code it runs checks (ktest's case threads).
    [[nodiscard]] static kstd::Expected<Thread*, ThreadError> create_in(void* storage, std::string_view name,
                                                                         Entry entry, void* argument,
                                                                         Priority priority = Priority::Normal,
                                                                         uint64_t stack_size = thread_stack_size);

    uint64_t id() const { return m_id; }
    std::string_view name() const { return m_name; }
    ThreadState state() const { return m_state; }
    Priority priority() const { return m_priority; }
    bool is_idle() const;
    bool is_detached() const { return m_detached; }
    // Null for the boot thread, which runs on the boot stack.
    const ThreadStack* stack() const { return m_has_stack ? &m_stack : nullptr; }
    // The stack as fault reports name it ("stack of thread 3 \"worker\""),
    // or null for the boot thread (arch names the boot stack itself).
    const arch::GuardedStack* guarded_stack() const { return m_has_stack ? &m_guarded : nullptr; }
    // TSC ticks this thread has run (up to its last switch away; the running
    // thread's current turn is not in it yet).
    uint64_t cpu_ticks() const { return m_cpu_ticks; }
    // Timer ticks that found this thread running: CPU time in the guest's
    // own clock, as Unix's statistics clock counts it (the TSC also runs
    // while the host keeps the whole guest stopped; ticks do not).
    uint64_t ticks_run() const { return m_ticks_run; }
    // Times the timer took the CPU from this thread while it could still run.
    uint64_t preemptions() const { return m_preemptions; }
    // When the timer queue last woke this thread (sched::now_ns()), 0 if never:
    // how close to its deadline a sleep or a timed wait really ended.
    uint64_t timer_fired_ns() const { return m_timer_fired_ns; }
    // The address space it runs on; null: the kernel's.
    mem::AddressSpace* address_space() const { return m_address_space; }
    // A thread with an address space of its own runs user code: the
    // scheduler switches its x87/SSE registers and its FS base (the
    // program's thread pointer, arch_prctl(ARCH_SET_FS)) with it.
    bool runs_user_code() const { return m_address_space != nullptr; }
    arch::FpuState& fpu_state() { return m_fpu; }
    uint64_t fs_base() const { return m_fs_base; }
    // Takes effect now when `this` is the running thread, else at its next switch-in.
    void set_fs_base(uint64_t base);
    // What the layer above made this thread for (the user layer's Process);
    // the scheduler only keeps it.
    void* owner() const { return m_owner; }
    void set_owner(void* owner) { m_owner = owner; }
    // What a blocked thread waits for ("mutex \"log\"", "join"), else null.
    const char* waiting_on() const { return m_waiting_on; }

private:
    friend struct Scheduler;
    friend class WaitQueue;
    friend std::optional<int> join_until(Thread&, Deadline);
    friend bool wait_until_exited(Thread&, Deadline);
    friend void detach(Thread&);
    friend void kill(Thread&);
    friend void set_priority(Thread&, Priority);
    friend void sleep_for(Duration, const std::source_location&);
    friend void print_threads(kstd::Sink&, bool);
    friend void switch_address_space(mem::AddressSpace*);
    friend void interrupt(Thread&);
    friend bool interrupted();
    friend void clear_interrupt(Thread&);
    friend WaitResult sleep_interruptible(Deadline, const std::source_location&);
    Thread() = default;

    uint64_t m_id = 0;
    char m_name[max_name] = {};
    ThreadState m_state = ThreadState::Runnable;
    Priority m_priority = Priority::Normal;
    bool m_has_stack = false;
    bool m_detached = false;
    bool m_joined = false; // join has begun: no second join, no detach
    bool m_on_heap = true; // the record came from new (create), not create_in
    WaitResult m_wait_result = WaitResult::Woken;
    Entry m_entry = nullptr;
    void* m_argument = nullptr;
    ThreadStack m_stack{};
    arch::GuardedStack m_guarded{};
    char m_stack_name[64] = {};
    uint64_t m_saved_rsp = 0; // while not running: where sched_switch left its registers
    bool m_is_idle = false;   // one CPU's idle thread: in no run queue, never blocks
    uint32_t m_cpu = 0;       // the CPU it runs on, or last ran on
    int m_exit_status = 0;
    uint64_t m_cpu_ticks = 0;
    uint64_t m_preemptions = 0;
    uint64_t m_ticks_run = 0;
    WaitQueue* m_wait_queue = nullptr; // the queue a Blocked thread is in
    const char* m_waiting_on = nullptr;
    std::source_location m_waiting_at{};
    uint64_t m_deadline_ns = 0; // while in the timer queue
    uint64_t m_timer_fired_ns = 0;
    mem::AddressSpace* m_address_space = nullptr;
    uint64_t m_fs_base = 0;
    bool m_interrupted = false;        // interrupt() was called: interruptible waits fail from now on
    bool m_interruptible_wait = false; // blocked in a wait that interrupt() may end
    void* m_owner = nullptr;
    arch::FpuState m_fpu = arch::FpuState::initial(); // while switched away (user threads only)
    WaitQueue m_exit_waiters{"join"};
};

// Storage for Thread::create_in.
struct alignas(Thread) ThreadStorage {
    std::byte bytes[sizeof(Thread)];
};

// Makes the calling code the boot thread, starts the idle thread and lets
// the timer preempt. Needs memory (heap, stacks); the timer drives slices
// and sleeps.
void initialize();
bool initialized();

// Another CPU joins the scheduler (smp/): the code calling this, on the
// stack it started on, becomes that CPU's idle thread (its record from the
// heap, never freed) and takes threads from the shared run queue from now
// on. Interrupts go on. Never returns.
[[noreturn]] void run_as_idle_on_this_cpu(std::string_view name);

// For a harness that abandons code holding the scheduler lock (ktest, when
// a case ends by a jump out of a panic): this CPU's depth of nested
// SchedulerLocks, and putting it back (freeing the lock at 0).
uint32_t scheduler_lock_depth();
void restore_scheduler_lock_depth(uint32_t depth);

// The thread running on this CPU.
Thread& current_thread();
// Ends `thread`'s interruptible waits, now and from now on (they return
// WaitResult::Interrupted): how a process being killed leaves a blocking
// read or wait. Any context but an interrupt handler.
void interrupt(Thread& thread);
// Whether interrupt() was called on the calling thread.
bool interrupted();
// Undoes interrupt(): `thread`'s interruptible waits block again (its
// process has no signal left to act on). Any context but an interrupt handler.
void clear_interrupt(Thread& thread);
// Moves the calling thread to `space` (null: the kernel's) and loads it:
// execve's new image, and an exiting program's step off the address space
// it is about to free.
void switch_address_space(mem::AddressSpace* space);
// Lets another runnable thread of the same or a higher priority run;
// returns when this one's turn comes again (at once if there is none).
void yield();
// Blocks the calling thread for at least `duration` (and about one timer
// period more at most, if nothing of higher priority runs).
void sleep_for(Duration duration, const std::source_location& where = std::source_location::current());
// As sleep_for, but interrupt() ends it too: WaitResult::TimedOut when the
// time has passed, Interrupted when it was cut short (or the thread already
// was interrupted: then it does not sleep at all).
WaitResult sleep_interruptible(Deadline deadline,
                               const std::source_location& where = std::source_location::current());
// Ends the calling thread with `status` (what join returns). Not for the
// boot or the idle thread.
[[noreturn]] void exit(int status);
// Blocks until `thread` has exited, frees its stack and record, and returns
// its exit status. Every thread must be joined once or detached.
int join(Thread& thread);
// The same, but gives up at `deadline`: nullopt if the thread still runs
// (it is then neither joined nor freed).
std::optional<int> join_until(Thread& thread, Deadline deadline);
// Blocks until `thread` has exited or `deadline` passed; returns whether it
// exited. Frees nothing: join it afterwards.
bool wait_until_exited(Thread& thread, Deadline deadline);
// The thread frees itself when it exits (the idle thread or the next create
// reaps it); it must not be joined afterwards.
void detach(Thread& thread);
// Changes a thread's priority; it takes effect at once.
void set_priority(Thread& thread, Priority priority);
// For a harness (ktest): ends a thread that is not running, wherever it
// waits, with killed_status, as if it had exited there. It is then joined
// (or reaped if detached) as usual. What it held stays held.
void kill(Thread& thread);

// Threads that exist (boot and idle included) and are not yet freed.
uint32_t live_threads();
// The threads with an id of at least `first_id` that are not yet freed
// (never the idle thread), as many as fit; returns how many exist.
size_t threads_since(uint64_t first_id, std::span<Thread*> out);
// The id the next thread will get.
uint64_t next_thread_id();
// Frees the detached threads that have exited; returns how many.
uint32_t reap_detached();
// A `ps`-style table of every thread not yet freed: id, state, priority,
// CPU time, stack, name and what it waits on, one line each after a header;
// with `backtraces`, each thread's backtrace follows its line.
void print_threads(kstd::Sink& sink, bool backtraces);
inline void print_threads(kstd::Sink& sink)
{
    print_threads(sink, false);
}

} // namespace sched

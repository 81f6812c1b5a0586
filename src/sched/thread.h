#pragma once
// Kernel threads, scheduled cooperatively for now: a thread runs until it
// yields, exits or waits for another to exit (join). The timer-driven
// preemptive scheduler, sleeping and wait queues come next (issue 9); this
// is the part they stand on: a Thread, its guarded stack (thread_stack.h),
// the context switch (context_switch.asm) and a run queue.
//
//   auto worker = MUST(sched::Thread::create("worker", &work, &data));
//   ...
//   const int status = sched::join(*worker); // waits, then frees it
//
// The code that called kernel_main is the "boot" thread (id 0), on the boot
// stack; it becomes a thread the first time another one is created.

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "arch/x86_64/kernel_stacks.h"
#include "kstd/intrusive_list.h"
#include "sched/thread_stack.h"

namespace sched {

enum class ThreadState : uint8_t { Runnable, Running, Exited };
std::string_view to_string(ThreadState state);

enum class ThreadError : uint8_t {
    OutOfMemory, // no memory for the Thread record or the stack's frames
    NoStackSlot, // every stack slot is in use
};
std::string_view to_string(ThreadError error);

struct RunQueueTag {};
struct AllThreadsTag {};

class Thread final : public kstd::IntrusiveListNode<RunQueueTag>, public kstd::IntrusiveListNode<AllThreadsTag> {
public:
    using Entry = int (*)(void* argument);
    static constexpr size_t max_name = 32;

    // A new runnable thread that will run entry(argument) and exit with what
    // it returns. `name` is copied (cut to max_name - 1 characters).
    [[nodiscard]] static kstd::Expected<Thread*, ThreadError> create(std::string_view name, Entry entry,
                                                                      void* argument);

    uint64_t id() const { return m_id; }
    std::string_view name() const { return m_name; }
    ThreadState state() const { return m_state; }
    // Null for the boot thread, which runs on the boot stack.
    const ThreadStack* stack() const { return m_has_stack ? &m_stack : nullptr; }
    // The stack as fault reports name it ("stack of thread 3 \"worker\""),
    // or null for the boot thread (arch names the boot stack itself).
    const arch::GuardedStack* guarded_stack() const { return m_has_stack ? &m_guarded : nullptr; }
    // TSC ticks this thread has run (up to its last switch away; the running
    // thread's current turn is not in it yet).
    uint64_t cpu_ticks() const { return m_cpu_ticks; }

private:
    friend struct Scheduler;
    Thread() = default;

    uint64_t m_id = 0;
    char m_name[max_name] = {};
    ThreadState m_state = ThreadState::Runnable;
    Entry m_entry = nullptr;
    void* m_argument = nullptr;
    ThreadStack m_stack{};
    bool m_has_stack = false;
    // The stack as fault reports name it ("stack of thread 3 \"worker\"").
    arch::GuardedStack m_guarded{};
    char m_stack_name[64] = {};
    uint64_t m_saved_rsp = 0; // while not running: where sched_switch left its registers
    int m_exit_status = 0;
    uint64_t m_cpu_ticks = 0;
};

// The thread running on this CPU.
Thread& current_thread();
// Lets the next runnable thread run; returns when this one's turn comes
// again (at once if no other is runnable).
void yield();
// Ends the calling thread with `status` (what join returns). Not for the
// boot thread.
[[noreturn]] void exit(int status);
// Waits (yielding) until `thread` has exited, frees its stack and record,
// and returns its exit status. Every created thread must be joined once.
int join(Thread& thread);
// Threads that exist (the boot thread included) and have not been joined.
uint32_t live_threads();
// A `ps`-style table of every thread that has not been joined: id, state,
// CPU time, stack and name, one line each, after a header.
void print_threads(kstd::Sink& sink);

} // namespace sched

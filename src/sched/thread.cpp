// Threads: creating one (its stack laid out for its first switch), exiting,
// joining, detaching, killing, and the listing. The scheduling itself is in
// scheduler.cpp.

#include "sched/thread.h"
#include <new>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/tsc.h"
#include "core/backtrace.h"
#include "core/panic.h"
#include "sched/might_sleep.h"
#include "sched/scheduler.h"
#include "sync/preemption.h"

extern "C" void sched_thread_start();

namespace sched {

namespace {
// The thread whose stack is in each slot, for the fault reports' lookup.
// Written with the scheduler lock held; read by one load.
Thread* g_stack_owner[max_thread_stacks];

// arch's stack lookup: the stack of the thread whose slot holds `address`.
const arch::GuardedStack* thread_stack_at(arch::VirtAddr address)
{
    const arch::VirtAddr region(arch::layout::stack_region_base);
    if (address < region || address - region >= uint64_t{max_thread_stacks} * thread_stack_slot_size)
        return nullptr;
    const Thread* owner = g_stack_owner[(address - region) / thread_stack_slot_size];
    return owner ? owner->guarded_stack() : nullptr;
}
} // namespace

std::string_view to_string(ThreadState state)
{
    switch (state) {
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Running: return "running";
    case ThreadState::Blocked: return "blocked";
    case ThreadState::Sleeping: return "sleeping";
    case ThreadState::Exited: return "exited";
    }
    return "unknown";
}

std::string_view to_string(Priority priority)
{
    switch (priority) {
    case Priority::Low: return "low";
    case Priority::Normal: return "normal";
    case Priority::High: return "high";
    }
    return "unknown";
}

std::string_view to_string(ThreadError error)
{
    switch (error) {
    case ThreadError::OutOfMemory: return "out of memory for a thread";
    case ThreadError::NoStackSlot: return "every thread stack slot is in use";
    case ThreadError::BadStackSize: return "a thread stack is whole pages, 4 KiB to 124 KiB";
    }
    return "unknown thread error";
}

Thread& Scheduler::boot_thread()
{
    static Thread thread;
    static const bool named = [] {
        thread.m_id = 0;
        thread.m_state = ThreadState::Running;
        __builtin_memcpy(thread.m_name, "boot", 5);
        return true;
    }();
    (void)named;
    return thread;
}

Thread& Scheduler::idle_record()
{
    static Thread thread;
    return thread;
}

kstd::Expected<Thread*, ThreadError> Scheduler::create(std::string_view name, Thread::Entry entry, void* argument,
                                                       Priority priority, uint64_t stack_size,
                                                       mem::AddressSpace* address_space)
{
    auto* thread = new (std::nothrow) Thread;
    if (thread == nullptr)
        return kstd::unexpected(ThreadError::OutOfMemory);
    thread->m_address_space = address_space; // before start() queues it
    if (auto started = start(*thread, name, entry, argument, priority, stack_size); !started) {
        delete thread;
        return kstd::unexpected(started.error());
    }
    return thread;
}

kstd::Expected<void, ThreadError> Scheduler::start(Thread& record, std::string_view name, Thread::Entry entry,
                                                   void* argument, Priority priority, uint64_t stack_size)
{
    Thread* const thread = &record;
    auto stack = allocate_stack(stack_size);
    if (!stack) {
        switch (stack.error()) {
        case StackError::NoFreeSlot: return kstd::unexpected(ThreadError::NoStackSlot);
        case StackError::BadSize: return kstd::unexpected(ThreadError::BadStackSize);
        case StackError::OutOfMemory: break;
        }
        return kstd::unexpected(ThreadError::OutOfMemory);
    }
    const size_t length = name.size() < Thread::max_name - 1 ? name.size() : Thread::max_name - 1;
    __builtin_memcpy(thread->m_name, name.data(), length);
    thread->m_entry = entry;
    thread->m_argument = argument;
    thread->m_priority = priority;
    thread->m_stack = *stack;
    thread->m_has_stack = true;
    // The frame sched_switch pops (context_switch.asm): r15, r14, r13, r12
    // (the Thread, for sched_thread_start), rbx, rbp (0: the end of the
    // frame chain), then the return address. The stack top is page aligned,
    // so RSP is 16-byte aligned after the return, as the ABI wants at the
    // call that follows.
    // The stack is mapped read/write at [bottom, top); these are its top words.
    auto* top = stack->top.as_pointer<uint64_t>();
    top[-1] = reinterpret_cast<uint64_t>(&sched_thread_start); // a code address as the return address
    top[-2] = 0;                                              // rbp
    top[-3] = 0;                                              // rbx
    top[-4] = reinterpret_cast<uint64_t>(thread);             // r12: the Thread
    top[-5] = 0;                                              // r13
    top[-6] = 0;                                              // r14
    top[-7] = 0;                                              // r15
    thread->m_saved_rsp = reinterpret_cast<uint64_t>(top - 7); // the stack pointer as a number
    arch::set_stack_lookup(&thread_stack_at);
    SchedulerLock lock;
    (void)current(); // the boot thread exists before the first other one
    thread->m_id = s_next_id++;
    kstd::BufferSink name_sink{std::span<char>(thread->m_stack_name, sizeof thread->m_stack_name - 1)};
    kstd::format_to(name_sink, "stack of thread {} \"{}\"", thread->m_id, thread->name());
    thread->m_guarded = arch::GuardedStack{name_sink.view(), stack->guard, stack->bottom, stack->top};
    g_stack_owner[stack->slot] = thread;
    ++s_live;
    s_all.push_back(*thread);
    make_runnable(*thread);
    return {};
}

void Scheduler::exit(int status)
{
    SchedulerLock lock; // never released here: the switch away is for good
    Thread& self = current();
    KASSERT(self.m_has_stack, "the boot thread cannot exit");
    KASSERT(!self.is_idle(), "the idle thread cannot exit");
    if (sync::preemption_depth() != 1)
        core::panic("thread {} \"{}\" exits with preemption disabled (count {}): a spinlock or guard is still held",
                    self.m_id, self.name(), sync::preemption_depth() - 1);
    mark_exited(self, status);
    switch_away();
    core::panic("an exited thread was switched back to");
}

void Scheduler::mark_exited(Thread& thread, int status)
{
    thread.m_exit_status = status;
    thread.m_state = ThreadState::Exited;
    thread.m_waiting_on = nullptr;
    thread.m_exit_waiters.wake_all();
    if (thread.m_detached)
        s_zombies.push_back(thread); // the idle thread (or the next create) frees it
}

void Scheduler::free_thread(Thread& thread)
{
    {
        SchedulerLock lock;
        g_stack_owner[thread.m_stack.slot] = nullptr;
        s_all.remove(thread);
        --s_live;
    }
    free_stack(thread.m_stack);
    if (thread.m_on_heap)
        delete &thread;
    else
        thread.~Thread();
}

kstd::Expected<Thread*, ThreadError> Thread::create(std::string_view name, Entry entry, void* argument,
                                                    Priority priority, uint64_t stack_size,
                                                    mem::AddressSpace* address_space)
{
    KASSERT(initialized(), "threads need sched::initialize() (the Scheduler init stage) first");
    (void)reap_detached();
    return Scheduler::create(name, entry, argument, priority, stack_size, address_space);
}

kstd::Expected<Thread*, ThreadError> Thread::create_in(void* storage, std::string_view name, Entry entry,
                                                       void* argument, Priority priority, uint64_t stack_size)
{
    KASSERT(initialized(), "threads need sched::initialize() (the Scheduler init stage) first");
    auto* thread = new (storage) Thread; // storage: a ThreadStorage, sized and aligned for one
    thread->m_on_heap = false;
    if (auto started = Scheduler::start(*thread, name, entry, argument, priority, stack_size); !started) {
        thread->~Thread();
        return kstd::unexpected(started.error());
    }
    return thread;
}

void exit(int status)
{
    Scheduler::exit(status);
}

bool wait_until_exited(Thread& thread, Deadline deadline)
{
    might_sleep("wait_until_exited");
    SchedulerLock lock;
    KASSERT(&thread != &Scheduler::current(), "a thread cannot wait for itself");
    while (thread.m_state != ThreadState::Exited) {
        if (thread.m_exit_waiters.wait(lock, deadline) == WaitResult::TimedOut)
            return thread.m_state == ThreadState::Exited;
    }
    return true;
}

std::optional<int> join_until(Thread& thread, Deadline deadline)
{
    might_sleep("join");
    {
        SchedulerLock lock;
        KASSERT(&thread != &Scheduler::current(), "a thread cannot join itself");
        KASSERT(thread.m_has_stack, "the boot thread cannot be joined");
        KASSERT(!thread.m_detached, "a detached thread cannot be joined");
        KASSERT(!thread.m_joined, "thread {} \"{}\" is joined twice", thread.m_id, thread.name());
    }
    if (!wait_until_exited(thread, deadline))
        return std::nullopt;
    thread.m_joined = true;
    const int status = thread.m_exit_status;
    Scheduler::free_thread(thread);
    return status;
}

int join(Thread& thread)
{
    return *join_until(thread, Deadline::never());
}

void detach(Thread& thread)
{
    {
        SchedulerLock lock;
        KASSERT(thread.m_has_stack, "the boot thread cannot be detached");
        KASSERT(!thread.m_joined && !thread.m_detached, "thread {} \"{}\" is joined or detached already",
                thread.m_id, thread.name());
        thread.m_detached = true;
        if (thread.m_state != ThreadState::Exited)
            return;
        thread.m_joined = true; // exited already: free it here, not as a zombie
    }
    Scheduler::free_thread(thread);
}

void kill(Thread& thread)
{
    SchedulerLock lock;
    KASSERT(&thread != &Scheduler::current(), "kill() cannot end the calling thread");
    KASSERT(thread.m_has_stack && !thread.is_idle(), "the boot and the idle thread cannot be killed");
    switch (thread.m_state) {
    case ThreadState::Exited: return;
    case ThreadState::Running: core::panic("kill(): thread {} runs on another CPU", thread.m_id);
    case ThreadState::Runnable: Scheduler::remove_from_run_queue(thread); break;
    case ThreadState::Blocked:
    case ThreadState::Sleeping:
        Scheduler::leave_waits(thread);
        break;
    }
    Scheduler::mark_exited(thread, killed_status);
}

uint32_t reap_detached()
{
    uint32_t reaped = 0;
    for (;;) {
        Thread* zombie;
        {
            SchedulerLock lock;
            zombie = Scheduler::s_zombies.pop_front();
        }
        if (zombie == nullptr)
            return reaped;
        Scheduler::free_thread(*zombie);
        ++reaped;
    }
}

uint32_t live_threads()
{
    SchedulerLock lock;
    return Scheduler::s_live;
}

uint64_t next_thread_id()
{
    SchedulerLock lock;
    return Scheduler::s_next_id;
}

size_t threads_since(uint64_t first_id, std::span<Thread*> out)
{
    SchedulerLock lock;
    size_t found = 0;
    for (Thread& thread : Scheduler::s_all) {
        if (thread.id() < first_id || thread.is_idle())
            continue;
        if (found < out.size())
            out[found] = &thread;
        ++found;
    }
    return found;
}

void print_threads(kstd::Sink& sink, bool backtraces)
{
    SchedulerLock lock; // the list does not change under us
    const Thread& running = Scheduler::current();
    kstd::format_to(sink, "  ID  STATE     PRIO     CPU(us)  STACK               NAME              WAITING ON\n");
    for (const Thread& thread : Scheduler::s_all) {
        // A running thread's turn so far, on the CPU it runs on (the TSCs of
        // all CPUs count alike: they start together at reset).
        const uint64_t ticks = thread.cpu_ticks()
                               + (thread.state() == ThreadState::Running
                                      ? arch::tsc::now() - Scheduler::turn_started_tsc_of(thread.m_cpu)
                                      : 0);
        const auto ns = arch::tsc::to_nanoseconds(ticks); // an error only before the TSC is calibrated
        const uint64_t us = ns ? *ns / 1000 : 0;
        const arch::GuardedStack* stack = thread.guarded_stack();
        kstd::format_to(sink, "{:>4}  {:<8}  {:<6} {:>8}  {:#018x}  {:<16}  ", thread.id(), to_string(thread.state()),
                        thread.is_idle() ? "idle" : to_string(thread.priority()), us,
                        stack ? stack->bottom.value() : 0, thread.name());
        if (thread.m_waiting_on != nullptr)
            kstd::format_to(sink, "{} ({}:{})", thread.m_waiting_on, thread.m_waiting_at.file_name(),
                            thread.m_waiting_at.line());
        sink.write("\n");
        if (!backtraces || thread.state() == ThreadState::Exited)
            continue;
        if (&thread != &running && thread.state() == ThreadState::Running) {
            kstd::format_to(sink, "      (running on CPU {}: no backtrace from here)\n", thread.m_cpu);
        } else if (&thread == &running) {
            core::print_backtrace(sink, arch::VirtAddr(reinterpret_cast<uint64_t>(__builtin_frame_address(0))),
                                  "      "); // this function's frame record heads the chain
        } else {
            // Where sched_switch left it (context_switch.asm): r15, r14,
            // r13, r12, rbx, rbp, then the return address into switch_to.
            const auto* saved = reinterpret_cast<const uint64_t*>(thread.m_saved_rsp); // the saved stack pointer
            core::print_backtrace_from(sink, arch::VirtAddr(saved[6]), arch::VirtAddr(saved[5]), "      ");
        }
    }
}

} // namespace sched

// context_switch.asm: a new thread's first C++ code.
extern "C" [[noreturn]] void sched_thread_main(sched::Thread* thread)
{
    sched::Scheduler::run_thread(*thread);
}

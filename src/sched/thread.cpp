#include "sched/thread.h"
#include <new>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "core/panic.h"
#include "sync/interrupt_guard.h"
#include "sync/preemption.h"

extern "C" void sched_switch(uint64_t* save_rsp, uint64_t load_rsp);
extern "C" void sched_thread_start();

namespace sched {

// The scheduler's state, with access to Thread's insides. One CPU: the run
// queue is guarded by turning interrupts off (no interrupt handler touches it).
struct Scheduler {
    static Thread& boot_thread()
    {
        static Thread thread = [] {
            Thread boot;
            boot.m_id = 0;
            boot.m_state = ThreadState::Running;
            __builtin_memcpy(boot.m_name, "boot", 5);
            return boot;
        }();
        return thread;
    }

    // Called with interrupts off; `next` is runnable and not queued.
    static void switch_to(Thread& next);
    static kstd::Expected<Thread*, ThreadError> create(std::string_view name, Thread::Entry entry, void* argument);
    [[noreturn]] static void exit(int status);
    static int reap(Thread& thread);
    static void run_thread(Thread& thread);
    static void yield();
};

namespace {
KESTREL_PER_CPU Thread* g_current;
// The thread whose stack is in each slot, for the fault reports' lookup.
Thread* g_stack_owner[max_thread_stacks];
kstd::IntrusiveList<Thread, RunQueueTag> g_ready;
kstd::IntrusiveList<Thread, AllThreadsTag> g_all; // every thread not yet joined
uint64_t g_turn_started = 0;                      // TSC at the last switch: the running thread's turn
uint64_t g_next_id = 1;
uint32_t g_live = 1; // the boot thread

Thread& current()
{
    Thread*& current = arch::this_cpu(g_current);
    if (current == nullptr) {
        current = &Scheduler::boot_thread();
        g_all.push_back(*current);
        g_turn_started = arch::tsc::now();
    }
    return *current;
}

// arch's stack lookup: the stack of the thread whose slot holds `address`.
// No lock: one read of a table the scheduler fills with interrupts off.
const arch::GuardedStack* thread_stack_at(arch::VirtAddr address)
{
    const arch::VirtAddr region(arch::layout::stack_region_base);
    if (address < region || address - region >= uint64_t{max_thread_stacks} * thread_stack_slot_size)
        return nullptr;
    const Thread* owner = g_stack_owner[(address - region) / thread_stack_slot_size];
    return owner ? owner->guarded_stack() : nullptr;
}

// The timer's reschedule (sync/preemption.h): at the end of a tick's
// interrupt, with interrupts off and the preemption count at zero, on the
// interrupted thread's own stack. The switch returns here when the thread's
// turn comes again, and the interrupt then returns into it.
void preempt()
{
    Scheduler::yield();
}
} // namespace

std::string_view to_string(ThreadState state)
{
    switch (state) {
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Running: return "running";
    case ThreadState::Exited: return "exited";
    }
    return "unknown";
}

std::string_view to_string(ThreadError error)
{
    switch (error) {
    case ThreadError::OutOfMemory: return "out of memory for a thread";
    case ThreadError::NoStackSlot: return "every thread stack slot is in use";
    }
    return "unknown thread error";
}

void Scheduler::switch_to(Thread& next)
{
    Thread& previous = current();
    const uint64_t now = arch::tsc::now();
    previous.m_cpu_ticks += now - g_turn_started;
    g_turn_started = now;
    arch::this_cpu(g_current) = &next;
    next.m_state = ThreadState::Running;
    sched_switch(&previous.m_saved_rsp, next.m_saved_rsp);
    // Back on `previous`, switched to by some later switch_to.
}

kstd::Expected<Thread*, ThreadError> Scheduler::create(std::string_view name, Thread::Entry entry, void* argument)
{
    auto* thread = new (std::nothrow) Thread;
    if (thread == nullptr)
        return kstd::unexpected(ThreadError::OutOfMemory);
    auto stack = allocate_stack();
    if (!stack) {
        delete thread;
        return kstd::unexpected(stack.error() == StackError::NoFreeSlot ? ThreadError::NoStackSlot
                                                                        : ThreadError::OutOfMemory);
    }
    const size_t length = name.size() < Thread::max_name - 1 ? name.size() : Thread::max_name - 1;
    __builtin_memcpy(thread->m_name, name.data(), length);
    thread->m_entry = entry;
    thread->m_argument = argument;
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
    const sync::InterruptGuard no_interrupts;
    current(); // the boot thread exists before the first other one
    sync::set_reschedule_hook(&preempt); // from the first thread on, the timer preempts
    thread->m_id = g_next_id++;
    thread->m_state = ThreadState::Runnable;
    kstd::BufferSink name_sink{std::span<char>(thread->m_stack_name, sizeof thread->m_stack_name - 1)};
    kstd::format_to(name_sink, "stack of thread {} \"{}\"", thread->m_id, thread->name());
    thread->m_guarded = arch::GuardedStack{name_sink.view(), stack->guard, stack->bottom, stack->top};
    g_stack_owner[stack->slot] = thread;
    arch::set_stack_lookup(&thread_stack_at);
    ++g_live;
    g_all.push_back(*thread);
    g_ready.push_back(*thread);
    return thread;
}

void Scheduler::run_thread(Thread& thread)
{
    arch::enable_interrupts(); // a new thread starts with interrupts on
    const int status = thread.m_entry(thread.m_argument);
    Scheduler::exit(status);
}

void Scheduler::exit(int status)
{
    arch::disable_interrupts();
    Thread& self = current();
    KASSERT(self.m_has_stack, "the boot thread cannot exit");
    self.m_exit_status = status;
    self.m_state = ThreadState::Exited;
    Thread* next = g_ready.pop_front();
    if (next == nullptr)
        core::panic("thread {} \"{}\" exited and no thread is runnable", self.m_id, self.name());
    switch_to(*next);
    core::panic("an exited thread was switched back to");
}

int Scheduler::reap(Thread& thread)
{
    KASSERT(&thread != &current(), "a thread cannot join itself");
    KASSERT(thread.m_has_stack, "the boot thread cannot be joined");
    while (thread.m_state != ThreadState::Exited)
        yield();
    const int status = thread.m_exit_status;
    {
        const sync::InterruptGuard no_interrupts;
        g_stack_owner[thread.m_stack.slot] = nullptr;
        g_all.remove(thread);
        --g_live;
    }
    free_stack(thread.m_stack);
    delete &thread;
    return status;
}

void Scheduler::yield()
{
    const sync::InterruptGuard no_interrupts;
    Thread* next = g_ready.pop_front();
    if (next == nullptr)
        return;
    Thread& self = current();
    self.m_state = ThreadState::Runnable;
    g_ready.push_back(self);
    switch_to(*next);
}

kstd::Expected<Thread*, ThreadError> Thread::create(std::string_view name, Entry entry, void* argument)
{
    return Scheduler::create(name, entry, argument);
}

Thread& current_thread()
{
    return current();
}

void yield()
{
    Scheduler::yield();
}

void exit(int status)
{
    Scheduler::exit(status);
}

int join(Thread& thread)
{
    return Scheduler::reap(thread);
}

void print_threads(kstd::Sink& sink)
{
    const sync::InterruptGuard no_interrupts; // the list does not change under us
    kstd::format_to(sink, "  ID  STATE     CPU(us)  STACK               NAME\n");
    for (const Thread& thread : g_all) {
        const uint64_t ticks = thread.cpu_ticks() + (&thread == &current() ? arch::tsc::now() - g_turn_started : 0);
        const auto ns = arch::tsc::to_nanoseconds(ticks); // an error only before the TSC is calibrated
        const uint64_t us = ns ? *ns / 1000 : 0;
        const arch::GuardedStack* stack = thread.guarded_stack();
        kstd::format_to(sink, "{:>4}  {:<8} {:>8}  {:#018x}  {}\n", thread.id(), to_string(thread.state()), us,
                        stack ? stack->bottom.value() : 0, thread.name());
    }
}

uint32_t live_threads()
{
    const sync::InterruptGuard no_interrupts;
    return g_live;
}

} // namespace sched

// context_switch.asm: a new thread's first C++ code.
extern "C" [[noreturn]] void sched_thread_main(sched::Thread* thread)
{
    sched::Scheduler::run_thread(*thread);
    __builtin_unreachable();
}

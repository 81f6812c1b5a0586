// The scheduler: run queues by priority, shared by every CPU, the context
// switch around sched_switch, blocking and waking, the timer queue, each
// CPU's tick reschedule and idle thread, and the scheduler lock itself.
// Policy and pictures: docs/scheduling.md.

#include "sched/scheduler.h"
#include <new>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/user_mode.h"
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/msr.h"
#include "mem/kernel_address_space.h"
#include "core/panic.h"
#include "drivers/system_timer.h"
#include "interrupts/local_apic.h"
#include "sched/io_wait.h"
#include "sched/might_sleep.h"
#include "sync/idle.h"
#include "sync/deadlock_watch.h"
#include "sync/preemption.h"

extern "C" void sched_switch(uint64_t* save_rsp, uint64_t load_rsp);

namespace sched {

namespace {
KESTREL_PER_CPU Thread* g_current;
KESTREL_PER_CPU Thread* g_idle;
KESTREL_PER_CPU uint64_t g_turn_started_tsc;
KESTREL_PER_CPU uint64_t g_turn_started_tick;
KESTREL_PER_CPU uint64_t g_ticks_charged;
// The scheduler lock (scheduler_lock.h): the CPU holding it (id + 1, 0 when
// free; GCC atomics) and each CPU's depth of nested SchedulerLocks.
uint32_t g_lock_owner = 0;
KESTREL_PER_CPU uint32_t g_lock_depth;
// Panic after this many spins for the lock (about a second, as sync::Spinlock) and, with
// other CPUs, ten seconds more (sync/deadlock_watch.h).
constexpr uint64_t lock_deadlock_spins = 50'000'000;
// The page-table root this CPU runs on, as switch_to last loaded it (or the
// kernel's, which the Memory stage loaded before any thread).
KESTREL_PER_CPU arch::PhysAddr g_loaded_root;
KESTREL_PER_CPU uint64_t g_loaded_fs_base; // IA32_FS_BASE as last written (0 at reset)

uint32_t index_of(Priority priority)
{
    return static_cast<uint32_t>(priority);
}

// Each CPU's idle thread: halts until an interrupt, which may have made a
// thread runnable (a tick, a wake-up, another CPU's reschedule IPI); the
// scheduler lock's release then switches to it. Frees exited detached
// threads while there is nothing else to do. The lock is not held while
// halted (the other CPUs need it): interrupts stay off from the check to
// the halt, so a reschedule IPI sent in between is taken by the halt.
[[noreturn]] void idle_loop()
{
    for (;;) {
        (void)reap_detached();
        sync::InterruptGuard interrupts_off;
        {
            SchedulerLock lock;
            if (Scheduler::best_runnable() != nullptr) {
                sync::request_reschedule(); // runs as the lock is released
                continue;
            }
        }
        arch::enter_idle_tlb(arch::this_cpu_data()); // a shootdown may leave a note (per_cpu.h)
        sync::wait_for_interrupt(); // interrupts on and halt in one step (sync/idle.h)
        arch::leave_idle_tlb(arch::this_cpu_data());
    }
}

int idle_main(void*)
{
    idle_loop();
}

void preempt_hook()
{
    Scheduler::reschedule();
}

void on_reschedule_ipi(arch::InterruptFrame&)
{
    sync::request_reschedule(); // runs on the way out of the interrupt
}
} // namespace

namespace detail {

void acquire_scheduler_lock()
{
    uint32_t& depth = arch::this_cpu(g_lock_depth);
    if (depth++ > 0)
        return; // this CPU holds it already
    const uint32_t me = arch::this_cpu_data().id + 1;
    sync::DeadlockWatch watch(lock_deadlock_spins, 10);
    for (;;) {
        uint32_t expected = 0;
        if (__atomic_compare_exchange_n(&g_lock_owner, &expected, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        while (__atomic_load_n(&g_lock_owner, __ATOMIC_RELAXED) != 0) {
            arch::pause();
            if (watch.stuck())
                core::panic("CPU {} waited {} spins for the scheduler lock, held by CPU {}", me - 1, watch.spins(),
                            __atomic_load_n(&g_lock_owner, __ATOMIC_RELAXED) - 1);
        }
    }
}

void release_scheduler_lock()
{
    uint32_t& depth = arch::this_cpu(g_lock_depth);
    if (depth == 0)
        core::panic("the scheduler lock released on CPU {}, which does not hold it", arch::this_cpu_data().id);
    if (--depth == 0)
        __atomic_store_n(&g_lock_owner, 0, __ATOMIC_RELEASE);
}

} // namespace detail

uint32_t scheduler_lock_depth()
{
    return arch::this_cpu(g_lock_depth);
}

void restore_scheduler_lock_depth(uint32_t depth)
{
    uint32_t& held = arch::this_cpu(g_lock_depth);
    if (held > depth && depth == 0)
        __atomic_store_n(&g_lock_owner, 0, __ATOMIC_RELEASE);
    held = depth;
}

Thread* Scheduler::idle()
{
    return arch::this_cpu(g_idle);
}

uint64_t& Scheduler::turn_started_tsc()
{
    return arch::this_cpu(g_turn_started_tsc);
}

uint64_t& Scheduler::turn_started_tick()
{
    return arch::this_cpu(g_turn_started_tick);
}

uint64_t& Scheduler::ticks_charged()
{
    return arch::this_cpu(g_ticks_charged);
}

uint64_t Scheduler::turn_started_tsc_of(uint32_t cpu)
{
    arch::CpuData* data = arch::cpu_data_of(cpu);
    return data ? arch::per_cpu_of(g_turn_started_tsc, *data) : 0;
}

void Scheduler::kick_idle_cpu()
{
    if (arch::online_cpu_count() <= 1 || !interrupts::local_apic::enabled())
        return; // one CPU: no one else to kick (and no walk of the registry on every wake-up)
    const uint32_t self = arch::this_cpu_data().id;
    for (uint32_t cpu = 0; cpu < arch::max_cpus; ++cpu) {
        arch::CpuData* data = arch::cpu_data_of(cpu);
        if (cpu == self || data == nullptr || !data->online)
            continue;
        Thread* running = arch::per_cpu_of(g_current, *data);
        if (running != nullptr && running->is_idle()) {
            interrupts::local_apic::send_ipi(data->apic_id, interrupts::local_apic::Delivery::Fixed,
                                             interrupts::local_apic::reschedule_vector);
            return;
        }
    }
}

Thread& Scheduler::current()
{
    // One load: the thread may be moved to another CPU at any instruction
    // (outside the scheduler lock), and whichever CPU it runs on then names
    // it as its current thread.
    if (Thread* running = arch::this_cpu_load(g_current); running != nullptr) [[likely]]
        return *running;
    Thread*& current = arch::this_cpu(g_current);
    if (current == nullptr) {
        current = &boot_thread();
        s_all.push_back(*current);
        turn_started_tsc() = arch::tsc::now();
    }
    return *current;
}

Thread* Scheduler::best_runnable()
{
    for (uint32_t level = priority_count; level-- > 0;) {
        if (Thread* thread = s_ready[level].front())
            return thread;
    }
    return nullptr;
}

void Scheduler::remove_from_run_queue(Thread& thread)
{
    s_ready[index_of(thread.m_priority)].remove(thread);
}

void Scheduler::make_runnable(Thread& thread)
{
    thread.m_state = ThreadState::Runnable;
    thread.m_waiting_on = nullptr;
    s_ready[index_of(thread.m_priority)].push_back(thread);
    const Thread& running = current();
    // Deferred while the lock is held: the switch comes as it is released.
    // An idle CPU elsewhere comes for it too (whichever takes the lock
    // first runs it); one thread per wake-up is enough of a kick.
    if (running.is_idle() || thread.m_priority > running.m_priority)
        sync::request_reschedule();
    else
        kick_idle_cpu();
}

void Scheduler::cancel_timer(Thread& thread)
{
    if (static_cast<kstd::IntrusiveListNode<TimerTag>&>(thread).is_linked())
        s_timers.remove(thread);
}

void Scheduler::leave_waits(Thread& thread)
{
    if (thread.m_wait_queue != nullptr) {
        thread.m_wait_queue->m_waiters.remove(thread);
        thread.m_wait_queue = nullptr;
    }
    cancel_timer(thread);
}

void Scheduler::wake(Thread& thread, WaitResult result)
{
    leave_waits(thread);
    thread.m_wait_result = result;
    make_runnable(thread);
}

void Scheduler::wake_expired_timers(uint64_t now)
{
    while (Thread* thread = s_timers.front()) {
        if (thread->m_deadline_ns > now)
            return;
        thread->m_timer_fired_ns = now;
        wake(*thread, WaitResult::TimedOut);
    }
}

WaitResult Scheduler::block(ThreadState state, Deadline deadline)
{
    Thread& self = current();
    KASSERT(!self.is_idle(), "the idle thread cannot block");
    self.m_state = state;
    self.m_wait_result = WaitResult::Woken;
    if (!deadline.is_never()) {
        self.m_deadline_ns = deadline.ns();
        auto position = s_timers.begin();
        while (position != s_timers.end() && position->m_deadline_ns <= deadline.ns())
            ++position;
        s_timers.insert(position, self);
    }
    switch_away();
    return self.m_wait_result;
}

void Scheduler::switch_away()
{
    Thread* next = best_runnable();
    if (next != nullptr) {
        remove_from_run_queue(*next);
    } else {
        next = idle();
        if (next == nullptr)
            core::panic("thread {} \"{}\" blocks and no thread can run (sched::initialize() starts the idle thread)",
                        current().m_id, current().name());
    }
    switch_to(*next);
}

void Scheduler::switch_to(Thread& next)
{
    Thread& previous = current();
    if (&next == &previous) {
        previous.m_state = ThreadState::Running;
        return;
    }
    // The rule of scheduler_lock.h: the lock is held exactly once across
    // every switch, so the next thread finds the count as it left it.
    if (sync::preemption_depth() != 1 || arch::interrupts_enabled())
        core::panic("context switch from thread {} \"{}\" with preemption count {} (1 expected) and interrupts {}",
                    previous.m_id, previous.name(), sync::preemption_depth(),
                    arch::interrupts_enabled() ? "on" : "off");
    if (previous.m_state == ThreadState::Running)
        previous.m_state = ThreadState::Runnable; // the idle thread, which no run queue holds
    const uint64_t now = arch::tsc::now();
    previous.m_cpu_ticks += now - turn_started_tsc();
    turn_started_tsc() = now;
    turn_started_tick() = drivers::system_timer::cpu_ticks();
    arch::this_cpu(g_current) = &next;
    next.m_state = ThreadState::Running;
    next.m_cpu = arch::this_cpu_data().id;
    if (next.m_has_stack)
        arch::set_kernel_entry_stack(next.m_stack.top.value()); // where ring 3 enters the kernel on it
    // Its address space (the kernel's for a kernel thread, so that no thread
    // runs on a user address space that may be freed once its program ends).
    // The root loaded is remembered, not read back from CR3 at every switch.
    const arch::PhysAddr root = (next.m_address_space ? *next.m_address_space : mem::kernel_address_space()).root();
    arch::PhysAddr& loaded = arch::this_cpu(g_loaded_root);
    if (loaded != root) {
        arch::write_page_table_root(root);
        loaded = root;
    }
    // User code's registers beyond the general ones (arch/x86_64/fpu.h).
    // The kernel never changes them, so kernel threads need nothing here.
    if (previous.runs_user_code())
        arch::save_fpu(previous.m_fpu);
    if (next.runs_user_code()) {
        arch::restore_fpu(next.m_fpu);
        uint64_t& fs_base = arch::this_cpu(g_loaded_fs_base);
        if (fs_base != next.m_fs_base) {
            arch::msr::write(arch::msr::fs_base, next.m_fs_base);
            fs_base = next.m_fs_base;
        }
    }
    sched_switch(&previous.m_saved_rsp, next.m_saved_rsp);
    // Back on `previous`, switched to by some later switch_to.
}

void Scheduler::reschedule()
{
    SchedulerLock lock;
    wake_expired_timers(now_ns());
    Thread& self = current();
    const uint64_t tick = drivers::system_timer::cpu_ticks();
    self.m_ticks_run += tick - ticks_charged(); // each tick asks for this: it found `self` running
    ticks_charged() = tick;
    Thread* best = best_runnable();
    if (best == nullptr || self.m_state != ThreadState::Running)
        return;
    if (!self.is_idle()) {
        if (best->m_priority < self.m_priority)
            return;
        const bool turn_over = tick - turn_started_tick() >= time_slice_ticks;
        if (best->m_priority == self.m_priority && !turn_over)
            return;
        ++self.m_preemptions;
        hand_over(self, *best);
        return;
    }
    remove_from_run_queue(*best);
    switch_to(*best);
}

void Scheduler::hand_over(Thread& self, Thread& next)
{
    remove_from_run_queue(next);
    self.m_state = ThreadState::Runnable;
    s_ready[index_of(self.m_priority)].push_back(self);
    switch_to(next);
}

void Scheduler::yield()
{
    SchedulerLock lock;
    Thread& self = current();
    if (sync::preemption_depth() != 1)
        core::panic("yield() in thread {} \"{}\" with preemption disabled (count {}: a spinlock, an interrupt "
                    "handler or a PreemptionGuard)",
                    self.m_id, self.name(), sync::preemption_depth() - 1);
    Thread* next = best_runnable();
    if (next == nullptr || self.is_idle() || next->m_priority < self.m_priority)
        return;
    hand_over(self, *next);
}

void Scheduler::run_thread(Thread& thread)
{
    // Switched to for the first time: release the scheduler lock the switch
    // was made under (scheduler_lock.h), as a returning switch would: the
    // spinlock, the count (a pending reschedule runs), then interrupts.
    detail::release_scheduler_lock();
    sync::enable_preemption();
    arch::enable_interrupts();
    const int status = thread.m_entry(thread.m_argument);
    Scheduler::exit(status);
}

WaitQueue::WaitQueue(const char* what) : m_what(what) {}

WaitQueue::~WaitQueue()
{
    if (has_waiters())
        core::panic("wait queue \"{}\" destroyed while {} thread(s) wait on it", m_what, m_waiters.size());
}

WaitResult WaitQueue::wait(SchedulerLock& lock, Deadline deadline, const std::source_location& where,
                           Interruptible interruptible)
{
    might_sleep(lock, m_what, where);
    Thread& self = Scheduler::current();
    if (interruptible == Interruptible::Yes && self.m_interrupted)
        return WaitResult::Interrupted;
    m_waiters.push_back(self);
    self.m_wait_queue = this;
    self.m_waiting_on = m_what;
    self.m_waiting_at = where;
    self.m_interruptible_wait = interruptible == Interruptible::Yes;
    const WaitResult result = Scheduler::block(ThreadState::Blocked, deadline);
    self.m_interruptible_wait = false;
    return result;
}

void interrupt(Thread& thread)
{
    SchedulerLock lock;
    thread.m_interrupted = true;
    if ((thread.m_state == ThreadState::Blocked || thread.m_state == ThreadState::Sleeping)
        && thread.m_interruptible_wait)
        Scheduler::wake(thread, WaitResult::Interrupted);
}

void clear_interrupt(Thread& thread)
{
    SchedulerLock lock;
    thread.m_interrupted = false;
}

bool interrupted()
{
    SchedulerLock lock;
    return Scheduler::current().m_interrupted;
}

Thread* WaitQueue::wake_one()
{
    SchedulerLock lock;
    Thread* thread = m_waiters.front();
    if (thread != nullptr)
        Scheduler::wake(*thread, WaitResult::Woken);
    return thread;
}

uint32_t WaitQueue::wake_all()
{
    SchedulerLock lock;
    uint32_t woken = 0;
    while (Thread* thread = m_waiters.front()) {
        Scheduler::wake(*thread, WaitResult::Woken);
        ++woken;
    }
    return woken;
}

void initialize()
{
    if (initialized())
        return;
    (void)Scheduler::current(); // the boot thread
    arch::this_cpu(g_loaded_root) = arch::read_page_table_root();
    Scheduler::ticks_charged() = drivers::system_timer::cpu_ticks();
    // A static record: a test kernel may replace the heap once no
    // allocation is live, and the idle thread lives for good.
    Thread& idle_record = Scheduler::idle_record();
    if (auto started = Scheduler::start(idle_record, "idle", &idle_main, nullptr, Priority::Low); !started)
        core::panic("cannot start the idle thread: {}", started.error());
    {
        SchedulerLock lock;
        // The idle thread is in no run queue: it is what runs when they are empty.
        Scheduler::remove_from_run_queue(idle_record);
        Scheduler::make_idle(idle_record);
        Scheduler::s_initialized = true;
    }
    sync::set_reschedule_hook(&preempt_hook);
    interrupts::local_apic::set_handler(interrupts::local_apic::reschedule_vector, &on_reschedule_ipi);
    install_io_waiter();
}

void run_as_idle_on_this_cpu(std::string_view name)
{
    KASSERT(initialized(), "the boot CPU initialises the scheduler before others join it");
    Thread* record = Scheduler::new_record();
    if (record == nullptr)
        core::panic("CPU {}: no memory for its idle thread's record", arch::this_cpu_data().id);
    Scheduler::adopt_as_idle(*record, name);
    arch::enable_interrupts();
    idle_loop();
}

Thread* Scheduler::new_record()
{
    return new (std::nothrow) Thread;
}

void Scheduler::make_idle(Thread& thread)
{
    thread.m_is_idle = true;
    arch::this_cpu(g_idle) = &thread;
}

void Scheduler::adopt_as_idle(Thread& self, std::string_view name)
{
    SchedulerLock lock;
    self.m_id = s_next_id++;
    const size_t length = name.size() < sizeof self.m_name - 1 ? name.size() : sizeof self.m_name - 1;
    __builtin_memcpy(self.m_name, name.data(), length);
    self.m_name[length] = '\0';
    self.m_state = ThreadState::Running;
    self.m_priority = Priority::Low;
    self.m_cpu = arch::this_cpu_data().id;
    s_all.push_back(self);
    ++s_live;
    arch::this_cpu(g_current) = &self;
    make_idle(self);
    arch::this_cpu(g_loaded_root) = arch::read_page_table_root();
    turn_started_tsc() = arch::tsc::now();
    ticks_charged() = drivers::system_timer::cpu_ticks();
}

bool initialized()
{
    return Scheduler::s_initialized;
}

bool Thread::is_idle() const
{
    return m_is_idle;
}

Thread& current_thread()
{
    return Scheduler::current();
}

void yield()
{
    Scheduler::yield();
}

void sleep_for(Duration duration, const std::source_location& where)
{
    might_sleep("sleep_for", where);
    const Deadline deadline = Deadline::after(duration);
    SchedulerLock lock;
    Thread& self = Scheduler::current();
    self.m_waiting_on = "sleep";
    self.m_waiting_at = where;
    (void)Scheduler::block(ThreadState::Sleeping, deadline);
}

WaitResult sleep_interruptible(Deadline deadline, const std::source_location& where)
{
    might_sleep("sleep_interruptible", where);
    SchedulerLock lock;
    Thread& self = Scheduler::current();
    if (self.m_interrupted)
        return WaitResult::Interrupted;
    self.m_waiting_on = "sleep";
    self.m_waiting_at = where;
    self.m_interruptible_wait = true;
    const WaitResult result = Scheduler::block(ThreadState::Sleeping, deadline);
    self.m_interruptible_wait = false;
    return result;
}

void set_priority(Thread& thread, Priority priority)
{
    SchedulerLock lock;
    if (thread.m_priority == priority)
        return;
    const bool queued = thread.m_state == ThreadState::Runnable && !thread.is_idle();
    if (queued)
        Scheduler::remove_from_run_queue(thread);
    thread.m_priority = priority;
    if (queued)
        Scheduler::make_runnable(thread);
    else if (&thread == &Scheduler::current())
        sync::request_reschedule(); // a better thread may be waiting now
}

void switch_address_space(mem::AddressSpace* space)
{
    SchedulerLock lock; // no switch between the field and CR3
    Thread& self = Scheduler::current();
    self.m_address_space = space;
    const arch::PhysAddr root = (space ? *space : mem::kernel_address_space()).root();
    arch::write_page_table_root(root);
    arch::this_cpu(g_loaded_root) = root;
}

void Thread::set_fs_base(uint64_t base)
{
    SchedulerLock lock; // no switch between the field and the MSR
    m_fs_base = base;
    if (this == &Scheduler::current()) {
        arch::msr::write(arch::msr::fs_base, base);
        arch::this_cpu(g_loaded_fs_base) = base;
    }
}

} // namespace sched

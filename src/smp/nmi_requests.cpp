#include "smp/nmi_requests.h"
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/page_size.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "core/panic.h"
#include "interrupts/interrupts.h"
#include "interrupts/local_apic.h"
#include "mem/address_space.h"
#include "sync/deadlock_watch.h"

namespace smp {

namespace {

namespace apic = interrupts::local_apic;

constexpr uint64_t full_flush_pages = 32;
// A target that has not answered in this many spins and ten seconds is
// reported (it cannot be: an NMI is taken at the next instruction boundary,
// unless the CPU is already in an NMI handler, which returns quickly).
constexpr uint64_t answer_spins = 200'000'000;

// The request in flight, written by the CPU holding g_lock (GCC atomics).
uint32_t g_lock = 0;
uint64_t g_start = 0;
uint64_t g_bytes = 0;
uint32_t g_waiting = 0;   // targets yet to acknowledge
bool g_stop = false;      // a panic: every CPU that sees it halts
uint32_t g_stopped = 0;   // CPUs halted by it
uint64_t g_sent = 0;
uint64_t g_handled = 0;
uint64_t g_deferred = 0;  // left as notes to idle CPUs
// Per-CPU: a shootdown is asked of this CPU (set by the asker, cleared by
// the NMI handler).
KESTREL_PER_CPU bool g_shootdown_asked;

void flush_range(uint64_t start, uint64_t bytes)
{
    if (bytes / arch::page_size > full_flush_pages) {
        // Reloading CR3 drops every non-global entry; the kernel's pages are
        // not global (CR4.PGE is off), so that is all of them.
        arch::write_page_table_root(arch::read_page_table_root());
        return;
    }
    for (uint64_t page = start; page < start + bytes; page += arch::page_size)
        arch::invalidate_page(arch::VirtAddr(page));
}

bool on_nmi()
{
    bool handled = false;
    // By its local APIC id, not through GS: an NMI may strike where GS does
    // not name this CPU's area (between SYSCALL and its SWAPGS, or while a
    // test borrows another area).
    arch::CpuData* cpu = arch::cpu_data_by_apic_id(apic::id());
    if (cpu != nullptr
        && __atomic_exchange_n(&arch::per_cpu_of(g_shootdown_asked, *cpu), false, __ATOMIC_ACQ_REL)) {
        flush_range(__atomic_load_n(&g_start, __ATOMIC_ACQUIRE), __atomic_load_n(&g_bytes, __ATOMIC_ACQUIRE));
        __atomic_add_fetch(&g_handled, 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&g_waiting, 1, __ATOMIC_ACQ_REL);
        handled = true;
    }
    if (__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
        // Inside the NMI handler further NMIs are held until an IRET that
        // never comes, and interrupts are off: halted for good.
        __atomic_add_fetch(&g_stopped, 1, __ATOMIC_ACQ_REL);
        arch::halt_forever();
    }
    return handled;
}

void lock()
{
    for (;;) {
        uint32_t expected = 0;
        if (__atomic_compare_exchange_n(&g_lock, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        arch::pause(); // NMIs still get in: a request to this CPU is answered while it waits
    }
}

void unlock()
{
    __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

// Sends NMIs to every other online CPU after `mark` marked it; returns how many.
template <typename Mark>
uint32_t send_to_others(Mark mark)
{
    const uint32_t self = arch::this_cpu_data().id;
    uint32_t targets = 0;
    for (uint32_t cpu = 0; cpu < arch::max_cpus; ++cpu) {
        arch::CpuData* data = arch::cpu_data_of(cpu);
        if (cpu == self || data == nullptr || !__atomic_load_n(&data->online, __ATOMIC_ACQUIRE))
            continue;
        mark(*data);
        ++targets;
    }
    return targets;
}

} // namespace

void install_nmi_requests()
{
    interrupts::set_nmi_handler(&on_nmi);
    mem::set_tlb_shootdown(&shoot_down_tlb);
    core::set_panic_stop_hook(&stop_other_cpus);
}

void shoot_down_tlb(arch::VirtAddr start, uint64_t bytes)
{
    if (arch::online_cpu_count() <= 1 || !apic::enabled())
        return;
    lock();
    __atomic_store_n(&g_start, start.value(), __ATOMIC_RELEASE);
    __atomic_store_n(&g_bytes, bytes, __ATOMIC_RELEASE);
    // The targets: every other online CPU that runs (an idle one is left a
    // note and flushes as it wakes, per_cpu.h). Marked and counted first,
    // then asked, so that none acks before the count is there.
    const uint32_t self = arch::this_cpu_data().id;
    arch::CpuData* targets[arch::max_cpus];
    uint32_t count = 0;
    for (uint32_t cpu = 0; cpu < arch::max_cpus; ++cpu) {
        arch::CpuData* data = arch::cpu_data_of(cpu);
        if (cpu == self || data == nullptr || !__atomic_load_n(&data->online, __ATOMIC_ACQUIRE))
            continue;
        if (arch::owe_flush_if_idle(*data)) {
            __atomic_add_fetch(&g_deferred, 1, __ATOMIC_RELAXED);
            continue;
        }
        __atomic_store_n(&arch::per_cpu_of(g_shootdown_asked, *data), true, __ATOMIC_RELEASE);
        targets[count++] = data;
    }
    __atomic_store_n(&g_waiting, count, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < count; ++i)
        apic::send_ipi(targets[i]->apic_id, apic::Delivery::Nmi);
    __atomic_add_fetch(&g_sent, 1, __ATOMIC_RELAXED);
    sync::DeadlockWatch watch(answer_spins, 10);
    while (__atomic_load_n(&g_waiting, __ATOMIC_ACQUIRE) != 0) {
        arch::pause();
        if (watch.stuck())
            core::panic("TLB shootdown of {:#x} (+{} bytes): {} CPU(s) never answered the NMI", start.value(), bytes,
                        __atomic_load_n(&g_waiting, __ATOMIC_ACQUIRE));
    }
    unlock();
}

core::StoppedCpus stop_other_cpus()
{
    if (arch::online_cpu_count() <= 1 || !apic::enabled())
        return {0, 0};
    // No lock: the panicking CPU must not wait for a shootdown in flight
    // (its own, perhaps). The stop flag wins over any request.
    __atomic_store_n(&g_stop, true, __ATOMIC_RELEASE);
    const uint32_t asked =
        send_to_others([](arch::CpuData& data) { apic::send_ipi(data.apic_id, apic::Delivery::Nmi); });
    // They stop at once; the wait is bounded (in TSC ticks: about 0.4 s at
    // 2.6 GHz) so that a CPU that cannot answer does not hold the report.
    const uint64_t start = arch::tsc::now();
    while (__atomic_load_n(&g_stopped, __ATOMIC_ACQUIRE) < asked && arch::tsc::now() - start < 1'000'000'000ull)
        arch::pause();
    return {asked, __atomic_load_n(&g_stopped, __ATOMIC_ACQUIRE)};
}

uint64_t shootdowns_sent()
{
    return __atomic_load_n(&g_sent, __ATOMIC_RELAXED);
}

uint64_t shootdowns_handled()
{
    return __atomic_load_n(&g_handled, __ATOMIC_RELAXED);
}

uint64_t shootdowns_deferred()
{
    return __atomic_load_n(&g_deferred, __ATOMIC_RELAXED);
}

} // namespace smp

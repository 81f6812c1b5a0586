#include "drivers/system_timer.h"
#include "drivers/local_apic_timer.h"
#include "drivers/pit.h"
#include "arch/x86_64/per_cpu.h"
#include "sync/atomic.h"
#include "sync/preemption.h"

namespace drivers::system_timer {

namespace {
sync::Atomic<uint8_t> g_source{static_cast<uint8_t>(Source::None)};
sync::Atomic<uint32_t> g_hz{0};
sync::Atomic<uint64_t> g_period_ns{0};
// Advanced by the time-keeping CPU's tick alone, read by every CPU.
sync::Atomic<uint64_t> g_ticks{0};
sync::Atomic<uint64_t> g_uptime_ns{0};
KESTREL_PER_CPU uint64_t g_cpu_ticks; // written by this CPU's tick handler only
} // namespace

std::string_view to_string(Source source)
{
    switch (source) {
    case Source::None: return "none";
    case Source::Pit: return "PIT";
    case Source::LocalApicPeriodic: return "local APIC timer, periodic";
    case Source::LocalApicTscDeadline: return "local APIC timer, TSC-deadline";
    }
    return "unknown";
}

void set_source(Source source, uint32_t hz, uint64_t period_ns)
{
    g_hz.store(hz, sync::MemoryOrder::Relaxed);
    g_period_ns.store(period_ns, sync::MemoryOrder::Relaxed);
    g_source.store(static_cast<uint8_t>(source), sync::MemoryOrder::Release);
}

Source source()
{
    return static_cast<Source>(g_source.load(sync::MemoryOrder::Acquire));
}

bool running()
{
    return source() != Source::None;
}

uint32_t frequency_hz()
{
    return g_hz.load(sync::MemoryOrder::Relaxed);
}

uint64_t period_ns()
{
    return g_period_ns.load(sync::MemoryOrder::Relaxed);
}

bool restart(uint32_t hz)
{
    switch (source()) {
    case Source::None: return false;
    case Source::Pit: return pit::start_timer(hz).has_value();
    case Source::LocalApicPeriodic: return local_apic_timer::start_this_cpu(hz, false).has_value();
    case Source::LocalApicTscDeadline: return local_apic_timer::start_this_cpu(hz, true).has_value();
    }
    return false;
}

void tick(bool keeps_time)
{
    // The handler runs with interrupts off: nothing else on this CPU writes it.
    ++arch::this_cpu(g_cpu_ticks);
    if (keeps_time) {
        g_uptime_ns.fetch_add(period_ns(), sync::MemoryOrder::Relaxed);
        g_ticks.fetch_add(1, sync::MemoryOrder::Release);
    }
    // Every tick ends a time slice: the scheduler (once it has registered
    // its hook) switches threads on the way out of the interrupt, when the
    // handler's preemption count drops (sync/preemption.h).
    sync::request_reschedule();
}

uint64_t ticks()
{
    return g_ticks.load(sync::MemoryOrder::Acquire);
}

uint64_t uptime_ns()
{
    return g_uptime_ns.load(sync::MemoryOrder::Relaxed);
}

uint64_t uptime_ms()
{
    return uptime_ns() / 1'000'000;
}

uint64_t cpu_ticks()
{
    // Read with one GS-relative load (a move to another CPU mid-read would
    // otherwise mix two CPUs' counters).
    uint64_t value;
    const uintptr_t offset = arch::per_cpu_offset(&g_cpu_ticks);
    asm volatile("movq %%gs:(%1), %0" : "=r"(value) : "r"(offset) : "memory"); // GS: this CPU's per-CPU area
    return value;
}

} // namespace drivers::system_timer

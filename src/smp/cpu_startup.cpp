#include "smp/cpu_startup.h"
#include <new>
#include "acpi/madt.h"
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_setup.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/page_table_entry.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot_loader.h"
#include "core/panic.h"
#include "core/print.h"
#include "drivers/local_apic_timer.h"
#include "drivers/pit.h"
#include "interrupts/local_apic.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "sched/thread.h"
#include "sched/thread_stack.h"
#include "smp/nmi_requests.h"

extern "C" const std::byte ap_trampoline_start[];
extern "C" const std::byte ap_trampoline_end[];
extern "C" const std::byte ap_trampoline_data[];

namespace smp {

namespace {

namespace apic = interrupts::local_apic;

// The trampoline's page and the three page tables it loads, below 1 MiB
// (the frame allocator never hands out the first MiB).
constexpr uint64_t trampoline_page = 0x8000;
constexpr uint64_t trampoline_pml4 = 0x9000;
constexpr uint64_t trampoline_pdpt = 0xA000;
constexpr uint64_t trampoline_pd = 0xB000;
constexpr uint64_t trampoline_end = 0xC000;
constexpr uint8_t startup_vector = trampoline_page >> 12; // STARTUP IPI: execution at VV000h

// The data block at the trampoline's end (ap_trampoline.asm's layout).
struct [[gnu::packed]] TrampolineData {
    uint32_t cr3;
    uint32_t efer_bits;
    uint64_t stack_top;
    uint64_t argument;
    uint64_t entry;
};

// What one starting CPU needs; from the heap, kept for good.
struct CpuStart {
    arch::CpuData* cpu = nullptr;
    sched::ThreadStack stack{};                            // it starts on it; later its idle thread's
    arch::GuardedStack interrupt_stacks[arch::interrupt_stack_count]{};
    bool alive = false;                                    // set by the CPU (GCC atomics)
};

constexpr uint64_t efer_long_mode = 1u << 8;
constexpr uint64_t efer_no_execute = 1u << 11;

// TSC ticks in `ns` (the TSC is calibrated before the CPUs start; if it
// could not be, a 3 GHz guess, which only makes the waits longer or shorter).
uint64_t tsc_ticks(uint64_t ns)
{
    auto hz = arch::tsc::frequency_hz();
    const uint64_t rate = hz ? *hz : 3'000'000'000;
    return static_cast<uint64_t>(static_cast<unsigned __int128>(rate) * ns / 1'000'000'000);
}

void wait_ns(uint64_t ns)
{
    const uint64_t ticks = tsc_ticks(ns);
    const uint64_t start = arch::tsc::now();
    while (arch::tsc::now() - start < ticks)
        arch::pause();
}

bool wait_alive(const CpuStart& start, uint64_t ns)
{
    const uint64_t ticks = tsc_ticks(ns);
    const uint64_t begin = arch::tsc::now();
    while (arch::tsc::now() - begin < ticks) {
        if (__atomic_load_n(&start.alive, __ATOMIC_ACQUIRE))
            return true;
        arch::pause();
    }
    return __atomic_load_n(&start.alive, __ATOMIC_ACQUIRE);
}

// The trampoline's pages are RAM the memory map calls available, and no
// boot structure kept for later lies there.
bool low_memory_is_free()
{
    const boot::BootInfo& info = boot::boot_info();
    bool available = false;
    for (const boot::MemoryRegion& region : info.memory_map()) {
        if (region.type == boot::MemoryType::Available && region.base.value() <= trampoline_page
            && region.end().value() >= trampoline_end)
            available = true;
    }
    for (const boot::KeptRange& kept : info.kept_ranges()) {
        if (kept.start.value() < trampoline_end && kept.end.value() > trampoline_page)
            return false;
    }
    return available;
}

template <typename T>
T* low(uint64_t physical)
{
    // The first MiB is in the direct map; these pages are ours (checked above).
    return mem::direct_map_address(arch::PhysAddr(physical)).as_pointer<T>();
}

// Copies the trampoline and builds the tables it loads: the kernel's half
// as the kernel's PML4 has it (the same PDPTs), and the first 2 MiB
// identity-mapped so the trampoline keeps running as paging comes on.
void install_trampoline()
{
    const size_t size = static_cast<size_t>(ap_trampoline_end - ap_trampoline_start);
    __builtin_memcpy(low<std::byte>(trampoline_page), ap_trampoline_start, size);
    auto* pml4 = low<arch::PageTable>(trampoline_pml4);
    auto* pdpt = low<arch::PageTable>(trampoline_pdpt);
    auto* pd = low<arch::PageTable>(trampoline_pd);
    *pml4 = arch::PageTable{};
    *pdpt = arch::PageTable{};
    *pd = arch::PageTable{};
    const auto* kernel = mem::direct_map_address(mem::kernel_address_space().root()).as_pointer<const arch::PageTable>();
    for (unsigned i = 256; i < 512; ++i)
        pml4->entries[i] = kernel->entries[i];
    const arch::PageFlags table = arch::PageFlags::Present | arch::PageFlags::Writable;
    pml4->entries[0] = arch::PageTableEntry(arch::PhysAddr(trampoline_pdpt), table);
    pdpt->entries[0] = arch::PageTableEntry(arch::PhysAddr(trampoline_pd), table);
    pd->entries[0] = arch::PageTableEntry(arch::PhysAddr(0), table | arch::PageFlags::Huge);
}

TrampolineData& trampoline_data()
{
    const size_t offset = static_cast<size_t>(ap_trampoline_data - ap_trampoline_start);
    return *low<TrampolineData>(trampoline_page + offset);
}

} // namespace

// The first C++ code of a starting CPU: long mode on the trampoline's
// tables, its stack, interrupts off, GS not set yet.
extern "C" [[noreturn]] void ap_entry(CpuStart* start)
{
    arch::load_cpu_data(*start->cpu);
    arch::write_page_table_root(mem::kernel_address_space().root()); // off the trampoline's tables
    if (auto cpu = arch::initialize_cpu(); !cpu)
        core::panic("CPU {}: cannot set itself up: {}", start->cpu->id, cpu.error());
    apic::enable_this_cpu();
    if (auto timer = drivers::local_apic_timer::start_this_cpu(drivers::pit::default_timer_hz, true); !timer)
        core::panic("CPU {}: cannot start its local APIC timer: {}", start->cpu->id, timer.error());
    arch::mark_online(*start->cpu);
    __atomic_store_n(&start->alive, true, __ATOMIC_RELEASE);
    char name[16] = "idle ";
    uint32_t id = start->cpu->id;
    size_t at = 5;
    if (id >= 10)
        name[at++] = static_cast<char>('0' + id / 10);
    name[at++] = static_cast<char>('0' + id % 10);
    sched::run_as_idle_on_this_cpu(std::string_view(name, at));
}

void reload_own_cpu_data()
{
    arch::CpuData* own = apic::enabled() ? arch::cpu_data_by_apic_id(apic::id()) : nullptr;
    if (own == nullptr)
        own = arch::cpu_data_of(0);
    if (own != nullptr)
        arch::load_cpu_data(*own);
}

std::string_view to_string(StartError error)
{
    switch (error) {
    case StartError::NoApic: return "the 8259 PICs deliver interrupts (no local APIC in use)";
    case StartError::NoMadt: return "there is no usable ACPI MADT to list them";
    case StartError::NoLowMemory: return "the trampoline's pages at 0x8000-0xbfff are not free RAM";
    case StartError::OutOfMemory: return "out of memory for a CPU's stacks and data";
    }
    return "unknown start-up error";
}

kstd::Expected<StartSummary, StartError> start_other_cpus(uint32_t limit)
{
    if (!apic::enabled())
        return kstd::unexpected(StartError::NoApic);
    const acpi::MadtInfo* madt = acpi::madt();
    if (madt == nullptr)
        return kstd::unexpected(StartError::NoMadt);
    StartSummary summary{0, 1, 0, 0};
    const uint32_t boot_apic = apic::id();
    arch::this_cpu_data().apic_id = boot_apic;
    for (const acpi::ProcessorEntry& processor : madt->processors())
        summary.listed += processor.enabled ? 1 : 0;
    if (summary.listed <= 1)
        return summary;
    if (!low_memory_is_free())
        return kstd::unexpected(StartError::NoLowMemory);
    install_nmi_requests();
    install_trampoline();
    uint32_t next_id = 1;
    for (const acpi::ProcessorEntry& processor : madt->processors()) {
        if (!processor.enabled || processor.apic_id == boot_apic)
            continue;
        if (next_id >= arch::max_cpus || next_id >= limit) {
            ++summary.skipped;
            continue;
        }
        auto* start = new (std::nothrow) CpuStart;
        const size_t area_size = arch::per_cpu_area_size();
        auto* area = new (std::align_val_t(128), std::nothrow) std::byte[area_size];
        auto stack = sched::allocate_stack();
        if (start == nullptr || area == nullptr || !stack)
            return kstd::unexpected(StartError::OutOfMemory);
        start->stack = *stack;
        for (unsigned i = 0; i < arch::interrupt_stack_count; ++i) {
            auto ist = sched::allocate_stack(arch::interrupt_stack_size);
            if (!ist)
                return kstd::unexpected(StartError::OutOfMemory);
            start->interrupt_stacks[i] = {"IST", ist->guard, ist->bottom, ist->top};
        }
        __builtin_memset(area, 0, area_size);
        arch::CpuData& cpu = arch::make_cpu_data_zeroed({area, area_size}, next_id);
        cpu.apic_id = processor.apic_id;
        cpu.interrupt_stacks = {start->interrupt_stacks, arch::interrupt_stack_count};
        start->cpu = &cpu;
        arch::register_cpu(cpu);

        TrampolineData& data = trampoline_data();
        data.cr3 = static_cast<uint32_t>(trampoline_pml4);
        data.efer_bits = static_cast<uint32_t>(efer_long_mode | (arch::no_execute_enabled() ? efer_no_execute : 0));
        data.stack_top = start->stack.top.value(); // the raw RSP the trampoline loads
        data.argument = reinterpret_cast<uint64_t>(start); // ap_entry's argument, a kernel pointer
        data.entry = reinterpret_cast<uint64_t>(&ap_entry);
        __atomic_thread_fence(__ATOMIC_SEQ_CST); // the data is in memory before the CPU can read it

        // INIT, 10 ms, STARTUP, 200 us, STARTUP again if it has not come
        // up (SDM vol. 3, 9.4.4.1), then up to two seconds for it to say so
        // (TCG on a busy host is slow).
        apic::send_ipi(processor.apic_id, apic::Delivery::Init);
        apic::send_init_deassert(processor.apic_id);
        wait_ns(10'000'000);
        apic::send_ipi(processor.apic_id, apic::Delivery::Startup, startup_vector);
        if (!wait_alive(*start, 200'000)) {
            apic::send_ipi(processor.apic_id, apic::Delivery::Startup, startup_vector);
            (void)wait_alive(*start, 2'000'000'000);
        }
        if (!__atomic_load_n(&start->alive, __ATOMIC_ACQUIRE)) {
            core::println("smp: the CPU with APIC id {} did not start", processor.apic_id);
            ++summary.failed;
            continue; // its records stay: it might still run them
        }
        ++summary.online;
        ++next_id;
    }
    return summary;
}

} // namespace smp

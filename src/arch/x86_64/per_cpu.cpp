#include "arch/x86_64/per_cpu.h"
#include <cstddef>
#include "arch/x86_64/msr.h"
#include "arch/x86_64/tss.h"

namespace arch {

namespace {
// First in the section (the linker script puts .percpu.head before the
// rest), so it is at offset 0 of every CPU's copy.
[[gnu::section(".percpu.head")]] constinit CpuData g_cpu_data{};
static_assert(offsetof(CpuData, self) == 0, "this_cpu_data() reads the self pointer at %gs:0");
// syscall.asm hard-codes these (CPU_KERNEL_STACK, CPU_USER_RSP).
static_assert(offsetof(CpuData, kernel_stack_top) == 40);
static_assert(offsetof(CpuData, user_rsp) == 48);
} // namespace

namespace {
CpuData* g_registry[max_cpus]; // written as each CPU is made, before it starts
uint32_t g_online = 0;         // GCC atomics: CPUs coming online count themselves

// The CpuData at the start of a copy of the section: itself, its id, the TSS
// at the TSS's offset in that copy, and the IST stacks.
CpuData& fill(std::byte* area, uint32_t id)
{
    // The area starts with its CpuData (offset 0, above).
    auto& data = *reinterpret_cast<CpuData*>(area);
    data.self = &data;
    data.id = id;
    // The TSS sits at the same offset in every copy.
    data.tss = reinterpret_cast<TaskStateSegment*>(area + per_cpu_offset(&task_state_segment_instance()));
    data.interrupt_stacks = kernel_stacks().subspan(1); // the boot CPU's; smp/ gives each other CPU its own
    data.online = false;
    return data;
}
} // namespace

CpuData& make_cpu_data(std::span<std::byte> area, uint32_t id)
{
    // A copy of this CPU's area as it is now (its current thread, counts
    // and all): code run on the copy sees what it would see on this CPU.
    __builtin_memcpy(area.data(), &this_cpu_data(), per_cpu_area_size());
    return fill(area.data(), id);
}

CpuData& make_cpu_data_zeroed(std::span<std::byte> area, uint32_t id)
{
    __builtin_memset(area.data(), 0, per_cpu_area_size());
    return fill(area.data(), id);
}

void load_cpu_data(CpuData& data)
{
    msr::write(msr::gs_base, reinterpret_cast<uint64_t>(&data)); // the MSR takes the linear address
}

void initialize_boot_cpu_data()
{
    // g_cpu_data heads the section (the linker script puts it first).
    CpuData& boot = fill(reinterpret_cast<std::byte*>(&g_cpu_data), 0);
    load_cpu_data(boot);
    register_cpu(boot);
    mark_online(boot);
}

void register_cpu(CpuData& data)
{
    if (data.id < max_cpus)
        __atomic_store_n(&g_registry[data.id], &data, __ATOMIC_RELEASE);
}

CpuData* cpu_data_of(uint32_t id)
{
    return id < max_cpus ? __atomic_load_n(&g_registry[id], __ATOMIC_ACQUIRE) : nullptr;
}

CpuData* cpu_data_by_apic_id(uint32_t apic_id)
{
    for (uint32_t id = 0; id < max_cpus; ++id) {
        CpuData* data = cpu_data_of(id);
        if (data != nullptr && data->apic_id == apic_id)
            return data;
    }
    return nullptr;
}

uint32_t online_cpu_count()
{
    return __atomic_load_n(&g_online, __ATOMIC_ACQUIRE);
}

void mark_online(CpuData& data)
{
    if (__atomic_exchange_n(&data.online, true, __ATOMIC_ACQ_REL))
        return;
    __atomic_add_fetch(&g_online, 1, __ATOMIC_ACQ_REL);
}

} // namespace arch

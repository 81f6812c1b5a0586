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
} // namespace

CpuData& make_cpu_data(std::span<std::byte> area, uint32_t id)
{
    // A copy of the section's current contents; each CPU then initialises
    // what it owns (its TSS, when it runs initialize_task_state_segment()).
    __builtin_memcpy(area.data(), __percpu_start, per_cpu_area_size());
    // The area starts with a copy of the CpuData (offset 0, above).
    auto& data = *reinterpret_cast<CpuData*>(area.data());
    const uintptr_t tss_offset =
        reinterpret_cast<uintptr_t>(&task_state_segment_instance()) - reinterpret_cast<uintptr_t>(__percpu_start);
    data.self = &data;
    data.id = id;
    // The TSS sits at the same offset in this copy as in the section.
    data.tss = reinterpret_cast<TaskStateSegment*>(area.data() + tss_offset);
    data.interrupt_stacks = kernel_stacks().subspan(1); // every CPU shares them until SMP gives each its own
    return data;
}

void load_cpu_data(CpuData& data)
{
    msr::write(msr::gs_base, reinterpret_cast<uint64_t>(&data)); // the MSR takes the linear address
}

void initialize_boot_cpu_data()
{
    g_cpu_data.self = &g_cpu_data;
    g_cpu_data.id = 0;
    g_cpu_data.tss = &task_state_segment_instance();
    g_cpu_data.interrupt_stacks = kernel_stacks().subspan(1);
    load_cpu_data(g_cpu_data);
}

} // namespace arch

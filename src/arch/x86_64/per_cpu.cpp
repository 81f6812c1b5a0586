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
    data.interrupt_stacks = kernel_stacks().subspan(1); // every CPU shares them until SMP gives each its own
    return data;
}
} // namespace

CpuData& make_cpu_data(std::span<std::byte> area, uint32_t id)
{
    // A copy of the section's current contents; each CPU then initialises
    // what it owns (its TSS, when it runs initialize_task_state_segment()).
    __builtin_memcpy(area.data(), __percpu_start, per_cpu_area_size());
    return fill(area.data(), id);
}

void load_cpu_data(CpuData& data)
{
    msr::write(msr::gs_base, reinterpret_cast<uint64_t>(&data)); // the MSR takes the linear address
}

void initialize_boot_cpu_data()
{
    // g_cpu_data heads the section (the linker script puts it first).
    load_cpu_data(fill(reinterpret_cast<std::byte*>(&g_cpu_data), 0));
}

} // namespace arch

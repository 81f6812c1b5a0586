// KTEST cases of per_cpu.cpp: GS really points at this CPU's area, and code
// reaching per-CPU data through it uses whichever area GS names (what every
// other CPU relies on), tried here by loading a copy on this CPU. A case
// may run on any CPU: each holds interrupts off while it looks at per-CPU
// data, so that it is not moved to another CPU in between.

#include "arch/x86_64/per_cpu.h"
#include <new>
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/tss.h"
#include "ktest/ktest.h"
#include "sync/interrupt_guard.h"

namespace {
KESTREL_PER_CPU uint32_t g_test_counter;
KESTREL_PER_CPU uint64_t g_test_value;
} // namespace

KTEST(per_cpu, gs_points_at_this_cpus_area_whose_head_points_at_itself)
{
    sync::InterruptGuard stay_on_this_cpu;
    arch::CpuData& data = arch::this_cpu_data();
    EXPECT_EQ(arch::msr::read(arch::msr::gs_base), reinterpret_cast<uint64_t>(&data)); // the MSR holds an address
    EXPECT_EQ(data.self, &data);
    EXPECT_EQ(arch::cpu_data_of(data.id), &data, "the registry names it");
    EXPECT_TRUE(data.online);
    EXPECT_EQ(data.interrupt_stacks.size(), arch::interrupt_stack_count);
    if (data.id == 0) {
        EXPECT_EQ(reinterpret_cast<std::byte*>(&data), arch::__percpu_start, "the boot CPU's copy is the section");
        EXPECT_EQ(&arch::this_cpu(g_test_value), &g_test_value);
    } else {
        EXPECT_NE(&arch::this_cpu(g_test_value), &g_test_value, "another CPU's copy is its own");
    }
}

KTEST(per_cpu, every_online_cpu_has_its_own_area_and_stacks)
{
    uint32_t online = 0;
    for (uint32_t id = 0; id < arch::max_cpus; ++id) {
        arch::CpuData* data = arch::cpu_data_of(id);
        if (data == nullptr || !data->online)
            continue;
        ++online;
        for (uint32_t other = 0; other < id; ++other) {
            arch::CpuData* earlier = arch::cpu_data_of(other);
            if (earlier == nullptr)
                continue;
            EXPECT_NE(earlier, data);
            EXPECT_NE(earlier->tss, data->tss, "CPUs {} and {} share a TSS", other, id);
            EXPECT_NE(earlier->interrupt_stacks[0].top, data->interrupt_stacks[0].top, "CPUs {} and {} share IST1",
                      other, id);
        }
    }
    EXPECT_EQ(online, arch::online_cpu_count());
}

KTEST(per_cpu, the_tss_the_cpu_uses_is_this_cpus)
{
    sync::InterruptGuard stay_on_this_cpu;
    arch::CpuData& data = arch::this_cpu_data();
    EXPECT_EQ(data.tss, &arch::task_state_segment());
    EXPECT_EQ(data.tss, &arch::per_cpu_of(arch::task_state_segment_instance(), data));
    EXPECT_EQ(arch::interrupt_stack_pointer(arch::InterruptStack::DoubleFault),
              data.interrupt_stacks[0].top, "IST1 is the top of this CPU's double-fault stack");
}

KTEST(per_cpu, another_area_loaded_into_gs_is_the_one_used)
{
    const size_t size = arch::per_cpu_area_size();
    ASSERT_GE(size, sizeof(arch::CpuData));
    auto* area = new (std::align_val_t(128)) std::byte[size];
    sync::InterruptGuard stay_on_this_cpu;
    arch::CpuData& mine = arch::this_cpu_data();
    arch::this_cpu(g_test_value) = 7;
    arch::this_cpu(g_test_counter) = 10;
    arch::CpuData& other = arch::make_cpu_data({area, size}, 99); // a copy of this CPU's area; no CPU has id 99
    EXPECT_EQ(reinterpret_cast<std::byte*>(&other), area);
    EXPECT_EQ(other.self, &other);
    EXPECT_EQ(other.id, 99u);
    EXPECT_EQ(reinterpret_cast<std::byte*>(other.tss) - area,
              reinterpret_cast<std::byte*>(&arch::task_state_segment_instance()) - arch::__percpu_start,
              "the copy's TSS is at the TSS's offset");
    uint32_t id_seen = 0;
    uint64_t value_seen = 0;
    uint32_t counter_seen = 0;
    {
        // Nothing else may run on the borrowed area: interrupt handlers read per-CPU data too.
        sync::InterruptGuard no_interrupts;
        arch::load_cpu_data(other);
        id_seen = arch::this_cpu_data().id;
        arch::this_cpu(g_test_value) = 99;
        arch::this_cpu_add(g_test_counter, 5);
        counter_seen = arch::this_cpu_read(g_test_counter);
        value_seen = arch::this_cpu(g_test_value);
        arch::load_cpu_data(mine); // back to this CPU's own area
    }
    EXPECT_EQ(id_seen, 99u, "this_cpu_data() followed GS");
    EXPECT_EQ(value_seen, 99u);
    EXPECT_EQ(counter_seen, 15u, "the copy started with this CPU's 10");
    EXPECT_EQ(arch::this_cpu(g_test_value), 7u, "this CPU's instance was not touched");
    EXPECT_EQ(arch::this_cpu(g_test_counter), 10u);
    EXPECT_EQ(&arch::this_cpu_data(), &mine, "GS is back on this CPU's area");
    ::operator delete[](area, std::align_val_t(128));
}

KTEST(per_cpu, adding_is_one_instruction_on_this_cpus_instance)
{
    sync::InterruptGuard stay_on_this_cpu;
    arch::this_cpu(g_test_counter) = 0;
    arch::this_cpu_add(g_test_counter, 3);
    arch::this_cpu_add(g_test_counter, -1);
    EXPECT_EQ(arch::this_cpu_read(g_test_counter), 2u);
    EXPECT_EQ(arch::this_cpu(g_test_counter), 2u);
}

KTEST(per_cpu, reloading_the_gdt_keeps_the_gs_base)
{
    // gdt::load() reloads the segment registers: GS must keep its base (a
    // selector loaded into GS would reset it).
    sync::InterruptGuard stay_on_this_cpu;
    const uint64_t before = arch::msr::read(arch::msr::gs_base);
    arch::gdt::load();
    EXPECT_EQ(arch::msr::read(arch::msr::gs_base), before);
    EXPECT_EQ(arch::this_cpu_data().self, &arch::this_cpu_data());
}

// KTEST cases of the APICs (apic.cpp, local_apic.cpp, io_apic.cpp): what
// the switch from the 8259s left, IPIs to this CPU, and that the error and
// spurious vectors are handled. Under apic=off (unit.ktest_with_8259s) or
// on a CPU without an APIC they skip.

#include "acpi/madt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/system_timer.h"
#include "interrupts/apic.h"
#include "interrupts/io_apic.h"
#include "interrupts/irq.h"
#include "interrupts/local_apic.h"
#include "ktest/ktest.h"
#include "sched/thread.h"
#include "arch/x86_64/per_cpu.h"
#include "sync/preemption.h"

namespace apic = interrupts::local_apic;

KTEST_SETUP(apic)
{
    if (!interrupts::apics_in_use())
        KTEST_SKIP("the 8259s deliver the interrupts here");
}

KTEST(apic, the_local_apic_is_on_with_its_spurious_vector)
{
    sync::PreemptionGuard stay_on_this_cpu;
    const uint32_t spurious = apic::read(apic::reg::spurious);
    EXPECT_TRUE(spurious & (1u << 8), "software-enabled (SVR bit 8)");
    EXPECT_EQ(spurious & 0xFFu, apic::spurious_vector);
    EXPECT_EQ(apic::read(apic::reg::lvt_error) & 0xFFu, apic::error_vector);
    EXPECT_TRUE(apic::read(apic::reg::lvt_lint0) & apic::lvt_masked, "the 8259s' ExtINT input is off");
}

KTEST(apic, every_online_cpu_is_an_enabled_processor_of_the_madt)
{
    const acpi::MadtInfo* madt = acpi::madt();
    ASSERT_NOT_NULL(madt);
    for (uint32_t id = 0; id < arch::max_cpus; ++id) {
        const arch::CpuData* cpu = arch::cpu_data_of(id);
        if (cpu == nullptr || !cpu->online)
            continue;
        bool found = false;
        for (const acpi::ProcessorEntry& processor : madt->processors())
            found |= processor.apic_id == cpu->apic_id && processor.enabled;
        EXPECT_TRUE(found, "CPU {} (APIC id {}) is an enabled processor of the MADT", id, cpu->apic_id);
    }
}

KTEST(apic, the_keyboard_line_is_routed_to_this_cpu_and_the_unused_ones_masked)
{
    const interrupts::IsaRoute keyboard = interrupts::isa_route(interrupts::irq::keyboard);
    auto entry = interrupts::io_apic::entry(keyboard.gsi);
    ASSERT_OK(entry);
    EXPECT_EQ(*entry & 0xFFu, interrupts::vector_of_irq(interrupts::irq::keyboard), "its vector");
    EXPECT_EQ(*entry >> 56, arch::cpu_data_of(0)->apic_id, "to the boot CPU");
    EXPECT_FALSE(*entry & (1ull << 16), "unmasked: the keyboard driver registered it");
    EXPECT_TRUE(interrupts::irq_line_masked(interrupts::irq::mouse), "nobody handles the mouse");
}

KTEST(apic, isa_irq0_follows_the_madt_override)
{
    const acpi::MadtInfo* madt = acpi::madt();
    ASSERT_NOT_NULL(madt);
    const acpi::InterruptOverride* irq0 = madt->override_for_isa_irq(0);
    const uint32_t expected = irq0 != nullptr ? irq0->gsi : 0;
    EXPECT_EQ(interrupts::isa_route(0).gsi, expected, "IRQ 0 goes to the GSI the override names");
}

KTEST(apic, a_self_ipi_arrives)
{
    sync::PreemptionGuard stay_on_this_cpu; // its own APIC (interrupts stay on: the IPI must get in)
    const uint64_t before = interrupts::count(apic::reschedule_vector);
    apic::send_ipi(apic::id(), apic::Delivery::Fixed, apic::reschedule_vector);
    // Delivered as soon as interrupts are on (they are, in a case).
    const uint64_t start = arch::tsc::now();
    while (interrupts::count(apic::reschedule_vector) == before && arch::tsc::now() - start < 1'000'000'000ull)
        arch::pause();
    // At least ours (the count is the machine's: other CPUs' reschedule IPIs count too).
    EXPECT_GE(interrupts::count(apic::reschedule_vector), before + 1);
    EXPECT_FALSE(apic::in_service(apic::reschedule_vector), "its end-of-interrupt was sent");
}

KTEST(apic, the_error_vector_reaches_its_handler)
{
    // QEMU's APIC model latches no errors (an IPI with an illegal vector, a
    // reserved register: ESR stays 0, tried), so the vector is entered by
    // software, as the APIC would deliver it: the handler reads the ESR
    // (write, then read: SDM vol. 3, 11.5.3), reports and counts, and the
    // end-of-interrupt leaves nothing in service.
    sync::PreemptionGuard stay_on_this_cpu;
    const uint64_t before = apic::error_count();
    asm volatile("int $0xFE" ::: "memory"); // vector 254, the LVT error entry's
    EXPECT_EQ(apic::error_count(), before + 1, "the error vector's handler ran");
    EXPECT_EQ(apic::last_error_status(), 0u, "nothing latched");
    EXPECT_FALSE(apic::in_service(apic::error_vector));
}

KTEST(apic, the_spurious_vector_is_counted_without_an_eoi)
{
    const uint64_t before = apic::spurious_count();
    asm volatile("int $0xFF" ::: "memory"); // enters as the APIC's spurious vector would
    EXPECT_EQ(apic::spurious_count(), before + 1);
}

KTEST(apic, this_cpus_timer_ticks)
{
    EXPECT_TRUE(drivers::system_timer::source() == drivers::system_timer::Source::LocalApicPeriodic
                    || drivers::system_timer::source() == drivers::system_timer::Source::LocalApicTscDeadline,
                "the local APIC timer is the tick");
    // This CPU's own ticks: the case stays on it (preemption off, interrupts
    // on, so the ticks come) and waits for three, up to two seconds.
    sync::PreemptionGuard stay_on_this_cpu;
    const uint64_t before = drivers::system_timer::cpu_ticks();
    const uint64_t give_up = arch::tsc::now() + 2 * *arch::tsc::frequency_hz();
    while (drivers::system_timer::cpu_ticks() - before < 3 && arch::tsc::now() < give_up)
        arch::pause();
    EXPECT_GE(drivers::system_timer::cpu_ticks() - before, 3u);
}

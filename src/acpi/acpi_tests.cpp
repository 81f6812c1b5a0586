// ACPI on QEMU's real tables (SeaBIOS's under PVH and through GRUB; the unit
// kernel runs both ways): every table the firmware gives passes its checks,
// the MADT matches the machine QEMU built (fw_cfg's CPU count), the S5
// values and PM1a control block are QEMU's, and the kernel's reader of
// physical memory refuses what it must. The parsers' hostile input is the
// host tests' (tests/host/acpi_test.cpp) and the fuzzer's.

#include "acpi/acpi.h"
#include "arch/x86_64/port.h"
#include "drivers/fw_cfg.h"
#include "ktest/ktest.h"
#include "arch/x86_64/memory_layout.h"
#include "boot/boot_loader.h"
#include "mem/physical_mapping.h"

namespace {

// QEMU's number of CPUs at boot (its fw_cfg item for it).
uint16_t qemu_cpu_count()
{
    return MUST(drivers::fw_cfg::cpu_count());
}

} // namespace

KTEST(acpi, qemus_tables_are_found_and_pass_their_checks)
{
    ASSERT_OK(acpi::initialize()); // a second call returns the boot's result
    const acpi::Tables* tables = acpi::tables();
    ASSERT_NOT_NULL(tables);
    EXPECT_EQ(tables->problems.all().size(), 0u, "the boot log names them");
    for (const char* signature : {"FACP", "APIC", "HPET", "WAET"})
        EXPECT_NOT_NULL(tables->find(acpi::Signature::of(std::as_bytes(std::span(signature, 4)))), "{}", signature);
    ASSERT_TRUE(tables->dsdt.has_value());
    EXPECT_TRUE(tables->dsdt->valid);
    EXPECT_GT(tables->dsdt->length, 1000u, "QEMU's DSDT is a few KiB of AML");
}

KTEST(acpi, the_madt_describes_the_machine_qemu_built)
{
    const acpi::MadtInfo* madt = acpi::madt();
    ASSERT_NOT_NULL(madt);
    ASSERT_TRUE(drivers::fw_cfg::present());
    EXPECT_EQ(madt->enabled_processors(), qemu_cpu_count(), "one enabled local APIC per CPU QEMU started");
    for (size_t i = 0; i < madt->processors().size(); ++i)
        EXPECT_EQ(madt->processors()[i].apic_id, i, "QEMU numbers the APICs from 0");
    EXPECT_EQ(madt->local_apic_address.value(), 0xFEE00000u);
    EXPECT_TRUE(madt->has_legacy_pics);
    ASSERT_EQ(madt->io_apics().size(), 1u);
    EXPECT_EQ(madt->io_apics()[0].address.value(), 0xFEC00000u);
    EXPECT_EQ(madt->io_apics()[0].gsi_base, 0u);
    const acpi::InterruptOverride* timer = madt->override_for_isa_irq(0);
    ASSERT_NOT_NULL(timer, "QEMU routes the PIT's IRQ 0 to GSI 2");
    EXPECT_EQ(timer->gsi, 2u);
    const acpi::InterruptOverride* sci = madt->override_for_isa_irq(9);
    ASSERT_NOT_NULL(sci);
    EXPECT_EQ(sci->trigger, acpi::Trigger::Level, "the SCI is level-triggered");
    EXPECT_EQ(sci->polarity, acpi::Polarity::ActiveHigh);
    ASSERT_EQ(madt->nmis().size(), 1u);
    EXPECT_EQ(madt->nmis()[0].processor_uid, acpi::MadtInfo::all_processors);
    EXPECT_EQ(madt->nmis()[0].lint, 1);
}

KTEST(acpi, the_s5_values_and_pm1a_of_qemus_dsdt_and_fadt)
{
    const std::optional<acpi::SleepType> s5 = acpi::s5();
    ASSERT_TRUE(s5.has_value(), "the DSDT has Name(_S5, Package(4) {{0, 0, 0, 0}})");
    EXPECT_EQ(s5->a, 0);
    EXPECT_EQ(s5->b, 0);
    const acpi::FadtInfo* fadt = acpi::fadt();
    ASSERT_NOT_NULL(fadt);
    EXPECT_EQ(fadt->pm1a_control.space, acpi::GenericAddress::SystemIo);
    EXPECT_TRUE(fadt->pm1a_control.address == 0x604 || fadt->pm1a_control.address == 0xB004,
                "PM1a_CNT is at +4 from the PM base SeaBIOS (0x600) or OVMF (0xb000) gives PIIX4/ICH9: {:#x}",
                fadt->pm1a_control.address);
    EXPECT_GE(fadt->pm1a_control.bit_width, 16);
    EXPECT_FALSE(fadt->pm1b_control.present());
    EXPECT_EQ(fadt->sci_interrupt, 9);
    EXPECT_FALSE(fadt->hardware_reduced());
}

KTEST(acpi, the_hpet_is_where_qemu_puts_it)
{
    const acpi::HpetInfo* hpet = acpi::hpet();
    ASSERT_NOT_NULL(hpet);
    EXPECT_EQ(hpet->address.value(), 0xFED00000u);
    EXPECT_EQ(hpet->hpet_number, 0);
    EXPECT_GE(hpet->comparators, 3);
}

KTEST(acpi, tables_outside_the_direct_map_are_read_through_a_mapping)
{
    // SeaBIOS puts the tables in reserved memory at the top of RAM, which
    // the direct map does not hold: the kernel reads them through
    // mem::physical_bytes' own mappings (OVMF's ACPI memory is in the direct
    // map), and they read the same twice.
    const acpi::Tables* tables = acpi::tables();
    ASSERT_NOT_NULL(tables);
    const acpi::TableEntry* madt = tables->find(acpi::Signature("APIC"));
    ASSERT_NOT_NULL(madt);
    // The direct map holds RAM and the ACPI regions (mem/physical_mapping.h),
    // not reserved memory nor memory the map does not name.
    bool direct_mapped = false;
    for (const boot::MemoryRegion& region : boot::boot_info().memory_map())
        direct_mapped = direct_mapped || (region.type != boot::MemoryType::Reserved && region.base <= madt->address &&
                                          madt->address + madt->length <= region.end());
    auto first = mem::physical_bytes(madt->address, madt->length);
    auto second = mem::physical_bytes(madt->address, madt->length);
    ASSERT_OK(first);
    ASSERT_OK(second);
    if (!direct_mapped) {
        const uint64_t at = arch::VirtAddr::of(first->data()).value();
        EXPECT_GE(at, arch::layout::physical_mapping_base, "reserved memory: not read through the direct map");
        EXPECT_LT(at, arch::layout::physical_mapping_base + arch::layout::physical_mapping_size);
    }
    EXPECT_EQ(acpi::checksum(*first), 0);
    EXPECT_MEMEQ(first->data(), second->data(), madt->length);
    EXPECT_STREQ(acpi::read_header(*first).signature.view(), "APIC");
}

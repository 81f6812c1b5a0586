// The MADT names every CPU QEMU started: CTest boots this kernel with one,
// two and four CPUs (integration.acpi_tables, _smp2, _smp4); fw_cfg says
// how many there are. The unit kernel's acpi.* cases
// check the rest of QEMU's tables.

#include "acpi/acpi.h"
#include "arch/x86_64/port.h"
#include "core/print.h"
#include "drivers/fw_cfg.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Memory);

namespace {

// QEMU's number of CPUs at boot (its fw_cfg item for it).
uint16_t qemu_cpu_count()
{
    return MUST(drivers::fw_cfg::cpu_count());
}

} // namespace

KTEST(acpi_tables, the_madt_names_every_cpu_qemu_started)
{
    ASSERT_TRUE(drivers::fw_cfg::present());
    const unsigned cpus = qemu_cpu_count();
    ASSERT_GE(cpus, 1u);
    const acpi::MadtInfo* madt = acpi::madt();
    ASSERT_NOT_NULL(madt, "the Memory stage reads the tables");
    EXPECT_EQ(madt->enabled_processors(), cpus);
    EXPECT_EQ(madt->processors().size(), cpus, "no hot-pluggable ones without -smp maxcpus=");
    const acpi::Tables* tables = acpi::tables();
    ASSERT_NOT_NULL(tables);
    EXPECT_EQ(tables->problems.all().size(), 0u);
    ASSERT_TRUE(acpi::s5().has_value());
    core::println("# acpi: {}", *tables);
}

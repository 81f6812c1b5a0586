#pragma once
// ACPI in the kernel (docs/acpi.md): initialize() finds the tables from the
// boot loader's RSDP and checks them (discovery.h); the rest of the kernel
// reads what they say through the accessors here and in madt.h and hpet.h:
//
//   acpi::madt()   the interrupt controllers (madt.h)
//   acpi::hpet()   the HPET (hpet.h)
//   acpi::fadt()   the fixed hardware: PM1 control, reset register, boot flags
//   acpi::s5()     the soft-off sleep type from the DSDT
//   acpi::enter_s5() power off through PM1a/PM1b control
//
// Each returns nullptr (or nothing) when the table is absent or was bad; the
// boot log names the problem.

#include <optional>
#include "acpi/aml_s5.h"
#include "acpi/discovery.h"
#include "acpi/fadt.h"
#include "acpi/hpet.h"
#include "acpi/madt.h"
#include "kstd/expected.h"

namespace acpi {

// Finds and checks the tables from boot::boot_info()'s RSDP (or, without
// one, the BIOS area's); prints each problem found ("acpi: APIC at 0x...:
// ..."). Needs the Memory stage (tables outside the direct map are mapped).
// Runs once; a second call returns the first one's result.
kstd::Expected<void, AcpiError> initialize();

// What initialize() found (nullptr before it, or when it failed: then
// initialization_error() says why).
const Tables* tables();
std::optional<AcpiError> initialization_error();

const FadtInfo* fadt();
std::optional<SleepType> s5();

enum class PowerError : uint8_t {
    NoAcpi,              // initialize() failed or did not run
    NoFadt,              // no usable FADT
    HardwareReduced,     // a hardware-reduced ACPI machine: sleep registers, not PM1 (not supported)
    NoS5,                // no usable \_S5 in the DSDT
    NoPm1Control,        // the FADT gives no PM1a control block
    UnsupportedRegister, // a PM1 control block outside I/O and memory space, or narrower than 16 bits
    StillRunning,        // the writes were made and the machine did not turn off
};

std::string_view to_string(PowerError error);

// Turns the machine off (ACPI 6.5, 7.4.2 and 4.8.3.2.1): switches ACPI mode on
// if the firmware left it off (SMI_CMD <- ACPI_ENABLE), then writes SLP_TYPa
// with SLP_EN to PM1a_CNT (and SLP_TYPb to PM1b_CNT when there is one).
// Returns only if it could not, saying why. Interrupts are off while it writes.
// Syncing file systems first is the caller's job (user/power.h).
kstd::Expected<void, PowerError> enter_s5();

} // namespace acpi

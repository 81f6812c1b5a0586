#pragma once
// Turning the machine off: the file systems' pending writes first, then
// ACPI's soft-off (acpi::enter_s5). The reboot system call (169) and anything
// above the user layer call this.

#include "acpi/acpi.h"
#include "kstd/expected.h"

namespace user {

// Syncs every mounted file system (a failure is printed, and the power-off
// goes on: a disk that cannot be written must not keep the machine on), then
// powers off. Returns only if ACPI could not, with the reason (also printed).
kstd::Expected<void, acpi::PowerError> power_off();

} // namespace user

// reboot(2) (Linux's number 169) and the power-off behind it.

#include "core/print.h"
#include "fs/vfs.h"
#include "user/power.h"
#include "user/system_call_handlers.h"

namespace user {

kstd::Expected<void, acpi::PowerError> power_off()
{
    core::println("kernel: syncing the file systems, then powering off");
    if (auto synced = fs::vfs::sync_all(); !synced)
        core::println("kernel: sync failed ({}); powering off anyway", synced.error());
    auto off = acpi::enter_s5();
    if (!off)
        core::println("kernel: cannot power off: {}", off.error());
    return off;
}

namespace calls {

namespace {

// include/uapi/linux/reboot.h: the two magic numbers guard against a
// stray call; the second is one of four dates.
constexpr uint64_t magic1 = 0xFEE1DEAD;
constexpr uint64_t magic2_values[] = {672274793, 85072278, 369367448, 537993216};

enum Command : uint32_t {
    Restart = 0x01234567,
    Halt = 0xCDEF0123,
    CadOn = 0x89ABCDEF,
    CadOff = 0x00000000,
    PowerOff = 0x4321FEDC,
    Restart2 = 0xA1B2C3D4,
    SoftwareSuspend = 0xD000FCE2,
    Kexec = 0x45584543,
};

} // namespace

// reboot(magic1, magic2, cmd, arg): LINUX_REBOOT_CMD_POWER_OFF powers off
// (it returns only on failure: ENOSYS when ACPI gives no way, EIO when the
// write did not turn the machine off); Linux's other commands are ENOSYS
// (not yet), anything else EINVAL, as are wrong magic numbers.
Result reboot(Frame& frame)
{
    if (static_cast<uint32_t>(frame.rdi) != magic1)
        return kstd::unexpected(kstd::Errno::einval);
    bool magic = false;
    for (uint64_t value : magic2_values)
        magic = magic || static_cast<uint32_t>(frame.rsi) == value;
    if (!magic)
        return kstd::unexpected(kstd::Errno::einval);
    switch (static_cast<uint32_t>(frame.rdx)) {
    case PowerOff: {
        auto off = power_off();
        // power_off returns only with an error.
        return kstd::unexpected(off.has_value() || off.error() == acpi::PowerError::StillRunning ? kstd::Errno::eio
                                                                                                  : kstd::Errno::enosys);
    }
    case Restart:
    case Halt:
    case CadOn:
    case CadOff:
    case Restart2:
    case SoftwareSuspend:
    case Kexec: return kstd::unexpected(kstd::Errno::enosys);
    default: return kstd::unexpected(kstd::Errno::einval);
    }
}

} // namespace calls

} // namespace user

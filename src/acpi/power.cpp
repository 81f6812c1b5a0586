// Power-off through ACPI's fixed hardware (ACPI 6.5, 4.8.3.2.1 and 7.4.2):
// the PM1 control registers' SLP_TYP field (bits 10-12) takes the \_S5
// value from the DSDT, then SLP_EN (bit 13) starts the transition.

#include "acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "mem/physical_mapping.h"
#include "sync/interrupt_guard.h"

namespace acpi {

namespace {

constexpr uint16_t sci_enable = 1u << 0;
constexpr uint16_t slp_typ_mask = 7u << 10;
constexpr uint16_t slp_en = 1u << 13;
constexpr unsigned slp_typ_shift = 10;

// A 16-bit PM1 control register: an I/O port or uncached memory.
class Pm1Register {
public:
    static kstd::Expected<Pm1Register, PowerError> at(const GenericAddress& address)
    {
        if (address.bit_width != 0 && address.bit_width < 16)
            return kstd::unexpected(PowerError::UnsupportedRegister);
        if (address.space == GenericAddress::SystemIo) {
            if (address.address > 0xFFFF)
                return kstd::unexpected(PowerError::UnsupportedRegister);
            return Pm1Register(static_cast<uint16_t>(address.address), nullptr);
        }
        if (address.space == GenericAddress::SystemMemory) {
            auto mapped = mem::map_physical(arch::PhysAddr(address.address), 2, arch::Protection{.writable = true, .caching = arch::Caching::Uncached});
            if (!mapped || !mapped->is_aligned(2))
                return kstd::unexpected(PowerError::UnsupportedRegister);
            // map_physical mapped these 2 bytes as uncached device memory for good.
            return Pm1Register(0, mapped->as_pointer<volatile uint16_t>());
        }
        return kstd::unexpected(PowerError::UnsupportedRegister);
    }

    uint16_t read() const { return m_memory ? *m_memory : arch::Port16(m_port).read(); }
    void write(uint16_t value) const
    {
        if (m_memory)
            *m_memory = value;
        else
            arch::Port16(m_port).write(value);
    }

private:
    Pm1Register(uint16_t port, volatile uint16_t* memory) : m_port(port), m_memory(memory) {}
    uint16_t m_port;
    volatile uint16_t* m_memory;
};

// ACPI mode (4.8.3.2.1, SCI_EN): firmware that boots in legacy mode owns the
// power button and sleep logic until the OS writes ACPI_ENABLE to SMI_CMD.
// Waits up to about a second (1 us per io_wait) for SCI_EN.
void switch_to_acpi_mode(const FadtInfo& fadt, const Pm1Register& pm1a)
{
    if ((pm1a.read() & sci_enable) != 0 || fadt.smi_command == 0 || fadt.acpi_enable == 0 ||
        fadt.smi_command > 0xFFFF)
        return;
    arch::Port8(static_cast<uint16_t>(fadt.smi_command)).write(fadt.acpi_enable);
    for (int i = 0; i < 1'000'000 && (pm1a.read() & sci_enable) == 0; ++i)
        arch::io_wait();
}

} // namespace

std::string_view to_string(PowerError error)
{
    switch (error) {
    case PowerError::NoAcpi: return "there are no usable ACPI tables";
    case PowerError::NoFadt: return "there is no usable FADT";
    case PowerError::HardwareReduced: return "hardware-reduced ACPI (sleep control registers) is not supported";
    case PowerError::NoS5: return "the DSDT has no usable \\_S5 (soft-off) package";
    case PowerError::NoPm1Control: return "the FADT gives no PM1a control block";
    case PowerError::UnsupportedRegister: return "a PM1 control block is neither a 16-bit I/O port nor memory";
    case PowerError::StillRunning: return "SLP_EN was written, but the machine is still running";
    }
    return "unknown power-off error";
}

kstd::Expected<void, PowerError> enter_s5()
{
    if (!tables())
        return kstd::unexpected(PowerError::NoAcpi);
    const FadtInfo* info = fadt();
    if (!info)
        return kstd::unexpected(PowerError::NoFadt);
    if (info->hardware_reduced())
        return kstd::unexpected(PowerError::HardwareReduced);
    const std::optional<SleepType> sleep = s5();
    if (!sleep)
        return kstd::unexpected(PowerError::NoS5);
    if (!info->pm1a_control.present())
        return kstd::unexpected(PowerError::NoPm1Control);
    const Pm1Register pm1a = TRY(Pm1Register::at(info->pm1a_control));
    std::optional<Pm1Register> pm1b;
    if (info->pm1b_control.present())
        pm1b = TRY(Pm1Register::at(info->pm1b_control));

    sync::InterruptGuard no_interrupts;
    switch_to_acpi_mode(*info, pm1a);
    // SLP_TYP first, then SLP_EN, as ACPICA does (some chipsets latch the
    // type only when SLP_EN is written in a second access).
    auto set_type = [](const Pm1Register& pm1, uint8_t type) {
        const uint16_t value = static_cast<uint16_t>((pm1.read() & ~(slp_typ_mask | slp_en)) |
                                                     (uint16_t{type} << slp_typ_shift));
        pm1.write(value);
        return value;
    };
    const uint16_t a = set_type(pm1a, sleep->a);
    const uint16_t b = pm1b ? set_type(*pm1b, sleep->b) : 0;
    pm1a.write(static_cast<uint16_t>(a | slp_en));
    if (pm1b)
        pm1b->write(static_cast<uint16_t>(b | slp_en));
    // The transition takes a moment on real hardware; give it about 100 ms.
    for (int i = 0; i < 100'000; ++i)
        arch::io_wait();
    return kstd::unexpected(PowerError::StillRunning);
}

} // namespace acpi

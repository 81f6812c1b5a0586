#include "acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "boot/boot_loader.h"
#include "core/print.h"
#include "mem/physical_mapping.h"

namespace acpi {

namespace {

// Physical memory through mem::physical_bytes: the direct map where it
// covers the bytes, else a mapping of their own (SeaBIOS and OVMF put the
// tables in reserved or ACPI memory above the RAM the direct map holds).
class KernelMemory final : public PhysicalReader {
public:
    KernelMemory()
    {
        // CPUID 80000008h EAX[7:0]: the physical address width. A page-table
        // entry with an address beyond it has reserved bits set and faults when
        // used, so such addresses (from a corrupt table) are refused here.
        const bool has_leaf = arch::cpuid(0x80000000).eax >= 0x80000008;
        const uint32_t bits = has_leaf ? (arch::cpuid(0x80000008).eax & 0xFF) : 36;
        m_limit = uint64_t{1} << (bits < 52 ? bits : 52);
    }

    std::span<const std::byte> read(arch::PhysAddr address, size_t bytes) const override
    {
        if (bytes == 0 || address.value() >= m_limit || bytes > m_limit - address.value())
            return {};
        auto mapped = mem::physical_bytes(address, bytes);
        return mapped ? *mapped : std::span<const std::byte>();
    }

private:
    uint64_t m_limit = 0;
};

Tables g_tables;
bool g_ran = false;
std::optional<AcpiError> g_error;

} // namespace

kstd::Expected<void, AcpiError> initialize()
{
    if (g_ran && g_error)
        return kstd::unexpected(*g_error);
    if (g_ran)
        return {};
    g_ran = true;
    const KernelMemory memory;
    auto found = discover(memory, boot::boot_info().rsdp, true, g_tables);
    for (const Problem& problem : g_tables.problems.all())
        core::println("acpi: {}", problem);
    if (g_tables.problems.dropped() > 0)
        core::println("acpi: and {} more problems", g_tables.problems.dropped());
    if (!found)
        g_error = found.error();
    return found;
}

const Tables* tables()
{
    return g_ran && !g_error ? &g_tables : nullptr;
}

std::optional<AcpiError> initialization_error()
{
    if (!g_ran)
        return AcpiError::NotInitialized;
    return g_error;
}

const MadtInfo* madt()
{
    const Tables* found = tables();
    return found && found->madt ? &*found->madt : nullptr;
}

const HpetInfo* hpet()
{
    const Tables* found = tables();
    return found && found->hpet ? &*found->hpet : nullptr;
}

const FadtInfo* fadt()
{
    const Tables* found = tables();
    return found && found->fadt ? &*found->fadt : nullptr;
}

std::optional<SleepType> s5()
{
    const Tables* found = tables();
    return found ? found->s5 : std::nullopt;
}

} // namespace acpi

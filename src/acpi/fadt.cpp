#include "acpi/fadt.h"
#include "kstd/unaligned.h"

namespace acpi {

namespace {

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

constexpr Signature fadt_signature("FACP");

// Field offsets (ACPI 6.5, table 5.9).
constexpr size_t firmware_ctrl = 36, dsdt = 40, sci_int = 46, smi_cmd = 48, acpi_enable = 52, pm1a_cnt_blk = 64,
                 pm1b_cnt_blk = 68, pm1_cnt_len = 89, iapc_boot_arch = 109, flags = 112, reset_reg = 116,
                 reset_value = 128, x_firmware_ctrl = 132, x_dsdt = 140, x_pm1a_cnt_blk = 172, x_pm1b_cnt_blk = 184;
constexpr size_t gas_size = 12;

GenericAddress read_gas(std::span<const std::byte> table, size_t offset)
{
    return GenericAddress{read<uint8_t>(table, offset), read<uint8_t>(table, offset + 1),
                          read<uint8_t>(table, offset + 2), read<uint8_t>(table, offset + 3),
                          read<uint64_t>(table, offset + 4)};
}

// A PM1 control block: the X_ form if the table has it and it is non-zero,
// else the 32-bit I/O port (0: none).
GenericAddress pm1_control(std::span<const std::byte> table, size_t port_offset, size_t x_offset, uint8_t length)
{
    if (table.size() >= x_offset + gas_size) {
        const GenericAddress x = read_gas(table, x_offset);
        if (x.present())
            return x;
    }
    return GenericAddress{GenericAddress::SystemIo, static_cast<uint8_t>(length * 8), 0, 0,
                          read<uint32_t>(table, port_offset)};
}

} // namespace

void format_value(kstd::Sink& sink, const GenericAddress& address, const kstd::FormatSpec&)
{
    if (address.space == GenericAddress::SystemIo)
        kstd::format_to(sink, "port {:#x}", address.address);
    else if (address.space == GenericAddress::SystemMemory)
        kstd::format_to(sink, "memory {:#x}", address.address);
    else
        kstd::format_to(sink, "space {} address {:#x}", address.space, address.address);
}

kstd::Expected<FadtInfo, Problem> parse_fadt(std::span<const std::byte> table, arch::PhysAddr address)
{
    if (table.size() < FadtInfo::acpi1_length)
        return kstd::unexpected(
            problem(fadt_signature, address, "FADT is shorter than ACPI 1.0's 116 bytes", table.size()));
    FadtInfo info;
    info.revision = read<uint8_t>(table, 8);
    info.length = static_cast<uint32_t>(table.size());
    info.dsdt = arch::PhysAddr(read<uint32_t>(table, dsdt));
    if (table.size() >= x_dsdt + 8 && read<uint64_t>(table, x_dsdt) != 0)
        info.dsdt = arch::PhysAddr(read<uint64_t>(table, x_dsdt));
    info.facs = arch::PhysAddr(read<uint32_t>(table, firmware_ctrl));
    if (table.size() >= x_firmware_ctrl + 8 && read<uint64_t>(table, x_firmware_ctrl) != 0)
        info.facs = arch::PhysAddr(read<uint64_t>(table, x_firmware_ctrl));
    info.sci_interrupt = read<uint16_t>(table, sci_int);
    info.smi_command = read<uint32_t>(table, smi_cmd);
    info.acpi_enable = read<uint8_t>(table, acpi_enable);
    info.pm1_control_length = read<uint8_t>(table, pm1_cnt_len);
    info.pm1a_control = pm1_control(table, pm1a_cnt_blk, x_pm1a_cnt_blk, info.pm1_control_length);
    info.pm1b_control = pm1_control(table, pm1b_cnt_blk, x_pm1b_cnt_blk, info.pm1_control_length);
    info.flags = read<uint32_t>(table, flags);
    info.has_boot_architecture = info.revision >= 2;
    if (info.has_boot_architecture)
        info.boot_architecture = read<uint16_t>(table, iapc_boot_arch);
    if (table.size() > reset_value && (info.flags & FadtInfo::reset_register_supported) != 0) {
        info.has_reset_register = true;
        info.reset_register = read_gas(table, reset_reg);
        info.reset_value = read<uint8_t>(table, reset_value);
    }
    if (info.dsdt.value() == 0 && !info.hardware_reduced())
        return kstd::unexpected(problem(fadt_signature, address, "FADT gives no DSDT"));
    return info;
}

} // namespace acpi

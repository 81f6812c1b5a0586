#include "boot/pvh.h"
#include "kstd/unaligned.h"

namespace boot {

namespace {

constexpr size_t memmap_entry_size = 24;
constexpr size_t modlist_entry_size = 32;

// Xen's memory map types (start_info.h, XEN_HVM_MEMMAP_TYPE_*), the e820 ones.
enum PvhMemoryType : uint32_t {
    PvhRam = 1,
    PvhReserved = 2,
    PvhAcpi = 3,
    PvhNvs = 4,
    PvhUnusable = 5,
};

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

kstd::Unexpected<PvhError> fail(std::string_view what, std::string_view field, uint64_t value, int64_t entry = -1)
{
    return kstd::unexpected(PvhError{what, field, value, entry});
}

// Records [address, address + bytes) as a structure the kernel keeps, or
// the error that says the record is full (naming `field`).
kstd::Expected<void, PvhError> keep(BootInfo& out, arch::PhysAddr address, uint64_t bytes, std::string_view field,
                                    int64_t entry = -1)
{
    if (!out.keep(address, bytes))
        return fail("more boot structures than the kernel can keep (24)", field, address.value(), entry);
    return {};
}

MemoryType memory_type(uint32_t type)
{
    switch (type) {
    case PvhRam: return MemoryType::Available;
    case PvhAcpi: return MemoryType::AcpiReclaimable;
    case PvhNvs: return MemoryType::AcpiNvs;
    case PvhUnusable: return MemoryType::BadRam;
    default: return MemoryType::Reserved; // reserved, disabled, persistent memory, unknown
    }
}

// A table of `count` entries of `entry_size` bytes at `address`, readable
// as a whole, or an error naming `field`.
kstd::Expected<std::span<const std::byte>, PvhError> read_table(const PhysicalMemory& memory, uint64_t address,
                                                                uint64_t count, size_t entry_size,
                                                                std::string_view field)
{
    const uint64_t bytes = count * entry_size; // count is a u32: no overflow
    if (address == 0)
        return fail("table address is null", field, address);
    if (address + bytes < address)
        return fail("table wraps around the end of the address space", field, address);
    auto table = memory.read(arch::PhysAddr(address), bytes);
    if (table.size() != bytes)
        return fail("table is not in readable memory", field, address);
    return table;
}

// The NUL-terminated string at `address` (0: the empty string).
kstd::Expected<std::string_view, PvhError> read_string(const PhysicalMemory& memory, uint64_t address,
                                                       std::string_view field, int64_t entry, BootInfo& out)
{
    if (address == 0)
        return std::string_view();
    auto bytes = memory.read_up_to(arch::PhysAddr(address), pvh_max_string + 1);
    if (bytes.empty())
        return fail("string is not in readable memory", field, address, entry);
    // The bytes are characters of the string.
    const char* text = reinterpret_cast<const char*>(bytes.data());
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (text[i] != '\0')
            continue;
        if (auto kept = keep(out, arch::PhysAddr(address), i + 1, field, entry); !kept)
            return kstd::unexpected(kept.error());
        return std::string_view(text, i);
    }
    return fail(bytes.size() > pvh_max_string ? "string is longer than 4096 bytes"
                                              : "string is not NUL-terminated before readable memory ends",
                field, address, entry);
}

kstd::Expected<void, PvhError> parse_memory_map(const PhysicalMemory& memory, std::span<const std::byte> start,
                                                BootInfo& out)
{
    const uint64_t address = read<uint64_t>(start, 40);
    const uint32_t count = read<uint32_t>(start, 48);
    if (count > BootInfo::max_memory_regions)
        return fail("memory map has more entries than the kernel keeps (128)", "memmap_entries", count);
    if (count == 0)
        return {}; // no memory map: memory set-up says so
    auto table = read_table(memory, address, count, memmap_entry_size, "memmap_paddr");
    if (!table)
        return kstd::unexpected(table.error());
    for (uint32_t i = 0; i < count; ++i) {
        const size_t at = i * memmap_entry_size;
        const uint64_t base = read<uint64_t>(*table, at);
        const uint64_t length = read<uint64_t>(*table, at + 8);
        if (base + length < base)
            return fail("memory region wraps around the end of the address space", "memmap entry", base, i);
        out.memory_regions[i] = MemoryRegion{arch::PhysAddr(base), length, memory_type(read<uint32_t>(*table, at + 16))};
    }
    out.memory_region_count = count;
    out.has_memory_map = true;
    return keep(out, arch::PhysAddr(address), table->size(), "memmap_paddr");
}

kstd::Expected<void, PvhError> parse_modules(const PhysicalMemory& memory, std::span<const std::byte> start,
                                             BootInfo& out)
{
    const uint32_t count = read<uint32_t>(start, 12);
    if (count == 0)
        return {};
    if (count > BootInfo::max_modules)
        return fail("more boot modules than the kernel keeps (16)", "nr_modules", count);
    const uint64_t address = read<uint64_t>(start, 16);
    auto table = read_table(memory, address, count, modlist_entry_size, "modlist_paddr");
    if (!table)
        return kstd::unexpected(table.error());
    if (auto kept = keep(out, arch::PhysAddr(address), table->size(), "modlist_paddr"); !kept)
        return kept;
    for (uint32_t i = 0; i < count; ++i) {
        const size_t at = i * modlist_entry_size;
        const uint64_t base = read<uint64_t>(*table, at);
        const uint64_t size = read<uint64_t>(*table, at + 8);
        if (base + size < base)
            return fail("module wraps around the end of the address space", "module paddr", base, i);
        auto command_line = read_string(memory, read<uint64_t>(*table, at + 16), "module cmdline_paddr", i, out);
        if (!command_line)
            return kstd::unexpected(command_line.error());
        out.modules[i] = BootModule{arch::PhysAddr(base), arch::PhysAddr(base + size), *command_line};
    }
    out.module_count = count;
    return {};
}

} // namespace

void format_value(kstd::Sink& sink, const PvhError& error, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{} ({} = {:#x}", error.what, error.field, error.value);
    if (error.entry >= 0)
        kstd::format_to(sink, ", entry {}", error.entry);
    sink.write(")");
}

kstd::Expected<void, PvhError> parse_pvh(const PhysicalMemory& memory, arch::PhysAddr start_info, BootInfo& out)
{
    out = BootInfo{};
    const std::span<const std::byte> start = memory.read(start_info, pvh_start_info_size);
    if (start.size() != pvh_start_info_size)
        return fail("start_info is not in readable memory", "start_info", start_info.value());
    const uint32_t magic = read<uint32_t>(start, 0);
    if (magic != pvh_start_info_magic)
        return fail("start_info magic is not 0x336ec578", "magic", magic);
    const uint32_t version = read<uint32_t>(start, 4);
    out.protocol = BootProtocol::Pvh;
    out.bootloader_name = "QEMU -kernel (PVH)";
    out.total_size = pvh_start_info_size;
    if (auto kept = keep(out, start_info, pvh_start_info_size, "start_info"); !kept)
        return kept;

    auto command_line = read_string(memory, read<uint64_t>(start, 24), "cmdline_paddr", -1, out);
    if (!command_line)
        return kstd::unexpected(command_line.error());
    out.command_line = *command_line;
    // rsdp_paddr: carried, not read here (acpi/ reads and checks it; 0: none).
    if (const uint64_t rsdp = read<uint64_t>(start, 32); rsdp != 0) {
        out.rsdp = RsdpInfo{};
        out.rsdp->origin = RsdpOrigin::PvhAddress;
        out.rsdp->address = arch::PhysAddr(rsdp);
    }
    if (auto modules = parse_modules(memory, start, out); !modules)
        return modules;
    // Version 0 has no memory map; the kernel then stops at memory set-up
    // with "no memory map from the boot loader".
    if (version >= 1) {
        if (auto map = parse_memory_map(memory, start, out); !map)
            return map;
    }
    return {};
}

} // namespace boot

#include "boot/boot_info.h"

namespace boot {

std::string_view to_string(MemoryType type)
{
    switch (type) {
    case MemoryType::Available: return "available";
    case MemoryType::Reserved: return "reserved";
    case MemoryType::AcpiReclaimable: return "ACPI reclaimable";
    case MemoryType::AcpiNvs: return "ACPI NVS";
    case MemoryType::BadRam: return "bad RAM";
    }
    return "reserved";
}

std::string_view to_string(FramebufferType type)
{
    switch (type) {
    case FramebufferType::Indexed: return "indexed colour";
    case FramebufferType::Rgb: return "RGB";
    case FramebufferType::EgaText: return "EGA text";
    }
    return "unknown";
}

std::string_view to_string(BootProtocol protocol)
{
    switch (protocol) {
    case BootProtocol::None: return "none";
    case BootProtocol::Multiboot2: return "multiboot2";
    case BootProtocol::Pvh: return "PVH";
    }
    return "unknown";
}

std::string_view to_string(RsdpOrigin origin)
{
    switch (origin) {
    case RsdpOrigin::Multiboot2V1: return "multiboot2 tag 14 (ACPI 1.0 copy)";
    case RsdpOrigin::Multiboot2V2: return "multiboot2 tag 15 (ACPI 2.0+ copy)";
    case RsdpOrigin::PvhAddress: return "PVH rsdp_paddr";
    }
    return "unknown";
}

uint64_t BootInfo::usable_bytes() const
{
    uint64_t total = 0;
    for (const MemoryRegion& region : memory_map()) {
        if (region.type == MemoryType::Available)
            total += region.length;
    }
    return total;
}

bool BootInfo::keep(arch::PhysAddr start, uint64_t bytes)
{
    if (kept_count == max_kept_ranges)
        return false;
    kept[kept_count++] = KeptRange{start, start + bytes};
    return true;
}

} // namespace boot

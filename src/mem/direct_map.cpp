#include "mem/direct_map.h"
#include "arch/x86_64/boot_map.h"

namespace mem {

namespace {
uint64_t g_direct_map_bytes = 0; // 0: not active yet
} // namespace

std::string_view to_string(DirectMapError error)
{
    switch (error) {
    case DirectMapError::OutsideBootWindow:
        return "the physical address is past the 1 GiB boot window (the direct map is not active yet)";
    case DirectMapError::OutsideDirectMap: return "the physical address is past the end of the direct map";
    }
    return "unknown direct map error";
}

kstd::Expected<arch::VirtAddr, DirectMapError> phys_to_virt(arch::PhysAddr address)
{
    if (g_direct_map_bytes != 0) {
        if (address.value() >= g_direct_map_bytes)
            return kstd::unexpected(DirectMapError::OutsideDirectMap);
        return direct_map_address(address);
    }
    if (auto window = arch::boot_map_virtual(address))
        return *window;
    return kstd::unexpected(DirectMapError::OutsideBootWindow);
}

void activate_direct_map(uint64_t mapped_bytes)
{
    g_direct_map_bytes = mapped_bytes;
}

bool direct_map_active()
{
    return g_direct_map_bytes != 0;
}

uint64_t direct_map_bytes()
{
    return g_direct_map_bytes;
}

} // namespace mem

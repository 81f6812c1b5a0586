#include "mem/direct_map.h"
#include "arch/x86_64/boot_map.h"

namespace mem {

namespace {
uint64_t g_direct_map_bytes = 0; // 0: not active yet
} // namespace

arch::VirtAddr phys_to_virt(arch::PhysAddr address)
{
    if (g_direct_map_bytes != 0)
        return address.value() < g_direct_map_bytes ? direct_map_address(address) : arch::VirtAddr();
    return arch::boot_map_virtual(address);
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

#include "mem/physical_mapping.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/page_size.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "sync/spinlock.h"

namespace mem {

namespace {
sync::Spinlock g_lock("physical mappings", sync::LockRank::PhysicalMapping);
uint64_t g_used = 0; // bytes of the region handed out, guarded by g_lock
} // namespace

kstd::Expected<arch::VirtAddr, MapError> map_physical(arch::PhysAddr start, uint64_t bytes, arch::Protection protection)
{
    if (bytes == 0 || start.value() + bytes < start.value())
        return kstd::unexpected(MapError::Misaligned);
    const uint64_t first = start.value() & ~(arch::page_size - 1);
    const uint64_t end = (start.value() + bytes + arch::page_size - 1) & ~(arch::page_size - 1);
    const uint64_t length = end - first;
    sync::SpinlockGuard guard(g_lock);
    // A large mapping of 2 MiB-aligned memory (a framebuffer) starts on a
    // 2 MiB boundary too, so that map_range can use 2 MiB pages.
    constexpr uint64_t large = 2ull << 20;
    uint64_t offset = g_used;
    if (length >= large && first % large == 0)
        offset = (offset + large - 1) & ~(large - 1);
    if (offset > arch::layout::physical_mapping_size || length > arch::layout::physical_mapping_size - offset)
        return kstd::unexpected(MapError::OutOfFrames);
    const arch::VirtAddr at(arch::layout::physical_mapping_base + offset);
    TRY(kernel_address_space().map_range(at, arch::PhysAddr(first), length, protection));
    g_used = offset + length;
    return at + (start.value() - first);
}

kstd::Expected<std::span<const std::byte>, MapError> physical_bytes(arch::PhysAddr start, uint64_t bytes)
{
    if (bytes == 0 || start.value() + bytes < start.value())
        return kstd::unexpected(MapError::Misaligned);
    // The direct map has holes where the memory map has no RAM: it serves
    // only if every page of the range is mapped there.
    bool in_direct_map = direct_map_active() && start.value() + bytes <= direct_map_bytes();
    const uint64_t first = start.value() & ~(arch::page_size - 1);
    for (uint64_t page = first; in_direct_map && page < start.value() + bytes; page += arch::page_size)
        in_direct_map = kernel_address_space().translate(direct_map_address(arch::PhysAddr(page))).has_value();
    const arch::VirtAddr at =
        in_direct_map ? direct_map_address(start) : TRY(map_physical(start, bytes, arch::Protection::read_only()));
    // Mapped above for `bytes` bytes from `start`.
    return std::span<const std::byte>(at.as_pointer<const std::byte>(), bytes);
}

uint64_t physical_mapping_bytes()
{
    sync::SpinlockGuard guard(g_lock);
    return g_used;
}

} // namespace mem

#include "mem/physical_memory.h"
#include "core/panic.h"
#include "mem/direct_map.h"
#include "mem/phys_range_set.h"
#include "sync/spinlock.h"

// Kernel image bounds (linker.ld.in).
extern "C" std::byte __kernel_phys_end[];

namespace mem::physical {

namespace {

sync::Spinlock g_lock("frame allocator", sync::LockRank::FrameAllocator);
FrameAllocator g_frames;
PhysRangeSet g_usable; // what is left for the allocator (metadata removed)
arch::PhysAddr g_first_limit;
uint64_t g_usable_bytes = 0;
PhysRange g_metadata;
bool g_initialized = false;

arch::PhysAddr kernel_image_end()
{
    // A linker symbol: its address is the value (the physical end of the image).
    return arch::PhysAddr(reinterpret_cast<uint64_t>(__kernel_phys_end));
}

void remove_or_panic(PhysRangeSet& set, PhysRange range)
{
    if (auto removed = set.remove(range); !removed)
        core::panic("memory map: cannot set {} aside: {}", range, removed.error());
}

// Adds the part of every usable range inside [low, high).
void add_ranges_between(arch::PhysAddr low, arch::PhysAddr high)
{
    for (const PhysRange& range : g_usable.ranges()) {
        const PhysRange part{range.start < low ? low : range.start, range.end > high ? high : range.end};
        if (part.empty())
            continue;
        if (auto added = g_frames.add_free_range(part); !added)
            core::panic("frame allocator: cannot add {}: {}", part, added.error());
    }
}

} // namespace

void initialize(const boot::BootInfo& info, arch::PhysAddr first_limit)
{
    KASSERT(!g_initialized, "the physical memory manager is initialised once");
    if (!info.has_memory_map)
        core::panic("no memory map from the boot loader: cannot manage physical memory");
    for (const boot::MemoryRegion& region : info.memory_map()) {
        if (region.type != boot::MemoryType::Available)
            continue;
        if (auto added = g_usable.add({region.base, region.end()}); !added)
            core::panic("memory map: too many usable regions: {}", added.error());
    }
    g_usable_bytes = g_usable.total_bytes();
    // The first MiB (real-mode structures, BIOS, VGA) and the image, which
    // GRUB loaded at 1 MiB: never handed out.
    remove_or_panic(g_usable, {arch::PhysAddr(0), kernel_image_end().align_up(arch::frame_size)});
    // The boot structures the kernel still reads (multiboot2's one, PVH's
    // several): their strings are viewed in place.
    for (const boot::KeptRange& kept : info.kept_ranges())
        remove_or_panic(g_usable, {kept.start.align_down(arch::frame_size), kept.end.align_up(arch::frame_size)});
    for (const boot::BootModule& module : info.boot_modules())
        remove_or_panic(g_usable, {module.start.align_down(arch::frame_size), module.end.align_up(arch::frame_size)});
    g_usable.shrink_to_alignment(arch::frame_size);
    if (g_usable.empty())
        core::panic("memory map: no usable memory above the kernel image");

    // The metadata, in usable memory the boot window reaches (it is written
    // before the direct map exists and read through the same address after).
    const PhysRange span = g_usable.bounds();
    const uint64_t bytes = arch::align_up(FrameAllocator::metadata_bytes(span), arch::frame_size);
    auto place = g_usable.find_space(bytes, arch::frame_size);
    if (!place || *place + bytes > first_limit)
        core::panic("no room for {} bytes of frame metadata below {:#x}", bytes, first_limit);
    g_metadata = {*place, *place + bytes};
    remove_or_panic(g_usable, g_metadata);
    auto metadata = phys_to_pointer<std::byte>(g_metadata.start);
    if (!metadata)
        core::panic("frame metadata at {} is unreachable: {}", g_metadata.start, metadata.error());
    if (auto ready = g_frames.initialize(span, {*metadata, bytes}); !ready)
        core::panic("frame allocator: {}", ready.error());
    g_first_limit = first_limit;
    add_ranges_between(arch::PhysAddr(0), first_limit);
    g_initialized = true;
}

void add_remaining_frames()
{
    sync::SpinlockGuard guard(g_lock);
    const arch::PhysAddr end_of_everything(~0ull);
    add_ranges_between(g_first_limit, end_of_everything);
    g_first_limit = end_of_everything;
}

bool initialized()
{
    return g_initialized;
}

kstd::Expected<arch::PhysAddr, FrameError> allocate()
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.allocate();
}

kstd::Expected<arch::PhysAddr, FrameError> allocate_run(unsigned order)
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.allocate_run(order);
}

kstd::Expected<void, FrameError> try_free(arch::PhysAddr frame)
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.free(frame);
}

void free(arch::PhysAddr frame)
{
    if (auto freed = try_free(frame); !freed)
        core::panic("bad free of physical frame {}: {}", frame, freed.error());
}

kstd::Expected<void, FrameError> try_share(arch::PhysAddr frame)
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.share(frame);
}

kstd::Expected<uint32_t, FrameError> try_release(arch::PhysAddr frame)
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.release(frame);
}

// The panics below come after the lock is dropped: the panic path prints,
// and a report must never wait on the frame allocator.
void share(arch::PhysAddr frame)
{
    if (auto shared = try_share(frame); !shared)
        core::panic("cannot share physical frame {}: {}", frame, shared.error());
}

uint32_t release(arch::PhysAddr frame)
{
    auto left = try_release(frame);
    if (!left)
        core::panic("bad release of physical frame {}: {}", frame, left.error());
    return *left;
}

uint32_t reference_count(arch::PhysAddr frame)
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.reference_count(frame);
}

void free_run(arch::PhysAddr first, unsigned order)
{
    kstd::Expected<void, FrameError> freed;
    {
        sync::SpinlockGuard guard(g_lock);
        freed = g_frames.free_run(first, order);
    }
    if (!freed)
        core::panic("bad free of physical frames at {} (order {}): {}", first, order, freed.error());
}

Statistics statistics()
{
    sync::SpinlockGuard guard(g_lock);
    return {g_frames.total_frames(), g_frames.free_frames(), g_frames.used_frames(), g_usable_bytes, g_metadata};
}

arch::PhysAddr usable_end()
{
    return g_usable.bounds().end;
}

bool check_consistency()
{
    sync::SpinlockGuard guard(g_lock);
    return g_frames.check_consistency();
}

} // namespace mem::physical

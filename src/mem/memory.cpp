#include "mem/memory.h"
#include "arch/x86_64/boot_map.h"
#include "core/backtrace.h"
#include "core/panic.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/page_walk.h"
#include "arch/x86_64/page_size.h"
#include "mem/phys_range_set.h"
#include "mem/physical_memory.h"

namespace mem {

namespace {

// What the direct map covers: RAM (available and ACPI regions, whole pages)
// and the first MiB (BIOS data, ACPI tables, the VGA buffer), but not the
// holes between (device memory must not be mapped write-back).
PhysRangeSet g_direct_ranges;

void collect_direct_ranges(const boot::BootInfo& info)
{
    if (auto added = g_direct_ranges.add({arch::PhysAddr(0), arch::PhysAddr(1ull << 20)}); !added)
        core::panic("direct map: cannot record the first MiB: {}", added.error());
    for (const boot::MemoryRegion& region : info.memory_map()) {
        if (region.type != boot::MemoryType::Available && region.type != boot::MemoryType::AcpiReclaimable
            && region.type != boot::MemoryType::AcpiNvs)
            continue;
        const PhysRange pages{region.base.align_down(arch::page_size), region.end().align_up(arch::page_size)};
        if (auto added = g_direct_ranges.add(pages); !added)
            core::panic("direct map: too many memory regions: {}", added.error());
    }
}

} // namespace

void initialize_memory(const boot::BootInfo& info, std::optional<HeapDesign> heap)
{
    // From here on a panic's backtrace reads only frame records the page
    // tables map (the walk works on the boot tables as on the kernel's).
    core::set_frame_record_check(frame_record_mapped);
    // Frames below 1 GiB first: the page tables are written through the boot
    // window until the direct map is loaded; the rest after that.
    physical::initialize(info, arch::PhysAddr(arch::layout::boot_map_size));
    collect_direct_ranges(info);
    load_kernel_address_space(g_direct_ranges.ranges());
    physical::add_remaining_frames();
    kernel_heap::initialize(heap.value_or(default_heap_design()));
}

} // namespace mem

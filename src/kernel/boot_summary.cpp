#include "kernel/init.h"
#include "kernel/print.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"

namespace kernel {

namespace {

// Prints a byte count as "123 KiB", "4 MiB" or "1.5 GiB".
struct Size {
    uint64_t bytes;
};

void format_value(kstd::Sink& sink, Size size, const kstd::FormatSpec&)
{
    constexpr uint64_t kib = 1024, mib = kib * 1024, gib = mib * 1024;
    if (size.bytes >= gib)
        kstd::format_to(sink, "{}.{} GiB", size.bytes / gib, (size.bytes % gib) * 10 / gib);
    else if (size.bytes >= mib)
        kstd::format_to(sink, "{}.{} MiB", size.bytes / mib, (size.bytes % mib) * 10 / mib);
    else if (size.bytes >= kib)
        kstd::format_to(sink, "{} KiB", size.bytes / kib);
    else
        kstd::format_to(sink, "{} B", size.bytes);
}

} // namespace

void print_boot_summary(const boot::BootInfo& info)
{
    println("boot: loader \"{}\", command line \"{}\"", info.bootloader_name, info.command_line);
    if (!info.has_memory_map) {
        println("boot: no memory map from the boot loader");
    } else {
        println("boot: usable RAM {} in {} regions:", Size{info.usable_bytes()}, info.memory_region_count);
        for (const boot::MemoryRegion& region : info.memory_map()) {
            println("  [{:#014x} - {:#014x}) {:<16} {}", region.base.value(), region.end().value(),
                    boot::to_string(region.type), Size{region.length});
        }
    }
    print("boot: {} module(s), framebuffer: ", info.module_count);
    if (!info.framebuffer) {
        println("none");
    } else {
        const boot::FramebufferInfo& fb = *info.framebuffer;
        constexpr std::string_view kinds[] = {"indexed colour", "RGB", "EGA text"};
        println("{} {}x{} at {}", fb.type < 3 ? kinds[fb.type] : "unknown", fb.width, fb.height, fb.address);
    }
}

void print_memory_summary()
{
    const mem::physical::Statistics frames = mem::physical::statistics();
    println("memory: RAM {} usable, {} frames managed, {} free ({}), {} used; frame metadata {} at {}",
            Size{frames.usable_bytes}, frames.total_frames, frames.free_frames,
            Size{frames.free_frames * mem::frame_size}, frames.used_frames, Size{frames.metadata.size()},
            frames.metadata.start);
    println("memory: direct map of RAM up to {} at {}, {} page-table frames; image: text R+X, rodata R, data/bss R+W+NX",
            Size{mem::direct_map_bytes()}, mem::VirtAddr(mem::direct_map_base),
            mem::kernel_address_space().table_frames());
    const mem::KernelHeapStatistics heap = mem::kernel_heap::statistics();
    println("memory: heap ({}) {} in use in {} allocations, {} mapped", mem::to_string(heap.design),
            Size{heap.heap.used_bytes}, heap.heap.live_allocations, Size{heap.mapped_bytes});
}

} // namespace kernel

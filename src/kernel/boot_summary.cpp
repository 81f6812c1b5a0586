#include "kernel/init.h"
#include "acpi/acpi.h"
#include "arch/x86_64/cpu_features.h"
#include "core/print.h"
#include "drivers/framebuffer_console.h"
#include "drivers/vga_text.h"
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

using core::print;
using core::println;

// What the kernel does without the optional CPU features (arch/x86_64/cpu_features.h).
void print_cpu_features()
{
    const arch::CpuFeatures& cpu = arch::cpu_features();
    println("cpu: no-execute pages {}, 1 GiB pages {}, global pages {}, invariant TSC {}",
            arch::no_execute_enabled() ? "on" : "off", cpu.huge_pages ? "yes" : "no", cpu.global_pages ? "yes" : "no",
            cpu.invariant_tsc ? "yes" : "no");
    if (!arch::no_execute_enabled())
        println("cpu: no-execute protection is unavailable (CPUID 80000001h EDX.NX = 0): data pages are executable");
    if (!cpu.huge_pages)
        println("cpu: no 1 GiB pages (CPUID 80000001h EDX.Page1GB = 0): the direct map uses 2 MiB pages");
}

// One line: the tables found, or why there are none (docs/acpi.md).
void print_acpi_summary()
{
    if (const acpi::Tables* tables = acpi::tables())
        println("acpi: {}", *tables);
    else
        println("acpi: none ({})", *acpi::initialization_error());
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
            println("  [{:#014x} - {:#014x}) {:<16} {}", region.base, region.end(),
                    boot::to_string(region.type), Size{region.length});
        }
    }
    print("boot: {} module(s), framebuffer: ", info.module_count);
    if (!info.framebuffer) {
        println("none");
    } else {
        const boot::FramebufferInfo& fb = *info.framebuffer;
        print("{} {}x{} at {}", boot::to_string(fb.type), fb.width, fb.height, fb.address);
        if (fb.type == boot::FramebufferType::Rgb)
            print(", {} bpp, pitch {}, red {}:{} green {}:{} blue {}:{}", fb.bits_per_pixel, fb.pitch,
                  fb.red.position, fb.red.size, fb.green.position, fb.green.size, fb.blue.position, fb.blue.size);
        println("");
    }
    if (const drivers::FramebufferConsole* screen = drivers::screen_framebuffer_console()) {
        const drivers::PixelSurface& surface = screen->surface();
        println("console: framebuffer {}x{}, {} bpp, {}x{} cells, font {} {}x{}", surface.width, surface.height,
                surface.bytes_per_pixel * 8, screen->columns(), screen->rows(), screen->font().name,
                screen->font().width, screen->font().height);
    } else {
        println("console: VGA text {}x{}", drivers::VgaTextConsole::width, drivers::VgaTextConsole::height);
    }
    print_cpu_features();
    print_acpi_summary();
}

void print_memory_summary()
{
    const mem::physical::Statistics frames = mem::physical::statistics();
    println("memory: RAM {} usable, {} frames managed, {} free ({}), {} used; frame metadata {} at {}",
            Size{frames.usable_bytes}, frames.total_frames, frames.free_frames,
            Size{frames.free_frames * arch::frame_size}, frames.used_frames, Size{frames.metadata.size()},
            frames.metadata.start);
    println("memory: direct map of RAM up to {} at {}, {} page-table frames; image: text R+X, rodata R, data/bss R+W{}",
            Size{mem::direct_map_bytes()}, arch::VirtAddr(arch::layout::direct_map_base),
            mem::kernel_address_space().table_frames(), arch::no_execute_enabled() ? "+NX" : " (no NX)");
    const mem::KernelHeapStatistics heap = mem::kernel_heap::statistics();
    println("memory: heap ({}) {} in use in {} allocations, {} mapped", mem::to_string(heap.design),
            Size{heap.heap.used_bytes}, heap.heap.live_allocations, Size{heap.mapped_bytes});
}

} // namespace kernel

#include "mem/kernel_address_space.h"
#include <new>
#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/control_registers.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_setup.h"
#include "arch/x86_64/kernel_stacks.h"
#include "core/panic.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"
#include "sync/interrupt_guard.h"

// Section bounds (linker.ld.in): their addresses are the values.
extern "C" std::byte __text_start[], __rodata_start[], __rodata_end[], __data_start[], __kernel_end[];

namespace mem {

namespace {

// PML4 entries 256-511 map the kernel half (0xFFFF_8000_0000_0000 and up).
constexpr unsigned first_kernel_half_entry = 256;

alignas(AddressSpace) std::byte g_storage[sizeof(AddressSpace)];
AddressSpace* g_kernel = nullptr;

arch::VirtAddr address_of(const std::byte* symbol)
{
    return arch::VirtAddr::of(symbol); // a linker symbol's address is a virtual address in the image
}

// The protection of the image page at `page` (a boot-window address).
arch::Protection image_protection(arch::VirtAddr page)
{
    const ImageLayout image = kernel_image_layout();
    if (page >= image.text_start && page < image.rodata_start)
        return arch::Protection::read_execute();
    if (page >= image.rodata_start && page < image.data_start)
        return arch::Protection::read_only();
    if (page >= arch::VirtAddr(arch::layout::kernel_vma + arch::layout::kernel_physical_start) && page < image.text_start)
        return arch::Protection::read_only(); // .boot: the 32-bit entry code and the multiboot2 header, done with
    return arch::Protection::read_write();    // low memory (VGA, BIOS), .data, .bss, what follows the image
}

// The boot window maps physical [0, 1 GiB) at kernel_vma.
arch::PhysAddr boot_window_physical(arch::VirtAddr address)
{
    return arch::PhysAddr(address - arch::VirtAddr(arch::layout::kernel_vma));
}

void map_or_panic(kstd::Expected<void, MapError> result, std::string_view what)
{
    if (!result)
        core::panic("kernel page tables: cannot map {}: {}", what, result.error());
}

} // namespace

ImageLayout kernel_image_layout()
{
    return {address_of(__text_start), address_of(__rodata_start), address_of(__rodata_start),
            address_of(__data_start), address_of(__data_start),   address_of(__kernel_end)};
}

void load_kernel_address_space(std::span<const PhysRange> direct_ranges)
{
    KASSERT(g_kernel == nullptr, "the kernel address space is built once");
    KASSERT(!direct_ranges.empty());
    KASSERT(arch::cpu_initialized(), "the Cpu stage decides whether no-execute pages exist");
    const uint64_t direct_map_end = direct_ranges.back().end.value();
    if (direct_map_end > arch::layout::direct_map_max)
        core::panic("physical memory ends at {:#x}, past the {:#x} the direct map can hold", direct_map_end,
                      arch::layout::direct_map_max);
    auto root = physical::allocate();
    if (!root)
        core::panic("kernel page tables: no frame for the PML4: {}", root.error());
    auto root_table = phys_to_pointer<arch::PageTable>(*root);
    if (!root_table)
        core::panic("kernel page tables: the PML4 frame {} is unreachable: {}", *root, root_table.error());
    **root_table = arch::PageTable{};
    g_kernel = new (g_storage) AddressSpace(*root);

    // Every kernel-half PML4 entry gets its PDPT now, once: later address
    // spaces share the kernel half by copying these 256 entries, so they
    // must never change (AddressSpace never frees a PDPT).
    map_or_panic(g_kernel->create_top_level_tables(first_kernel_half_entry, arch::PageTableEntry::entries_per_table),
                 "the kernel half's PDPTs");

    // The direct map: RAM, data only.
    const bool huge_pages = arch::cpu_features().huge_pages;
    for (const PhysRange& range : direct_ranges) {
        map_or_panic(g_kernel->map_range(direct_map_address(range.start), range.start, range.size(),
                                         arch::Protection::read_write(), huge_pages),
                     "the direct map");
    }

    // The boot window, with the image by section in 4 KiB pages.
    const arch::VirtAddr window_start(arch::layout::kernel_vma);
    const arch::VirtAddr image_window_end = address_of(__kernel_end).align_up(arch::large_page_size);
    for (arch::VirtAddr page = window_start; page < image_window_end; page = page + arch::page_size) {
        if (arch::stack_guarded_at(page))
            continue; // stays not present: a stack overflow faults here
        map_or_panic(g_kernel->map(page, boot_window_physical(page), image_protection(page)), "the kernel image");
    }
    const uint64_t window_rest = arch::layout::boot_map_size - (image_window_end - window_start);
    map_or_panic(g_kernel->map_range(image_window_end, boot_window_physical(image_window_end), window_rest,
                                     arch::Protection::read_write()),
                 "the boot window");

    {
        sync::InterruptGuard guard; // no interrupt handler runs half-way through the switch
        arch::write_page_table_root(*root);
        activate_direct_map(direct_map_end);
    }
    for (const arch::GuardedStack& stack : arch::kernel_stacks())
        KASSERT(!is_mapped(stack.guard), "the guard page of the {} is mapped", stack.name);
}

AddressSpace& kernel_address_space()
{
    KASSERT(g_kernel != nullptr, "the kernel address space is not loaded yet");
    return *g_kernel;
}

bool kernel_address_space_loaded()
{
    return g_kernel != nullptr;
}

} // namespace mem

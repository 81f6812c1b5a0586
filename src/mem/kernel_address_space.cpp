#include "mem/kernel_address_space.h"
#include <new>
#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kernel_stacks.h"
#include "kernel/panic.h"
#include "mem/direct_map.h"
#include "mem/page_size.h"
#include "mem/physical_memory.h"
#include "sync/interrupt_guard.h"

// Section bounds (linker.ld.in): their addresses are the values.
extern "C" std::byte __text_start[], __rodata_start[], __rodata_end[], __data_start[], __kernel_end[];

namespace mem {

namespace {

alignas(AddressSpace) std::byte g_storage[sizeof(AddressSpace)];
AddressSpace* g_kernel = nullptr;

uint64_t address_of(const std::byte* symbol)
{
    // A linker symbol's address is a virtual address in the image.
    return reinterpret_cast<uint64_t>(symbol);
}

bool cpu_has_1g_pages()
{
    // CPUID 0x80000001 EDX bit 26: 1-GByte pages (SDM vol. 2A, CPUID; vol. 3, 4.1.4).
    return (arch::cpuid(0x8000'0001).edx & (1u << 26)) != 0;
}

void load_cr3(PhysAddr root)
{
    // CR3 takes the physical address of the PML4 (SDM vol. 3, 4.5); writing it
    // flushes every non-global TLB entry (4.10.4.1). "memory": the tables
    // written before must be in place first.
    asm volatile("mov %0, %%cr3" : : "r"(root.value()) : "memory");
}

bool is_guard_page(uint64_t virtual_address)
{
    return arch::stack_guarded_at(virtual_address) != nullptr;
}

// The protection of the image page at `page` (a boot-window address).
Protection image_protection(uint64_t page)
{
    const ImageLayout image = kernel_image_layout();
    if (page >= image.text_start.value() && page < image.rodata_start.value())
        return Protection::read_execute();
    if (page >= image.rodata_start.value() && page < image.data_start.value())
        return Protection::read_only();
    if (page >= arch::kernel_vma + (1ull << 20) && page < image.text_start.value())
        return Protection::read_only(); // .boot: the 32-bit entry code and the multiboot2 header, done with
    return Protection::read_write();    // low memory (VGA, BIOS), .data, .bss, what follows the image
}

void map_or_panic(kstd::Expected<void, MapError> result, std::string_view what)
{
    if (!result)
        kernel::panic("kernel page tables: cannot map {}: {}", what, result.error());
}

} // namespace

ImageLayout kernel_image_layout()
{
    return {VirtAddr(address_of(__text_start)), VirtAddr(address_of(__rodata_start)),
            VirtAddr(address_of(__rodata_start)), VirtAddr(address_of(__data_start)),
            VirtAddr(address_of(__data_start)), VirtAddr(address_of(__kernel_end))};
}

void load_kernel_address_space(std::span<const PhysRange> direct_ranges)
{
    KASSERT(g_kernel == nullptr, "the kernel address space is built once");
    KASSERT(!direct_ranges.empty());
    const uint64_t direct_map_end = direct_ranges.back().end.value();
    if (direct_map_end > direct_map_max)
        kernel::panic("physical memory ends at {:#x}, past the {:#x} the direct map can hold", direct_map_end,
                      direct_map_max);
    auto root = physical::allocate();
    if (!root)
        kernel::panic("kernel page tables: no frame for the PML4: {}", root.error());
    PageTable* root_table = phys_to_pointer<PageTable>(*root);
    KASSERT(root_table != nullptr, "the PML4 frame must be in the boot window");
    *root_table = PageTable{};
    g_kernel = new (g_storage) AddressSpace(*root);

    // The direct map: RAM, data only.
    const bool huge_pages = cpu_has_1g_pages();
    for (const PhysRange& range : direct_ranges) {
        map_or_panic(g_kernel->map_range(VirtAddr(direct_map_base + range.start.value()), range.start, range.size(),
                                         Protection::read_write(), huge_pages),
                     "the direct map");
    }

    // The boot window, with the image by section in 4 KiB pages.
    const uint64_t image_window_end = align_up(address_of(__kernel_end), large_page_size);
    for (uint64_t page = arch::kernel_vma; page < image_window_end; page += page_size) {
        if (is_guard_page(page))
            continue; // stays not present: a stack overflow faults here
        map_or_panic(g_kernel->map(VirtAddr(page), PhysAddr(page - arch::kernel_vma), image_protection(page)),
                     "the kernel image");
    }
    const uint64_t window_rest = arch::kernel_vma + arch::boot_map_size - image_window_end;
    map_or_panic(g_kernel->map_range(VirtAddr(image_window_end), PhysAddr(image_window_end - arch::kernel_vma),
                                     window_rest, Protection::read_write()),
                 "the boot window");

    {
        sync::InterruptGuard guard; // no interrupt handler runs half-way through the switch
        load_cr3(*root);
        activate_direct_map(direct_map_end);
    }
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

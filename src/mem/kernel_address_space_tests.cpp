// KTEST cases of the kernel's page tables as built at boot
// (kernel_address_space.cpp): the direct map, the image by section, the
// guard pages, the heap's pages.

#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/kernel_stacks.h"
#include "interrupts/fault_diagnosis.h"
#include "kstd/format.h"
#include "ktest/expect_fault.h"
#include "arch/x86_64/cpu_features.h"
#include "ktest/ktest.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"

namespace {

using arch::Protection;
using arch::VirtAddr;

[[gnu::noinline]] int code_in_text(int x)
{
    return x * 3 + 1;
}

const int g_constant = 5;
int g_variable = 6;

arch::Protection protection_at(uint64_t address)
{
    auto translated = mem::kernel_address_space().translate(arch::VirtAddr(address));
    return translated ? translated->protection : arch::Protection{.writable = true, .executable = true};
}

// What the CPU enforces: without NX, every page is executable.
arch::Protection enforced(arch::Protection requested)
{
    return arch::enforced_protection(requested, arch::no_execute_enabled());
}

// Reads the byte at `address` with one MOV: the CPU, not C++, decides what
// happens. (Dereferencing a null pointer in C++ is undefined behaviour, which
// UBSan reports before the CPU gets to fault.)
uint8_t load_byte_at(uintptr_t address)
{
    uint8_t value;
    asm volatile("movb (%1), %0" : "=r"(value) : "r"(address) : "memory"); // a plain load from `address`
    return value;
}

} // namespace

KTEST(kernel_address_space, the_image_is_mapped_by_section)
{
    const uint64_t text = reinterpret_cast<uint64_t>(&code_in_text); // a function's address
    EXPECT_TRUE(protection_at(text) == arch::Protection::read_execute(), ".text is R+X");
    EXPECT_TRUE(protection_at(arch::VirtAddr::of(&g_constant).value()) == enforced(arch::Protection::read_only()), ".rodata is R");
    EXPECT_TRUE(protection_at(arch::VirtAddr::of(&g_variable).value()) == enforced(arch::Protection::read_write()),
                ".data is R+W+NX");
    const mem::ImageLayout image = mem::kernel_image_layout();
    EXPECT_TRUE(image.text_start <= arch::VirtAddr(text) && arch::VirtAddr(text) < image.text_end);
}

KTEST(kernel_address_space, writing_to_text_faults)
{
    auto* text = reinterpret_cast<volatile uint8_t*>(&code_in_text); // the first byte of a function
    const uint8_t first = *text;
    EXPECT_FAULT(PageFault, *ktest::opaque(text) = 0xCC);
    EXPECT_EQ(ktest::last_fault().cr2, arch::VirtAddr::of(text));
    EXPECT_EQ(ktest::last_fault().frame.error_code & 3, 3u, "present + write");
    kstd::StringBuffer<200> words;
    kstd::format_to(words, "{}", interrupts::diagnose(ktest::last_fault()));
    EXPECT_TRUE(words.view().starts_with("write to read-only memory at "), "{}", words.view());
    EXPECT_TRUE(words.view().ends_with(" (in the kernel .text)"), "{}", words.view());
    EXPECT_EQ(*text, first, "unchanged");
    EXPECT_EQ(code_in_text(2), 7);
}

KTEST(kernel_address_space, executing_from_the_heap_faults)
{
    if (!arch::no_execute_enabled())
        KTEST_SKIP("this CPU has no NX");
    // (<memory> cannot be included next to sync/: GCC 12's <memory> pulls in
    // glibc's <unistd.h>, whose sync() clashes with namespace sync.)
    auto* buffer = new uint8_t[64];
    buffer[0] = 0xC3; // RET: it would return at once if it could run
    auto code = reinterpret_cast<void (*)()>(buffer); // heap memory as a function
    EXPECT_FAULT(PageFault, ktest::opaque(code)());
    EXPECT_EQ(ktest::last_fault().cr2, arch::VirtAddr::of(buffer));
    EXPECT_EQ(ktest::last_fault().frame.error_code & 0x11, 0x11u, "present + instruction fetch");
    kstd::StringBuffer<200> words;
    kstd::format_to(words, "{}", interrupts::diagnose(ktest::last_fault()));
    EXPECT_TRUE(words.view().starts_with("execution of no-execute memory at "), "{}", words.view());
    EXPECT_TRUE(words.view().ends_with(" (in the kernel heap area)"), "{}", words.view());
    delete[] buffer;
}

KTEST(kernel_address_space, executing_data_and_the_direct_map_faults)
{
    if (!arch::no_execute_enabled())
        KTEST_SKIP("this CPU has no NX");
    static uint8_t data_ret = 0xC3;
    auto from_data = reinterpret_cast<void (*)()>(&data_ret); // .bss/.data as a function
    EXPECT_FAULT(PageFault, ktest::opaque(from_data)());
    // A function's address is its virtual address in the image (linked at 0xFFFFFFFF80000000 + physical).
    const uint64_t text_physical = reinterpret_cast<uint64_t>(&code_in_text) - 0xFFFF'FFFF'8000'0000ull;
    auto through_direct_map = reinterpret_cast<int (*)(int)>(arch::layout::direct_map_base + text_physical); // same code
    EXPECT_FAULT(PageFault, (void)ktest::opaque(through_direct_map)(1));
}

KTEST(kernel_address_space, guard_pages_stay_unmapped)
{
    for (const arch::GuardedStack& stack : arch::kernel_stacks()) {
        EXPECT_FALSE(mem::kernel_address_space().translate(arch::VirtAddr(stack.guard)).has_value(), "{}", stack.name);
        EXPECT_TRUE(mem::kernel_address_space().translate(arch::VirtAddr(stack.bottom)).has_value(), "{}", stack.name);
    }
}

KTEST(kernel_address_space, the_direct_map_covers_all_ram_with_large_pages)
{
    EXPECT_TRUE(mem::direct_map_active());
    EXPECT_GE(mem::direct_map_bytes(), mem::physical::usable_end().value());
    auto low = mem::kernel_address_space().translate(arch::VirtAddr(arch::layout::direct_map_base + 0x1234));
    ASSERT_TRUE(low.has_value());
    EXPECT_EQ(low->physical.value(), 0x1234u);
    EXPECT_GE(low->page_bytes, 2u << 20);
    EXPECT_TRUE(low->protection == enforced(arch::Protection::read_write()));
    auto last = mem::kernel_address_space().translate(arch::VirtAddr(arch::layout::direct_map_base + mem::direct_map_bytes() - 8));
    EXPECT_TRUE(last.has_value());
    EXPECT_FALSE(mem::kernel_address_space().translate(arch::VirtAddr(arch::layout::direct_map_base + mem::direct_map_bytes()))
                     .has_value());
    // Address 0: the null page is never mapped.
    EXPECT_FAULT(PageFault, (void)load_byte_at(0));
}

KTEST(kernel_address_space, phys_to_virt_reaches_ram_and_refuses_what_lies_past_it)
{
    auto first = mem::phys_to_virt(arch::PhysAddr(0x1000));
    ASSERT_OK(first);
    EXPECT_EQ(first->value(), arch::layout::direct_map_base + 0x1000);
    const arch::PhysAddr end(mem::direct_map_bytes());
    auto last = mem::phys_to_virt(arch::PhysAddr(end.value() - 8));
    ASSERT_OK(last);
    EXPECT_EQ(last->value(), arch::layout::direct_map_base + end.value() - 8);
    EXPECT_ERROR(mem::phys_to_virt(end), mem::DirectMapError::OutsideDirectMap);
    EXPECT_ERROR(mem::phys_to_pointer<uint64_t>(end), mem::DirectMapError::OutsideDirectMap);
    EXPECT_ERROR(mem::table_at(end), mem::MapError::Unreachable);
    // The boot window alone stops at 1 GiB, whatever the direct map covers.
    EXPECT_OK(arch::boot_map_virtual(arch::PhysAddr(arch::layout::boot_map_size - 1)));
    EXPECT_ERROR(arch::boot_map_virtual(arch::PhysAddr(arch::layout::boot_map_size)),
                 arch::BootWindowError::OutsideBootWindow);
}

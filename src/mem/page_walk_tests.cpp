#include "mem/page_walk.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/kernel_stacks.h"
#include "arch/x86_64/memory_layout.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"

// The boot page tables (boot.asm): still in the image after the kernel's own
// tables replaced them, so the one walker can be checked on both.
extern "C" std::byte boot_pml4[];

namespace {

alignas(arch::page_size) std::byte g_probe_page[arch::page_size];

arch::PhysAddr boot_tables_root()
{
    // boot_pml4 is in the image, linked at kernel_vma + its physical address.
    return arch::PhysAddr(arch::VirtAddr::of(boot_pml4) - arch::VirtAddr(arch::layout::kernel_vma));
}

} // namespace

KTEST(page_walk, translates_the_kernel_image_to_its_load_address)
{
    // The image is linked at kernel_vma + physical address (linker.ld.in).
    const arch::VirtAddr address = arch::VirtAddr::of(g_probe_page) + 123;
    auto translation = mem::translate_active(address);
    ASSERT_OK(translation);
    EXPECT_EQ(translation->physical.value(), address.value() - arch::layout::kernel_vma);
    EXPECT_EQ(translation->page_bytes, arch::page_size);
    EXPECT_TRUE(translation->protection.writable);
    EXPECT_FALSE(translation->user);
}

KTEST(page_walk, the_low_half_and_non_canonical_addresses_are_not_mapped)
{
    EXPECT_ERROR(mem::translate_active(arch::VirtAddr(0)), mem::MapError::NotMapped);
    EXPECT_ERROR(mem::translate_active(arch::VirtAddr(0x0000'8000'0000'0000ull)), mem::MapError::NotCanonical);
    EXPECT_FALSE(mem::is_mapped(arch::VirtAddr(0)));
}

KTEST(page_walk, walks_the_boot_tables_the_same_way)
{
    // boot.asm: the image in 4 KiB pages, the rest of the first GiB in 2 MiB
    // pages, the identity map dropped.
    const arch::VirtAddr image_address = arch::VirtAddr::of(g_probe_page) + 8;
    auto in_image = mem::translate(boot_tables_root(), image_address);
    ASSERT_OK(in_image);
    EXPECT_EQ(in_image->physical.value(), image_address.value() - arch::layout::kernel_vma);
    EXPECT_EQ(in_image->page_bytes, arch::page_size);
    const arch::VirtAddr high(arch::layout::kernel_vma + 512ull * 1024 * 1024 + 4096);
    auto beyond = mem::translate(boot_tables_root(), high);
    ASSERT_OK(beyond);
    EXPECT_EQ(beyond->page_bytes, arch::large_page_size);
    EXPECT_EQ(beyond->physical.value(), 512ull * 1024 * 1024 + 4096);
    EXPECT_ERROR(mem::translate(boot_tables_root(), arch::VirtAddr(0x1000)), mem::MapError::NotMapped);
}

KTEST(page_walk, entry_at_stops_at_missing_tables_and_large_pages)
{
    const arch::PhysAddr root = mem::active_root();
    // Every kernel-half PML4 entry has its PDPT, but nothing is mapped just
    // past 0xFFFF_8000_0000_0000.
    EXPECT_OK(mem::entry_at(root, arch::VirtAddr(0xFFFF'8000'0000'0000ull), 1));
    EXPECT_ERROR(mem::entry_at(root, arch::VirtAddr(0xFFFF'8000'0000'0000ull), 3), mem::MapError::NotMapped);
    // The boot window past the image is mapped with 2 MiB pages.
    const arch::VirtAddr high(arch::layout::kernel_vma + 512ull * 1024 * 1024);
    EXPECT_ERROR(mem::entry_at(root, high, 3), mem::MapError::LargePage);
}

KTEST(page_walk, protect_changes_one_page_of_the_kernel_tables)
{
    mem::AddressSpace& kernel = mem::kernel_address_space();
    const arch::VirtAddr page = arch::VirtAddr::of(g_probe_page);
    ASSERT_OK(kernel.protect(page, arch::Protection::read_only()));
    auto translation = mem::translate_active(page);
    ASSERT_OK(translation);
    EXPECT_FALSE(translation->protection.writable);
    EXPECT_EQ(translation->protection.executable, !arch::no_execute_enabled());
    // The neighbouring page is untouched.
    auto next = mem::translate_active(page + arch::page_size);
    ASSERT_OK(next);
    EXPECT_TRUE(next->protection.writable);
    ASSERT_OK(kernel.protect(page, arch::Protection::read_write()));
    auto restored = mem::translate_active(page);
    ASSERT_OK(restored);
    EXPECT_TRUE(restored->protection.writable);
}

KTEST(page_walk, a_frame_record_is_mapped_only_if_both_its_words_are)
{
    // IST2's guard page lies right above IST1's stack (kernel_stacks.cpp).
    const arch::GuardedStack& ist2 = arch::interrupt_stack(arch::InterruptStack::NonMaskableInterrupt);
    EXPECT_TRUE(mem::is_mapped(ist2.guard - 8));
    EXPECT_TRUE(mem::frame_record_mapped(ist2.guard - 16));
    EXPECT_FALSE(mem::frame_record_mapped(ist2.guard - 8), "its second word is in the guard page");
    EXPECT_FALSE(mem::frame_record_mapped(ist2.guard));
}

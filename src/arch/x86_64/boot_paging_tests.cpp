// KTEST cases of boot_paging.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and boot_paging.cpp has strings of its own.

#include "arch/x86_64/boot_paging.h"
#include "arch/x86_64/boot_map.h"
#include "ktest/ktest.h"

namespace {
alignas(arch::boot_paging::page_size) std::byte g_probe_page[arch::boot_paging::page_size];
} // namespace

KTEST_TEARDOWN(boot_paging)
{
    // Whatever a case did, the probe page ends up read-write again.
    ASSERT_TRUE(arch::boot_paging::protect(mem::VirtAddr::of(g_probe_page), {}).has_value());
}

KTEST(boot_paging, translates_the_kernel_image_to_its_load_address)
{
    // The image is linked at KERNEL_VMA + physical address (linker.ld.in).
    const mem::VirtAddr address = mem::VirtAddr::of(g_probe_page) + 123;
    auto mapping = arch::boot_paging::translate(address);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_EQ(mapping->physical.value(), address.value() - arch::kernel_vma);
    EXPECT_EQ(mapping->page_size, arch::boot_paging::page_size);
    EXPECT_TRUE(mapping->writable);
    EXPECT_FALSE(mapping->user);
}

KTEST(boot_paging, the_low_half_and_non_canonical_addresses_are_not_mapped)
{
    auto null_page = arch::boot_paging::translate(mem::VirtAddr(0));
    ASSERT_FALSE(null_page.has_value());
    EXPECT_EQ(null_page.error(), arch::boot_paging::Error::NotMapped);
    auto hole = arch::boot_paging::translate(mem::VirtAddr(0x0000'8000'0000'0000ull));
    ASSERT_FALSE(hole.has_value());
    EXPECT_EQ(hole.error(), arch::boot_paging::Error::NotCanonical);
}

KTEST(boot_paging, protect_changes_one_page_and_returns_the_old_protection)
{
    const mem::VirtAddr page = mem::VirtAddr::of(g_probe_page);
    auto before = arch::boot_paging::protect(page, {.present = true, .writable = false, .executable = false});
    ASSERT_TRUE(before.has_value());
    EXPECT_TRUE(before->writable);
    EXPECT_TRUE(before->executable);
    auto mapping = arch::boot_paging::translate(page);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_FALSE(mapping->writable);
    EXPECT_FALSE(mapping->executable);
    // The neighbouring page is untouched.
    auto next = arch::boot_paging::translate(page + arch::boot_paging::page_size);
    ASSERT_TRUE(next.has_value());
    EXPECT_TRUE(next->writable);

    ASSERT_TRUE(arch::boot_paging::protect(page, {.present = false}).has_value());
    EXPECT_FALSE(arch::boot_paging::is_mapped(page));
    auto restored = arch::boot_paging::protect(page, {});
    ASSERT_TRUE(restored.has_value());
    EXPECT_FALSE(restored->present);
    EXPECT_TRUE(arch::boot_paging::is_mapped(page));
}

KTEST(boot_paging, memory_beyond_the_image_is_mapped_with_large_pages)
{
    // boot.asm maps the rest of the first GiB with 2 MiB pages.
    const mem::VirtAddr high(arch::kernel_vma + 512ull * 1024 * 1024);
    auto mapping = arch::boot_paging::translate(high);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_EQ(mapping->page_size, 2u * 1024 * 1024);
    auto changed = arch::boot_paging::protect(high, {.writable = false});
    ASSERT_FALSE(changed.has_value());
    EXPECT_EQ(changed.error(), arch::boot_paging::Error::HugePage);
}

// KTEST cases of user_copy.cpp: ranges outside user space are refused
// untouched, a fault on an unmapped user page is survived (the exception
// table's fix-up) and reported, and a mapped page copies both ways. The
// "user" pages here are lower-half pages of the kernel's own address space:
// there are no processes yet, and the copy runs in ring 0 either way.

#include "user/user_copy.h"
#include "interrupts/exceptions.h"
#include "interrupts/interrupts.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"

namespace {

// Two pages in the lower half, 256 GiB up: the first mapped, the second not.
constexpr uint64_t mapped_page = 0x0000'0040'0000'0000;
constexpr uint64_t unmapped_page = mapped_page + 4096;

uint64_t page_faults()
{
    return interrupts::count(interrupts::vector_of(interrupts::Exception::PageFault));
}

struct MappedUserPage {
    MappedUserPage() { MUST(mem::kernel_address_space().map_fresh(arch::VirtAddr(mapped_page), 4096, arch::Protection::read_write())); }
    ~MappedUserPage() { mem::kernel_address_space().unmap_and_free(arch::VirtAddr(mapped_page), 4096); }
};

} // namespace

KTEST(user_copy, a_range_outside_user_space_is_refused_without_a_fault)
{
    char buffer[16] = {};
    const uint64_t faults = page_faults();
    const uint64_t kernel = reinterpret_cast<uint64_t>(&buffer); // a kernel stack address as a number
    EXPECT_ERROR(user::copy_from_user(buffer, user::UserAddress(kernel), sizeof buffer), user::UserCopyError::BadAddress);
    EXPECT_ERROR(user::copy_to_user(user::UserAddress(kernel), buffer, sizeof buffer), user::UserCopyError::BadAddress);
    EXPECT_ERROR(user::copy_from_user(buffer, user::UserAddress(0x0000'7FFF'FFFF'FFF8), sizeof buffer),
                 user::UserCopyError::BadAddress, "runs past the end of user space");
    EXPECT_ERROR(user::copy_from_user(buffer, user::UserAddress(~0ull - 4), sizeof buffer),
                 user::UserCopyError::BadAddress, "wraps around");
    EXPECT_EQ(page_faults(), faults, "refused before touching anything");
    EXPECT_OK(user::copy_from_user(buffer, user::UserAddress(0), 0), "nothing to copy is no error");
}

KTEST(user_copy, an_unmapped_user_page_faults_and_the_copy_reports_it)
{
    char buffer[16] = {};
    const uint64_t faults = page_faults();
    EXPECT_ERROR(user::copy_from_user(buffer, user::UserAddress(unmapped_page), sizeof buffer),
                 user::UserCopyError::BadAddress);
    EXPECT_ERROR(user::copy_to_user(user::UserAddress(unmapped_page), buffer, sizeof buffer),
                 user::UserCopyError::BadAddress);
    EXPECT_EQ(page_faults(), faults + 2, "each copy faulted once and the fix-up took it");
}

KTEST(user_copy, a_mapped_user_page_copies_both_ways)
{
    const MappedUserPage page;
    const char text[] = "hello, user space";
    char back[sizeof text] = {};
    ASSERT_OK(user::copy_to_user(user::UserAddress(mapped_page + 100), text, sizeof text));
    ASSERT_OK(user::copy_from_user(back, user::UserAddress(mapped_page + 100), sizeof back));
    EXPECT_STREQ(back, text);
}

KTEST(user_copy, a_copy_that_runs_into_an_unmapped_page_stops_there)
{
    const MappedUserPage page;
    char source[64];
    for (size_t i = 0; i < sizeof source; ++i)
        source[i] = static_cast<char>('a' + i % 26);
    // 32 bytes fit before the page ends; the rest would go to the unmapped one.
    EXPECT_ERROR(user::copy_to_user(user::UserAddress(unmapped_page - 32), source, sizeof source),
                 user::UserCopyError::BadAddress);
    char landed[32] = {};
    ASSERT_OK(user::copy_from_user(landed, user::UserAddress(unmapped_page - 32), sizeof landed));
    EXPECT_EQ(std::string_view(landed, 32), std::string_view(source, 32), "the part before the fault arrived");
}

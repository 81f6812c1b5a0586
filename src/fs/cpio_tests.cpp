// KTEST cases for the cpio newc parser in the kernel: a real archive from GNU
// cpio (tests/cpio_builder.h) read back, and copies of it broken in one
// place. The host tests (tests/host/cpio_test.cpp) go through every problem.

#include <cstddef>
#include <string_view>
#include "fs/cpio.h"
#include "ktest/ktest.h"
#include "tests/cpio_builder.h"

namespace {

using fs::cpio::Archive;
using fs::cpio::Problem;

// A copy of the real archive to break.
struct Copy {
    std::byte bytes[test_cpio::real_archive_size];

    Copy() { __builtin_memcpy(bytes, test_cpio::real_archive, sizeof bytes); }
    void put(size_t at, std::string_view text) { __builtin_memcpy(bytes + at, text.data(), text.size()); }
    std::span<const std::byte> view() const { return bytes; }
};

// The header offsets of the real archive's entries.
constexpr size_t bin_init_at = 0xE4, bin_sh_at = 0x170;

} // namespace

KTEST(cpio, reads_a_real_archive)
{
    auto archive = Archive::open(test_cpio::real_archive_bytes());
    ASSERT_OK(archive);
    EXPECT_EQ(archive->count(), 7u);
    auto init = archive->find("/bin/init");
    ASSERT_OK(init);
    EXPECT_TRUE(init->is_regular());
    EXPECT_EQ(init->permissions(), 0755u);
    EXPECT_STREQ(init->text(), "#!/bin/sh\necho hi\n");
    auto sh = archive->find("bin/sh");
    ASSERT_OK(sh);
    EXPECT_TRUE(sh->is_symlink());
    EXPECT_STREQ(sh->text(), "init");
    auto motd = archive->find("./etc/motd");
    ASSERT_OK(motd);
    EXPECT_STREQ(motd->text(), "hello\n", "a hard link's data, written with its last link");
    auto root = archive->find("/");
    ASSERT_OK(root);
    EXPECT_TRUE(root->is_directory());
    EXPECT_STREQ(root->name, ".");
    auto missing = archive->find("bin/ls");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().problem, Problem::NotFound);
}

KTEST(cpio, iterates_in_archive_order)
{
    auto archive = Archive::open(test_cpio::real_archive_bytes());
    ASSERT_OK(archive);
    constexpr std::string_view expected[] = {".", "bin", "bin/init", "bin/sh", "etc", "etc/motd", "etc/motd.link"};
    size_t index = 0;
    for (const fs::cpio::Entry& entry : *archive) {
        ASSERT_LT(index, 7u);
        EXPECT_STREQ(entry.name, expected[index]);
        ++index;
    }
    EXPECT_EQ(index, 7u);
}

KTEST(cpio, refuses_a_name_outside_the_root)
{
    Copy copy;
    copy.put(bin_sh_at + fs::cpio::header_size, "bin/..");
    auto archive = Archive::open(copy.view());
    ASSERT_FALSE(archive.has_value());
    EXPECT_EQ(archive.error().problem, Problem::DotDotComponent);
    kstd::StringBuffer<160> text;
    kstd::format_to(text, "{}", archive.error());
    EXPECT_STREQ(text.view(), "cpio: \"bin/..\" at offset 0x170: a \"..\" component (outside the archive's root)");
}

KTEST(cpio, errors_say_what_and_where)
{
    Copy device;
    device.put(bin_init_at + 6 + 8, "000021ED"); // mode: a character device
    auto archive = Archive::open(device.view());
    ASSERT_FALSE(archive.has_value());
    kstd::StringBuffer<160> text;
    kstd::format_to(text, "{}", archive.error());
    EXPECT_STREQ(text.view(),
                 "cpio: \"bin/init\" at offset 0xe4: a file type the kernel does not take (character device, mode 020755)");

    Copy truncated;
    auto cut = Archive::open(truncated.view().first(bin_sh_at + 100));
    ASSERT_FALSE(cut.has_value());
    text.clear();
    kstd::format_to(text, "{}", cut.error());
    EXPECT_STREQ(text.view(), "cpio: at offset 0x170: the archive ends inside a header (truncated)");

    Copy digit;
    digit.put(bin_sh_at + 6 + 6 * 8 + 7, "z"); // filesize
    auto bad = Archive::open(digit.view());
    ASSERT_FALSE(bad.has_value());
    text.clear();
    kstd::format_to(text, "{}", bad.error());
    EXPECT_STREQ(text.view(), "cpio: at offset 0x1ad: a non-hex digit in header field filesize");
}

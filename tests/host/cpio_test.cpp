// The cpio newc parser (src/fs/cpio.cpp) on hand-built archives: a real
// archive from GNU cpio and its twin built here read back entry by entry,
// the path forms find() takes, hard links, and every problem the parser
// names, each in an archive that has just that problem, with its exact
// message. Random corruption must give an error or a sound archive, never a
// bad read (the sanitizers watch every byte).

#include <gtest/gtest.h>
#include "formatted_text.h"
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>
#include "fs/cpio.h"
#include "test_seed.h"
#include "tests/cpio_builder.h"

namespace {

using fs::cpio::Archive;
using fs::cpio::Problem;
using test_cpio::ArchiveBuilder;
using test_cpio::Fields;
using namespace std::string_view_literals;

static_assert(std::forward_iterator<Archive::Iterator>);

std::string text_of(const fs::cpio::Error& error)
{
    return formatted_text(error);
}

// The error open() gives, as text; "opened" if it accepts the archive.
std::string error_of(std::span<const std::byte> bytes)
{
    auto archive = Archive::open(bytes);
    return archive ? "opened" : text_of(archive.error());
}
std::string error_of(const ArchiveBuilder& builder)
{
    return error_of(builder.bytes());
}

Problem problem_of(const ArchiveBuilder& builder)
{
    auto archive = Archive::open(builder.bytes());
    EXPECT_FALSE(archive.has_value());
    return archive ? Problem::NotFound : archive.error().problem;
}

std::string text_of(std::span<const std::byte> data)
{
    return {reinterpret_cast<const char*>(data.data()), data.size()}; // bytes as characters
}

// "." (the 0x70 bytes at offset 0), then the entry under test at 0x70.
ArchiveBuilder with_root()
{
    ArchiveBuilder builder;
    builder.directory(".");
    return builder;
}

// An archive of the root and one entry of `fields` (sizes from the name and
// the data), ended.
ArchiveBuilder one_entry(Fields fields, std::string_view name, std::string_view data = {})
{
    ArchiveBuilder builder = with_root();
    builder.entry(fields, name, data);
    builder.trailer();
    return builder;
}

Fields of_mode(uint32_t mode)
{
    Fields fields;
    fields.mode = mode;
    return fields;
}

} // namespace

TEST(CpioArchive, ARealArchiveReadsBackEntryByEntry)
{
    auto archive = Archive::open(test_cpio::real_archive_bytes());
    ASSERT_TRUE(archive.has_value()) << text_of(archive.error());
    EXPECT_EQ(archive->count(), 7u);
    std::vector<std::string> names;
    for (const fs::cpio::Entry& entry : *archive)
        names.emplace_back(entry.name);
    EXPECT_EQ(names, (std::vector<std::string>{".", "bin", "bin/init", "bin/sh", "etc", "etc/motd", "etc/motd.link"}));
    EXPECT_EQ(std::distance(archive->begin(), archive->end()), 7);

    auto root = archive->begin();
    EXPECT_TRUE(root->is_directory());
    EXPECT_EQ(root->permissions(), 0755u);
    EXPECT_EQ(root->nlink, 4u);
    EXPECT_TRUE(root->data.empty());

    auto init = archive->find("bin/init");
    ASSERT_TRUE(init.has_value());
    EXPECT_TRUE(init->is_regular());
    EXPECT_EQ(init->permissions(), 0755u);
    EXPECT_EQ(init->text(), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(init->offset, 0xE4u);
    EXPECT_EQ(init->ino, 2u);

    auto sh = archive->find("bin/sh");
    ASSERT_TRUE(sh.has_value());
    EXPECT_TRUE(sh->is_symlink());
    EXPECT_EQ(sh->text(), "init") << "a symbolic link's data is its target";

    // cpio wrote the data once, with the last link; both names see it.
    auto motd = archive->find("etc/motd");
    auto link = archive->find("etc/motd.link");
    ASSERT_TRUE(motd.has_value() && link.has_value());
    EXPECT_EQ(motd->text(), "hello\n");
    EXPECT_EQ(link->text(), "hello\n");
    EXPECT_EQ(motd->data.data(), link->data.data());
    EXPECT_EQ(motd->nlink, 2u);
}

TEST(CpioArchive, TheBuilderWritesWhatGnuCpioWrites)
{
    ArchiveBuilder builder;
    test_cpio::build_real_archive(builder);
    ASSERT_EQ(builder.size(), test_cpio::real_archive_size);
    EXPECT_EQ(std::memcmp(builder.bytes().data(), test_cpio::real_archive, test_cpio::real_archive_size), 0);
}

TEST(CpioArchive, IterationVisitsEveryEntryAndStopsAtTheTrailer)
{
    auto archive = Archive::open(test_cpio::real_archive_bytes());
    ASSERT_TRUE(archive.has_value());
    auto it = archive->begin();
    auto copy = it++;
    EXPECT_EQ(copy->name, ".");
    EXPECT_EQ(it->name, "bin");
    EXPECT_NE(copy, it);
    size_t seen = 0;
    for (auto entry = archive->begin(); entry != archive->end(); ++entry)
        ++seen;
    EXPECT_EQ(seen, archive->count());

    ArchiveBuilder empty;
    empty.trailer();
    auto nothing = Archive::open(empty.bytes());
    ASSERT_TRUE(nothing.has_value()) << "an archive of just the trailer is empty, not broken";
    EXPECT_EQ(nothing->count(), 0u);
    EXPECT_EQ(nothing->begin(), nothing->end());
}

TEST(CpioArchive, FindTakesEachSpellingOfAPath)
{
    auto archive = Archive::open(test_cpio::real_archive_bytes());
    ASSERT_TRUE(archive.has_value());
    for (std::string_view path : {"bin/sh", "/bin/sh", "./bin/sh", "//bin/sh", "/./bin/sh"}) {
        auto entry = archive->find(path);
        ASSERT_TRUE(entry.has_value()) << path;
        EXPECT_EQ(entry->name, "bin/sh") << path;
    }
    for (std::string_view path : {".", "/", "", "./", "/."}) {
        auto entry = archive->find(path);
        ASSERT_TRUE(entry.has_value()) << "'" << path << "'";
        EXPECT_EQ(entry->name, ".");
    }
    auto missing = archive->find("/bin/ls");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().problem, Problem::NotFound);
    EXPECT_EQ(text_of(missing.error()), "cpio: \"/bin/ls\": no such entry");
    EXPECT_FALSE(archive->find("bin/").has_value()) << "paths are canonical: no trailing /";
    EXPECT_FALSE(archive->find("BIN/SH").has_value());
    EXPECT_FALSE(archive->find("bin/sh/").has_value());
}

TEST(CpioArchive, NamesAreNormalised)
{
    // As `find . | cpio` writes them (with "./"), and absolute ones.
    ArchiveBuilder builder;
    builder.directory(".");
    builder.directory("./bin");
    builder.file("./bin/init", "x");
    builder.file("/etc", "y");
    builder.file("//./usr", "z");
    builder.trailer();
    auto archive = Archive::open(builder.bytes());
    ASSERT_TRUE(archive.has_value()) << text_of(archive.error());
    std::vector<std::string> names;
    for (const fs::cpio::Entry& entry : *archive)
        names.emplace_back(entry.name);
    EXPECT_EQ(names, (std::vector<std::string>{".", "bin", "bin/init", "etc", "usr"}));
    EXPECT_TRUE(archive->find("/bin/init").has_value());

    ArchiveBuilder rooted;
    rooted.directory("/.");
    rooted.trailer();
    auto root = Archive::open(rooted.bytes());
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(root->begin()->name, ".");

    ArchiveBuilder no_root;
    no_root.file("init", "x");
    no_root.trailer();
    EXPECT_EQ(error_of(no_root), "opened") << "the root's entry is optional";
}

TEST(CpioArchive, HardLinksShareTheDataOfTheLinkThatCarriesIt)
{
    ArchiveBuilder builder = with_root();
    Fields link;
    link.ino = 7;
    link.nlink = 3;
    builder.entry(link, "a");
    builder.entry(link, "b");
    builder.file("other", "not this");
    builder.entry(link, "c", "shared");
    Fields other_device = link;
    other_device.devminor = 1; // the same ino on another device is another file
    other_device.nlink = 2;
    builder.entry(other_device, "d");
    Fields empty = link;
    empty.ino = 8;
    empty.nlink = 2;
    builder.entry(empty, "e");
    builder.entry(empty, "f");
    Fields first = link;
    first.ino = 10;
    first.nlink = 2;
    builder.entry(first, "g", "written with the first link");
    builder.entry(first, "h");
    builder.trailer();
    auto archive = Archive::open(builder.bytes());
    ASSERT_TRUE(archive.has_value()) << text_of(archive.error());
    for (std::string_view name : {"a", "b", "c"})
        EXPECT_EQ(text_of(archive->find(name)->data), "shared") << name;
    EXPECT_TRUE(archive->find("d")->data.empty());
    EXPECT_TRUE(archive->find("e")->data.empty()) << "an empty file with two names";
    EXPECT_TRUE(archive->find("f")->data.empty());
    EXPECT_EQ(text_of(archive->find("h")->data), "written with the first link") << "as other writers write them";
}

TEST(CpioArchive, TheCrcVariantAndLowerCaseHexAreAccepted)
{
    ArchiveBuilder builder;
    test_cpio::build_real_archive(builder);
    builder.put(0x70, "070702");              // "bin": a checksum (not verified) in its check field
    builder.put(0x70 + 6 + 12 * 8, "DEADBEEF");
    builder.put(0xE4 + 6 + 1 * 8, "000081ed");  // "bin/init"'s mode
    builder.put(0x2D8 + 6 + 11 * 8, "0000000e"); // "etc/motd.link"'s namesize
    auto archive = Archive::open(builder.bytes());
    ASSERT_TRUE(archive.has_value()) << text_of(archive.error());
    EXPECT_EQ(archive->find("bin/init")->mode, 0100755u);
    EXPECT_EQ(archive->find("etc/motd.link")->text(), "hello\n");
}

TEST(CpioArchive, TheTrailerMayBeFollowedByZerosOnly)
{
    ArchiveBuilder builder = with_root();
    const size_t trailer = builder.trailer();
    EXPECT_EQ(builder.size(), 512u);
    EXPECT_EQ(error_of(builder), "opened");
    builder.resize(trailer + 110 + 11); // no padding at all
    EXPECT_EQ(error_of(builder), "opened");
    builder.resize(4096);
    EXPECT_EQ(error_of(builder), "opened");
    builder.put(4095, "\x01");
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xfff: a non-zero byte after the trailer");
    builder.put(4095, std::string_view("\0", 1));
    builder.put(trailer + 110 + 11, "0");
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xe9: a non-zero byte after the trailer")
        << "a second archive after the first is refused";
}

// --- One test per problem ----------------------------------------------------

TEST(CpioErrors, TruncatedArchives)
{
    EXPECT_EQ(error_of(std::span<const std::byte>()),
              "cpio: at offset 0x0: the archive ends without a TRAILER!!! entry (truncated)");
    ArchiveBuilder builder = with_root();
    builder.file("init", "abc");
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xe8: the archive ends without a TRAILER!!! entry (truncated)");
    builder.trailer();
    builder.resize(0xE8 + 109);
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xe8: the archive ends inside a header (truncated)");
    builder.resize(0x70 + 110 + 4);
    EXPECT_EQ(error_of(builder), "cpio: at offset 0x70: the name runs past the end of the archive (name size 0x5)");
    builder.resize(0x70 + 110 + 5);
    EXPECT_EQ(error_of(builder),
              "cpio: \"init\" at offset 0x70: the data runs past the end of the archive (file size 0x3)")
        << "the name's padding is missing";
    builder.resize(0xE4 + 2);
    EXPECT_EQ(error_of(builder),
              "cpio: \"init\" at offset 0x70: the data runs past the end of the archive (file size 0x3)");
    builder.resize(0xE4 + 3);
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xe8: the archive ends without a TRAILER!!! entry (truncated)")
        << "the data's padding is missing";
}

TEST(CpioErrors, BadMagic)
{
    ArchiveBuilder builder = one_entry({}, "init");
    builder.put(0x70, "070707"); // the old portable format
    EXPECT_EQ(error_of(builder), "cpio: at offset 0x70: bad magic (a newc header starts with 070701 or 070702)");
    EXPECT_EQ(problem_of(builder), Problem::BadMagic);
    builder.put(0, "\x7f" "ELF");
    EXPECT_EQ(error_of(builder), "cpio: at offset 0x0: bad magic (a newc header starts with 070701 or 070702)");
}

TEST(CpioErrors, NonHexDigitsNameTheirField)
{
    const char* fields[] = {"ino",      "mode",      "uid",       "gid",      "nlink", "mtime", "filesize",
                            "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"};
    for (size_t field = 0; field < 13; ++field) {
        ArchiveBuilder builder = one_entry({}, "init");
        const size_t at = 0x70 + 6 + field * 8 + 3;
        builder.put(at, "g");
        char expected[96];
        std::snprintf(expected, sizeof expected, "cpio: at offset %#zx: a non-hex digit in header field %s", at,
                      fields[field]);
        EXPECT_EQ(error_of(builder), expected);
    }
    for (std::string_view bad : {" "sv, "-"sv, "x"sv, "G"sv, "\xff"sv, "\0"sv}) {
        ArchiveBuilder builder = one_entry({}, "init");
        builder.put(0x70 + 6 + 6 * 8 + 7, bad);
        EXPECT_EQ(problem_of(builder), Problem::BadHexDigit) << "'" << bad << "'";
    }
}

TEST(CpioErrors, NameSizes)
{
    ArchiveBuilder builder = with_root();
    builder.entry({}, "", {}, true); // namesize 0
    builder.trailer();
    EXPECT_EQ(error_of(builder), "cpio: at offset 0x70: name size 0 (it counts the name's NUL)");

    builder = with_root();
    Fields short_name;
    short_name.namesize = 4; // "init" without its NUL
    builder.entry(short_name, "init", {}, true);
    builder.trailer();
    EXPECT_EQ(error_of(builder), "cpio: at offset 0x70: the name's last byte is not NUL");

    builder = with_root();
    builder.file(std::string_view("bin\0sh", 6), "");
    builder.trailer();
    EXPECT_EQ(error_of(builder), "cpio: at offset 0xe1: a NUL inside the name");

    builder = with_root();
    Fields huge;
    huge.namesize = 0xFFFF'FFFF;
    builder.entry(huge, "init", {}, true);
    builder.trailer();
    EXPECT_EQ(error_of(builder),
              "cpio: at offset 0x70: the name runs past the end of the archive (name size 0xffffffff)");
}

TEST(CpioErrors, EmptyNames)
{
    EXPECT_EQ(error_of(one_entry({}, "")), "cpio: at offset 0x70: an empty name");
    EXPECT_EQ(error_of(one_entry({}, "/")), "cpio: \"/\" at offset 0x70: an empty name");
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::directory | 0755), ".//./")),
              "cpio: \".//./\" at offset 0x70: an empty name");
}

TEST(CpioErrors, DataPastTheEnd)
{
    ArchiveBuilder builder = with_root();
    Fields huge;
    huge.namesize = 5;
    huge.filesize = 0xFFFF'FFFF;
    builder.entry(huge, "init", "abcd", true);
    builder.trailer();
    EXPECT_EQ(error_of(builder),
              "cpio: \"init\" at offset 0x70: the data runs past the end of the archive (file size 0xffffffff)");

    builder = with_root();
    Fields one_more;
    one_more.namesize = 5;
    one_more.filesize = 4 + 1;
    builder.entry(one_more, "init", "abcd", true);
    EXPECT_EQ(error_of(builder),
              "cpio: \"init\" at offset 0x70: the data runs past the end of the archive (file size 0x5)");
    builder.trailer();
    EXPECT_EQ(problem_of(builder), Problem::BadMagic) << "with a trailer after it, the next header is misplaced";
}

TEST(CpioErrors, FileTypesTheKernelDoesNotTake)
{
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::char_device | 0620), "dev/tty")),
              "cpio: \"dev/tty\" at offset 0x70: a file type the kernel does not take (character device, mode 020620)");
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::block_device | 0660), "dev/sda")),
              "cpio: \"dev/sda\" at offset 0x70: a file type the kernel does not take (block device, mode 060660)");
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::fifo | 0644), "run/fifo")),
              "cpio: \"run/fifo\" at offset 0x70: a file type the kernel does not take (FIFO, mode 010644)");
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::socket | 0755), "run/socket")),
              "cpio: \"run/socket\" at offset 0x70: a file type the kernel does not take (socket, mode 0140755)");
    EXPECT_EQ(error_of(one_entry(of_mode(0644), "untyped")),
              "cpio: \"untyped\" at offset 0x70: a file type the kernel does not take (unknown type, mode 0644)");
    EXPECT_EQ(error_of(one_entry(of_mode(0170644), "sixteen")),
              "cpio: \"sixteen\" at offset 0x70: a file type the kernel does not take (unknown type, mode 0170644)");
    EXPECT_EQ(error_of(one_entry(of_mode(0x1'0000 | test_cpio::regular | 0644), "wide")),
              "cpio: \"wide\" at offset 0x70: mode bits above 0177777 (mode 0300644)");
}

TEST(CpioErrors, DirectoriesAndTheRoot)
{
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::directory | 0755), "bin", "data")),
              "cpio: \"bin\" at offset 0x70: a directory with data (file size 0x4)");
    ArchiveBuilder builder;
    builder.file(".", "not a directory");
    builder.trailer();
    EXPECT_EQ(error_of(builder), "cpio: \".\" at offset 0x0: the root \".\" is not a directory");
}

TEST(CpioErrors, NamesMustStayInsideTheRoot)
{
    for (std::string_view name : {"..", "../etc/passwd", "bin/../../x", "/..", "./../x", "a/.."}) {
        const std::string expected =
            "cpio: \"" + std::string(name) + "\" at offset 0x70: a \"..\" component (outside the archive's root)";
        EXPECT_EQ(error_of(one_entry({}, name)), expected);
    }
    for (std::string_view name : {"bin//sh", "bin/./sh", "bin/", "bin/.", "./bin/./"}) {
        const std::string expected =
            "cpio: \"" + std::string(name) + "\" at offset 0x70: an empty or \".\" component (not a canonical path)";
        EXPECT_EQ(error_of(one_entry({}, name)), expected);
    }
    EXPECT_EQ(error_of(one_entry({}, "...")), "opened") << "three dots is a name";
    EXPECT_EQ(error_of(one_entry({}, "..a/b..")), "opened");
}

TEST(CpioErrors, TheSamePathTwice)
{
    ArchiveBuilder builder = with_root();
    builder.file("bin/sh", "a");
    const size_t second = builder.file("./bin/sh", "b");
    builder.trailer();
    char expected[128];
    std::snprintf(expected, sizeof expected,
                  "cpio: \"./bin/sh\" at offset %#zx: the same path as an earlier entry (at offset 0x70)", second);
    EXPECT_EQ(error_of(builder), expected);

    builder = with_root();
    builder.directory("/.");
    builder.trailer();
    EXPECT_EQ(error_of(builder), "cpio: \"/.\" at offset 0x70: the same path as an earlier entry (at offset 0x0)");
}

TEST(CpioErrors, NamesInMessagesAreEscapedAndCut)
{
    EXPECT_EQ(error_of(one_entry(of_mode(test_cpio::fifo | 0644), "\x1b[2J\"\\\x80")),
              "cpio: \"\\x1b[2J\\x22\\x5c\\x80\" at offset 0x70: a file type the kernel does not take (FIFO, mode 010644)");
    const std::string long_name(300, 'a');
    ArchiveBuilder builder = one_entry(of_mode(test_cpio::fifo | 0644), long_name);
    EXPECT_EQ(error_of(builder), "cpio: \"" + std::string(100, 'a')
                                     + "\"... at offset 0x70: a file type the kernel does not take (FIFO, mode 010644)");
}

TEST(CpioErrors, EveryProblemHasText)
{
    for (int problem = 0; problem <= static_cast<int>(Problem::NotFound); ++problem)
        EXPECT_NE(fs::cpio::to_string(static_cast<Problem>(problem)), "unknown cpio problem") << problem;
}

TEST(CpioErrors, RandomCorruptionNeverReadsOutOfBounds)
{
    host_test::Random random(host_test::test_seed("CpioErrors.RandomCorruptionNeverReadsOutOfBounds"));
    const std::span<const std::byte> real = test_cpio::real_archive_bytes();
    size_t opened = 0;
    for (int round = 0; round < 20000; ++round) {
        // Exactly the bytes, on the heap: ASan sees a read one past them.
        std::vector<std::byte> bytes(real.begin(), real.end());
        const int flips = host_test::uniform(random, 1, 4);
        for (int i = 0; i < flips; ++i) {
            const size_t at = host_test::uniform<size_t>(random, 0, bytes.size() - 1);
            // Mostly characters the format is made of, so headers stay headers.
            const char alphabet[] = "0123456789ABCDEFabcdef/.\0\x01";
            bytes[at] = host_test::uniform(random, 0, 3) == 0
                ? static_cast<std::byte>(host_test::uniform(random, 0, 255))
                : static_cast<std::byte>(alphabet[host_test::uniform<size_t>(random, 0, sizeof alphabet - 1)]);
        }
        if (host_test::uniform(random, 0, 3) == 0)
            bytes.resize(host_test::uniform<size_t>(random, 0, bytes.size()));
        auto archive = Archive::open(bytes);
        if (!archive) {
            EXPECT_FALSE(text_of(archive.error()).empty());
            continue;
        }
        ++opened;
        size_t count = 0;
        for (const fs::cpio::Entry& entry : *archive) {
            ++count;
            ASSERT_FALSE(entry.name.empty());
            ASSERT_GE(entry.data.data(), bytes.data());
            ASSERT_LE(entry.data.data() + entry.data.size(), bytes.data() + bytes.size());
            auto found = archive->find(entry.name);
            ASSERT_TRUE(found.has_value());
            EXPECT_EQ(found->offset, entry.offset);
        }
        EXPECT_EQ(count, archive->count());
    }
    EXPECT_GT(opened, 100u) << "enough corrupted archives still open to exercise iteration";
}

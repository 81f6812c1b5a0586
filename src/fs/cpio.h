#pragma once
// The initial ramdisk's archive format: cpio "newc", the one Linux's
// initramfs uses (`find . | cpio -o -H newc`), as GRUB (a module) or QEMU
// (-initrd) hands it over. It trusts nothing in the bytes: Archive::open
// walks every header once and checks every field, size and sum (for
// overflow) before it is used, so iterating and finding afterwards cannot
// fail. Each problem is an error naming what is wrong and where:
//
//   auto archive = fs::cpio::Archive::open(initrd);
//   if (!archive) core::println("initrd: {}", archive.error());
//   // cpio: "dev/tty" at offset 0x1f4: a file type the kernel does not take (character device, mode 020620)
//   auto init = archive->find("/bin/init");
//
// The format (cpio(5), "New ASCII Format"; Linux's
// Documentation/driver-api/early-userspace/buffer-format.rst): each entry is
// a 110-byte header, the magic "070701" then 13 fields of 8 hex digits (ino,
// mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
// rdevminor, namesize, check); then the name, namesize bytes with its NUL,
// padded so that what follows starts at a multiple of 4 from the archive's
// start; then filesize bytes of data, padded the same way. The entry named
// "TRAILER!!!" ends the archive; only zero bytes may follow it (cpio pads
// to 512-byte blocks). "070702", the CRC variant, is accepted without
// verifying its checksum: that would catch damage, not danger, and every
// bound is checked either way. Several archives concatenated (as Linux
// takes them) are not: after the first trailer comes a non-zero byte.
//
// Accepted: regular files, directories (without data) and symbolic links
// (their data is the target, as written). Names: a leading "/" or "./" is
// dropped (repeatedly), and "." alone is the root, a directory; the rest
// must be a canonical relative path (no empty, "." or ".." component, so
// nothing reaches outside the root), and no path may appear twice.
// Hard links: cpio writes a file's data once, with the last of its links
// (other writers with the first), and the other links with size 0 and
// nlink > 1; such an entry takes the data of the first entry with the same
// ino and device numbers that has data.
//
// Lookups walk the archive: find() is linear and open()'s duplicate check
// quadratic in the number of entries, fine for the tens of files of an
// initial ramdisk, and it needs no heap. Every view in an Entry or an Error
// points into the archive's bytes (a NotFound error's, into the path asked
// for), which must outlive them.
// Pure logic: the host tests (tests/host/cpio_test.cpp) and the fuzzer
// (tests/fuzz/fuzz_cpio.cpp) build it too.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace fs::cpio {

inline constexpr size_t header_size = 110;
inline constexpr std::string_view trailer_name = "TRAILER!!!";

// st_mode's file type bits (the S_IF* values of POSIX's <sys/stat.h>).
inline constexpr uint32_t type_mask = 0170000;
inline constexpr uint32_t type_regular = 0100000;
inline constexpr uint32_t type_directory = 0040000;
inline constexpr uint32_t type_symlink = 0120000;

enum class Problem : uint8_t {
    HeaderPastEnd,      // fewer than 110 bytes left for a header
    NoTrailer,          // the bytes end before a TRAILER!!! entry
    BadMagic,           // the header does not start with 070701 or 070702
    BadHexDigit,        // a header field has a character that is not a hex digit
    NameSizeZero,       // namesize 0: it counts the NUL, so 1 is the least
    NamePastEnd,        // the name runs past the end of the archive
    NameNotTerminated,  // the name's last byte is not NUL
    NameHasNul,         // a NUL before the name's last byte
    EmptyName,          // nothing left once a leading "/" or "./" is dropped
    DataPastEnd,        // the name's padding or the data runs past the end
    BadMode,            // mode bits above st_mode's 16
    UnsupportedType,    // neither regular file, directory nor symbolic link
    DirectoryWithData,  // a directory with a non-zero filesize
    RootNotDirectory,   // "." is not a directory
    DotDotComponent,    // a ".." component: it would reach outside the root
    BadComponent,       // an empty or "." component (not a canonical path)
    DuplicateName,      // the same path as an earlier entry
    TrailingGarbage,    // a non-zero byte after the trailer
    NotFound,           // find(): no entry with that path
};
std::string_view to_string(Problem problem);

// What went wrong and where. `offset` is that of the entry's header, or for
// BadHexDigit, NameHasNul and TrailingGarbage that of the very byte.
struct Error {
    Problem problem;
    uint64_t offset = 0;
    std::string_view name = {};  // the entry's name as written, once it is a whole string; NotFound: the path asked for
    const char* field = nullptr; // BadHexDigit: the header field
    uint64_t value = 0;          // the number at fault: a size, the mode, DuplicateName: the earlier entry's offset
};
// Prints `cpio: "NAME" at offset 0xN: WHAT (DETAIL)`, the name (escaped,
// cut at 100 bytes) where known.
void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec& spec);

struct Entry {
    std::string_view name = {};             // normalised: "bin/sh"; "." for the root; a NUL follows it in the archive
    uint32_t mode = 0;                      // st_mode: type and permission bits
    uint32_t ino = 0;
    uint32_t nlink = 0;
    std::span<const std::byte> data = {};   // a file's contents, a symbolic link's target, empty for a directory
    uint64_t offset = 0;                    // of its header in the archive

    bool is_regular() const { return (mode & type_mask) == type_regular; }
    bool is_directory() const { return (mode & type_mask) == type_directory; }
    bool is_symlink() const { return (mode & type_mask) == type_symlink; }
    uint32_t permissions() const { return mode & 07777; }
    // The data as text: a symbolic link's target.
    std::string_view text() const;
};

class Archive {
public:
    // A forward iterator over the entries, in archive order, the trailer
    // left out.
    class Iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Entry;
        using difference_type = std::ptrdiff_t;
        using pointer = const Entry*;
        using reference = const Entry&;

        Iterator() = default;
        reference operator*() const { return m_entry; }
        pointer operator->() const { return &m_entry; }
        Iterator& operator++();
        Iterator operator++(int)
        {
            Iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const Iterator& other) const { return m_offset == other.m_offset; }

    private:
        friend class Archive;
        Iterator(const Archive* archive, uint64_t offset);

        const Archive* m_archive = nullptr;
        uint64_t m_offset = 0;
        uint64_t m_next = 0;
        Entry m_entry;
    };

    // Checks the whole archive.
    [[nodiscard]] static kstd::Expected<Archive, Error> open(std::span<const std::byte> bytes);

    // "bin/sh", "/bin/sh" and "./bin/sh" are one path; "", "/" and "." the root.
    [[nodiscard]] kstd::Expected<Entry, Error> find(std::string_view path) const;
    size_t count() const { return m_count; }
    Iterator begin() const { return Iterator(this, 0); }
    Iterator end() const { return Iterator(this, m_trailer); }
    std::span<const std::byte> bytes() const { return m_bytes; }

private:
    Archive(std::span<const std::byte> bytes, uint64_t trailer, size_t count)
        : m_bytes(bytes), m_trailer(trailer), m_count(count)
    {
    }
    Entry entry_at(uint64_t offset, uint64_t& next) const;

    std::span<const std::byte> m_bytes;
    uint64_t m_trailer; // the trailer's header: where iteration ends
    size_t m_count;
};

} // namespace fs::cpio

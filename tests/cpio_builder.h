#pragma once
// Building cpio newc archives in memory for tests: the host tests of the
// parser (tests/host/cpio_test.cpp) and the kernel's (src/fs/cpio_tests.cpp).
// Freestanding: a fixed array only. Entries are laid out as GNU cpio's
// `cpio -o -H newc` lays them out (upper-case hex fields, the name and the
// data each padded to 4 bytes, the trailer padded to a 512-byte block):
//
//   test_cpio::ArchiveBuilder archive;
//   archive.directory(".");
//   archive.file("bin/init", "\x7f" "ELF...");
//   archive.symlink("bin/sh", "init");
//   archive.trailer();
//   std::span<const std::byte> bytes = archive.bytes();

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace test_cpio {

inline constexpr uint32_t regular = 0100000, directory = 0040000, symlink = 0120000;
inline constexpr uint32_t fifo = 0010000, char_device = 0020000, block_device = 0060000, socket = 0140000;

// A header's 13 numbers. entry() fills in namesize and filesize from the
// name and the data unless told to keep them.
struct Fields {
    uint32_t ino = 0, mode = regular | 0644, uid = 0, gid = 0, nlink = 1, mtime = 0, filesize = 0;
    uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0, namesize = 0, check = 0;
};

class ArchiveBuilder {
public:
    static constexpr size_t capacity = 0x2000;

    uint32_t mtime = 1700000000;

    // One entry: header, name and NUL, padding, data, padding. Returns the
    // header's offset.
    size_t entry(Fields fields, std::string_view name, std::string_view data = {}, bool keep_sizes = false)
    {
        const size_t at = m_size;
        if (!keep_sizes) {
            fields.namesize = static_cast<uint32_t>(name.size() + 1);
            fields.filesize = static_cast<uint32_t>(data.size());
        }
        append("070701");
        const uint32_t values[13] = {fields.ino,      fields.mode,      fields.uid,       fields.gid,
                                     fields.nlink,    fields.mtime,     fields.filesize,  fields.devmajor,
                                     fields.devminor, fields.rdevmajor, fields.rdevminor, fields.namesize,
                                     fields.check};
        for (uint32_t value : values) {
            char digits[8];
            for (int i = 7; i >= 0; --i, value >>= 4)
                digits[i] = "0123456789ABCDEF"[value & 0xF];
            append({digits, 8});
        }
        append(name);
        append(std::string_view("\0", 1));
        pad();
        append(data);
        pad();
        return at;
    }
    size_t file(std::string_view name, std::string_view data, uint32_t permissions = 0644)
    {
        return entry(next({regular | permissions, 1}), name, data);
    }
    size_t directory(std::string_view name, uint32_t permissions = 0755, uint32_t links = 2)
    {
        return entry(next({test_cpio::directory | permissions, links}), name);
    }
    size_t symlink(std::string_view name, std::string_view target)
    {
        return entry(next({test_cpio::symlink | 0777, 1}), name, target);
    }
    // A file of another type (a device, a FIFO, a socket).
    size_t special(std::string_view name, uint32_t type) { return entry(next({type | 0644, 1}), name); }
    // The end: "TRAILER!!!" (ino 0, mode 0, nlink 1, mtime 0), then zeros to
    // the next 512-byte block.
    size_t trailer()
    {
        Fields fields;
        fields.mode = 0;
        const size_t at = entry(fields, "TRAILER!!!");
        while (m_size % 512 != 0)
            m_bytes[m_size++] = std::byte{0};
        return at;
    }

    // Changing what was built.
    void put(size_t at, std::string_view text)
    {
        for (char c : text)
            m_bytes[at++] = static_cast<std::byte>(c);
    }
    void append(std::string_view text)
    {
        for (char c : text)
            m_bytes[m_size++] = static_cast<std::byte>(c);
    }
    void resize(size_t size)
    {
        for (size_t i = m_size; i < size; ++i)
            m_bytes[i] = std::byte{0};
        m_size = size;
    }
    size_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return {m_bytes, m_size}; }

    // The next inode number, as `cpio --reproducible` numbers them (from 0).
    uint32_t next_ino = 0;

private:
    struct Kind {
        uint32_t mode, nlink;
    };
    Fields next(Kind kind)
    {
        Fields fields;
        fields.ino = next_ino++;
        fields.mode = kind.mode;
        fields.nlink = kind.nlink;
        fields.mtime = mtime;
        return fields;
    }
    void pad()
    {
        while (m_size % 4 != 0)
            m_bytes[m_size++] = std::byte{0};
    }

    std::byte m_bytes[capacity] = {};
    size_t m_size = 0;
};

// A real archive: GNU cpio 2.13's output for
//   find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible
// over a tree whose every mtime is 1700000000: ".", "bin", "bin/init" (a
// script, 0755), "bin/sh" (a symbolic link to "init"), "etc", "etc/motd"
// ("hello\n") and "etc/motd.link", a hard link to it (cpio writes the data
// with the last link). Also tests/fuzz/corpus/cpio/gnu_cpio_tree.cpio.
// Each line: the magic and the 13 fields; then the name and its padding;
// then the data and its padding. The array's zero fill is the block padding.
inline constexpr size_t real_archive_size = 1024;
inline constexpr char real_archive[real_archive_size] =
    "070701" "00000000" "000041ED" "00000000" "00000000" "00000004" "6553F100" "00000000"
        "00000000" "00000000" "00000000" "00000000" "00000002" "00000000"
    ".\0"
    "070701" "00000001" "000041ED" "00000000" "00000000" "00000002" "6553F100" "00000000"
        "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
    "bin\0\0\0"
    "070701" "00000002" "000081ED" "00000000" "00000000" "00000001" "6553F100" "00000012"
        "00000000" "00000000" "00000000" "00000000" "00000009" "00000000"
    "bin/init\0\0"
    "#!/bin/sh\necho hi\n\0\0"
    "070701" "00000003" "0000A1FF" "00000000" "00000000" "00000001" "6553F100" "00000004"
        "00000000" "00000000" "00000000" "00000000" "00000007" "00000000"
    "bin/sh\0\0\0\0"
    "init"
    "070701" "00000004" "000041ED" "00000000" "00000000" "00000002" "6553F100" "00000000"
        "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
    "etc\0\0\0"
    "070701" "00000005" "000081A4" "00000000" "00000000" "00000002" "6553F100" "00000000"
        "00000000" "00000000" "00000000" "00000000" "00000009" "00000000"
    "etc/motd\0\0"
    "070701" "00000005" "000081A4" "00000000" "00000000" "00000002" "6553F100" "00000006"
        "00000000" "00000000" "00000000" "00000000" "0000000E" "00000000"
    "etc/motd.link\0"
    "hello\n\0\0"
    "070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000" "00000000"
        "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
    "TRAILER!!!";

inline std::span<const std::byte> real_archive_bytes()
{
    // std::byte and char are both one byte; any object may be read as bytes.
    return {reinterpret_cast<const std::byte*>(real_archive), real_archive_size};
}

// The same archive, built: it must come out byte for byte equal.
inline void build_real_archive(ArchiveBuilder& archive)
{
    archive.directory(".", 0755, 4);
    archive.directory("bin");
    archive.file("bin/init", "#!/bin/sh\necho hi\n", 0755);
    archive.symlink("bin/sh", "init");
    archive.directory("etc");
    Fields motd;
    motd.ino = archive.next_ino++;
    motd.nlink = 2;
    motd.mtime = archive.mtime;
    archive.entry(motd, "etc/motd");
    archive.entry(motd, "etc/motd.link", "hello\n");
    archive.trailer();
}

} // namespace test_cpio

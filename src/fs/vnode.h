#pragma once
// A vnode: one file, directory or device of some file system, as the VFS
// sees it (fs/vfs.h). A file system implements the operations its nodes
// support; the others answer as POSIX says a node of that kind does
// (ENOTDIR for a directory operation on a file, EISDIR the other way, and
// EROFS or EPERM where a file system takes no changes).
//
// Vnodes are reference counted: a directory holds its children, an open
// file holds its node, and a node removed from its directory lives on
// until the last open file lets go, as on Unix.

#include <cstdint>
#include <span>
#include <string_view>
#include "drivers/block_device.h"
#include "fs/file.h"
#include "kstd/errno.h"
#include "kstd/ref_ptr.h"

namespace fs {

class FileSystem;

inline constexpr size_t max_name = 255; // bytes of one path component (NAME_MAX)

struct Metadata {
    FileType type;
    uint64_t size;
    uint64_t inode;
    uint32_t permissions; // the low 12 bits of st_mode
    uint32_t links;
};

class Vnode : public kstd::RefCounted {
public:
    virtual Metadata metadata() const = 0;
    FileType type() const { return metadata().type; }
    bool is_directory() const { return type() == FileType::Directory; }

    // Files: bytes at an offset. A read past the end gives 0 bytes; a write
    // past it fills the gap with zeros.
    virtual kstd::ErrorOr<size_t> read(uint64_t offset, std::span<std::byte> buffer);
    virtual kstd::ErrorOr<size_t> write(uint64_t offset, std::span<const std::byte> data);
    virtual kstd::ErrorOr<void> truncate(uint64_t size);

    // Directories.
    virtual kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup(std::string_view name);
    // The entry at `index` (".", "..", then the children), or false past the last.
    virtual kstd::ErrorOr<bool> entry(uint64_t index, DirectoryEntry& out);
    // A new empty file or directory `name` here; EEXIST if the name is taken.
    virtual kstd::ErrorOr<kstd::RefPtr<Vnode>> create(std::string_view name, FileType type);
    // Removes `name`: a file (unlink) or an empty directory (rmdir).
    virtual kstd::ErrorOr<void> remove(std::string_view name, FileType type);
    // Moves `name` here to `new_name` in `to` (a directory of the same file
    // system), replacing a file there.
    virtual kstd::ErrorOr<void> rename(std::string_view name, Vnode& to, std::string_view new_name);
    // A symbolic link `name` here whose text is `target`; EEXIST if the name
    // is taken, EPERM where the file system has none (FAT).
    virtual kstd::ErrorOr<void> make_symlink(std::string_view name, std::string_view target);

    // Symbolic links: the target's text (readlink), cut at the size of
    // `out`; EINVAL for any other node.
    virtual kstd::ErrorOr<size_t> read_link(std::span<char> out);

    // chmod: the permission bits (the low 12 of st_mode). EPERM where the
    // file system keeps none (FAT: Linux's vfat refuses most changes too).
    virtual kstd::ErrorOr<void> set_permissions(uint32_t permissions);

    // A regular file's bytes where they stay valid and unchanged for as
    // long as the kernel runs (the initial ramdisk's, read in place: a
    // write gives the file a copy of its own, the original stays), so that
    // execve need not copy them; empty for any other.
    virtual std::span<const std::byte> immutable_contents() { return {}; }

    // Devices and other nodes that are not bytes at offsets (the console):
    // the open file to use instead of the generic one; null for ordinary files.
    virtual kstd::ErrorOr<kstd::RefPtr<File>> open_special() { return kstd::RefPtr<File>(); }

    // A block-device node's device (mount's source); null for the rest.
    virtual drivers::BlockDevice* block_device() { return nullptr; }

    // The file system this node belongs to (for mount points and rename).
    virtual FileSystem& file_system() = 0;
};

// What statfs reports.
struct FileSystemStatistics {
    uint64_t magic;       // Linux's f_type: MSDOS_SUPER_MAGIC, RAMFS_MAGIC
    uint64_t block_size;
    uint64_t blocks, free_blocks;
};

class FileSystem {
public:
    virtual ~FileSystem() = default;
    virtual kstd::RefPtr<Vnode> root() = 0;
    virtual std::string_view type_name() const = 0;
    // What it was mounted from ("ata0p1"), "none" for memory.
    virtual std::string_view source() const { return "none"; }
    // The block device it lives on, or null.
    virtual drivers::BlockDevice* device() { return nullptr; }
    // Nodes of it are held (open files): it cannot be unmounted now.
    virtual bool busy() const { return false; }
    // Everything written is on the device (for disks); nothing for memory.
    virtual kstd::ErrorOr<void> sync() { return {}; }
    virtual kstd::ErrorOr<FileSystemStatistics> statistics() = 0;
};

} // namespace fs

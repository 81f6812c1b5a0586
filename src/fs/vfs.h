#pragma once
// The VFS: one tree of vnodes (fs/vnode.h) made of mounted file systems,
// and the open files that name its nodes.
//
//   /            ram file system, filled from the initial ramdisk at boot
//   /dev         console, null, zero (device nodes in the ram file system)
//   /disk0 ...   each disk's FAT file system (issue 11, to come)
//
// Paths given here are absolute and canonical (fs::resolve has taken "."
// and ".." away as text), so a lookup walks the components from the root
// of the file system mounted at the longest prefix of the path.
//
//   auto file = TRY(fs::vfs::open("/bin/sh", fs::vfs::OpenFlags{.read = true}));

#include <string_view>
#include "fs/file.h"
#include "fs/vnode.h"
#include "kstd/errno.h"
#include "kstd/vector.h"

namespace fs::vfs {

inline constexpr size_t max_mounts = 8;

// `file_system` at `path` ("/" first, then existing directories); EBUSY if
// something is mounted there, ENOTDIR, ENOENT, ENOMEM when the table is full.
[[nodiscard]] kstd::ErrorOr<void> mount(std::string_view path, FileSystem& file_system);
// Takes the file system at `path` out of the tree and returns it (the
// caller deletes it, after a sync): EINVAL if nothing is mounted there,
// EBUSY for "/", for one whose nodes are held, or one mounted below it.
[[nodiscard]] kstd::ErrorOr<FileSystem*> unmount(std::string_view path);

// What is mounted, in mount order.
struct MountInfo {
    std::string_view path;
    FileSystem* file_system;
};
// Fills `out` (at most its size); returns how many there are. The paths
// stay valid while nothing is unmounted.
size_t mounts(std::span<MountInfo> out);
// Whether `device` holds a mounted file system.
bool device_mounted(const drivers::BlockDevice& device);
// Calls sync() of every mounted file system; the first error, after trying all.
[[nodiscard]] kstd::ErrorOr<void> sync_all();
bool has_root();

// The node at `path`, symbolic links followed (ELOOP past 40 of them).
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup(std::string_view path);
// The same, but a symbolic link as the last component is the node returned
// (lstat, readlink).
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup_link(std::string_view path);
// A symbolic link at `path` whose text is `target` (not checked: a link may
// dangle); EEXIST, EPERM where the file system has no links (FAT).
[[nodiscard]] kstd::ErrorOr<void> make_symlink(std::string_view path, std::string_view target);

// The directory that holds the last component of `path`, and that component.
struct Parent {
    kstd::RefPtr<Vnode> directory;
    std::string_view name; // a view into `path`
};
[[nodiscard]] kstd::ErrorOr<Parent> lookup_parent(std::string_view path);

struct OpenFlags {
    bool read = false, write = false;
    bool create = false, exclusive = false, truncate = false, append = false, directory = false;
};
// Opens (and with `create` makes) the node at `path`: an open file with its
// own offset, or a device's own file (the console).
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<File>> open(std::string_view path, OpenFlags flags);
// An open file of an already found node.
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<File>> open_node(kstd::RefPtr<Vnode> node, OpenFlags flags);

// A regular file's whole contents (execve's program), at most `limit`
// bytes: EFBIG past it, EACCES for anything but a regular file.
[[nodiscard]] kstd::ErrorOr<kstd::Vector<std::byte>> read_file(std::string_view path, size_t limit);

// A program's bytes for execve: in place where they never change (the
// initial ramdisk's files, Vnode::immutable_contents), else read whole
// into `storage` as read_file does. The same errors.
[[nodiscard]] kstd::ErrorOr<std::span<const std::byte>> program_bytes(std::string_view path, size_t limit,
                                                                      kstd::Vector<std::byte>& storage);

[[nodiscard]] kstd::ErrorOr<void> make_directory(std::string_view path);
// unlink (a file) or rmdir (an empty directory).
[[nodiscard]] kstd::ErrorOr<void> remove(std::string_view path, FileType type);
// Within one file system; EXDEV across two.
[[nodiscard]] kstd::ErrorOr<void> rename(std::string_view from, std::string_view to);

} // namespace fs::vfs

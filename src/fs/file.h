#pragma once
// An open file: what a file descriptor names. Each open() makes one; dup()
// and fork() share it (and so its offset), which is why it is reference
// counted. Reads and writes move bytes between the file and a kernel
// buffer: the system-call layer copies to and from user memory around
// them, so no file sees a user pointer.
//
//   class PipeReader : public fs::File { ... read() ... };
//   kstd::RefPtr<fs::File> file = kstd::adopt<fs::File>(new (std::nothrow) PipeReader(pipe));

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/errno.h"
#include "fs/readiness.h"
#include "kstd/ref_ptr.h"

namespace fs {

// What fstat's st_mode reports (Linux's S_IF* values).
enum class FileType : uint32_t {
    Fifo = 0010000,
    CharacterDevice = 0020000,
    BlockDevice = 0060000,
    Directory = 0040000,
    Regular = 0100000,
    Symlink = 0120000,
};

// One directory entry as getdents64 lists it.
struct DirectoryEntry {
    std::string_view name;
    uint64_t inode;
    FileType type;
};

class File : public kstd::RefCounted {
public:
    // Blocks until at least one byte is there, or the end (0).
    virtual kstd::ErrorOr<size_t> read(std::span<std::byte> buffer);
    virtual kstd::ErrorOr<size_t> write(std::span<const std::byte> data);
    // pread/pwrite: at `offset`, the file's own offset untouched; ESPIPE
    // where there are no offsets.
    virtual kstd::ErrorOr<size_t> read_at(uint64_t offset, std::span<std::byte> buffer);
    virtual kstd::ErrorOr<size_t> write_at(uint64_t offset, std::span<const std::byte> data);
    // The new offset (lseek's whence: 0 SET, 1 CUR, 2 END); ESPIPE where
    // there is no offset.
    virtual kstd::ErrorOr<uint64_t> seek(int64_t offset, int whence);
    // The entry at `index` of a directory, or false past the last; ENOTDIR
    // for anything else.
    virtual kstd::ErrorOr<bool> directory_entry(uint64_t index, DirectoryEntry& entry);
    // ftruncate: EINVAL where the file has no size to change.
    virtual kstd::ErrorOr<void> truncate(uint64_t size);
    virtual FileType type() const = 0;
    virtual uint64_t size() const { return 0; }
    virtual uint64_t inode() const { return 0; }
    // poll(2)'s question: would a read or a write block now? Files whose
    // reads and writes never block (regular files, directories, /dev/null)
    // are always ready; pipes and the terminal answer for themselves and
    // call readiness_changed() (fs/readiness.h) when the answer may change.
    virtual Readiness readiness() { return {}; }
    // A terminal answers the terminal ioctls (TCGETS, TIOCGWINSZ).
    virtual bool is_terminal() const { return false; }
    // The node an open file of the VFS names (fs/vfs.h); null for others.
    virtual class Vnode* vnode() { return nullptr; }

    // The open file description's status flags, Linux's O_* values: the
    // access mode it was opened with, O_APPEND and O_NONBLOCK, which
    // fcntl(F_SETFL) may change. A dup or a fork shares them, as the offset.
    static constexpr uint32_t access_mode_mask = 03, read_only = 00, write_only = 01, read_write = 02,
                              append_flag = 02000, nonblocking_flag = 04000;
    uint32_t status_flags() const { return __atomic_load_n(&m_status_flags, __ATOMIC_RELAXED); }
    void set_status_flags(uint32_t flags) { __atomic_store_n(&m_status_flags, flags, __ATOMIC_RELAXED); }
    // A read or write that would wait answers EAGAIN instead (pipes, the terminal).
    bool nonblocking() const { return (status_flags() & nonblocking_flag) != 0; }
    bool appends() const { return (status_flags() & append_flag) != 0; }

private:
    uint32_t m_status_flags = read_write;
};

} // namespace fs

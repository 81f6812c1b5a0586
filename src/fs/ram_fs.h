#pragma once
// A file system in memory: the root of the VFS, filled at boot from the
// initial ramdisk (whose files it borrows, read in place, until one is
// first written: then it gets a copy of its own), with /dev's device nodes.
// Files and directories can be made, written, renamed and removed; all of
// it is gone at the next boot.
//
// One mutex guards every node of one file system: operations are short
// copies in memory, and it keeps rename and remove simple.

#include <span>
#include <string_view>
#include "drivers/block_device.h"
#include "fs/vnode.h"
#include "kstd/errno.h"
#include "sched/mutex.h"

namespace fs {

enum class Device : uint8_t { Console, Null, Zero };

class RamFileSystem final : public FileSystem {
public:
    static kstd::ErrorOr<RamFileSystem*> create();

    kstd::RefPtr<Vnode> root() override;
    std::string_view type_name() const override { return "ramfs"; }
    std::string_view source() const override { return "rootfs"; }
    // RAM's frames: a ram file system has no size of its own.
    kstd::ErrorOr<FileSystemStatistics> statistics() override;

    // A file whose bytes are `contents` (memory that outlives the file
    // system, never written: the initrd) until its first change.
    kstd::ErrorOr<void> add_borrowed_file(Vnode& directory, std::string_view name, std::span<const std::byte> contents);
    kstd::ErrorOr<void> add_device(Vnode& directory, std::string_view name, Device device);
    // A symbolic link whose text is `target` (memory that outlives the file
    // system: the initrd's entry), borrowed like a file's bytes.
    kstd::ErrorOr<void> add_borrowed_symlink(Vnode& directory, std::string_view name, std::span<const std::byte> target);
    // A block-device node (/dev/ata0p1): what mount(2) takes as its source.
    kstd::ErrorOr<void> add_block_device(Vnode& directory, std::string_view name, drivers::BlockDevice& device);

    sched::Mutex& lock() { return m_lock; }
    uint64_t next_inode() { return ++m_inodes; }

private:
    RamFileSystem() = default;
    sched::Mutex m_lock{"ramfs"};
    uint64_t m_inodes = 1; // guarded by m_lock
    kstd::RefPtr<Vnode> m_root;
};

} // namespace fs

#pragma once
// A FAT volume (fs/fat/fat_volume.h) as a file system of the VFS: its
// directories and files as vnodes, behind a buffer cache on its disk.
//
//   disk ─> fs::BufferCache ─> fs::fat::Volume ─> FatFileSystem ─> mounted at /disk0
//
// The volume works by path; a node keeps its path inside the volume, so a
// node whose directory is renamed while it is held reads as gone (ENOENT)
// until looked up again. One mutex serializes the volume's operations
// (its sector buffer and the FAT are shared state).

#include "drivers/block_device.h"
#include "fs/buffer_cache.h"
#include "fs/fat/fat_volume.h"
#include "fs/vnode.h"
#include "sched/mutex.h"

namespace fs {

class FatFileSystem final : public FileSystem {
public:
    // Mounts the FAT volume on `device` (through a cache of
    // `cache_blocks` blocks); the error names what is wrong with the disk.
    static kstd::Expected<FatFileSystem*, fat::Error> open(drivers::BlockDevice& device, size_t cache_blocks = 256);
    ~FatFileSystem() override;

    kstd::RefPtr<Vnode> root() override;
    std::string_view type_name() const override { return "vfat"; }
    std::string_view source() const override { return m_device.name(); }
    drivers::BlockDevice* device() override { return &m_device; }
    kstd::ErrorOr<FileSystemStatistics> statistics() override;
    kstd::ErrorOr<void> sync() override;

    // The volume, with the file system's lock held by the caller.
    fat::Volume& volume() { return *m_volume; }
    sched::Mutex& lock() { return m_lock; }
    uint64_t total_bytes() const;
    // Nodes alive (held by open files, working lookups): unmounting waits for none.
    bool busy() const override { return __atomic_load_n(&m_live_nodes, __ATOMIC_ACQUIRE) != 0; }
    void node_made() { __atomic_add_fetch(&m_live_nodes, 1, __ATOMIC_RELAXED); }
    void node_gone() { __atomic_sub_fetch(&m_live_nodes, 1, __ATOMIC_RELEASE); }
    kstd::ErrorOr<uint64_t> free_bytes();

private:
    FatFileSystem(drivers::BlockDevice& device, BufferCache* cache) : m_device(device), m_cache(cache) {}
    drivers::BlockDevice& m_device;
    BufferCache* m_cache;
    fat::Volume* m_volume = nullptr;
    sched::Mutex m_lock{"fat volume"};
    uint32_t m_live_nodes = 0;

public:
    // Counts the volume's changes (guarded by the lock): a node's cached
    // directory entry is good while the count is what it was.
    uint64_t generation() const { return m_generation; }
    void changed() { ++m_generation; }

private:
    uint64_t m_generation = 0;
};

// What a FAT error is as an errno (ENOENT, EEXIST, ENOSPC, ...; EIO for a
// damaged volume or a failing disk).
kstd::Errno to_errno(const fat::Error& error);

} // namespace fs

#include "kernel/disks.h"
#include <optional>
#include "core/print.h"
#include "drivers/ata.h"
#include "drivers/partition.h"
#include "drivers/virtio_block.h"
#include "fs/fat_file_system.h"
#include "fs/ram_fs.h"
#include "fs/vfs.h"

namespace kernel {

namespace {

struct DiskMount {
    drivers::BlockDevice* device = nullptr; // what was mounted: a partition or the disk
    fs::FatFileSystem* file_system = nullptr;
    char point[8] = {};
    std::optional<fs::fat::Error> refused; // why the disk's last candidate was not FAT
};
DiskMount g_mounts[drivers::ata::max_disks + drivers::virtio_block::max_disks]; // written at boot, read by the summary

// The whole disks, IDE first, then virtio: /disk0, /disk1, ... in this order.
std::span<drivers::BlockDevice* const> all_disks()
{
    static drivers::BlockDevice* disks[drivers::ata::max_disks + drivers::virtio_block::max_disks];
    size_t count = 0;
    for (drivers::BlockDevice* disk : drivers::ata::disks())
        disks[count++] = disk;
    for (drivers::BlockDevice* disk : drivers::virtio_block::disks())
        disks[count++] = disk;
    return {disks, count};
}

// /dev/ata0, /dev/ata0p1, ...: what mount(2) takes.
void add_device_nodes()
{
    auto dev = fs::vfs::lookup("/dev");
    if (!dev)
        return;
    auto& root = static_cast<fs::RamFileSystem&>((*dev)->file_system()); // init made /dev in the ram root
    for (drivers::BlockDevice* disk : all_disks())
        (void)root.add_block_device(**dev, disk->name(), *disk);
    for (drivers::Partition* partition : drivers::partitions())
        (void)root.add_block_device(**dev, partition->name(), *partition);
}

} // namespace

void mount_disks()
{
    if (!fs::vfs::has_root())
        return;
    add_device_nodes();
    size_t mounted = 0;
    const auto disks = all_disks();
    for (size_t i = 0; i < disks.size(); ++i) {
        drivers::BlockDevice& disk = *disks[i];
        DiskMount& mount = g_mounts[i];
        for (drivers::Partition* partition : drivers::partitions()) {
            if (partition->disk() != &disk || mount.file_system != nullptr)
                continue;
            if (auto fat = fs::FatFileSystem::open(*partition)) {
                mount.file_system = *fat;
                mount.device = partition;
            } else {
                mount.refused = fat.error();
            }
        }
        if (mount.file_system == nullptr) {
            if (auto fat = fs::FatFileSystem::open(disk)) {
                mount.file_system = *fat;
                mount.device = &disk;
            } else if (!mount.refused) {
                mount.refused = fat.error();
            }
        }
        if (mount.file_system == nullptr)
            continue;
        char* point = mount.point;
        point[0] = '/';
        __builtin_memcpy(point + 1, "disk", 4);
        point[5] = static_cast<char>('0' + mounted);
        const std::string_view path(point, 6);
        auto made = fs::vfs::make_directory(path);
        auto attached = made ? fs::vfs::mount(path, *mount.file_system) : kstd::ErrorOr<void>(kstd::unexpected(made.error()));
        if (!attached) {
            core::println("disks: cannot mount {} at {}: {}", mount.device->name(), path, attached.error());
            delete mount.file_system;
            mount.file_system = nullptr;
            continue;
        }
        ++mounted;
    }
}

void print_disk_mounts()
{
    const auto disks = all_disks();
    for (size_t i = 0; i < disks.size(); ++i) {
        const DiskMount& mount = g_mounts[i];
        if (mount.file_system != nullptr) {
            const uint64_t total = mount.file_system->total_bytes();
            core::println("disks: {} ({}) at {}, {} MiB", mount.device->name(),
                          fs::fat::to_string(mount.file_system->volume().type()), std::string_view(mount.point, 6),
                          total >> 20);
        } else if (mount.refused) {
            core::println("disks: {}: no FAT file system: {}", disks[i]->name(), *mount.refused);
        }
    }
}

} // namespace kernel

#pragma once
// A FAT12, FAT16 or FAT32 volume on a block device: lookup, listing and
// reading, and writes (create, write, truncate, unlink, mkdir, rmdir,
// rename). Pure logic over drivers::BlockDevice: the host tests run it
// against images mkfs.fat and mtools made (tests/host/fat_test.cpp), the
// fuzzer against whatever it likes (tests/fuzz/fuzz_fat.cpp), the kernel
// against a disk. docs/filesystems.md describes the layout and the choices.
//
//   auto volume = fs::fat::Volume::mount(disk);
//   if (!volume) core::println("{}", volume.error());  // FAT: boot sector: ...
//   auto file = TRY(volume->stat("/docs/Read me.txt"));
//   size_t got = TRY(volume->read(file, 0, buffer));
//   TRY(volume->list("/docs", [](const fs::fat::Node& entry) { ... }));
//   TRY(volume->write("/docs/new file.txt", 0, bytes));   // creates it
//
// It trusts nothing on the disk: every cluster number is checked against
// the volume's range, every chain walk is bounded by the cluster count (a
// loop is an error, not a hang), a file's size is checked against its
// chain as it is read. Memory is bounded: one 512-byte block buffer, FAT entries
// read on demand, no copy of the FAT.
// A Volume is about 700 bytes and trivially copyable.
//
// Writes go through the block buffer, written back when another sector is
// needed and at the end of every operation (so nothing is pending between
// calls); sync() also flushes the device. FAT writes go to every FAT copy.
// FAT32's FSInfo keeps a right free count and next-free hint (written at
// the end of each operation that changed them).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include "drivers/block_device.h"
#include "fs/fat/boot_sector.h"
#include "fs/fat/fat_error.h"
#include "fs/fat/long_names.h"
#include "kstd/expected.h"

namespace fs::fat {

inline constexpr uint8_t attr_read_only = 0x01;
inline constexpr uint8_t attr_hidden = 0x02;
inline constexpr uint8_t attr_system = 0x04;
inline constexpr uint8_t attr_volume_id = 0x08;
inline constexpr uint8_t attr_directory = 0x10;
inline constexpr uint8_t attr_archive = 0x20;
inline constexpr uint8_t attr_long_name = 0x0F;

// A file or directory: what its directory entry says, and where that is.
struct Node {
    char name_bytes[max_name_bytes] = {}; // the long name if it has one, else the short name
    uint16_t name_length = 0;
    char short_name[12] = {};             // "README.TXT"
    uint8_t short_length = 0;
    uint8_t attributes = attr_directory;
    uint32_t first_cluster = 0;           // 0: no data yet (or FAT12/16's root)
    uint32_t size = 0;                    // bytes; 0 for directories
    bool is_root = true;
    // Where the entry lives: its directory's first cluster (0 for the FAT12/16
    // root), the index of its short entry and of its first long-name entry.
    uint32_t parent = 0;
    uint32_t slot = 0;
    uint32_t first_slot = 0;

    std::string_view name() const { return {name_bytes, name_length}; }
    std::string_view short_view() const { return {short_name, short_length}; }
    bool is_directory() const { return (attributes & attr_directory) != 0; }
};

class Volume {
public:
    // Checks the boot sector, that the volume fits on the device, and that
    // the FAT copies agree (entirely for FATs up to 256 sectors, else their
    // first 256 sectors).
    // With DifferingFats::UseFirst, copies that differ are not an error: the
    // first is written over the others (what `fsck.fat -a` does; a write
    // cut off by a power loss leaves the second copy behind the first).
    enum class DifferingFats : uint8_t { Refuse, UseFirst };
    [[nodiscard]] static kstd::Expected<Volume, Error> mount(drivers::BlockDevice& device,
                                                             DifferingFats differing = DifferingFats::Refuse);

    const Layout& layout() const { return m_layout; }
    FatType type() const { return m_layout.type; }

    // "/" and "" are the root; components are separated by "/" (repeated
    // ones are one); names compare ASCII case-insensitively against both the
    // long and the short name.
    [[nodiscard]] kstd::Expected<Node, Error> stat(std::string_view path);
    // Up to buffer.size() bytes from `offset`; fewer at the end of the file.
    [[nodiscard]] kstd::Expected<size_t, Error> read(const Node& file, uint64_t offset, std::span<std::byte> buffer);
    // Calls visit(const Node&) for each entry of the directory, in order:
    // not ".", "..", volume labels or deleted entries.
    template <typename F>
    [[nodiscard]] kstd::Expected<void, Error> list(std::string_view path, F&& visit)
    {
        using Visitor = std::remove_reference_t<F>;
        return list_raw(path, [](void* context, const Node& node) { (*static_cast<Visitor*>(context))(node); },
                        &visit);
    }

    // Writes `data` at `offset`, creating the file if there is none and
    // growing it (a gap reads as zeros).
    [[nodiscard]] kstd::Expected<void, Error> write(std::string_view path, uint64_t offset,
                                                    std::span<const std::byte> data);
    [[nodiscard]] kstd::Expected<void, Error> append(std::string_view path, std::span<const std::byte> data);
    [[nodiscard]] kstd::Expected<void, Error> create(std::string_view path);   // an empty file
    [[nodiscard]] kstd::Expected<void, Error> truncate(std::string_view path, uint32_t size);
    [[nodiscard]] kstd::Expected<void, Error> unlink(std::string_view path);   // files only
    [[nodiscard]] kstd::Expected<void, Error> mkdir(std::string_view path);
    [[nodiscard]] kstd::Expected<void, Error> rmdir(std::string_view path);    // empty directories only
    // Moves or renames a file or directory; the target must not exist.
    [[nodiscard]] kstd::Expected<void, Error> rename(std::string_view from, std::string_view to);
    // Writes back what is buffered and flushes the device.
    [[nodiscard]] kstd::Expected<void, Error> sync();

    // Free clusters as counted now (a walk over the FAT), for tests and df.
    [[nodiscard]] kstd::Expected<uint32_t, Error> count_free_clusters();

private:
    struct Chain {
        uint32_t first = 0;
        uint32_t index = 0;   // position of `cluster` in the chain
        uint32_t cluster = 0;
    };
    struct Visit;

    Volume(drivers::BlockDevice& device, const Layout& layout) : m_device(&device), m_layout(layout) {}

    kstd::Expected<void, Error> list_raw(std::string_view path, void (*visit)(void*, const Node&), void* context);

    // Device blocks (512 bytes, whatever the FAT sector size) through the one buffer.
    kstd::Expected<std::byte*, Error> block(uint64_t number);
    kstd::Expected<void, Error> write_back();
    kstd::Expected<void, Error> read_bytes(uint64_t at, std::span<std::byte> into);
    kstd::Expected<void, Error> write_bytes(uint64_t at, std::span<const std::byte> from);
    kstd::Expected<void, Error> fill_zero(uint64_t at, uint64_t count);
    kstd::Expected<void, Error> finish(); // end of a write: FSInfo, then the buffer

    // The FAT.
    kstd::Expected<uint32_t, Error> fat_entry(uint32_t cluster, uint32_t fat = 0);
    kstd::Expected<void, Error> set_fat_entry(uint32_t cluster, uint32_t value);
    kstd::Expected<uint32_t, Error> next_cluster(uint32_t cluster); // end_of_chain at the end
    kstd::Expected<uint32_t, Error> seek(Chain& chain, uint32_t index); // 0 past the end
    kstd::Expected<uint32_t, Error> chain_length(uint32_t first);
    kstd::Expected<uint32_t, Error> allocate_cluster(uint32_t previous); // marked end of chain, linked after previous
    kstd::Expected<void, Error> free_chain(uint32_t first);
    kstd::Expected<void, Error> check_cluster(uint32_t cluster);
    uint64_t cluster_offset(uint32_t cluster) const;
    uint32_t end_of_chain() const;

    // Directories.
    kstd::Expected<uint64_t, Error> slot_offset(uint32_t directory, Chain& chain, uint32_t index); // 0 past the end
    kstd::Expected<bool, Error> scan(uint32_t directory, bool (*visit)(void*, const Node&), void* context);
    kstd::Expected<Node, Error> lookup(std::string_view path);
    kstd::Expected<Node, Error> find_in(const Node& directory, std::string_view name);
    kstd::Expected<Node, Error> parent_of(std::string_view path, std::string_view& name);
    kstd::Expected<Node, Error> add_entry(const Node& directory, std::string_view name, uint8_t attributes,
                                          uint32_t first_cluster, uint32_t size, const uint8_t* copy_from);
    kstd::Expected<void, Error> remove_entry(const Node& node);
    kstd::Expected<void, Error> update_entry(const Node& node, uint32_t first_cluster, uint32_t size);
    kstd::Expected<void, Error> write_data(Node& node, uint64_t offset, std::span<const std::byte> data);
    kstd::Expected<bool, Error> is_empty_directory(const Node& node);
    uint32_t directory_cluster(const Node& node) const;

    drivers::BlockDevice* m_device;
    Layout m_layout;
    // In the object, not on the heap: a Volume stays trivially copyable, so
    // Expected<Volume, Error> needs no destructor of its own.
    alignas(8) std::byte m_buffer[512] = {};
    uint64_t m_buffered = ~uint64_t{0}; // the device block in m_buffer
    bool m_dirty = false;
    uint32_t m_free_count = 0xFFFFFFFF; // FSInfo's, 0xFFFFFFFF unknown
    // Where the last read() was in its file's chain: the next read of the
    // same file at or past it goes on from there instead of walking the
    // chain from its start (sequential reads). Any FAT write forgets it.
    Chain m_read_cursor{};
    uint32_t m_next_free = 2;
    bool m_fsinfo_dirty = false;
};

} // namespace fs::fat

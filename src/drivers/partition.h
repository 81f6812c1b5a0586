#pragma once
// MBR partition tables, and partitions as block devices of their own.
//
//   auto table = drivers::scan_partitions(disk);   // registers "ata0p1", ... for an MBR disk
//   if (!table) core::println("{}: {}", disk.name(), table.error());   // a whole-disk device then
//
// The master boot record (the first 512-byte sector; the layout every PC
// firmware and OS agrees on, as in the UEFI specification 2.10, 5.2.1
// "Legacy Master Boot Record"): boot code, then at 0x1BE four 16-byte
// partition entries (status 0x00 or 0x80 "bootable", CHS start, type, CHS
// end, 32-bit start LBA, 32-bit sector count, little-endian), then the
// signature 0x55 0xAA at 510. The CHS fields are ignored: LBAs only.
//
// mbr::parse() trusts nothing in the sector. A table is accepted when the
// signature is there and every used entry (type not 0) has a status of
// 0x00 or 0x80 (which also tells a table from a FAT boot sector, which has
// the signature but code or data there), does not start at 0 (the MBR's own
// sector), is not empty, ends on the disk, and overlaps no other entry.
// Exceptions:
//   - a protective GPT entry (type 0xEE) makes the table Kind::Gpt: a GPT
//     disk, not read (GPT is not implemented); no partition is made;
//   - extended partitions (types 0x05, 0x0F, 0x85) are listed and checked
//     like any entry, but their chain of logical partitions is not
//     followed, and no partition device is made for them.
// A disk whose sector 0 is not an accepted MBR is used as a whole disk.
// Pure logic: the host tests (tests/host/mbr_test.cpp) and the fuzzer
// (tests/fuzz/fuzz_mbr.cpp) build it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "drivers/block_device.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers {

namespace mbr {

inline constexpr size_t sector_size = 512;
inline constexpr size_t table_offset = 0x1BE;
inline constexpr size_t entry_size = 16;
inline constexpr size_t entry_count = 4;

inline constexpr uint8_t type_empty = 0x00;
inline constexpr uint8_t type_protective_gpt = 0xEE;
constexpr bool is_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0F || type == 0x85;
}

enum class Problem : uint8_t {
    WrongSize,        // the sector is not 512 bytes
    NoSignature,      // bytes 510-511 are not 0x55 0xAA
    BadStatus,        // an entry's status is neither 0x00 nor 0x80
    StartsAtZero,     // an entry starts at LBA 0, the MBR itself
    Empty,            // an entry with a type but no sectors
    PastEnd,          // an entry ends past the disk's last sector
    Overlap,          // two entries share sectors
    Unreadable,       // scan_partitions(): sector 0 could not be read
    NotSectorSized,   // scan_partitions(): the disk's blocks are not 512 bytes
};
std::string_view to_string(Problem problem);

struct Error {
    Problem problem;
    uint8_t entry = 0;  // 1-4, 0 if none
    uint64_t value = 0; // PastEnd: the disk's size; Overlap: the other entry; BadStatus: the status; Unreadable: the BlockError
};
// Prints "MBR: entry N: WHAT (DETAIL)".
void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec& spec);

struct Entry {
    uint8_t number = 0; // 1-4: its slot
    uint8_t type = 0;
    bool bootable = false;
    uint64_t first = 0; // LBA
    uint64_t count = 0; // sectors
    bool is_extended() const { return mbr::is_extended(type); }
};

enum class Kind : uint8_t {
    Mbr, // a checked MBR table
    Gpt, // a protective MBR: the disk is GPT, not read
};

struct Table {
    Kind kind = Kind::Mbr;
    Entry entries[entry_count] = {}; // the used entries, in slot order
    size_t count = 0;
    std::span<const Entry> used() const { return {entries, count}; }
};

// Parses and checks sector 0 of a disk of `disk_sectors` sectors (above).
[[nodiscard]] kstd::Expected<Table, Error> parse(std::span<const std::byte> sector, uint64_t disk_sectors);

// A partition type's usual name ("Linux", "FAT32 (LBA)", ...), or "unknown".
std::string_view type_name(uint8_t type);

} // namespace mbr

// A part of a disk, blocks [first, first + count) of it, as a device of its
// own: block 0 of the partition is block `first` of the disk. Every transfer
// is checked against the partition's range, then forwarded.
class Partition final : public BlockDevice {
public:
    Partition() = default;
    Partition(const Partition&) = delete;
    Partition& operator=(const Partition&) = delete;

    // The view of `count` blocks of `disk` from `first`, named "<disk>p<number>";
    // the range must lie on the disk (mbr::parse checks it).
    void assign(BlockDevice& disk, uint64_t first, uint64_t count, uint8_t number);

    std::string_view name() const override { return {m_name, m_name_length}; }
    uint32_t block_size() const override { return m_disk ? m_disk->block_size() : 512; }
    uint64_t block_count() const override { return m_count; }
    [[nodiscard]] kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count,
                                                        std::span<std::byte> into) override;
    [[nodiscard]] kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count,
                                                         std::span<const std::byte> from) override;
    [[nodiscard]] kstd::Expected<void, BlockError> flush() override;

    BlockDevice* disk() const { return m_disk; }
    uint64_t first_block() const { return m_first; }

private:
    BlockDevice* m_disk = nullptr;
    uint64_t m_first = 0;
    uint64_t m_count = 0;
    char m_name[16] = {};
    size_t m_name_length = 0;
};

inline constexpr size_t max_partitions = 8;

// Reads sector 0 of `disk`; for an MBR table, makes and registers
// (register_block_device) a Partition for each used entry that is not
// extended (at most max_partitions in all disks together; more are left
// out). The table, or why the disk is a whole-disk device.
[[nodiscard]] kstd::Expected<mbr::Table, mbr::Error> scan_partitions(BlockDevice& disk);
std::span<Partition* const> partitions();

} // namespace drivers

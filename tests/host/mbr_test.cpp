// The MBR parser and the partition view (src/drivers/partition.cpp) on
// sectors built here: a table read back entry by entry, every problem the
// parser names, each in a sector with just that problem, with its message;
// a protective GPT and an extended partition; a Partition over a disk in
// memory forwarding with its offset and refusing what lies outside it; and
// random corruption, which must give an error or a sound table (the
// sanitizers watch every byte).

#include <gtest/gtest.h>
#include "formatted_text.h"
#include <array>
#include <cstring>
#include <string>
#include <vector>
#include "drivers/partition.h"
#include "test_seed.h"

namespace {

using drivers::BlockError;
using drivers::Partition;
using namespace drivers::mbr;

using Sector = std::array<std::byte, 512>;

struct RawEntry {
    uint8_t status = 0;
    uint8_t type = 0;
    uint32_t first = 0;
    uint32_t count = 0;
};

// A sector with the signature and these entries in slots 1, 2, ...; the
// boot code area filled with non-zero bytes (as real boot code is).
Sector sector_with(std::initializer_list<RawEntry> entries, bool signature = true)
{
    Sector sector{};
    for (size_t i = 0; i < table_offset; ++i)
        sector[i] = static_cast<std::byte>(0x90 + i % 7);
    size_t slot = 0;
    for (const RawEntry& entry : entries) {
        std::byte* at = sector.data() + table_offset + slot++ * entry_size;
        at[0] = std::byte{entry.status};
        at[1] = at[2] = at[3] = std::byte{0xFE}; // CHS fields: ignored
        at[4] = std::byte{entry.type};
        at[5] = at[6] = at[7] = std::byte{0xFF};
        for (int b = 0; b < 4; ++b) {
            at[8 + b] = static_cast<std::byte>(entry.first >> (8 * b));
            at[12 + b] = static_cast<std::byte>(entry.count >> (8 * b));
        }
    }
    if (signature) {
        sector[510] = std::byte{0x55};
        sector[511] = std::byte{0xAA};
    }
    return sector;
}

std::string text_of(const Error& error)
{
    return formatted_text(error);
}

std::string error_of(const Sector& sector, uint64_t disk_sectors = 8192)
{
    auto table = parse(sector, disk_sectors);
    return table ? "parsed" : text_of(table.error());
}

// A disk in memory; reads and writes are counted and can be made to fail.
class MemoryDisk final : public drivers::BlockDevice {
public:
    MemoryDisk(std::string_view name, uint64_t blocks) : m_name(name), m_bytes(blocks * 512) {}
    std::string_view name() const override { return m_name; }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return m_bytes.size() / 512; }
    kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override
    {
        TRY(check_range(first, count, into.size()));
        if (fail_with)
            return kstd::unexpected(*fail_with);
        last_first = first;
        std::memcpy(into.data(), m_bytes.data() + first * 512, into.size());
        return {};
    }
    kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count, std::span<const std::byte> from) override
    {
        TRY(check_range(first, count, from.size()));
        last_first = first;
        std::memcpy(m_bytes.data() + first * 512, from.data(), from.size());
        return {};
    }
    kstd::Expected<void, BlockError> flush() override
    {
        ++flushes;
        return {};
    }
    std::byte* block(uint64_t lba) { return m_bytes.data() + lba * 512; }

    std::optional<BlockError> fail_with;
    uint64_t last_first = ~uint64_t{0};
    int flushes = 0;

private:
    std::string m_name;
    std::vector<std::byte> m_bytes;
};

TEST(Mbr, a_table_reads_back_entry_by_entry)
{
    const Sector sector = sector_with({{0x80, 0x83, 2048, 4096}, {0x00, 0x0C, 6144, 2048}});
    auto table = parse(sector, 8192);
    ASSERT_TRUE(table.has_value()) << text_of(table.error());
    EXPECT_EQ(table->kind, Kind::Mbr);
    ASSERT_EQ(table->count, 2u);
    EXPECT_EQ(table->entries[0].number, 1);
    EXPECT_EQ(table->entries[0].type, 0x83);
    EXPECT_TRUE(table->entries[0].bootable);
    EXPECT_EQ(table->entries[0].first, 2048u);
    EXPECT_EQ(table->entries[0].count, 4096u);
    EXPECT_EQ(table->entries[1].number, 2);
    EXPECT_FALSE(table->entries[1].bootable);
    EXPECT_EQ(table->entries[1].first, 6144u);
    EXPECT_EQ(table->entries[1].count, 2048u);
    EXPECT_EQ(type_name(0x83), "Linux");
    EXPECT_EQ(type_name(0x0C), "FAT32 (LBA)");
    EXPECT_EQ(type_name(0x42), "unknown");
}

TEST(Mbr, empty_slots_are_skipped_whatever_else_they_hold)
{
    // Slot 1 empty but with junk in its other fields, slot 3 used: numbered by slot.
    Sector sector = sector_with({{0x42, 0x00, 0, 77}, {}, {0x00, 0x07, 100, 50}});
    auto table = parse(sector, 8192);
    ASSERT_TRUE(table.has_value()) << text_of(table.error());
    ASSERT_EQ(table->count, 1u);
    EXPECT_EQ(table->entries[0].number, 3);
    auto none = parse(sector_with({}), 8192);
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(none->count, 0u);
}

TEST(Mbr, largest_values_do_not_overflow)
{
    const Sector sector = sector_with({{0x00, 0x83, 0xFFFF'FFFF, 0xFFFF'FFFF}});
    EXPECT_EQ(error_of(sector, 0xFFFF'FFFFull * 2), "parsed");
    EXPECT_EQ(error_of(sector, 0xFFFF'FFFFull * 2 - 1), "MBR: entry 1: ends past the end of the disk (8589934589 sectors)");
}

TEST(Mbr, each_problem_says_what_and_where)
{
    EXPECT_EQ(error_of(sector_with({{0x80, 0x83, 1, 10}}, false)), "MBR: no 0x55 0xAA signature: not an MBR");
    Sector half_signature = sector_with({});
    half_signature[511] = std::byte{0xAB};
    EXPECT_EQ(error_of(half_signature), "MBR: no 0x55 0xAA signature: not an MBR");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 1, 10}, {0x81, 0x83, 20, 10}})),
              "MBR: entry 2: a status other than 0x00 or 0x80: not a partition table (0x81)");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 0, 10}})), "MBR: entry 1: starts at sector 0, the MBR itself");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 1, 10}, {}, {}, {0x00, 0x83, 20, 0}})),
              "MBR: entry 4: a partition of no sectors");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 8000, 193}})),
              "MBR: entry 1: ends past the end of the disk (8192 sectors)");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 8000, 192}})), "parsed") << "ending at the last sector is fine";
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 100, 100}, {0x00, 0x83, 199, 10}})),
              "MBR: entry 2: overlaps another entry (entry 1)");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 100, 100}, {0x00, 0x83, 300, 10}, {0x00, 0x83, 50, 51}})),
              "MBR: entry 3: overlaps another entry (entry 1)");
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 100, 100}, {0x00, 0x83, 200, 10}})), "parsed") << "adjacent is fine";
    EXPECT_EQ(error_of(sector_with({{0x00, 0x83, 100, 100}, {0x00, 0x83, 120, 10}})),
              "MBR: entry 2: overlaps another entry (entry 1)") << "inside another";

    const Sector sector = sector_with({});
    auto short_one = parse(std::span<const std::byte>(sector.data(), 511), 8192);
    ASSERT_FALSE(short_one.has_value());
    EXPECT_EQ(text_of(short_one.error()), "MBR: the sector is not 512 bytes");
}

TEST(Mbr, a_protective_gpt_entry_makes_it_a_gpt_disk)
{
    // The protective entry covers the disk, or 2^32 - 1 sectors of a bigger one: past the end is fine.
    const Sector sector = sector_with({{0x00, 0xEE, 1, 0xFFFF'FFFF}});
    auto table = parse(sector, 8192);
    ASSERT_TRUE(table.has_value()) << text_of(table.error());
    EXPECT_EQ(table->kind, Kind::Gpt);
    ASSERT_EQ(table->count, 1u);
    EXPECT_EQ(table->entries[0].type, type_protective_gpt);
    // In any slot, even after an entry that would be refused.
    auto later = parse(sector_with({{0x00, 0x83, 0, 0}, {0x00, 0xEE, 1, 100}}), 8192);
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ(later->kind, Kind::Gpt);
}

TEST(Mbr, extended_partitions_are_listed_not_followed)
{
    const Sector sector = sector_with({{0x00, 0x83, 63, 1000}, {0x00, 0x05, 2000, 3000}, {0x00, 0x0F, 5000, 100},
                                       {0x00, 0x85, 6000, 100}});
    auto table = parse(sector, 8192);
    ASSERT_TRUE(table.has_value()) << text_of(table.error());
    ASSERT_EQ(table->count, 4u);
    EXPECT_FALSE(table->entries[0].is_extended());
    EXPECT_TRUE(table->entries[1].is_extended());
    EXPECT_TRUE(table->entries[2].is_extended());
    EXPECT_TRUE(table->entries[3].is_extended());
}

TEST(Partition, forwards_with_its_offset_and_checks_its_range)
{
    MemoryDisk disk("mem0", 100);
    for (uint64_t lba = 0; lba < 100; ++lba)
        std::memset(disk.block(lba), static_cast<int>(lba), 512);
    Partition partition;
    partition.assign(disk, 10, 20, 2);
    EXPECT_EQ(partition.name(), "mem0p2");
    EXPECT_EQ(partition.block_count(), 20u);
    EXPECT_EQ(partition.block_size(), 512u);
    EXPECT_EQ(partition.disk(), &disk);

    std::byte buffer[1024];
    ASSERT_TRUE(partition.read(0, 1, std::span(buffer, 512)).has_value());
    EXPECT_EQ(disk.last_first, 10u);
    EXPECT_EQ(buffer[0], std::byte{10});
    ASSERT_TRUE(partition.read(18, 2, std::span(buffer, 1024)).has_value());
    EXPECT_EQ(buffer[0], std::byte{28});
    EXPECT_EQ(buffer[1023], std::byte{29});

    disk.last_first = 0;
    EXPECT_EQ(partition.read(19, 2, std::span(buffer, 1024)).error(), BlockError::OutOfRange);
    EXPECT_EQ(partition.read(20, 1, std::span(buffer, 512)).error(), BlockError::OutOfRange);
    EXPECT_EQ(partition.read(~uint64_t{0}, 2, std::span(buffer, 1024)).error(), BlockError::OutOfRange);
    EXPECT_EQ(partition.read(0, 1, std::span(buffer, 1024)).error(), BlockError::OutOfRange);
    EXPECT_EQ(partition.write(20, 1, std::span<const std::byte>(buffer, 512)).error(), BlockError::OutOfRange);
    EXPECT_EQ(disk.last_first, 0u) << "nothing out of range reached the disk";

    std::memset(buffer, 0xAB, 512);
    ASSERT_TRUE(partition.write(5, 1, std::span<const std::byte>(buffer, 512)).has_value());
    EXPECT_EQ(disk.block(15)[0], std::byte{0xAB});
    EXPECT_EQ(disk.block(14)[511], std::byte{14});
    ASSERT_TRUE(partition.flush().has_value());
    EXPECT_EQ(disk.flushes, 1);

    disk.fail_with = BlockError::DeviceError;
    EXPECT_EQ(partition.read(0, 1, std::span(buffer, 512)).error(), BlockError::DeviceError) << "the disk's error";

    Partition unassigned;
    EXPECT_EQ(unassigned.read(0, 1, std::span(buffer, 512)).error(), BlockError::NoDevice);
}

// scan_partitions() fills storage for the whole kernel (8 partitions): this
// suite makes 3, in one process (CTest runs each suite alone).
TEST(MbrScan, registers_a_partition_per_primary_entry)
{
    MemoryDisk disk("mem1", 8192);
    const Sector sector = sector_with({{0x80, 0x83, 2048, 1024}, {0x00, 0x05, 3072, 1024}, {0x00, 0x0C, 4096, 2048},
                                       {0x00, 0x82, 6144, 2048}});
    std::memcpy(disk.block(0), sector.data(), 512);
    const size_t before = drivers::partitions().size();
    const size_t devices_before = drivers::block_devices().size();
    auto table = drivers::scan_partitions(disk);
    ASSERT_TRUE(table.has_value()) << text_of(table.error());
    EXPECT_EQ(table->count, 4u);
    const auto made = drivers::partitions().subspan(before);
    ASSERT_EQ(made.size(), 3u) << "the extended partition gets no device";
    EXPECT_EQ(made[0]->name(), "mem1p1");
    EXPECT_EQ(made[1]->name(), "mem1p3");
    EXPECT_EQ(made[2]->name(), "mem1p4");
    EXPECT_EQ(made[1]->first_block(), 4096u);
    EXPECT_EQ(made[1]->block_count(), 2048u);
    EXPECT_EQ(drivers::block_devices().size(), devices_before + 3);
}

TEST(MbrScan, a_disk_without_a_table_is_a_whole_disk)
{
    MemoryDisk disk("mem2", 16);
    const size_t before = drivers::partitions().size();
    auto table = drivers::scan_partitions(disk);
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(text_of(table.error()), "MBR: no 0x55 0xAA signature: not an MBR");
    disk.fail_with = BlockError::Timeout;
    auto unreadable = drivers::scan_partitions(disk);
    ASSERT_FALSE(unreadable.has_value());
    EXPECT_EQ(text_of(unreadable.error()), "MBR: sector 0 cannot be read (the device did not answer in time)");
    MemoryDisk gpt("mem3", 64);
    const Sector protective = sector_with({{0x00, 0xEE, 1, 63}});
    std::memcpy(gpt.block(0), protective.data(), 512);
    auto gpt_table = drivers::scan_partitions(gpt);
    ASSERT_TRUE(gpt_table.has_value());
    EXPECT_EQ(gpt_table->kind, Kind::Gpt);
    EXPECT_EQ(drivers::partitions().size(), before) << "nothing made for either";
}

// Random sectors (half of them with random entries over a signature): an
// error or a table whose every entry is sound.
TEST(Mbr, random_sectors_give_an_error_or_a_sound_table)
{
    host_test::Random random(host_test::test_seed("Mbr.random_sectors_give_an_error_or_a_sound_table"));
    int parsed = 0;
    for (int round = 0; round < 20000; ++round) {
        Sector sector{};
        for (std::byte& b : sector)
            b = static_cast<std::byte>(host_test::uniform<int>(random, 0, 255));
        if (round % 2 == 0) {
            sector = sector_with({});
            for (size_t slot = 0; slot < entry_count; ++slot) {
                std::byte* at = sector.data() + table_offset + slot * entry_size;
                at[0] = std::byte(host_test::uniform<int>(random, 0, 3) == 0 ? 0x80 : 0x00);
                at[4] = std::byte(host_test::uniform<int>(random, 0, 2) == 0 ? 0 : host_test::uniform<int>(random, 1, 255));
                at[8] = std::byte(host_test::uniform<int>(random, 0, 255));
                at[9] = std::byte(host_test::uniform<int>(random, 0, 0x20));
                at[12] = std::byte(host_test::uniform<int>(random, 0, 255));
                at[13] = std::byte(host_test::uniform<int>(random, 0, 0x10));
            }
        }
        const uint64_t disk = host_test::uniform<uint64_t>(random, 0, 0x4000);
        auto table = parse(sector, disk);
        if (!table) {
            EXPECT_FALSE(text_of(table.error()).empty());
            continue;
        }
        ++parsed;
        ASSERT_EQ(sector[510], std::byte{0x55});
        if (table->kind == Kind::Gpt)
            continue;
        for (size_t i = 0; i < table->count; ++i) {
            const Entry& entry = table->entries[i];
            ASSERT_NE(entry.type, 0);
            ASSERT_GE(entry.first, 1u);
            ASSERT_GE(entry.count, 1u);
            ASSERT_LE(entry.first + entry.count, disk);
            for (size_t j = 0; j < i; ++j) {
                const Entry& other = table->entries[j];
                ASSERT_TRUE(entry.first >= other.first + other.count || other.first >= entry.first + entry.count);
            }
        }
    }
    EXPECT_GT(parsed, 1000);
}

} // namespace

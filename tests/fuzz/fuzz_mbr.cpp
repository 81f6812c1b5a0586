// libFuzzer harness for the MBR parser and the partition view
// (src/drivers/partition.cpp). The input is sector 0 of a disk (its first
// 512 bytes; a shorter or longer sector is what parse() must refuse when
// given one) followed by the disk's size in sectors (the next 8 bytes,
// little-endian; 2^32 without them). The sanitizers catch any read outside
// the input; FUZZ_CHECK catches a table the kernel could not trust: every
// used entry with a type, starting after sector 0, not empty, on the disk,
// overlapping no other, numbered by its slot, and read from the bytes that
// slot holds; a GPT table only when a slot says 0xEE. Then each entry as a
// Partition over a disk that only records what reaches it: every in-range
// block reaches the disk at the entry's offset, and nothing out of range
// does.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include "drivers/partition.h"
#include "fuzz_check.h"

namespace {

using namespace drivers;

// A disk of `blocks` blocks with no contents: it records the last block a
// transfer reached.
class RecordingDisk final : public BlockDevice {
public:
    explicit RecordingDisk(uint64_t blocks) : m_blocks(blocks) {}
    std::string_view name() const override { return "fuzz0"; }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return m_blocks; }
    kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override
    {
        TRY(check_range(first, count, into.size()));
        reached = first;
        ++transfers;
        return {};
    }
    kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count, std::span<const std::byte> from) override
    {
        TRY(check_range(first, count, from.size()));
        reached = first;
        ++transfers;
        return {};
    }
    uint64_t reached = 0;
    int transfers = 0;

private:
    uint64_t m_blocks;
};

uint32_t le32(const uint8_t* at)
{
    return static_cast<uint32_t>(at[0]) | static_cast<uint32_t>(at[1]) << 8 | static_cast<uint32_t>(at[2]) << 16
           | static_cast<uint32_t>(at[3]) << 24;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // The sector: the first 512 bytes, or all of a shorter input (which parse() must refuse).
    const size_t sector_bytes = size < mbr::sector_size ? size : mbr::sector_size;
    uint64_t disk_sectors = 1ull << 32;
    if (size >= mbr::sector_size + 8)
        std::memcpy(&disk_sectors, data + mbr::sector_size, 8);
    const std::span<const std::byte> sector(reinterpret_cast<const std::byte*>(data), sector_bytes); // bytes as bytes

    auto parsed = mbr::parse(sector, disk_sectors);
    if (!parsed) {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", parsed.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
        return 0;
    }
    mbr::Table table = *parsed;
    FUZZ_CHECK(sector_bytes == mbr::sector_size, "only a whole sector parses");
    FUZZ_CHECK(data[510] == 0x55 && data[511] == 0xAA, "only a signed sector parses");
    FUZZ_CHECK(table.count <= mbr::entry_count, "at most four entries");
#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
    // The self-test build (CTest fuzz.mbr_fires): a planted off-by-one, as if
    // the parser let the first entry run one sector longer.
    if (table.count > 0)
        ++table.entries[0].count;
#endif

    if (table.kind == mbr::Kind::Gpt) {
        bool protective = false;
        for (size_t slot = 0; slot < mbr::entry_count; ++slot)
            protective |= data[mbr::table_offset + slot * mbr::entry_size + 4] == mbr::type_protective_gpt;
        FUZZ_CHECK(protective, "a GPT table has a protective entry");
        return 0;
    }

    uint8_t last_number = 0;
    for (size_t i = 0; i < table.count; ++i) {
        const mbr::Entry& entry = table.entries[i];
        FUZZ_CHECK(entry.number >= 1 && entry.number <= 4 && entry.number > last_number,
                   "entries are numbered by slot, in order");
        last_number = entry.number;
        const uint8_t* raw = data + mbr::table_offset + (entry.number - 1) * mbr::entry_size;
        FUZZ_CHECK(raw[4] == entry.type && le32(raw + 8) == entry.first && le32(raw + 12) == entry.count
                       && (raw[0] == 0x80) == entry.bootable,
                   "an entry is what its slot holds");
        FUZZ_CHECK(raw[0] == 0x00 || raw[0] == 0x80, "a used entry's status is 0x00 or 0x80");
        FUZZ_CHECK(entry.type != mbr::type_empty && entry.type != mbr::type_protective_gpt, "a used entry has a type");
        FUZZ_CHECK(entry.first >= 1 && entry.count >= 1, "an entry starts after sector 0 and is not empty");
        FUZZ_CHECK(entry.first + entry.count <= disk_sectors, "an entry lies inside the disk");
        for (size_t j = 0; j < i; ++j) {
            const mbr::Entry& other = table.entries[j];
            FUZZ_CHECK(entry.first >= other.first + other.count || other.first >= entry.first + entry.count,
                       "no two entries overlap");
        }
    }
    // Every slot with a type is in the table.
    size_t used = 0;
    for (size_t slot = 0; slot < mbr::entry_count; ++slot)
        used += data[mbr::table_offset + slot * mbr::entry_size + 4] != mbr::type_empty;
    FUZZ_CHECK(used == table.count, "every used slot is listed");

    // The partition view: first and last block reach the disk at the offset; one past does not.
    RecordingDisk disk(disk_sectors);
    std::byte block[512];
    for (size_t i = 0; i < table.count; ++i) {
        const mbr::Entry& entry = table.entries[i];
        Partition partition;
        partition.assign(disk, entry.first, entry.count, entry.number);
        FUZZ_CHECK(partition.read(0, 1, block).has_value() && disk.reached == entry.first,
                   "block 0 of a partition is its first sector");
        FUZZ_CHECK(partition.read(entry.count - 1, 1, block).has_value()
                       && disk.reached == entry.first + entry.count - 1,
                   "its last block is its last sector");
        const int before = disk.transfers;
        FUZZ_CHECK(!partition.read(entry.count, 1, block).has_value()
                       && !partition.write(entry.count, 1, block).has_value() && disk.transfers == before,
                   "nothing past a partition's end reaches the disk");
    }
    return 0;
}

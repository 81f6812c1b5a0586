// KTEST cases of the FAT volume (src/fs/fat/) in the kernel: the code the
// host tests run against mkfs.fat and mtools images (tests/host/fat_test.cpp)
// proven in the freestanding build, over a FAT12 volume of 64 KiB laid out
// here by hand, in memory.

#include "fs/fat/fat_volume.h"
#include "ktest/ktest.h"

namespace {

using fs::fat::Node;
using fs::fat::Problem;
using fs::fat::Volume;

class MemoryDisk final : public drivers::BlockDevice {
public:
    static constexpr uint64_t blocks = 128;
    std::string_view name() const override { return "fat-memory"; }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return blocks; }
    kstd::Expected<void, drivers::BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override
    {
        TRY(check_range(first, count, into.size()));
        __builtin_memcpy(into.data(), bytes + first * 512, into.size());
        return {};
    }
    kstd::Expected<void, drivers::BlockError> write(uint64_t first, uint32_t count,
                                                    std::span<const std::byte> from) override
    {
        TRY(check_range(first, count, from.size()));
        __builtin_memcpy(bytes + first * 512, from.data(), from.size());
        return {};
    }
    uint8_t& at(size_t offset) { return reinterpret_cast<uint8_t&>(bytes[offset]); }
    std::byte bytes[blocks * 512] = {};
};

MemoryDisk g_disk;

// A FAT12 volume as mkfs.fat would lay out 64 KiB with one sector per
// cluster: boot sector, two FATs of one sector, a root directory of 16
// entries (one sector), then 124 clusters of 512 bytes (fatgen103 3).
void format_fat12(MemoryDisk& disk)
{
    __builtin_memset(disk.bytes, 0, sizeof disk.bytes);
    const uint8_t boot[] = {0xEB, 0x3C, 0x90, 'K', 'E', 'S', 'T', 'R', 'E', 'L', ' ',
                            0x00, 0x02, // bytes per sector: 512
                            0x01,       // sectors per cluster
                            0x01, 0x00, // reserved sectors
                            0x02,       // FATs
                            0x10, 0x00, // root entries: 16
                            0x80, 0x00, // total sectors: 128
                            0xF8,       // media
                            0x01, 0x00};// sectors per FAT
    __builtin_memcpy(disk.bytes, boot, sizeof boot);
    disk.at(510) = 0x55;
    disk.at(511) = 0xAA;
    for (size_t fat = 0; fat < 2; ++fat) { // entries 0 and 1: the media byte, end of chain
        disk.at(512 * (1 + fat)) = 0xF8;
        disk.at(512 * (1 + fat) + 1) = 0xFF;
        disk.at(512 * (1 + fat) + 2) = 0xFF;
    }
}

std::span<const std::byte> text_bytes(const char* text)
{
    return {reinterpret_cast<const std::byte*>(text), __builtin_strlen(text)};
}

KTEST_SETUP(fat)
{
    format_fat12(g_disk);
}

KTEST(fat, mounts_a_volume_laid_out_by_hand)
{
    auto volume = Volume::mount(g_disk);
    ASSERT_OK(volume);
    EXPECT_EQ(volume->type(), fs::fat::FatType::Fat12);
    EXPECT_EQ(volume->layout().cluster_count, 124u);
    auto free = volume->count_free_clusters();
    ASSERT_OK(free);
    EXPECT_EQ(*free, 124u);
    size_t entries = 0;
    ASSERT_OK(volume->list("/", [&](const Node&) { ++entries; }));
    EXPECT_EQ(entries, 0u);
}

KTEST(fat, writes_files_and_directories_and_reads_them_back)
{
    auto volume = Volume::mount(g_disk);
    ASSERT_OK(volume);
    ASSERT_OK(volume->mkdir("/boot"));
    ASSERT_OK(volume->mkdir("/boot/a long directory name"));
    // 3 clusters and a bit: the chain is grown and followed.
    static std::byte data[1700];
    for (size_t i = 0; i < sizeof data; ++i)
        data[i] = std::byte(i * 7 + 1);
    ASSERT_OK(volume->write("/boot/a long directory name/Kernel Image.bin", 0, data));
    ASSERT_OK(volume->append("/boot/a long directory name/Kernel Image.bin", text_bytes("end")));
    ASSERT_OK(volume->write("/README.TXT", 0, text_bytes("kestrel\n")));
    ASSERT_OK(volume->sync());

    // Mounted again from the bytes alone.
    auto again = Volume::mount(g_disk);
    ASSERT_OK(again);
    auto file = again->stat("/BOOT/A LONG DIRECTORY NAME/kernel image.bin");
    ASSERT_OK(file);
    EXPECT_STREQ(file->name(), "Kernel Image.bin");
    EXPECT_STREQ(file->short_view(), "KERNEL~1.BIN");
    EXPECT_EQ(file->size, sizeof data + 3);
    static std::byte back[sizeof data + 3];
    auto got = again->read(*file, 0, back);
    ASSERT_OK(got);
    EXPECT_EQ(*got, sizeof back);
    EXPECT_MEMEQ(back, data, sizeof data);
    EXPECT_MEMEQ(back + sizeof data, "end", 3);

    size_t entries = 0;
    bool saw_readme = false;
    ASSERT_OK(again->list("/", [&](const Node& node) {
        ++entries;
        saw_readme |= node.name() == "README.TXT" && node.size == 8;
    }));
    EXPECT_EQ(entries, 2u);
    EXPECT_TRUE(saw_readme);
}

KTEST(fat, renames_truncates_and_removes)
{
    auto volume = Volume::mount(g_disk);
    ASSERT_OK(volume);
    const uint32_t free_at_start = *volume->count_free_clusters();
    ASSERT_OK(volume->mkdir("/dir"));
    static std::byte data[2000] = {};
    ASSERT_OK(volume->write("/dir/file.txt", 0, data));
    ASSERT_OK(volume->rename("/dir/file.txt", "/moved file.txt"));
    EXPECT_EQ(volume->stat("/dir/file.txt").error().problem, Problem::NotFound);
    ASSERT_OK(volume->truncate("/moved file.txt", 100));
    EXPECT_EQ(volume->stat("/moved file.txt")->size, 100u);
    EXPECT_EQ(volume->rmdir("/").error().problem, Problem::InvalidName);
    ASSERT_OK(volume->unlink("/moved file.txt"));
    ASSERT_OK(volume->rmdir("/dir"));
    EXPECT_EQ(*volume->count_free_clusters(), free_at_start);
}

KTEST(fat, a_looping_chain_is_an_error_with_its_path)
{
    auto volume = Volume::mount(g_disk);
    ASSERT_OK(volume);
    static std::byte data[1500] = {};
    ASSERT_OK(volume->write("/loop.bin", 0, data)); // clusters 2, 3, 4
    // Cluster 4 (the last) points back at 3, in both FATs: entries 4 and 5
    // share bytes 6..8; entry 4 is the low 12 bits of bytes 6 and 7.
    for (size_t fat = 0; fat < 2; ++fat) {
        const size_t at = 512 * (1 + fat) + 6;
        g_disk.at(at) = 0x03;
        g_disk.at(at + 1) = static_cast<uint8_t>((g_disk.at(at + 1) & 0xF0) | 0x00);
    }
    auto again = Volume::mount(g_disk);
    ASSERT_OK(again);
    auto file = again->stat("/loop.bin");
    ASSERT_OK(file);
    static std::byte back[1500];
    auto got = again->read(*file, 0, back);
    ASSERT_FALSE(got.has_value());
    char text[160];
    kstd::BufferSink sink(text);
    kstd::format_to(sink, "{}", got.error());
    EXPECT_STREQ(sink.view(), "FAT: cluster chain of \"loop.bin\" loops at cluster 4 (longer than the volume's 124 clusters)");
    EXPECT_EQ(again->unlink("/loop.bin").error().problem, Problem::ChainLoops);
}

KTEST(fat, a_truncated_device_and_a_bad_boot_sector_are_refused)
{
    g_disk.at(11) = 0x80; // 384 bytes per sector
    auto bad = Volume::mount(g_disk);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().problem, Problem::BadBytesPerSector);
    format_fat12(g_disk);
    g_disk.at(19) = 0x00;
    g_disk.at(20) = 0x01; // 256 sectors on a disk of 128
    auto truncated = Volume::mount(g_disk);
    ASSERT_FALSE(truncated.has_value());
    EXPECT_EQ(truncated.error().problem, Problem::Truncated);
    EXPECT_EQ(truncated.error().limit, 256u);
}

} // namespace

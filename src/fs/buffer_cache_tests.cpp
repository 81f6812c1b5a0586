// KTEST cases of buffer_cache.cpp, over a disk in memory that counts its
// transfers and can be told to fail.

#include "fs/buffer_cache.h"
#include "ktest/ktest.h"
#include "sched/test_threads.h"

namespace {

using drivers::BlockError;

class MemoryDisk final : public drivers::BlockDevice {
public:
    static constexpr uint64_t blocks = 64;
    std::string_view name() const override { return "memory"; }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return blocks; }
    kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override
    {
        TRY(check_range(first, count, into.size()));
        ++reads;
        __builtin_memcpy(into.data(), bytes + first * 512, into.size());
        return {};
    }
    kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count, std::span<const std::byte> from) override
    {
        TRY(check_range(first, count, from.size()));
        if (failing_writes)
            return kstd::unexpected(BlockError::DeviceError);
        ++writes;
        __builtin_memcpy(bytes + first * 512, from.data(), from.size());
        return {};
    }
    std::byte bytes[blocks * 512] = {};
    uint64_t reads = 0, writes = 0;
    bool failing_writes = false;
};

MemoryDisk g_disk;
std::byte g_block[512];

void fill(std::byte value)
{
    for (std::byte& b : g_block)
        b = value;
}

} // namespace

KTEST(buffer_cache, a_block_read_twice_comes_from_the_device_once)
{
    g_disk = MemoryDisk{};
    g_disk.bytes[3 * 512] = std::byte{0x42};
    fs::BufferCache cache(g_disk, 8);
    ASSERT_TRUE(cache.ready());
    ASSERT_OK(cache.read(3, 1, g_block));
    ASSERT_OK(cache.read(3, 1, g_block));
    EXPECT_EQ(g_block[0], std::byte{0x42});
    EXPECT_EQ(g_disk.reads, 1u);
    EXPECT_EQ(cache.statistics().hits, 1u);
}

KTEST(buffer_cache, writes_stay_in_memory_until_sync_writes_each_dirty_block_once)
{
    g_disk = MemoryDisk{};
    fs::BufferCache cache(g_disk, 8);
    fill(std::byte{7});
    ASSERT_OK(cache.write(5, 1, g_block));
    ASSERT_OK(cache.write(5, 1, g_block));
    ASSERT_OK(cache.write(6, 1, g_block));
    EXPECT_EQ(g_disk.writes, 0u, "write-back: nothing on the disk yet");
    EXPECT_EQ(g_disk.bytes[5 * 512], std::byte{0});
    fill(std::byte{0});
    ASSERT_OK(cache.read(5, 1, g_block));
    EXPECT_EQ(g_block[0], std::byte{7}, "a read sees the cached write");
    EXPECT_EQ(g_disk.reads, 0u, "written whole: never read from the disk");
    ASSERT_OK(cache.sync());
    EXPECT_EQ(g_disk.writes, 2u);
    EXPECT_EQ(g_disk.bytes[5 * 512], std::byte{7});
    EXPECT_EQ(g_disk.bytes[6 * 512 + 511], std::byte{7});
    ASSERT_OK(cache.sync());
    EXPECT_EQ(g_disk.writes, 2u, "nothing dirty is left");
}

KTEST(buffer_cache, holds_at_most_its_capacity_and_writes_back_what_it_evicts)
{
    g_disk = MemoryDisk{};
    fs::BufferCache cache(g_disk, 4);
    for (uint64_t block = 0; block < 10; ++block) {
        fill(static_cast<std::byte>(block + 1));
        ASSERT_OK(cache.write(block, 1, g_block));
    }
    EXPECT_EQ(g_disk.writes, 6u, "the six least recently used were evicted, each written first");
    EXPECT_EQ(cache.statistics().dirty, 4u);
    for (uint64_t block = 0; block < 6; ++block)
        EXPECT_EQ(g_disk.bytes[block * 512], static_cast<std::byte>(block + 1));
    ASSERT_OK(cache.flush());
    for (uint64_t block = 0; block < 10; ++block)
        EXPECT_EQ(g_disk.bytes[block * 512], static_cast<std::byte>(block + 1));
}

KTEST(buffer_cache, a_failed_write_back_keeps_the_block_dirty_and_returns_the_error)
{
    g_disk = MemoryDisk{};
    fs::BufferCache cache(g_disk, 2);
    fill(std::byte{9});
    ASSERT_OK(cache.write(1, 1, g_block));
    ASSERT_OK(cache.write(2, 1, g_block));
    g_disk.failing_writes = true;
    EXPECT_ERROR(cache.write(3, 1, g_block), BlockError::DeviceError, "every block dirty and none can be written");
    EXPECT_ERROR(cache.sync(), BlockError::DeviceError);
    EXPECT_EQ(cache.statistics().dirty, 2u, "nothing was dropped");
    g_disk.failing_writes = false;
    ASSERT_OK(cache.sync());
    EXPECT_EQ(g_disk.bytes[1 * 512], std::byte{9});
    EXPECT_EQ(g_disk.bytes[2 * 512], std::byte{9});
}

KTEST(buffer_cache, refuses_ranges_past_the_device)
{
    g_disk = MemoryDisk{};
    fs::BufferCache cache(g_disk, 2);
    EXPECT_ERROR(cache.read(MemoryDisk::blocks, 1, g_block), BlockError::OutOfRange);
    EXPECT_ERROR(cache.read(0, 0, {g_block, 0}), BlockError::OutOfRange);
    EXPECT_ERROR(cache.read(0, 2, g_block), BlockError::OutOfRange, "a buffer of one block for two");
}

KTEST(buffer_cache, threads_sharing_a_cache_see_one_consistent_disk)
{
    // Four threads each own four blocks, write them round after round
    // through a cache smaller than all sixteen (so blocks are evicted and
    // read back), and check each read returns their last write.
    g_disk = MemoryDisk{};
    fs::BufferCache cache(g_disk, 6);
    bool good[4] = {true, true, true, true};
    auto worker = [&](int id) {
        std::byte buffer[512];
        for (int round = 1; round <= 40; ++round) {
            for (int b = 0; b < 4; ++b) {
                for (std::byte& x : buffer)
                    x = static_cast<std::byte>(round * 4 + b + id * 16);
                if (!cache.write(static_cast<uint64_t>(id * 4 + b), 1, buffer))
                    good[id] = false;
            }
            for (int b = 0; b < 4; ++b) {
                if (!cache.read(static_cast<uint64_t>(id * 4 + b), 1, buffer)
                    || buffer[511] != static_cast<std::byte>(round * 4 + b + id * 16))
                    good[id] = false;
            }
        }
        return 0;
    };
    auto first = [&] { return worker(0); };
    auto second = [&] { return worker(1); };
    auto third = [&] { return worker(2); };
    auto fourth = [&] { return worker(3); };
    sched::Thread* threads[] = {&sched::testing::start("cache user 0", first), &sched::testing::start("cache user 1", second),
                                &sched::testing::start("cache user 2", third), &sched::testing::start("cache user 3", fourth)};
    for (sched::Thread* thread : threads)
        sched::join(*thread);
    for (int id = 0; id < 4; ++id)
        EXPECT_TRUE(good[id], "thread {}", id);
    ASSERT_OK(cache.flush());
    for (int id = 0; id < 4; ++id)
        EXPECT_EQ(g_disk.bytes[(id * 4 + 3) * 512], static_cast<std::byte>(40 * 4 + 3 + id * 16));
}

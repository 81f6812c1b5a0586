#pragma once
// The buffer cache: a block device in front of another one (a disk or a
// partition) that keeps recently used blocks in memory, at most
// `capacity` of them. Reads of cached blocks touch no device; writes stay
// in memory (write-back) until the block is evicted, sync() writes every
// dirty block, or flush() does that and flushes the device too.
//
//   fs::BufferCache cache(disk, 256);      // 256 blocks of 512 bytes: 128 KiB
//   TRY(cache.read(0, 1, sector));          // from the disk, then from memory
//   TRY(cache.flush());                     // every dirty block on the disk
//
// Eviction takes the least recently used block; a dirty one is written
// first, and if that write fails the block stays (dirty) and another is
// taken, so no write is ever dropped silently. One mutex guards the
// blocks: threads may share a cache (and the device I/O happens under it,
// one transfer at a time, which is what the devices here do anyway).

#include <cstddef>
#include <cstdint>
#include "drivers/block_device.h"
#include "kstd/expected.h"
#include "sched/mutex.h"

namespace fs {

class BufferCache final : public drivers::BlockDevice {
public:
    struct Statistics {
        uint64_t hits = 0, misses = 0;
        uint64_t device_reads = 0, device_writes = 0; // blocks
        uint64_t dirty = 0;                           // blocks now
    };

    // Allocates `capacity` blocks of `device`'s size; check ready().
    BufferCache(drivers::BlockDevice& device, size_t capacity);
    ~BufferCache() override;
    BufferCache(const BufferCache&) = delete;
    BufferCache& operator=(const BufferCache&) = delete;
    // False if the memory for the blocks could not be had.
    bool ready() const { return m_slots != nullptr; }

    std::string_view name() const override { return m_device.name(); }
    uint32_t block_size() const override { return m_device.block_size(); }
    uint64_t block_count() const override { return m_device.block_count(); }
    kstd::Expected<void, drivers::BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override;
    kstd::Expected<void, drivers::BlockError> write(uint64_t first, uint32_t count,
                                                   std::span<const std::byte> from) override;
    // sync(), then the device's own flush.
    kstd::Expected<void, drivers::BlockError> flush() override;
    // Writes every dirty block, in block order; the first error is returned
    // and the blocks not written stay dirty.
    kstd::Expected<void, drivers::BlockError> sync();

    Statistics statistics();
    size_t capacity() const { return m_capacity; }

private:
    struct Slot {
        uint64_t block = 0;
        uint64_t last_used = 0;
        bool valid = false;
        bool dirty = false;
    };
    std::byte* data_of(size_t slot) { return m_data + slot * block_size(); }
    // The slot holding `block`, or a free or evicted one for it (its data
    // read from the device when `load`); with m_lock held.
    kstd::Expected<size_t, drivers::BlockError> slot_for(uint64_t block, bool load);
    kstd::Expected<void, drivers::BlockError> write_back(size_t slot);

    drivers::BlockDevice& m_device;
    size_t m_capacity;
    sched::Mutex m_lock{"buffer cache"};
    Slot* m_slots = nullptr;   // guarded by m_lock, as are the data and the statistics
    std::byte* m_data = nullptr;
    uint64_t m_clock = 0;
    Statistics m_statistics;
};

} // namespace fs

#include "fs/buffer_cache.h"
#include <new>

namespace fs {

using drivers::BlockError;

BufferCache::BufferCache(drivers::BlockDevice& device, size_t capacity) : m_device(device), m_capacity(capacity)
{
    m_slots = new (std::nothrow) Slot[capacity];
    m_data = new (std::nothrow) std::byte[capacity * device.block_size()];
    if (m_slots == nullptr || m_data == nullptr || capacity == 0) {
        delete[] m_slots;
        delete[] m_data;
        m_slots = nullptr;
        m_data = nullptr;
    }
}

BufferCache::~BufferCache()
{
    (void)sync(); // what cannot be written now is lost with the cache: flush() before, to know
    delete[] m_slots;
    delete[] m_data;
}

kstd::Expected<void, BlockError> BufferCache::write_back(size_t slot)
{
    TRY(m_device.write(m_slots[slot].block, 1, {data_of(slot), block_size()}));
    m_slots[slot].dirty = false;
    ++m_statistics.device_writes;
    --m_statistics.dirty;
    return {};
}

kstd::Expected<size_t, BlockError> BufferCache::slot_for(uint64_t block, bool load)
{
    size_t victim = m_capacity;
    for (size_t i = 0; i < m_capacity; ++i) {
        const Slot& slot = m_slots[i];
        if (slot.valid && slot.block == block) {
            ++m_statistics.hits;
            m_slots[i].last_used = ++m_clock;
            return i;
        }
        if (!slot.valid) {
            if (victim == m_capacity || m_slots[victim].valid)
                victim = i;
        } else if (victim == m_capacity || (m_slots[victim].valid && slot.last_used < m_slots[victim].last_used)) {
            victim = i;
        }
    }
    ++m_statistics.misses;
    // The least recently used block goes; a dirty one is written first. If
    // its write fails it stays, and the next oldest is tried.
    for (size_t tries = 0; tries < m_capacity; ++tries) {
        if (!m_slots[victim].valid || !m_slots[victim].dirty || write_back(victim))
            break;
        size_t next = m_capacity;
        for (size_t i = 0; i < m_capacity; ++i) {
            if (m_slots[i].dirty)
                continue;
            if (next == m_capacity || m_slots[i].last_used < m_slots[next].last_used)
                next = i;
        }
        if (next == m_capacity)
            return kstd::unexpected(BlockError::DeviceError); // every block dirty and unwritable
        victim = next;
    }
    Slot& slot = m_slots[victim];
    slot.valid = false;
    if (load) {
        TRY(m_device.read(block, 1, {data_of(victim), block_size()}));
        ++m_statistics.device_reads;
    }
    slot = Slot{block, ++m_clock, true, false};
    return victim;
}

kstd::Expected<void, BlockError> BufferCache::read(uint64_t first, uint32_t count, std::span<std::byte> into)
{
    TRY(check_range(first, count, into.size()));
    sched::MutexGuard guard(m_lock);
    for (uint32_t i = 0; i < count; ++i) {
        const size_t slot = TRY(slot_for(first + i, true));
        __builtin_memcpy(into.data() + static_cast<size_t>(i) * block_size(), data_of(slot), block_size());
    }
    return {};
}

kstd::Expected<void, BlockError> BufferCache::write(uint64_t first, uint32_t count, std::span<const std::byte> from)
{
    TRY(check_range(first, count, from.size()));
    sched::MutexGuard guard(m_lock);
    for (uint32_t i = 0; i < count; ++i) {
        const size_t slot = TRY(slot_for(first + i, false)); // overwritten whole: no need to read it first
        __builtin_memcpy(data_of(slot), from.data() + static_cast<size_t>(i) * block_size(), block_size());
        if (!m_slots[slot].dirty) {
            m_slots[slot].dirty = true;
            ++m_statistics.dirty;
        }
    }
    return {};
}

kstd::Expected<void, BlockError> BufferCache::sync()
{
    sched::MutexGuard guard(m_lock);
    // In block order: a disk's heads (or the device's queue) like it, and
    // on FAT the FAT's sectors go before the directories' and the data's.
    for (;;) {
        size_t next = m_capacity;
        for (size_t i = 0; i < m_capacity; ++i) {
            if (m_slots[i].valid && m_slots[i].dirty && (next == m_capacity || m_slots[i].block < m_slots[next].block))
                next = i;
        }
        if (next == m_capacity)
            return {};
        TRY(write_back(next));
    }
}

kstd::Expected<void, BlockError> BufferCache::flush()
{
    TRY(sync());
    return m_device.flush();
}

BufferCache::Statistics BufferCache::statistics()
{
    sched::MutexGuard guard(m_lock);
    return m_statistics;
}

} // namespace fs

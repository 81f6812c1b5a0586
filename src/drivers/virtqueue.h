#pragma once
// One split virtqueue in the legacy layout (virtio 1.0, 2.4 "Virtqueues" and
// 2.4.2 "Legacy Interfaces: A Note on Virtqueue Layout"; virtio 0.9.5, 2.3):
// the descriptor table, the available ring and the used ring in one
// physically contiguous, zeroed run of frames, the used ring on the next
// 4096-byte boundary after the available ring. The device is told the run's
// page frame number (physical address / 4096).
//
//   frame 0 ...                                  next 4096 boundary
//   +------------------+---------------------+ pad +----------------------+
//   | descriptors      | available ring      |     | used ring            |
//   | 16 bytes x size  | flags idx ring[size]|     | flags idx            |
//   | addr len flags   | used_event          |     | {id, len} x size     |
//   | next             |                     |     | avail_event          |
//   +------------------+---------------------+-----+----------------------+
//
// The driver writes descriptors and the available ring; the device writes
// the used ring. Memory shared with the device is reached through the
// direct map; addresses in descriptors are physical.

#include <cstddef>
#include <cstdint>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"
#include "mem/frame_error.h"

namespace drivers::virtio {

// Descriptor flags (2.4.5).
inline constexpr uint16_t descriptor_next = 1;  // the chain goes on in `next`
inline constexpr uint16_t descriptor_write = 2; // the device writes this buffer (else reads it)

struct Descriptor {
    uint64_t address; // physical
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);

struct UsedElement {
    uint32_t id;     // the head descriptor of the chain the device is done with
    uint32_t length; // bytes the device wrote into the chain
};
static_assert(sizeof(UsedElement) == 8);

inline constexpr uint64_t legacy_queue_align = 4096;
inline constexpr uint16_t max_queue_size = 32768; // 2.4: at most 2^15

// Bytes of each part for a queue of `size` entries, and where the used ring
// starts (from the start of the run).
constexpr uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}
constexpr uint64_t descriptor_bytes(uint16_t size)
{
    return 16ull * size;
}
constexpr uint64_t available_bytes(uint16_t size)
{
    return 6 + 2ull * size; // flags, idx, ring[size], used_event
}
constexpr uint64_t used_offset(uint16_t size)
{
    return align_up(descriptor_bytes(size) + available_bytes(size), legacy_queue_align);
}
constexpr uint64_t used_bytes(uint16_t size)
{
    return 6 + 8ull * size; // flags, idx, ring[size], avail_event
}
constexpr uint64_t legacy_queue_bytes(uint16_t size)
{
    return used_offset(size) + align_up(used_bytes(size), legacy_queue_align);
}
static_assert(legacy_queue_bytes(128) == 8192);
static_assert(legacy_queue_bytes(256) == 12288);

class Virtqueue {
public:
    Virtqueue() = default;
    Virtqueue(const Virtqueue&) = delete;
    Virtqueue& operator=(const Virtqueue&) = delete;

    // Takes zeroed frames for a queue of `size` entries (a power of two, as
    // the legacy interface requires).
    [[nodiscard]] kstd::Expected<void, mem::FrameError> allocate(uint16_t size);

    uint16_t size() const { return m_size; }
    // What the legacy queue address register takes.
    uint32_t page_frame_number() const { return static_cast<uint32_t>(m_base.value() / legacy_queue_align); }
    arch::PhysAddr base() const { return m_base; }

    Descriptor& descriptor(uint16_t index) { return m_descriptors[index]; }
    // Offers the chain starting at `head` to the device (2.4.6: the ring
    // entry first, then the index, with a barrier between).
    void make_available(uint16_t head);
    // The next chain the device has finished with since the last call, if
    // any (2.4.8); its head's index in `id`.
    bool take_used(UsedElement& element);

private:
    arch::PhysAddr m_base;
    unsigned m_order = 0;
    uint16_t m_size = 0;
    uint16_t m_last_used = 0; // our copy of the used ring's idx
    Descriptor* m_descriptors = nullptr;
    volatile uint16_t* m_available = nullptr; // flags, idx, ring...
    volatile uint16_t* m_used_header = nullptr; // flags, idx
    volatile UsedElement* m_used_ring = nullptr;
};

} // namespace drivers::virtio

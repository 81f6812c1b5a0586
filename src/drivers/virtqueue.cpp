#include "drivers/virtqueue.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"

namespace drivers::virtio {

namespace {

// The smallest order whose run holds `bytes`.
unsigned order_for(uint64_t bytes)
{
    unsigned order = 0;
    while ((legacy_queue_align << order) < bytes)
        ++order;
    return order;
}

// Stores to memory the device reads must reach it in program order: x86
// keeps stores to write-back memory in order (Intel SDM vol. 3A, 9.2.2), so
// only the compiler must not move them across this point.
void write_barrier()
{
    // An empty asm with a memory clobber: the compiler emits every store
    // before it and none after it; it relies on x86's store ordering above.
    asm volatile("" ::: "memory");
}

} // namespace

kstd::Expected<void, mem::FrameError> Virtqueue::allocate(uint16_t size)
{
    const uint64_t bytes = legacy_queue_bytes(size);
    m_order = order_for(bytes);
    m_base = TRY(mem::physical::allocate_run(m_order));
    // The run's frames are usable RAM, which the direct map covers.
    std::byte* memory = MUST(mem::phys_to_pointer<std::byte>(m_base));
    __builtin_memset(memory, 0, legacy_queue_align << m_order);
    m_size = size;
    m_last_used = 0;
    // The layout of virtqueue.h: three arrays at fixed offsets in the run,
    // each suitably aligned (16, 2 and 4096 bytes).
    m_descriptors = reinterpret_cast<Descriptor*>(memory);
    m_available = reinterpret_cast<volatile uint16_t*>(memory + descriptor_bytes(size));
    m_used_header = reinterpret_cast<volatile uint16_t*>(memory + used_offset(size));
    m_used_ring = reinterpret_cast<volatile UsedElement*>(memory + used_offset(size) + 4);
    return {};
}

void Virtqueue::make_available(uint16_t head)
{
    // available: [0] flags (0: interrupt us), [1] idx, [2 + i] ring entries.
    const uint16_t index = m_available[1];
    m_available[2 + index % m_size] = head;
    write_barrier(); // the entry before the index that publishes it (2.4.6.2)
    m_available[1] = static_cast<uint16_t>(index + 1);
    write_barrier(); // the index before the notification that follows
}

bool Virtqueue::take_used(UsedElement& element)
{
    const uint16_t device_index = m_used_header[1];
    if (device_index == m_last_used)
        return false;
    // The device wrote the element before the index (2.4.8.2); x86 does not
    // reorder loads with loads, and both are volatile.
    const volatile UsedElement& used = m_used_ring[m_last_used % m_size];
    element.id = used.id;
    element.length = used.length;
    ++m_last_used;
    return true;
}

} // namespace drivers::virtio

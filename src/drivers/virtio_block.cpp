#include "drivers/virtio_block.h"
#include "arch/x86_64/port.h"
#include "core/print.h"
#include "interrupts/irq.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"
#include "sync/idle.h"
#include "sync/interrupt_guard.h"

// --- Waiting for an interrupt (the hook the scheduler fills in) ---------------

namespace drivers {

namespace {
// Written with interrupts off, read by waiters and by IRQ handlers.
IoWaiter g_io_waiter = nullptr;
IoWaker g_io_waker = nullptr;
} // namespace

void set_io_waiter(IoWaiter wait, IoWaker wake)
{
    const sync::InterruptGuard no_handler_in_between;
    g_io_waker = wake;
    g_io_waiter = wait;
}

void wait_for_io(volatile bool& done)
{
    if (IoWaiter waiter = g_io_waiter) {
        waiter(done);
        return;
    }
    // No scheduler: halt until an interrupt handler has set the flag. The
    // check runs with interrupts off and STI;HLT ends it (sync/idle.h), so a
    // completion between the check and the halt is not missed.
    const sync::InterruptGuard guard;
    while (!done)
        sync::wait_for_interrupt();
}

void wake_io_waiters()
{
    if (IoWaker waker = g_io_waker)
        waker();
}

} // namespace drivers

// --- virtio-blk ----------------------------------------------------------------

namespace drivers::virtio_block {

void on_interrupt(uint8_t line); // befriended by Disk

namespace {

// Legacy I/O registers, offsets from BAR0 (virtio 1.0, 4.1.4.8), without
// MSI-X (never enabled here), so the device configuration starts at 0x14.
enum Register : uint16_t {
    DeviceFeatures = 0x00, // 32 bits, read
    GuestFeatures = 0x04,  // 32 bits
    QueueAddress = 0x08,   // 32 bits: page frame number of the queue
    QueueSize = 0x0C,      // 16 bits, read
    QueueSelect = 0x0E,    // 16 bits
    QueueNotify = 0x10,    // 16 bits: write the queue's index
    DeviceStatus = 0x12,   // 8 bits; 0 resets the device
    IsrStatus = 0x13,      // 8 bits, read: reading it acknowledges the interrupt
    Capacity = 0x14,       // virtio_blk_config.capacity: 64 bits, in 512-byte sectors (5.2.4)
};

// Device status bits (2.1).
constexpr uint8_t status_acknowledge = 1;
constexpr uint8_t status_driver = 2;
constexpr uint8_t status_driver_ok = 4;
constexpr uint8_t status_failed = 128;

// ISR bits (4.1.4.5).
constexpr uint8_t isr_queue = 1;

// Request status values (5.2.6).
constexpr uint8_t blk_status_ok = 0;

constexpr uint16_t pci_command_interrupt_disable = 1u << 10;

// The request frame: the header at 0, the status byte at 16.
constexpr size_t header_offset = 0;
constexpr size_t status_offset = 16;
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

Disk g_disk_storage[max_disks];
Disk* g_disks[max_disks];
size_t g_disk_count = 0;
bool g_probed = false;
bool g_line_ours[interrupts::irq_count]; // lines whose handler is irq_entry

// Every line we registered has this handler: the line from the vector, then
// each disk on it (PCI INTx lines may be shared).
void irq_entry(arch::InterruptFrame& frame)
{
    on_interrupt(static_cast<uint8_t>(frame.vector - interrupts::irq_base_vector));
}

// Holds a disk for one request (see virtio_block.h, "Locking").
class Held {
public:
    explicit Held(Disk& disk, void (Disk::*release)()) : m_disk(disk), m_release(release) {}
    ~Held() { (m_disk.*m_release)(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

private:
    Disk& m_disk;
    void (Disk::*m_release)();
};

} // namespace

void on_interrupt(uint8_t line)
{
    bool completed = false;
    for (Disk& disk : g_disk_storage) {
        if (disk.m_irq_line == line && disk.m_io_base != 0)
            completed = disk.handle_interrupt() || completed;
    }
    if (completed)
        wake_io_waiters();
}

bool Disk::handle_interrupt()
{
    const uint8_t isr = arch::Port8(static_cast<uint16_t>(m_io_base + IsrStatus)).read();
    if ((isr & isr_queue) == 0)
        return false; // not ours (a shared line), or only a configuration change
    virtio::UsedElement element;
    bool any = false;
    while (m_queue.take_used(element)) {
        m_completed = m_completed + 1;
        any = true;
    }
    if (any)
        m_done = true; // one request in flight: any used entry is its completion
    return any;
}

bool Disk::start(const pci::Device& device)
{
    const pci::Bar& bar0 = device.bars[0];
    if (bar0.kind != pci::BarKind::Io || bar0.size < 0x20) {
        core::println("virtio-blk: {}: no legacy I/O BAR0; not used", device);
        return false;
    }
    if (device.interrupt_pin == 0 || device.interrupt_line >= interrupts::irq_count
        || device.interrupt_line == interrupts::irq::cascade) {
        core::println("virtio-blk: {}: no usable INTx line ({}); not used", device, device.interrupt_line);
        return false;
    }
    m_pci = device.address;
    const uint16_t base = static_cast<uint16_t>(bar0.address);
    const arch::Port8 status(static_cast<uint16_t>(base + DeviceStatus));

    // I/O decoding and bus mastering (the device reads and writes our
    // frames), INTx not disabled.
    uint16_t command = pci::read_config16(m_pci, pci::config::command);
    command = static_cast<uint16_t>((command | pci::command_io_space | pci::command_bus_master)
                                    & ~pci_command_interrupt_disable);
    pci::write_config16(m_pci, pci::config::command, command);

    // 3.1.2 (legacy): reset, ACKNOWLEDGE, DRIVER, features, queues, DRIVER_OK.
    status.write(0);
    status.write(status_acknowledge);
    status.write(status_acknowledge | status_driver);
    const uint32_t offered = arch::Port32(static_cast<uint16_t>(base + DeviceFeatures)).read();
    m_features = offered & (feature::read_only | feature::flush);
    arch::Port32(static_cast<uint16_t>(base + GuestFeatures)).write(m_features);

    arch::Port16(static_cast<uint16_t>(base + QueueSelect)).write(0);
    const uint16_t size = arch::Port16(static_cast<uint16_t>(base + QueueSize)).read();
    if (size == 0 || (size & (size - 1)) != 0 || size > virtio::max_queue_size) {
        core::println("virtio-blk: queue 0 has size {}; not used", size);
        status.write(status_failed);
        return false;
    }
    auto queue = m_queue.allocate(size);
    auto request = mem::physical::allocate();
    auto bounce = mem::physical::allocate_run(bounce_order);
    if (!queue || !request || !bounce) {
        core::println("virtio-blk: no frames for the queue and buffers; not used");
        status.write(status_failed);
        return false; // the frames taken stay taken: a boot-time failure, once
    }
    m_request_frame = *request;
    m_bounce = *bounce;
    // Frames of usable RAM, which the direct map covers.
    m_request = MUST(mem::phys_to_pointer<std::byte>(m_request_frame));
    m_bounce_memory = MUST(mem::phys_to_pointer<std::byte>(m_bounce));
    __builtin_memset(m_request, 0, 4096);
    arch::Port32(static_cast<uint16_t>(base + QueueAddress)).write(m_queue.page_frame_number());

    const uint64_t low = arch::Port32(static_cast<uint16_t>(base + Capacity)).read();
    const uint64_t high = arch::Port32(static_cast<uint16_t>(base + Capacity + 4)).read();
    m_sectors = high << 32 | low;

    // The handler must be in place before the device may interrupt.
    const uint8_t line = device.interrupt_line;
    if (!g_line_ours[line]) {
        if (auto registered = interrupts::register_irq_handler(line, &irq_entry); !registered) {
            core::println("virtio-blk: IRQ {} is not free ({}); not used", line, registered.error());
            status.write(status_failed);
            return false;
        }
        g_line_ours[line] = true;
    }
    {
        const sync::InterruptGuard no_interrupt_before_the_disk_is_whole;
        m_irq_line = line;
        m_io_base = base;
    }
    status.write(status_acknowledge | status_driver | status_driver_ok);
    return true;
}

void Disk::acquire()
{
    for (;;) {
        {
            sync::SpinlockGuard guard(m_lock);
            if (m_free) {
                m_free = false;
                return;
            }
        }
        wait_for_io(m_free);
    }
}

void Disk::release()
{
    {
        sync::SpinlockGuard guard(m_lock);
        m_free = true;
    }
    wake_io_waiters();
}

kstd::Expected<void, BlockError> Disk::submit(Kind kind, uint64_t sector, uint32_t count)
{
    // The request frame holds the header and the status; the device reads the
    // one and writes the other. Both are plain bytes of our own frame.
    auto* header = reinterpret_cast<RequestHeader*>(m_request + header_offset);
    header->type = static_cast<uint32_t>(kind);
    header->reserved = 0;
    header->sector = sector;
    volatile uint8_t& status = *reinterpret_cast<volatile uint8_t*>(m_request + status_offset);
    status = 0xFF; // no status yet

    // The chain: 0 header -> 1 data -> 2 status (a flush has no data).
    virtio::Descriptor& head = m_queue.descriptor(0);
    head = {m_request_frame.value() + header_offset, sizeof(RequestHeader), virtio::descriptor_next,
            static_cast<uint16_t>(kind == Kind::Flush ? 2 : 1)};
    if (kind != Kind::Flush) {
        m_queue.descriptor(1) = {m_bounce.value(), count * sector_size,
                                 static_cast<uint16_t>(virtio::descriptor_next
                                                       | (kind == Kind::In ? virtio::descriptor_write : 0)),
                                 2};
    }
    m_queue.descriptor(2) = {m_request_frame.value() + status_offset, 1, virtio::descriptor_write, 0};

    m_done = false;
    m_queue.make_available(0);
    // Always notified: VIRTQ_USED_F_NO_NOTIFY is only a hint (2.4.7).
    arch::Port16(static_cast<uint16_t>(m_io_base + QueueNotify)).write(0);
    wait_for_io(m_done);

    if (status != blk_status_ok)
        return kstd::unexpected(BlockError::DeviceError); // IOERR (1), UNSUPP (2) or none at all
    return {};
}

kstd::Expected<void, BlockError> Disk::read(uint64_t first, uint32_t count, std::span<std::byte> into)
{
    TRY(check_range(first, count, into.size()));
    for (uint32_t done = 0; done < count;) {
        const uint32_t now = count - done < max_sectors_per_request ? count - done : max_sectors_per_request;
        acquire();
        const Held held(*this, &Disk::release);
        TRY(submit(Kind::In, first + done, now));
        __builtin_memcpy(into.data() + done * sector_size, m_bounce_memory, now * sector_size);
        done += now;
    }
    return {};
}

kstd::Expected<void, BlockError> Disk::write(uint64_t first, uint32_t count, std::span<const std::byte> from)
{
    TRY(check_range(first, count, from.size()));
    if (is_read_only())
        return kstd::unexpected(BlockError::ReadOnly);
    for (uint32_t done = 0; done < count;) {
        const uint32_t now = count - done < max_sectors_per_request ? count - done : max_sectors_per_request;
        acquire();
        const Held held(*this, &Disk::release);
        __builtin_memcpy(m_bounce_memory, from.data() + done * sector_size, now * sector_size);
        TRY(submit(Kind::Out, first + done, now));
        done += now;
    }
    return {};
}

kstd::Expected<void, BlockError> Disk::flush()
{
    if (!has_flush())
        return {}; // without VIRTIO_BLK_F_FLUSH the device writes through (5.2.5)
    acquire();
    const Held held(*this, &Disk::release);
    return submit(Kind::Flush, 0, 0);
}

void probe()
{
    if (g_probed)
        return;
    g_probed = true;
    for (const pci::Device& device : pci::devices()) {
        if (device.vendor != vendor_id || device.device != transitional_block_device_id)
            continue;
        if (g_disk_count == max_disks)
            break;
        Disk& disk = g_disk_storage[g_disk_count];
        if (!disk.start(device))
            continue;
        disk.m_name_length = static_cast<size_t>(
            kstd::format_into(std::span<char>(disk.m_name, sizeof disk.m_name), "virtio{}", g_disk_count)
                .text.size());
        g_disks[g_disk_count++] = &disk;
        register_block_device(disk);
    }
}

std::span<Disk* const> disks()
{
    return {g_disks, g_disk_count};
}

} // namespace drivers::virtio_block

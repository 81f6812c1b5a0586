#pragma once
// virtio-blk disks on PCI (QEMU's -drive file=X,format=raw,if=virtio), through
// the legacy I/O interface of a transitional device (vendor 0x1AF4, device
// 0x1001; virtio 1.0, 4.1.4.8 "Legacy Interfaces: A Note on PCI Device
// Layout", and 5.2 "Block Device"). See docs/devices.md for a picture.
//
//   drivers::virtio_block::probe();            // once, at boot: "virtio0", "virtio1", ...
//   drivers::BlockDevice& disk = *drivers::virtio_block::disks()[0];
//   TRY(disk.read(0, 1, sector));
//
// probe() takes each such PCI function (at most max_disks), resets it, sets
// ACKNOWLEDGE and DRIVER, takes only the features it uses (VIRTIO_BLK_F_RO,
// to refuse writes with BlockError::ReadOnly, and VIRTIO_BLK_F_FLUSH, for
// flush()), sets up queue 0 in zeroed frames of its own, registers the
// function's INTx line (config space's interrupt line, a PIC IRQ) and sets
// DRIVER_OK, then registers the disk as a block device.
//
// A request is a chain of three descriptors (header, data, status; two for
// a flush), its data through a bounce buffer in the driver's own frames
// (max_sectors_per_request at a time). Completion is by interrupt: the
// submitting thread sleeps (set_io_waiter) until the IRQ handler, which
// reads the ISR register (acknowledging the interrupt) and collects the used
// ring, says it is done. A status of IOERR or UNSUPP is BlockError::DeviceError.
//
// Locking: one request in flight per disk. A thread takes the disk (a flag
// under a spinlock, waited for with the same waiter) for one request and
// lets it go when the request is complete; interrupts stay on meanwhile.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "drivers/block_device.h"
#include "drivers/pci.h"
#include "drivers/virtqueue.h"
#include "kstd/expected.h"
#include "sync/spinlock.h"

namespace drivers {

// How a driver waits for an interrupt to set `done`: the scheduler registers
// one that sleeps on a wait queue (sched/io_wait.cpp), and `wake` the
// counterpart an IRQ handler calls after setting a flag (callable with
// interrupts off, from the handler). Until then (early boot, a kernel without
// a scheduler) a waiter halts with interrupts on until `done` is set.
using IoWaiter = void (*)(volatile bool& done);
using IoWaker = void (*)();
void set_io_waiter(IoWaiter wait, IoWaker wake);
// Blocks until `done` (through the waiter, or halting), and wakes waiters.
void wait_for_io(volatile bool& done);
void wake_io_waiters();

} // namespace drivers

namespace drivers::virtio_block {

inline constexpr uint16_t vendor_id = 0x1AF4;
inline constexpr uint16_t transitional_block_device_id = 0x1001;
inline constexpr uint32_t sector_size = 512;
inline constexpr unsigned bounce_order = 4; // 64 KiB of frames per disk
inline constexpr uint32_t max_sectors_per_request = (4096u << bounce_order) / sector_size;
inline constexpr size_t max_disks = 4;

// Feature bits (5.2.3) this driver knows.
namespace feature {
inline constexpr uint32_t read_only = 1u << 5;
inline constexpr uint32_t flush = 1u << 9;
} // namespace feature

class Disk final : public BlockDevice {
public:
    Disk() = default;
    Disk(const Disk&) = delete;
    Disk& operator=(const Disk&) = delete;

    std::string_view name() const override { return {m_name, m_name_length}; }
    uint32_t block_size() const override { return sector_size; }
    uint64_t block_count() const override { return m_sectors; }

    [[nodiscard]] kstd::Expected<void, BlockError> read(uint64_t first, uint32_t count,
                                                        std::span<std::byte> into) override;
    [[nodiscard]] kstd::Expected<void, BlockError> write(uint64_t first, uint32_t count,
                                                         std::span<const std::byte> from) override;
    [[nodiscard]] kstd::Expected<void, BlockError> flush() override;

    bool is_read_only() const { return (m_features & feature::read_only) != 0; }
    bool has_flush() const { return (m_features & feature::flush) != 0; }
    uint32_t features() const { return m_features; }      // as negotiated
    uint16_t queue_size() const { return m_queue.size(); } // as the device says
    uint8_t irq_line() const { return m_irq_line; }
    uint16_t io_base() const { return m_io_base; }
    const pci::Address& pci_address() const { return m_pci; }
    // Requests completed (used-ring entries the interrupt handler collected).
    uint64_t completed_requests() const { return m_completed; }

private:
    friend void probe();
    friend void on_interrupt(uint8_t line);
    enum class Kind : uint32_t { In = 0, Out = 1, Flush = 4 }; // VIRTIO_BLK_T_* (5.2.6)

    // Brings the device up (see above); false: it is not used.
    bool start(const pci::Device& device);
    // One request of at most max_sectors_per_request, data in the bounce buffer.
    kstd::Expected<void, BlockError> submit(Kind kind, uint64_t sector, uint32_t count);
    void acquire();
    void release();
    // The IRQ handler's part: reads (and so acknowledges) the ISR; true if it was ours.
    bool handle_interrupt();

    pci::Address m_pci;
    uint16_t m_io_base = 0;
    uint8_t m_irq_line = 0xFF;
    uint32_t m_features = 0;
    uint64_t m_sectors = 0;
    virtio::Virtqueue m_queue;
    arch::PhysAddr m_request_frame; // the header (16 bytes) and the status byte
    arch::PhysAddr m_bounce;        // bounce_order frames of data
    std::byte* m_request = nullptr; // the request frame through the direct map
    std::byte* m_bounce_memory = nullptr;
    sync::Spinlock m_lock{"virtio-blk"}; // guards m_free's test-and-set
    volatile bool m_free = true;         // no request in flight: a thread may take the disk
    volatile bool m_done = false;        // the request in flight is complete (set by the IRQ handler)
    volatile uint64_t m_completed = 0;
    char m_name[10] = {};
    size_t m_name_length = 0;
};

// Finds the devices on PCI (pci::enumerate() first) and registers them (see
// above). Again: a no-op.
void probe();
std::span<Disk* const> disks();

} // namespace drivers::virtio_block

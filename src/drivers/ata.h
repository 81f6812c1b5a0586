#pragma once
// ATA disks on the legacy IDE ports, PIO with polling (ATA/ATAPI-6,
// T13/1410D; OSDev wiki "ATA PIO Mode"):
//
//   channel    command block     control block   IRQ (not used)
//   primary    0x1F0-0x1F7       0x3F6           14
//   secondary  0x170-0x177       0x376           15
//
//   drivers::ata::probe();                     // once, at boot: registers "ata0", "ata1", ...
//   drivers::BlockDevice& disk = *drivers::block_devices()[0];
//   TRY(disk.read(0, 1, sector));
//
// probe() sends IDENTIFY DEVICE to the master and the slave of both channels
// and keeps each ATA disk that answers (at most four), in that order, named
// ata0, ata1, ... by the order found, and registers it as a block device.
// ATAPI devices (the boot CD-ROM) and SATA devices behind a legacy-mode
// controller answer IDENTIFY DEVICE with an abort and a signature in the LBA
// mid/high registers (0x14/0xEB, 0x3C/0xC3); they are skipped.
//
// Commands: READ SECTORS (0x20) and WRITE SECTORS (0x30) with 28-bit LBAs,
// READ/WRITE SECTORS EXT (0x24, 0x34) for blocks at or above 2^28 when the
// disk supports 48-bit addressing (IDENTIFY word 83 bit 10), FLUSH CACHE
// (0xE7) or FLUSH CACHE EXT (0xEA) for flush(). Every wait polls the status
// register with a bound (about two seconds by the TSC, or a fixed number of
// polls before it is calibrated) and gives BlockError::Timeout when it runs
// out: nothing here loops forever. ERR or DF in the status is
// BlockError::DeviceError (the error register's value is kept:
// last_error()); a status of 0xFF (nothing drives the bus) or 0x00 is
// NoDevice. The device's interrupt is switched off (nIEN), so no IRQ 14/15
// arrives; DMA, interrupts and ATAPI are not done.
//
// Locking: each channel has a spinlock, taken (interrupts off) for one
// command, so two threads never interleave on a channel's registers. A
// transfer is split into commands of at most max_sectors_per_command
// (16 KiB), so interrupts stay off for one such command at a time.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "drivers/block_device.h"
#include "kstd/expected.h"

namespace drivers::ata {

inline constexpr uint32_t sector_size = 512;
inline constexpr uint32_t max_sectors_per_command = 32;
inline constexpr size_t max_disks = 4;

struct Channel;

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

    // IDENTIFY's model string, trailing spaces dropped ("QEMU HARDDISK").
    std::string_view model() const { return {m_model, m_model_length}; }
    bool supports_lba48() const { return m_lba48; }
    bool is_primary() const;
    bool is_slave() const { return m_slave; }
    // The error register after the last DeviceError (ABRT 0x04, IDNF 0x10, UNC 0x40, ...).
    uint8_t last_error() const { return m_last_error; }

private:
    friend void probe();
    // IDENTIFY DEVICE: fills the disk in, or says why there is no ATA disk there.
    kstd::Expected<void, BlockError> identify(Channel& channel, bool slave);
    enum class Direction : uint8_t { Read, Write };
    kstd::Expected<void, BlockError> transfer(Direction direction, uint64_t first, uint32_t count, std::byte* data);

    Channel* m_channel = nullptr;
    bool m_slave = false;
    bool m_lba48 = false;
    uint8_t m_last_error = 0;
    uint64_t m_sectors = 0;
    char m_name[8] = {};
    size_t m_name_length = 0;
    char m_model[41] = {};
    size_t m_model_length = 0;
};

// Finds the ATA disks on both channels and registers them (see above).
// Again: a no-op (the disks found the first time stay).
void probe();
std::span<Disk* const> disks();

} // namespace drivers::ata

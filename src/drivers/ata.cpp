#include "drivers/ata.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "arch/x86_64/tsc.h"
#include "sync/spinlock.h"

namespace drivers::ata {

// One IDE channel: its command block (8 registers from `base`) and control block.
struct Channel {
    constexpr Channel(uint16_t command_block, uint16_t control_block, const char* lock_name)
        : base(command_block), control(control_block), lock(lock_name)
    {
    }
    uint16_t base;
    uint16_t control;
    sync::Spinlock lock; // held for one command (see ata.h)
};

namespace {

// Command block registers, offsets from the base (ATA/ATAPI-6, 7.1).
enum Register : uint8_t {
    Data = 0,        // 16 bits
    ErrorFeatures = 1,
    SectorCount = 2,
    LbaLow = 3,
    LbaMid = 4,
    LbaHigh = 5,
    DriveHead = 6,   // bit 6 LBA, bit 4 the slave (DEV)
    StatusCommand = 7,
};

// Status bits.
constexpr uint8_t status_err = 0x01;
constexpr uint8_t status_drq = 0x08;
constexpr uint8_t status_df = 0x20;
constexpr uint8_t status_bsy = 0x80;

// Device control (written to the control block): nIEN, no interrupts.
constexpr uint8_t control_nien = 0x02;

// Commands.
constexpr uint8_t command_read_sectors = 0x20;
constexpr uint8_t command_read_sectors_ext = 0x24;
constexpr uint8_t command_write_sectors = 0x30;
constexpr uint8_t command_write_sectors_ext = 0x34;
constexpr uint8_t command_flush_cache = 0xE7;
constexpr uint8_t command_flush_cache_ext = 0xEA;
constexpr uint8_t command_identify_device = 0xEC;

constexpr uint64_t lba28_limit = 1ull << 28;
constexpr uint32_t words_per_sector = sector_size / 2;

Channel g_channels[2] = {Channel(0x1F0, 0x3F6, "ata primary"), Channel(0x170, 0x376, "ata secondary")};
Disk g_disk_storage[max_disks];
Disk* g_disks[max_disks];
size_t g_disk_count = 0;
bool g_probed = false;

arch::Port8 reg(const Channel& channel, Register r)
{
    return arch::Port8(static_cast<uint16_t>(channel.base + r));
}

// The alternate status (control block): the status without acknowledging an interrupt.
uint8_t alternate_status(const Channel& channel)
{
    return arch::Port8(channel.control).read();
}

// A bounded wait: about two seconds by the TSC once it is calibrated, else a
// number of polls (each a port read, a microsecond or so on hardware).
class Deadline {
public:
    Deadline()
    {
        if (auto hz = arch::tsc::frequency_hz()) {
            m_end = arch::tsc::now() + 2 * *hz;
            m_by_tsc = true;
        }
    }
    bool expired()
    {
        if (m_by_tsc)
            return arch::tsc::now() > m_end;
        return ++m_polls > max_polls;
    }

private:
    static constexpr uint64_t max_polls = 4'000'000;
    uint64_t m_end = 0;
    uint64_t m_polls = 0;
    bool m_by_tsc = false;
};

// 400 ns after selecting a drive or issuing a command before the status is
// valid: four reads of the alternate status take at least that (ATA/ATAPI-6, 9.2).
void settle(const Channel& channel)
{
    for (int i = 0; i < 4; ++i)
        (void)alternate_status(channel);
}

// Waits until BSY clears; the status then. 0xFF: nothing drives the bus.
kstd::Expected<uint8_t, BlockError> wait_not_busy(const Channel& channel)
{
    Deadline deadline;
    for (;;) {
        const uint8_t status = alternate_status(channel);
        if (status == 0xFF)
            return kstd::unexpected(BlockError::NoDevice);
        if ((status & status_bsy) == 0)
            return status;
        if (deadline.expired())
            return kstd::unexpected(BlockError::Timeout);
        arch::pause();
    }
}

} // namespace

namespace {

// Waits until the device is ready to move a sector's data (DRQ), or reports
// why it will not: ERR or DF (the error register saved in `error`), nothing
// there (status 0), or time.
kstd::Expected<void, BlockError> wait_data(const Channel& channel, uint8_t& error)
{
    Deadline deadline;
    for (;;) {
        const uint8_t status = TRY(wait_not_busy(channel));
        if (status & (status_err | status_df)) {
            error = reg(channel, ErrorFeatures).read();
            return kstd::unexpected(BlockError::DeviceError);
        }
        if (status & status_drq)
            return {};
        if (status == 0)
            return kstd::unexpected(BlockError::NoDevice);
        if (deadline.expired())
            return kstd::unexpected(BlockError::Timeout);
        arch::pause();
    }
}

// After a command without data (or a write's last sector): BSY clear, no error.
kstd::Expected<void, BlockError> wait_done(const Channel& channel, uint8_t& error)
{
    const uint8_t status = TRY(wait_not_busy(channel));
    if (status & (status_err | status_df)) {
        error = reg(channel, ErrorFeatures).read();
        return kstd::unexpected(BlockError::DeviceError);
    }
    if (status == 0)
        return kstd::unexpected(BlockError::NoDevice);
    return {};
}

void read_words(const Channel& channel, std::byte* into)
{
    const arch::Port16 data(static_cast<uint16_t>(channel.base + Data));
    for (uint32_t i = 0; i < words_per_sector; ++i) {
        const uint16_t word = data.read();
        __builtin_memcpy(into + 2 * i, &word, 2); // the disk's bytes in order: little-endian words
    }
}

void write_words(const Channel& channel, const std::byte* from)
{
    const arch::Port16 data(static_cast<uint16_t>(channel.base + Data));
    for (uint32_t i = 0; i < words_per_sector; ++i) {
        uint16_t word;
        __builtin_memcpy(&word, from + 2 * i, 2);
        data.write(word);
    }
}

// Selects master or slave with `head_bits` (LBA mode, LBA28's top four bits) and waits for it.
kstd::Expected<void, BlockError> select(const Channel& channel, bool slave, uint8_t head_bits)
{
    reg(channel, DriveHead).write(static_cast<uint8_t>(0xA0 | (slave ? 0x10 : 0) | head_bits));
    settle(channel);
    TRY(wait_not_busy(channel));
    return {};
}

} // namespace

bool Disk::is_primary() const
{
    return m_channel == &g_channels[0];
}

kstd::Expected<void, BlockError> Disk::identify(Channel& channel, bool slave)
{
    sync::SpinlockGuard guard(channel.lock);
    arch::Port8(channel.control).write(control_nien);
    if (reg(channel, StatusCommand).read() == 0xFF)
        return kstd::unexpected(BlockError::NoDevice); // a floating bus: no channel, no drives
    reg(channel, DriveHead).write(slave ? 0xB0 : 0xA0);
    settle(channel);
    reg(channel, SectorCount).write(0);
    reg(channel, LbaLow).write(0);
    reg(channel, LbaMid).write(0);
    reg(channel, LbaHigh).write(0);
    reg(channel, StatusCommand).write(command_identify_device);
    settle(channel);
    if (alternate_status(channel) == 0)
        return kstd::unexpected(BlockError::NoDevice); // no drive answers as this one
    TRY(wait_not_busy(channel));
    // An ATAPI (0x14/0xEB) or SATA (0x3C/0xC3) device aborts and leaves its signature here.
    if (reg(channel, LbaMid).read() != 0 || reg(channel, LbaHigh).read() != 0)
        return kstd::unexpected(BlockError::NoDevice);
    uint8_t error = 0;
    TRY(wait_data(channel, error));

    uint16_t words[256];
    read_words(channel, reinterpret_cast<std::byte*>(words)); // any object's bytes may be written as bytes
    if (words[0] & 0x8000)
        return kstd::unexpected(BlockError::NoDevice); // not an ATA device
    if ((words[49] & (1u << 9)) == 0)
        return kstd::unexpected(BlockError::NoDevice); // no LBA: CHS-only disks are not taken
    m_channel = &channel;
    m_slave = slave;
    m_lba48 = (words[83] & (1u << 10)) != 0;
    const uint64_t lba28_sectors = words[60] | static_cast<uint64_t>(words[61]) << 16;
    uint64_t lba48_sectors = 0;
    for (int i = 3; i >= 0; --i)
        lba48_sectors = lba48_sectors << 16 | words[100 + i];
    m_sectors = m_lba48 && lba48_sectors != 0 ? lba48_sectors : lba28_sectors;
    // The model: words 27-46, two characters a word, the first in the high byte.
    m_model_length = 0;
    for (int i = 27; i <= 46; ++i) {
        m_model[m_model_length++] = static_cast<char>(words[i] >> 8);
        m_model[m_model_length++] = static_cast<char>(words[i] & 0xFF);
    }
    while (m_model_length > 0 && (m_model[m_model_length - 1] == ' ' || m_model[m_model_length - 1] == '\0'))
        --m_model_length;
    return {};
}

kstd::Expected<void, BlockError> Disk::transfer(Direction direction, uint64_t first, uint32_t count, std::byte* data)
{
    const Channel& channel = *m_channel;
    sync::SpinlockGuard guard(m_channel->lock);
    const bool lba48 = first + count > lba28_limit;
    if (lba48 && !m_lba48)
        return kstd::unexpected(BlockError::OutOfRange);
    if (lba48) {
        TRY(select(channel, m_slave, 0x40));
        // Each register is a two-deep FIFO: the high bytes first, then the low ones (ATA/ATAPI-6, 6.20).
        reg(channel, SectorCount).write(static_cast<uint8_t>(count >> 8));
        reg(channel, LbaLow).write(static_cast<uint8_t>(first >> 24));
        reg(channel, LbaMid).write(static_cast<uint8_t>(first >> 32));
        reg(channel, LbaHigh).write(static_cast<uint8_t>(first >> 40));
    } else {
        TRY(select(channel, m_slave, static_cast<uint8_t>(0x40 | ((first >> 24) & 0x0F))));
    }
    reg(channel, SectorCount).write(static_cast<uint8_t>(count)); // 256 is written as 0 in LBA28
    reg(channel, LbaLow).write(static_cast<uint8_t>(first));
    reg(channel, LbaMid).write(static_cast<uint8_t>(first >> 8));
    reg(channel, LbaHigh).write(static_cast<uint8_t>(first >> 16));
    const bool reading = direction == Direction::Read;
    reg(channel, StatusCommand)
        .write(reading ? (lba48 ? command_read_sectors_ext : command_read_sectors)
                       : (lba48 ? command_write_sectors_ext : command_write_sectors));
    settle(channel);
    for (uint32_t i = 0; i < count; ++i) {
        TRY(wait_data(channel, m_last_error));
        if (reading)
            read_words(channel, data + i * sector_size);
        else
            write_words(channel, data + i * sector_size);
    }
    if (!reading)
        TRY(wait_done(channel, m_last_error));
    return {};
}

kstd::Expected<void, BlockError> Disk::read(uint64_t first, uint32_t count, std::span<std::byte> into)
{
    TRY(check_range(first, count, into.size()));
    for (uint32_t done = 0; done < count;) {
        const uint32_t now = count - done < max_sectors_per_command ? count - done : max_sectors_per_command;
        TRY(transfer(Direction::Read, first + done, now, into.data() + done * sector_size));
        done += now;
    }
    return {};
}

kstd::Expected<void, BlockError> Disk::write(uint64_t first, uint32_t count, std::span<const std::byte> from)
{
    TRY(check_range(first, count, from.size()));
    for (uint32_t done = 0; done < count;) {
        const uint32_t now = count - done < max_sectors_per_command ? count - done : max_sectors_per_command;
        // transfer() only reads through the pointer when writing: the const is only set aside.
        TRY(transfer(Direction::Write, first + done, now, const_cast<std::byte*>(from.data()) + done * sector_size));
        done += now;
    }
    return {};
}

kstd::Expected<void, BlockError> Disk::flush()
{
    const Channel& channel = *m_channel;
    sync::SpinlockGuard guard(m_channel->lock);
    TRY(select(channel, m_slave, 0x40));
    reg(channel, StatusCommand).write(m_lba48 ? command_flush_cache_ext : command_flush_cache);
    settle(channel);
    TRY(wait_done(channel, m_last_error));
    return {};
}

void probe()
{
    if (g_probed)
        return;
    g_probed = true;
    for (Channel& channel : g_channels) {
        for (bool slave : {false, true}) {
            Disk& disk = g_disk_storage[g_disk_count];
            if (!disk.identify(channel, slave))
                continue;
            disk.m_name_length = static_cast<size_t>(
                kstd::format_into(std::span<char>(disk.m_name, sizeof disk.m_name), "ata{}", g_disk_count)
                    .text.size());
            g_disks[g_disk_count++] = &disk;
            register_block_device(disk);
        }
    }
}

std::span<Disk* const> disks()
{
    return {g_disks, g_disk_count};
}

} // namespace drivers::ata

#include "drivers/block_device.h"

namespace drivers {

namespace {
constexpr size_t max_devices = 8;
BlockDevice* g_devices[max_devices]; // filled at boot, before other threads look
size_t g_count = 0;
} // namespace

std::string_view to_string(BlockError error)
{
    switch (error) {
    case BlockError::OutOfRange: return "blocks out of the device's range";
    case BlockError::DeviceError: return "the device reported an error";
    case BlockError::Timeout: return "the device did not answer in time";
    case BlockError::NoDevice: return "no device there";
    case BlockError::ReadOnly: return "the device is read-only";
    }
    return "unknown block-device error";
}

kstd::Expected<void, BlockError> BlockDevice::check_range(uint64_t first, uint32_t count, size_t bytes) const
{
    uint64_t end;
    if (count == 0 || __builtin_add_overflow(first, count, &end) || end > block_count()
        || bytes != static_cast<uint64_t>(count) * block_size())
        return kstd::unexpected(BlockError::OutOfRange);
    return {};
}

void register_block_device(BlockDevice& device)
{
    if (g_count < max_devices)
        g_devices[g_count++] = &device;
}

std::span<BlockDevice* const> block_devices()
{
    return {g_devices, g_count};
}

} // namespace drivers

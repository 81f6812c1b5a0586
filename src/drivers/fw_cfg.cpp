#include "drivers/fw_cfg.h"
#include <cstdint>
#include "arch/x86_64/port.h"

namespace drivers::fw_cfg {

namespace {
constexpr arch::Port16 selector(0x510);
constexpr arch::Port8 data(0x511);
constexpr uint16_t key_signature = 0x0000;
constexpr uint16_t key_cpu_count = 0x0005; // FW_CFG_NB_CPUS, a little-endian u16 (QEMU docs/specs/fw_cfg.rst)
constexpr uint16_t key_file_directory = 0x0019;
constexpr size_t file_name_size = 56;

void select(uint16_t key)
{
    selector.write(key);
}

uint32_t read_be32()
{
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value = value << 8 | data.read();
    return value;
}

uint16_t read_be16()
{
    const uint16_t high = data.read();
    return static_cast<uint16_t>(high << 8 | data.read());
}
} // namespace

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NotPresent: return "no fw_cfg device";
    case Error::NotFound: return "no such fw_cfg file";
    case Error::TooLarge: return "fw_cfg file larger than the buffer";
    }
    return "unknown fw_cfg error";
}

bool present()
{
    select(key_signature);
    constexpr char expected[] = {'Q', 'E', 'M', 'U'};
    bool match = true;
    for (char c : expected)
        match &= data.read() == static_cast<uint8_t>(c);
    return match;
}

kstd::Expected<uint16_t, Error> cpu_count()
{
    if (!present())
        return kstd::unexpected(Error::NotPresent);
    select(key_cpu_count);
    const uint8_t low = data.read();
    return static_cast<uint16_t>(low | (data.read() << 8));
}

kstd::Expected<size_t, Error> read_file(std::string_view name, std::span<char> buffer)
{
    if (!present())
        return kstd::unexpected(Error::NotPresent);
    select(key_file_directory);
    const uint32_t count = read_be32();
    for (uint32_t entry = 0; entry < count; ++entry) {
        const uint32_t size = read_be32();
        const uint16_t key = read_be16();
        (void)read_be16(); // reserved
        char entry_name[file_name_size];
        for (char& c : entry_name)
            c = static_cast<char>(data.read());
        entry_name[file_name_size - 1] = '\0';
        if (std::string_view(entry_name) != name)
            continue;
        if (size > buffer.size())
            return kstd::unexpected(Error::TooLarge);
        select(key);
        for (uint32_t i = 0; i < size; ++i)
            buffer[i] = static_cast<char>(data.read());
        return static_cast<size_t>(size);
    }
    return kstd::unexpected(Error::NotFound);
}

} // namespace drivers::fw_cfg

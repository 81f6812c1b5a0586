#include "drivers/real_time_clock.h"
#include "arch/x86_64/port.h"
#include "drivers/system_timer.h"

namespace drivers::real_time_clock {

namespace {

// CMOS index (bit 7 would mask the chipset's NMI: left clear) and data.
constexpr arch::Port8 cmos_index(0x70);
constexpr arch::Port8 cmos_data(0x71);
constexpr uint8_t seconds_register = 0x00, minutes_register = 0x02, hours_register = 0x04, day_register = 0x07,
                  month_register = 0x08, year_register = 0x09, status_a = 0x0A, status_b = 0x0B,
                  century_register = 0x32;
constexpr uint8_t update_in_progress = 0x80; // status A: the clock is changing its registers
constexpr uint8_t binary_mode = 0x04, hours_24 = 0x02; // status B
constexpr uint8_t pm_bit = 0x80; // in the hours register, in 12-hour mode

uint8_t cmos(uint8_t index)
{
    cmos_index.write(index);
    return cmos_data.read();
}

struct Raw {
    uint8_t second, minute, hour, day, month, year, century;
    bool operator==(const Raw&) const = default;
};

// One reading, once no update is under way (the registers change for
// about 2 ms after the flag rises: a reading is taken twice to be sure).
std::optional<Raw> read_raw()
{
    for (int spins = 0; (cmos(status_a) & update_in_progress) != 0; ++spins) {
        if (spins > 1'000'000)
            return std::nullopt;
    }
    return Raw{cmos(seconds_register), cmos(minutes_register), cmos(hours_register), cmos(day_register),
               cmos(month_register), cmos(year_register), cmos(century_register)};
}

int from_bcd(uint8_t value)
{
    return (value >> 4) * 10 + (value & 0x0F);
}

std::optional<DateTime> g_boot_time;
uint64_t g_epoch_ns = 0; // the time of day when the system timer read 0; written once at boot

} // namespace

void format_value(kstd::Sink& sink, const DateTime& time, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", time.year, time.month, time.day, time.hour,
                    time.minute, time.second);
}

std::optional<DateTime> read()
{
    std::optional<Raw> raw;
    for (int attempt = 0; attempt < 10; ++attempt) { // two readings that agree: none was torn by an update
        const std::optional<Raw> first = read_raw(), second = read_raw();
        if (first && second && *first == *second) {
            raw = first;
            break;
        }
    }
    if (!raw)
        return std::nullopt;
    const uint8_t format = cmos(status_b);
    const bool binary = (format & binary_mode) != 0;
    const auto number = [&](uint8_t value) { return binary ? static_cast<int>(value) : from_bcd(value); };
    DateTime time;
    time.second = number(raw->second);
    time.minute = number(raw->minute);
    const bool pm = (format & hours_24) == 0 && (raw->hour & pm_bit) != 0;
    time.hour = number(static_cast<uint8_t>(raw->hour & ~pm_bit));
    if ((format & hours_24) == 0) // 12-hour mode: 12 AM is 0, 12 PM is 12
        time.hour = time.hour % 12 + (pm ? 12 : 0);
    time.day = number(raw->day);
    time.month = number(raw->month);
    const int century = number(raw->century);
    time.year = (century >= 19 && century <= 21 ? century : 20) * 100 + number(raw->year);
    if (time.second > 59 || time.minute > 59 || time.hour > 23 || time.day < 1 || time.day > 31 || time.month < 1
        || time.month > 12)
        return std::nullopt;
    return time;
}

std::optional<DateTime> initialize()
{
    g_boot_time = read();
    if (g_boot_time) {
        const int64_t seconds = unix_seconds(*g_boot_time);
        const uint64_t now = seconds > 0 ? static_cast<uint64_t>(seconds) * 1'000'000'000 : 0;
        const uint64_t uptime = system_timer::uptime_ns();
        g_epoch_ns = now > uptime ? now - uptime : 0;
    }
    return g_boot_time;
}

uint64_t now_ns()
{
    return g_epoch_ns + system_timer::uptime_ns();
}

std::optional<DateTime> boot_time()
{
    return g_boot_time;
}

} // namespace drivers::real_time_clock

#pragma once
// The PC's battery-backed real-time clock (the MC146818 in the CMOS, ports
// 0x70/0x71): the date and time of day, read once at boot; from then on
// the time of day is that reading plus the system timer's uptime.
//
//   drivers::real_time_clock::initialize();             // Devices stage
//   const uint64_t ns = drivers::real_time_clock::now_ns(); // CLOCK_REALTIME
//
// The clock keeps UTC here (QEMU's default, -rtc base=utc, and what Linux
// assumes unless told otherwise). Without a readable clock the time of
// day starts at 1970-01-01 00:00 at boot, as before there was this driver.

#include <cstdint>
#include <optional>
#include "kstd/format.h"

namespace drivers::real_time_clock {

struct DateTime {
    int year = 1970;
    int month = 1, day = 1; // 1-12, 1-31
    int hour = 0, minute = 0, second = 0;
};
void format_value(kstd::Sink& sink, const DateTime& time, const kstd::FormatSpec& spec); // 2026-12-03 14:05:09

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (negative before).
constexpr int64_t days_from_civil(int year, int month, int day)
{
    // Howard Hinnant's algorithm: years start in March, so the leap day is last.
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

constexpr int64_t unix_seconds(const DateTime& time)
{
    return days_from_civil(time.year, time.month, time.day) * 86400 + time.hour * 3600 + time.minute * 60 + time.second;
}

// What the CMOS clock reads now (BCD or binary, 12- or 24-hour, as its
// status register B says; the century from CMOS register 0x32, the IBM
// PC's, else 20xx), or nothing if it never holds still or makes no sense.
std::optional<DateTime> read();

// Reads the clock and takes its time as the time of day from now on;
// returns what it read.
std::optional<DateTime> initialize();
// The time of day in nanoseconds since 1970-01-01 00:00 UTC.
uint64_t now_ns();
// What initialize() read, if it read anything.
std::optional<DateTime> boot_time();

} // namespace drivers::real_time_clock

// KTEST cases of real_time_clock.cpp: the calendar arithmetic, and the
// clock QEMU gives (its host's time: a date after this code was written).

#include "drivers/real_time_clock.h"
#include "ktest/ktest.h"

namespace rtc = drivers::real_time_clock;

static_assert(rtc::days_from_civil(1970, 1, 1) == 0);
static_assert(rtc::days_from_civil(1969, 12, 31) == -1);

KTEST(real_time_clock, civil_dates_become_unix_seconds)
{
    EXPECT_EQ(rtc::days_from_civil(2000, 3, 1), 11017);     // the day after a leap day of a 400th year
    EXPECT_EQ(rtc::days_from_civil(2100, 3, 1), 47541);     // 2100 is not a leap year
    EXPECT_EQ(rtc::unix_seconds({2026, 12, 3, 14, 5, 9}), int64_t{1796306709});
    EXPECT_EQ(rtc::unix_seconds({2038, 1, 19, 3, 14, 8}), int64_t{2147483648}, "past 32-bit time_t");
    EXPECT_EQ(rtc::days_from_civil(2024, 2, 29) + 1, rtc::days_from_civil(2024, 3, 1));
}

KTEST(real_time_clock, qemus_clock_reads_a_sensible_date)
{
    const std::optional<rtc::DateTime> now = rtc::read();
    ASSERT_TRUE(now.has_value(), "the CMOS clock holds still and reads as a date");
    EXPECT_GE(now->year, 2024, "QEMU's clock is its host's: later than this code");
    EXPECT_LE(now->year, 2199);
    EXPECT_GE(now->month, 1);
    EXPECT_LE(now->month, 12);
    const uint64_t a = rtc::now_ns();
    EXPECT_GE(rtc::now_ns(), a, "the time of day never goes back");
}

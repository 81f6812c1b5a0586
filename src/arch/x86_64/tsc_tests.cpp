// KTEST cases of the TSC clock (src/arch/x86_64/tsc.cpp).

#include "arch/x86_64/tsc.h"
#include "ktest/ktest.h"

KTEST(tsc, converts_ticks_at_the_calibrated_rate)
{
    auto hz = arch::tsc::frequency_hz();
    ASSERT_OK(hz, "the Timing stage calibrated the TSC");
    EXPECT_GT(*hz, 0u);
    auto one_second = arch::tsc::to_nanoseconds(*hz);
    ASSERT_OK(one_second);
    EXPECT_EQ(*one_second, 1'000'000'000u);
}

KTEST(tsc, without_a_rate_durations_are_an_error_not_zero)
{
    auto hz = arch::tsc::frequency_hz();
    ASSERT_OK(hz);
    arch::tsc::set_frequency_hz(0);
    const bool calibrated = arch::tsc::calibrated();
    auto unknown_rate = arch::tsc::frequency_hz();
    auto unknown_duration = arch::tsc::to_nanoseconds(1000);
    arch::tsc::set_frequency_hz(*hz); // before any check: a failed check must not leave the clock broken
    EXPECT_FALSE(calibrated);
    EXPECT_ERROR(unknown_rate, arch::tsc::Error::NotCalibrated);
    EXPECT_ERROR(unknown_duration, arch::tsc::Error::NotCalibrated);
    EXPECT_OK(arch::tsc::to_nanoseconds(1000));
}

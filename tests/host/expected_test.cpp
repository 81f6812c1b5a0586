// kstd::Expected, TRY and MUST: errors travel as values, and a wrong access
// stops the program at the caller's line instead of reading garbage.

#include <gtest/gtest.h>
#include <string_view>
#include "kstd/expected.h"

namespace {

enum class Oops : uint8_t { Broken, Empty };

std::string_view to_string(Oops oops)
{
    return oops == Oops::Broken ? "it is broken" : "it is empty";
}

kstd::Expected<int, Oops> parse(int input)
{
    if (input < 0)
        return kstd::unexpected(Oops::Broken);
    return input * 2;
}

kstd::Expected<int, Oops> twice_parsed(int input)
{
    const int first = TRY(parse(input));
    return TRY(parse(first)) + 1;
}

kstd::Expected<void, Oops> check(bool ok)
{
    if (!ok)
        return kstd::unexpected(Oops::Empty);
    return {};
}

kstd::Expected<int, Oops> after_check(bool ok)
{
    TRY(check(ok));
    return 7;
}

} // namespace

TEST(Expected, TryPassesValuesOnAndReturnsErrorsEarly)
{
    auto good = twice_parsed(3);
    ASSERT_TRUE(good.has_value());
    EXPECT_EQ(*good, 13);
    auto bad = twice_parsed(-1);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error(), Oops::Broken);
}

TEST(Expected, TryOnVoidExpected)
{
    EXPECT_EQ(*after_check(true), 7);
    EXPECT_EQ(after_check(false).error(), Oops::Empty);
}

TEST(Expected, MustGivesTheValue)
{
    EXPECT_EQ(MUST(parse(4)), 8);
}

TEST(ExpectedDeathTest, MustOnAnErrorStopsNamingTheExpressionAndTheError)
{
    EXPECT_DEATH((void)MUST(parse(-5)), "MUST\\(parse\\(-5\\)\\) failed: it is broken");
}

TEST(ExpectedDeathTest, ValueOfAnErrorStops)
{
    EXPECT_DEATH(
        {
            auto result = parse(-1);
            (void)*result;
        },
        "value\\(\\) of an Expected that holds an error");
}

TEST(ExpectedDeathTest, ErrorOfAValueStops)
{
    EXPECT_DEATH(
        {
            auto result = parse(1);
            (void)result.error();
        },
        "error\\(\\) of an Expected that holds a value");
}

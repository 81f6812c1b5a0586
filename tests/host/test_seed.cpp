#include "test_seed.h"
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>

namespace host_test {

namespace {

constexpr uint64_t default_seed = 0x4B45535452454C31; // "KESTREL1"

uint64_t read_base_seed()
{
    if (const char* text = std::getenv("KESTREL_TEST_SEED"))
        return std::strtoull(text, nullptr, 0);
    return default_seed;
}

// Prints the base seed once, before the first test runs.
class SeedEnvironment : public ::testing::Environment {
public:
    void SetUp() override
    {
        std::printf("host tests: base random seed %llu (set KESTREL_TEST_SEED to change it)\n",
                    static_cast<unsigned long long>(base_seed()));
    }
};

[[maybe_unused]] const auto* const registered = ::testing::AddGlobalTestEnvironment(new SeedEnvironment);

} // namespace

uint64_t base_seed()
{
    static const uint64_t seed = read_base_seed();
    return seed;
}

uint64_t test_seed(std::string_view test_name)
{
    // FNV-1a of the name, mixed into the base seed.
    uint64_t hash = 0xcbf29ce484222325;
    for (char c : test_name) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3;
    }
    const uint64_t seed = base_seed() ^ hash;
    std::printf("  %.*s: seed %llu (base %llu)\n", static_cast<int>(test_name.size()), test_name.data(),
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(base_seed()));
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    return seed;
}

} // namespace host_test

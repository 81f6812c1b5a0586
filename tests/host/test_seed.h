#pragma once
// Deterministic randomness for the host tests. Every randomised test draws
// from a generator seeded with test_seed(name): the run's base seed (fixed,
// or KESTREL_TEST_SEED from the environment) mixed with the test's name, so
// one test's sequence does not depend on which others run. The base seed is
// printed at start-up and every seeded test records its own seed, so a
// failure can be replayed exactly.

#include <cstdint>
#include <random>
#include <string_view>

namespace host_test {

uint64_t base_seed();
// Prints "seed N" into the test's output (and its XML properties).
uint64_t test_seed(std::string_view test_name);

using Random = std::mt19937_64;

// A uniformly chosen integer in [low, high].
template <typename T>
T uniform(Random& random, T low, T high)
{
    return std::uniform_int_distribution<T>(low, high)(random);
}

} // namespace host_test

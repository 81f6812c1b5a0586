#pragma once
// Random bytes for programs (getrandom, AT_RANDOM): the CPU's RDRAND when it
// has one (Intel SDM vol. 2B, "RDRAND"), else a SplitMix64 sequence seeded
// and stirred by the TSC, which is unpredictable enough for stack canaries
// and hash seeds but not for keys: the boot says which one is in use.
//
//   uint64_t canary[2];
//   arch::fill_random(std::as_writable_bytes(std::span(canary)));

#include <cstddef>
#include <span>

namespace arch {

void fill_random(std::span<std::byte> out);
// Whether fill_random has RDRAND behind it.
bool random_from_cpu();

} // namespace arch

#include "arch/x86_64/random.h"
#include <cstdint>
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/tsc.h"

namespace arch {

namespace {

// RDRAND may fail (CF clear) while its generator reseeds; Intel's guidance
// is to retry ten times (Intel DRNG Software Implementation Guide, 5.2.1).
bool rdrand(uint64_t& value)
{
    for (int attempt = 0; attempt < 10; ++attempt) {
        bool ok;
        // RDRAND writes a random value and sets CF when it is valid; no memory is touched.
        asm volatile("rdrand %0" : "=r"(value), "=@ccc"(ok));
        if (ok)
            return true;
    }
    return false;
}

uint64_t g_state = 0; // SplitMix64's, advanced atomically

uint64_t split_mix()
{
    uint64_t z = __atomic_add_fetch(&g_state, 0x9E37'79B9'7F4A'7C15ull ^ tsc::now(), __ATOMIC_RELAXED);
    z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
    return z ^ (z >> 31);
}

} // namespace

bool random_from_cpu()
{
    return cpu_features().rdrand;
}

void fill_random(std::span<std::byte> out)
{
    const bool cpu = random_from_cpu();
    for (size_t done = 0; done < out.size();) {
        uint64_t value;
        if (!cpu || !rdrand(value))
            value = split_mix();
        const size_t count = out.size() - done < sizeof value ? out.size() - done : sizeof value;
        __builtin_memcpy(out.data() + done, &value, count);
        done += count;
    }
}

} // namespace arch

#include "user/program_page_cache.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"
#include "sched/mutex.h"

namespace user::program_page_cache {

namespace {

struct Slot {
    Key key{};
    arch::PhysAddr frame{0};
    bool used = false;
};

sched::Mutex g_lock{"program page cache"};
Slot g_slots[max_pages]; // open addressing, linear probing; guarded by g_lock
size_t g_kept = 0;       // guarded by g_lock

size_t home_of(const Key& key)
{
    // The key's address-like parts mixed (a SplitMix64 step): pages of one
    // program are consecutive, so the page number carries most of it.
    uint64_t z = reinterpret_cast<uintptr_t>(key.bytes) ^ (key.page * 0x9E37'79B9'7F4A'7C15ull) ^ key.file_offset;
    z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
    return static_cast<size_t>((z ^ (z >> 31)) % max_pages);
}

} // namespace

std::optional<arch::PhysAddr> frame_for(const Key& key, Fill fill, const void* context)
{
    sched::MutexGuard guard(g_lock);
    size_t index = home_of(key);
    for (size_t probes = 0; probes < max_pages && g_slots[index].used; ++probes) {
        if (g_slots[index].key == key) {
            mem::physical::share(g_slots[index].frame); // the caller's mapping
            return g_slots[index].frame;
        }
        index = (index + 1) % max_pages;
    }
    auto frame = mem::physical::allocate();
    if (!frame)
        return std::nullopt;
    // The frame through the direct map: kernel memory, 4 KiB, writable.
    fill(mem::direct_map_address(*frame).as_pointer<std::byte>(), context);
    // Kept only while a quarter of the table stays free (short probes);
    // past that, the frame is the caller's alone, as for any other program.
    if (!g_slots[index].used && g_kept < max_pages * 3 / 4) {
        g_slots[index] = Slot{key, *frame, true};
        ++g_kept;
        mem::physical::share(*frame); // the cache's own reference
    }
    return *frame;
}

size_t kept_frames()
{
    sched::MutexGuard guard(g_lock);
    return g_kept;
}

} // namespace user::program_page_cache

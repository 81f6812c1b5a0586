#pragma once
// The kernel's physical memory manager: the one mem::FrameAllocator that owns
// every usable frame, built at boot from the multiboot2 memory map, behind a
// lock. Misuse is a broken invariant here: freeing a frame twice, or one the
// allocator never handed out, or one that is still shared, panics with the
// address. Running out of frames is an error value (the caller decides).

#include <cstdint>
#include "boot/boot_info.h"
#include "kstd/expected.h"
#include "arch/x86_64/address.h"
#include "mem/frame_allocator.h"
#include "mem/phys_range.h"

namespace mem::physical {

struct Statistics {
    uint64_t total_frames = 0;
    uint64_t free_frames = 0;
    uint64_t used_frames = 0;
    uint64_t usable_bytes = 0;      // usable RAM in the memory map
    PhysRange metadata;             // where the allocator's metadata lives
};

// Builds the usable set from `info` (every available region minus the first
// MiB, the kernel image, the boot information and the modules), places the
// allocator's metadata in it, and hands the frames below `first_limit` to the
// allocator. The frames above are added by add_remaining_frames(), once the
// direct map reaches them (page tables built before that must lie in the
// boot window). Panics if the memory map leaves nothing to work with.
void initialize(const boot::BootInfo& info, arch::PhysAddr first_limit);
void add_remaining_frames();
bool initialized();

[[nodiscard]] kstd::Expected<arch::PhysAddr, FrameError> allocate();
[[nodiscard]] kstd::Expected<arch::PhysAddr, FrameError> allocate_run(unsigned order);
// Panic on double free or foreign free, with the address; and on a free of
// a frame that is still shared (release it instead).
void free(arch::PhysAddr frame);
void free_run(arch::PhysAddr first, unsigned order);
// The same, as values (tests).
[[nodiscard]] kstd::Expected<void, FrameError> try_free(arch::PhysAddr frame);

// Reference counts (mem/frame_allocator.h): a frame has 1 when allocated.
// share() adds one for each further page that maps it (copy-on-write after
// a fork); release() takes one away and frees the frame with the last, so
// code that drops a mapping of a frame that may be shared releases it.
// Both panic with the address on a frame that is not allocated (a release
// of a free frame is a double free), and share() on a count at its limit.
void share(arch::PhysAddr frame);
// Returns the references left: 0 when this freed the frame.
uint32_t release(arch::PhysAddr frame);
// 0 for a frame that is not allocated.
uint32_t reference_count(arch::PhysAddr frame);
// The same, as values (tests).
[[nodiscard]] kstd::Expected<void, FrameError> try_share(arch::PhysAddr frame);
[[nodiscard]] kstd::Expected<uint32_t, FrameError> try_release(arch::PhysAddr frame);

Statistics statistics();
// The highest end of usable memory (what the direct map must cover).
arch::PhysAddr usable_end();
bool check_consistency();

} // namespace mem::physical

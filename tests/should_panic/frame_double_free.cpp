// Freeing a physical frame twice is a broken invariant: the kernel's frame
// allocator wrapper panics with the frame's address (on its real panic path).
// ktest-runner-args: --expect-output "bad free of physical frame 0x"

#include "core/panic.h"
#include "ktest/should_panic.h"
#include "mem/physical_memory.h"

KTEST_SHOULD_PANIC(frame_double_free, "frame is already free (double free?)")
{
    auto frame = mem::physical::allocate();
    if (!frame)
        core::panic("test setup: no frame: {}", frame.error());
    mem::physical::free(*frame);
    mem::physical::free(*frame);
}

// Freeing a frame that another page still shares (copy-on-write after a
// fork) is a broken invariant: the kernel's frame allocator wrapper panics
// with the frame's address and its reference count, on its real panic path.
// ktest-runner-args: --expect-output "bad free of physical frame 0x"

#include "core/panic.h"
#include "ktest/should_panic.h"
#include "mem/physical_memory.h"

KTEST_SHOULD_PANIC(frame_freed_while_shared, "frame is still shared (2 references): release it, do not free it")
{
    auto frame = mem::physical::allocate();
    if (!frame)
        core::panic("test setup: no frame: {}", frame.error());
    mem::physical::share(*frame);
    mem::physical::free(*frame);
}

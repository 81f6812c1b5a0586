// brk, mmap, munmap, mprotect: the calling process's memory map
// (user/memory_map.h) answers each.

#include "user/process.h"
#include "user/system_call_handlers.h"

namespace user::calls {

Result brk(Frame& frame)
{
    return Process::current().memory().brk(frame.rdi);
}

Result mmap(Frame& frame)
{
    // mmap(address, length, protection, flags, fd, offset): anonymous only
    // for now, where fd is ignored (Linux wants -1) and offset must be 0.
    if (frame.r9 != 0)
        return kstd::unexpected(kstd::Errno::einval);
    return Process::current().memory().mmap(frame.rdi, frame.rsi, frame.rdx, frame.r10);
}

Result munmap(Frame& frame)
{
    TRY(Process::current().memory().munmap(frame.rdi, frame.rsi));
    return 0;
}

Result mprotect(Frame& frame)
{
    TRY(Process::current().memory().mprotect(frame.rdi, frame.rsi, frame.rdx));
    return 0;
}

} // namespace user::calls

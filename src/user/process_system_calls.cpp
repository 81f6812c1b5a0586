// Processes and the rest: ids, fork/clone, execve, exit, wait4, groups and
// sessions, uname, the thread pointer (arch_prctl), time and yielding.

#include "arch/x86_64/msr.h"
#include "fs/vfs.h"
#include "fs/path.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr uint64_t arch_set_fs = 0x1002, arch_get_fs = 0x1003;
constexpr uint64_t sigchld = 17;
constexpr uint64_t clock_realtime = 0, clock_monotonic = 1, clock_boottime = 7;

// execve's limits: what fits the stack's top page (program_loader.h).
constexpr size_t max_arguments = 32, max_argument_bytes = 3072;
constexpr size_t max_program_bytes = 64ull << 20; // read whole into the kernel's heap to be loaded

struct TimeSpec {
    int64_t seconds;
    int64_t nanoseconds;
};

// Copies a NULL-ended array of string pointers (argv or envp) from user
// space; the strings land in `storage`.
kstd::ErrorOr<size_t> copy_string_array(uint64_t array, std::string_view* out, char* storage, size_t& used)
{
    if (array == 0)
        return size_t{0}; // Linux takes a null argv or envp as empty
    for (size_t count = 0;; ++count) {
        uint64_t pointer;
        if (!copy_from_user(&pointer, UserAddress(array + count * sizeof pointer), sizeof pointer))
            return kstd::unexpected(Errno::efault);
        if (pointer == 0)
            return count;
        if (count == max_arguments)
            return kstd::unexpected(Errno::e2big);
        auto length = copy_string_from_user(UserAddress(pointer), {storage + used, max_argument_bytes - used});
        if (!length)
            return kstd::unexpected(length.error() == Errno::enametoolong ? Errno::e2big : length.error());
        out[count] = std::string_view(storage + used, *length);
        used += *length + 1;
    }
}

} // namespace

Result getpid(Frame&)
{
    return Process::current().pid();
}

Result getppid(Frame&)
{
    return Process::current().parent_pid();
}

Result gettid(Frame&)
{
    return Process::current().pid(); // one thread per process: its id is the process's
}

Result user_ids(Frame&)
{
    return 0;
}

Result fork(Frame& frame)
{
    return Process::current().fork(frame);
}

Result clone(Frame& frame)
{
    // clone(flags, stack, parent_tid, child_tid, tls) as fork() calls it:
    // SIGCHLD alone (musl's fork), or with CLONE_VM|CLONE_VFORK (0x4100)
    // for vfork, which a copy-on-write fork serves just as well. Threads
    // (CLONE_VM alone, CLONE_THREAD) come later.
    const uint64_t flags = frame.rdi;
    if ((flags & 0xFF) != sigchld || ((flags & ~0xFFull) != 0 && (flags & ~0xFFull) != 0x4100) || frame.rsi != 0)
        return kstd::unexpected(Errno::enosys);
    return Process::current().fork(frame);
}

Result execve(Frame& frame)
{
    char path_buffer[fs::max_path];
    char given[fs::max_path];
    TRY(copy_string_from_user(UserAddress(frame.rdi), given));
    const std::string_view path = TRY(fs::resolve(Process::current().cwd(), given, path_buffer));
    char storage[max_argument_bytes];
    size_t used = 0;
    std::string_view argv[max_arguments], envp[max_arguments];
    const size_t argc = TRY(copy_string_array(frame.rsi, argv, storage, used));
    const size_t envc = TRY(copy_string_array(frame.rdx, envp, storage, used));
    const kstd::Vector<std::byte> file = TRY(fs::vfs::read_file(path, max_program_bytes));
    TRY(Process::current().exec(path, file.span(), {argv, argc}, {envp, envc}, frame));
    return 0; // the new program starts with every register zero
}

Result exit(Frame& frame)
{
    Process::current().exit(Termination{static_cast<int>(frame.rdi & 0xFF), 0});
}

Result wait4(Frame& frame)
{
    // wait4(pid, status, options, rusage): pid > 0 that child, -1 any, 0
    // the caller's group, < -1 group -pid; WNOHANG, WUNTRACED, WCONTINUED.
    const int64_t pid = static_cast<int64_t>(frame.rdi);
    constexpr uint64_t options = Process::wait_no_hang | Process::wait_untraced | Process::wait_continued;
    if ((frame.rdx & ~options) != 0 || pid == INT64_MIN)
        return kstd::unexpected(Errno::einval);
    if (frame.r10 != 0)
        return kstd::unexpected(Errno::einval); // no resource usage is kept yet
    if (frame.rsi != 0 && !is_user_range(UserAddress(frame.rsi), sizeof(int)))
        return kstd::unexpected(Errno::efault);
    int status = 0;
    const uint64_t reaped = TRY(Process::current().wait_for_child(pid, status, frame.rdx));
    if (reaped != 0 && frame.rsi != 0 && !copy_to_user(UserAddress(frame.rsi), &status, sizeof status))
        return kstd::unexpected(Errno::efault); // the child is reaped all the same, as on Linux
    return reaped;
}

Result setpgid(Frame& frame)
{
    TRY(Process::set_group(Process::current(), static_cast<int64_t>(frame.rdi), static_cast<int64_t>(frame.rsi)));
    return 0;
}

Result getpgid(Frame& frame)
{
    return Process::group_of(Process::current(), static_cast<int64_t>(frame.rdi));
}

Result setsid(Frame&)
{
    return Process::new_session(Process::current());
}

Result getsid(Frame& frame)
{
    return Process::session_of(Process::current(), static_cast<int64_t>(frame.rdi));
}

Result getpgrp(Frame&)
{
    return Process::current().group();
}

Result uname(Frame& frame)
{
    // struct utsname: six fields of 65 bytes.
    char fields[6][65] = {"Kestrel", "kestrel", "0.1", "#1", "x86_64", "(none)"};
    if (!copy_to_user(UserAddress(frame.rdi), fields, sizeof fields))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result arch_prctl(Frame& frame)
{
    sched::Thread& self = sched::current_thread();
    switch (frame.rdi) {
    case arch_set_fs:
        // The FS base is where musl keeps its thread pointer (TLS). A
        // non-canonical one would make WRMSR raise #GP in the kernel.
        if (frame.rsi >= 0x0000'8000'0000'0000ull)
            return kstd::unexpected(Errno::eperm);
        self.set_fs_base(frame.rsi);
        return 0;
    case arch_get_fs: {
        const uint64_t base = self.fs_base();
        if (!copy_to_user(UserAddress(frame.rsi), &base, sizeof base))
            return kstd::unexpected(Errno::efault);
        return 0;
    }
    }
    return kstd::unexpected(Errno::einval);
}

Result set_tid_address(Frame&)
{
    // Where to clear the thread id at exit, for pthread_join; one thread
    // per process needs no such note. The answer is the caller's id.
    return Process::current().pid();
}

Result sched_yield(Frame&)
{
    sched::yield();
    return 0;
}

Result nanosleep(Frame& frame)
{
    TimeSpec time;
    if (!copy_from_user(&time, UserAddress(frame.rdi), sizeof time))
        return kstd::unexpected(Errno::efault);
    if (time.seconds < 0 || time.nanoseconds < 0 || time.nanoseconds >= 1'000'000'000)
        return kstd::unexpected(Errno::einval);
    // Capped at about 292 years, which is as good as forever. A signal
    // ends it early: EINTR, and the time left in `rem` (if given).
    const uint64_t seconds = static_cast<uint64_t>(time.seconds) < 9'000'000'000ull ? time.seconds : 9'000'000'000ll;
    const uint64_t duration = seconds * 1'000'000'000 + static_cast<uint64_t>(time.nanoseconds);
    const uint64_t deadline = sched::now_ns() + duration;
    if (sched::sleep_interruptible(sched::Deadline::after(sched::Duration(duration))) != sched::WaitResult::Interrupted)
        return 0;
    const uint64_t now = sched::now_ns();
    const uint64_t left = deadline > now ? deadline - now : 0;
    const TimeSpec remaining{static_cast<int64_t>(left / 1'000'000'000), static_cast<int64_t>(left % 1'000'000'000)};
    if (frame.rsi != 0 && !copy_to_user(UserAddress(frame.rsi), &remaining, sizeof remaining))
        return kstd::unexpected(Errno::efault);
    return kstd::unexpected(Errno::eintr);
}

Result clock_gettime(Frame& frame)
{
    // No real-time clock yet: CLOCK_REALTIME counts from boot, as CLOCK_MONOTONIC does.
    if (frame.rdi != clock_realtime && frame.rdi != clock_monotonic && frame.rdi != clock_boottime)
        return kstd::unexpected(Errno::einval);
    const uint64_t now = sched::now_ns();
    const TimeSpec time{static_cast<int64_t>(now / 1'000'000'000), static_cast<int64_t>(now % 1'000'000'000)};
    if (!copy_to_user(UserAddress(frame.rsi), &time, sizeof time))
        return kstd::unexpected(Errno::efault);
    return 0;
}

} // namespace user::calls

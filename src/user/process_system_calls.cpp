// Processes and the rest: ids, fork/clone, execve, exit, wait4, groups and
// sessions, uname, the thread pointer (arch_prctl), time and yielding.

#include "arch/x86_64/msr.h"
#include "drivers/real_time_clock.h"
#include "fs/vfs.h"
#include "fs/path.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "user/proc_files.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr uint64_t arch_set_fs = 0x1002, arch_get_fs = 0x1003;
constexpr uint64_t sigchld = 17;
constexpr uint64_t clock_realtime = 0, clock_monotonic = 1, clock_boottime = 7;

constexpr size_t max_program_bytes = 64ull << 20; // read whole into the kernel's heap to be loaded

struct TimeSpec {
    int64_t seconds;
    int64_t nanoseconds;
};

// execve's argv and envp, copied from user space: the strings one after
// the other (each with its NUL) and where each ends. What is more than the
// initial stack can hold (program_loader.h's max_initial_stack) is E2BIG.
struct Arguments {
    kstd::Vector<char> text;
    kstd::Vector<size_t> ends; // where each string's NUL ends, in `text`

    size_t used() const { return ends.size() == 0 ? 0 : ends[ends.size() - 1]; }

    // Appends a NULL-ended array of string pointers (argv, then envp).
    kstd::ErrorOr<void> copy_array(uint64_t array)
    {
        if (array == 0)
            return {}; // Linux takes a null argv or envp as empty
        for (size_t index = 0;; ++index) {
            uint64_t pointer;
            if (!copy_from_user(&pointer, UserAddress(array + index * sizeof pointer), sizeof pointer))
                return kstd::unexpected(Errno::efault);
            if (pointer == 0)
                return {};
            // Each string's pointer and its NUL count against the limit too.
            if ((ends.size() + 1) * sizeof pointer + used() >= max_initial_stack)
                return kstd::unexpected(Errno::e2big);
            TRY(copy_string(UserAddress(pointer)));
        }
    }
    kstd::ErrorOr<void> copy_string(UserAddress from)
    {
        const size_t start = used();
        for (size_t room = 4096;; room *= 2) { // most arguments are short: a bigger room only when one is not
            if (start + room > max_initial_stack)
                room = max_initial_stack - start;
            if (text.size() < start + room && !text.try_resize(start + room))
                return kstd::unexpected(Errno::enomem);
            auto length = copy_string_from_user(from, text.span().subspan(start, room));
            if (length) {
                if (!ends.try_push_back(start + *length + 1))
                    return kstd::unexpected(Errno::enomem);
                return {};
            }
            if (length.error() != Errno::enametoolong)
                return kstd::unexpected(length.error());
            if (start + room >= max_initial_stack)
                return kstd::unexpected(Errno::e2big);
        }
    }
    // The strings as views (valid while `text` is untouched).
    kstd::ErrorOr<void> views(kstd::Vector<std::string_view>& out) const
    {
        if (!out.try_resize(ends.size()))
            return kstd::unexpected(Errno::enomem);
        for (size_t i = 0, start = 0; i < ends.size(); start = ends[i++])
            out[i] = std::string_view(text.span().data() + start, ends[i] - start - 1);
        return {};
    }
};

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
    // for vfork, which a copy-on-write fork serves just as well; glibc's
    // fork adds CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID with child_tid (the
    // child's id is stored there in the child's memory; the clearing at
    // exit is for threads waiting on it, and a process has only the one).
    // CLONE_PARENT_SETTID stores it in the parent's. Threads (CLONE_VM
    // alone, CLONE_THREAD) come later.
    const uint64_t flags = frame.rdi;
    constexpr uint64_t clone_vm_vfork = 0x4100, clone_parent_settid = 0x0010'0000,
                       clone_child_cleartid = 0x0020'0000, clone_child_settid = 0x0100'0000;
    const uint64_t rest = flags & ~(0xFFull | clone_parent_settid | clone_child_cleartid | clone_child_settid);
    if ((flags & 0xFF) != sigchld || (rest != 0 && rest != clone_vm_vfork) || frame.rsi != 0)
        return kstd::unexpected(Errno::enosys);
    const uint64_t child_tid = (flags & clone_child_settid) != 0 ? frame.r10 : 0;
    if (child_tid != 0 && !is_user_range(UserAddress(child_tid), sizeof(int32_t)))
        return kstd::unexpected(Errno::efault);
    const uint64_t pid = TRY(Process::current().fork(frame, child_tid));
    if ((flags & clone_parent_settid) != 0) {
        const auto id = static_cast<int32_t>(pid);
        (void)copy_to_user(UserAddress(frame.rdx), &id, sizeof id); // Linux ignores a bad address here too
    }
    return pid;
}

Result execve(Frame& frame)
{
    char path_buffer[fs::max_path];
    char given[fs::max_path];
    TRY(copy_string_from_user(UserAddress(frame.rdi), given));
    char followed[fs::max_path];
    const std::string_view resolved = TRY(fs::resolve(Process::current().cwd(), given, path_buffer));
    const std::string_view path = TRY(follow_proc_links(resolved, followed)); // /proc/self/exe: the program file
    Arguments arguments;
    TRY(arguments.copy_array(frame.rsi));
    const size_t argc = arguments.ends.size();
    TRY(arguments.copy_array(frame.rdx));
    kstd::Vector<std::string_view> strings;
    TRY(arguments.views(strings));
    const std::span<const std::string_view> all = strings.span();
    kstd::Vector<std::byte> copy; // a file that is not in memory already is read into it
    const std::span<const std::byte> file = TRY(fs::vfs::program_bytes(path, max_program_bytes, copy));
    // The new program's pages come from here as it touches them: the
    // initial ramdisk's bytes in place, or the copy, kept for as long as
    // a process runs it.
    const kstd::RefPtr<ProgramFile> program = copy.size() > 0 ? TRY(ProgramFile::adopt(std::move(copy)))
                                                              : TRY(ProgramFile::borrow(file));
    TRY(Process::current().exec(path, program, all.first(argc), all.subspan(argc), frame));
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
    // __WALL, __WCLONE and __WNOTHREAD are about threads, which come later.
    const int64_t pid = int_argument(frame.rdi);
    constexpr uint64_t thread_options = 0x2000'0000 | 0x4000'0000 | 0x8000'0000;
    constexpr uint64_t options = Process::wait_no_hang | Process::wait_untraced | Process::wait_continued;
    if ((frame.rdx & ~(options | thread_options)) != 0 || pid == INT32_MIN)
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
    TRY(Process::set_group(Process::current(), int_argument(frame.rdi), int_argument(frame.rsi)));
    return 0;
}

Result getpgid(Frame& frame)
{
    return Process::group_of(Process::current(), int_argument(frame.rdi));
}

Result setsid(Frame&)
{
    return Process::new_session(Process::current());
}

Result getsid(Frame& frame)
{
    return Process::session_of(Process::current(), int_argument(frame.rdi));
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

kstd::ErrorOr<uint64_t> timespec_argument(uint64_t address)
{
    TimeSpec time;
    if (!copy_from_user(&time, UserAddress(address), sizeof time))
        return kstd::unexpected(Errno::efault);
    if (time.seconds < 0 || time.nanoseconds < 0 || time.nanoseconds >= 1'000'000'000)
        return kstd::unexpected(Errno::einval);
    // Capped at about 292 years, which is as good as forever.
    const uint64_t seconds = static_cast<uint64_t>(time.seconds) < 9'000'000'000ull ? time.seconds : 9'000'000'000ll;
    return seconds * 1'000'000'000 + static_cast<uint64_t>(time.nanoseconds);
}

namespace {

// nanosleep's and clock_nanosleep's sleep: a signal ends it early with
// EINTR, and the time left goes to `remain` (if given).
Result sleep_for(uint64_t duration, uint64_t remain)
{
    const uint64_t deadline = sched::now_ns() + duration;
    if (sched::sleep_interruptible(sched::Deadline::after(sched::Duration(duration))) != sched::WaitResult::Interrupted)
        return 0;
    const uint64_t now = sched::now_ns();
    const uint64_t left = deadline > now ? deadline - now : 0;
    const TimeSpec remaining{static_cast<int64_t>(left / 1'000'000'000), static_cast<int64_t>(left % 1'000'000'000)};
    if (remain != 0 && !copy_to_user(UserAddress(remain), &remaining, sizeof remaining))
        return kstd::unexpected(Errno::efault);
    return kstd::unexpected(Errno::eintr);
}

} // namespace

Result nanosleep(Frame& frame)
{
    return sleep_for(TRY(timespec_argument(frame.rdi)), frame.rsi);
}

Result clock_nanosleep(Frame& frame)
{
    // clock_nanosleep(clock, flags, request, remain): TIMER_ABSTIME (1)
    // sleeps until the clock reads `request` (and never writes `remain`).
    if (frame.rdi != clock_realtime && frame.rdi != clock_monotonic && frame.rdi != clock_boottime)
        return kstd::unexpected(Errno::einval);
    constexpr uint64_t timer_abstime = 1;
    if ((frame.rsi & ~timer_abstime) != 0)
        return kstd::unexpected(Errno::einval);
    const uint64_t request = TRY(timespec_argument(frame.rdx));
    if ((frame.rsi & timer_abstime) == 0)
        return sleep_for(request, frame.r10);
    const uint64_t now = frame.rdi == clock_realtime ? drivers::real_time_clock::now_ns() : sched::now_ns();
    return request <= now ? Result(0) : sleep_for(request - now, 0);
}

Result gettimeofday(Frame& frame)
{
    // gettimeofday(tv, tz): CLOCK_REALTIME in microseconds; the time zone
    // (obsolete) is UTC: no offset, no daylight saving.
    const uint64_t now = drivers::real_time_clock::now_ns();
    const int64_t value[2] = {static_cast<int64_t>(now / 1'000'000'000), static_cast<int64_t>(now % 1'000'000'000 / 1000)};
    if (frame.rdi != 0 && !copy_to_user(UserAddress(frame.rdi), value, sizeof value))
        return kstd::unexpected(Errno::efault);
    const int32_t zone[2] = {0, 0};
    if (frame.rsi != 0 && !copy_to_user(UserAddress(frame.rsi), zone, sizeof zone))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result time(Frame& frame)
{
    // time(tloc): seconds of CLOCK_REALTIME.
    const int64_t seconds = static_cast<int64_t>(drivers::real_time_clock::now_ns() / 1'000'000'000);
    if (frame.rdi != 0 && !copy_to_user(UserAddress(frame.rdi), &seconds, sizeof seconds))
        return kstd::unexpected(Errno::efault);
    return static_cast<uint64_t>(seconds);
}

Result clock_gettime(Frame& frame)
{
    // CLOCK_REALTIME: the CMOS clock's time at boot plus the uptime
    // (drivers/real_time_clock.h); the others count from boot.
    if (frame.rdi != clock_realtime && frame.rdi != clock_monotonic && frame.rdi != clock_boottime)
        return kstd::unexpected(Errno::einval);
    const uint64_t now = frame.rdi == clock_realtime ? drivers::real_time_clock::now_ns() : sched::now_ns();
    const TimeSpec time{static_cast<int64_t>(now / 1'000'000'000), static_cast<int64_t>(now % 1'000'000'000)};
    if (!copy_to_user(UserAddress(frame.rsi), &time, sizeof time))
        return kstd::unexpected(Errno::efault);
    return 0;
}

} // namespace user::calls

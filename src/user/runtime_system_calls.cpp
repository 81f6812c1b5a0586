// What a C library's start-up and runtime ask of the kernel beyond files
// and processes: random bytes, resource limits, the process's name, the
// system's memory and uptime, the robust-futex list, the file-mode mask.
// glibc's static start-up calls most of these before main (docs/syscalls.md).

#include "arch/x86_64/random.h"
#include "mem/physical_memory.h"
#include "sched/clock.h"
#include "user/file_table.h"
#include "user/memory_map.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr uint64_t grnd_nonblock = 1, grnd_random = 2, grnd_insecure = 4;
constexpr uint64_t pr_set_name = 15, pr_get_name = 16;
constexpr size_t task_comm_length = 16; // Linux's TASK_COMM_LEN, NUL included

// struct rlimit64: the soft and the hard limit.
struct Limit {
    uint64_t current, maximum;
};
constexpr uint64_t unlimited = ~0ull; // RLIM64_INFINITY
constexpr uint64_t resource_count = 16; // RLIM_NLIMITS
constexpr uint64_t rlimit_stack = 3, rlimit_core = 4, rlimit_nproc = 6, rlimit_nofile = 7;

// The limits every process has: what the kernel enforces where it does
// (the stack region, the process table, the descriptor table), no core
// files, and no limit for the rest.
Limit limit_of(uint64_t resource)
{
    switch (resource) {
    case rlimit_stack: return {stack_reserve, stack_reserve};
    case rlimit_core: return {0, 0};
    case rlimit_nproc: return {Process::max_processes, Process::max_processes};
    case rlimit_nofile: return {FileTable::max_descriptors, FileTable::max_descriptors};
    default: return {unlimited, unlimited};
    }
}

// prlimit64's and setrlimit's half: the limits are fixed, so setting one
// to what it is succeeds and any change is EPERM (said in docs/syscalls.md).
Result get_and_set_limit(uint64_t resource, uint64_t new_limit, uint64_t old_limit)
{
    if (resource >= resource_count)
        return kstd::unexpected(Errno::einval);
    const Limit limit = limit_of(resource);
    if (new_limit != 0) {
        Limit wanted;
        if (!copy_from_user(&wanted, UserAddress(new_limit), sizeof wanted))
            return kstd::unexpected(Errno::efault);
        if (wanted.current > wanted.maximum)
            return kstd::unexpected(Errno::einval);
        if (wanted.current != limit.current || wanted.maximum != limit.maximum)
            return kstd::unexpected(Errno::eperm);
    }
    if (old_limit != 0 && !copy_to_user(UserAddress(old_limit), &limit, sizeof limit))
        return kstd::unexpected(Errno::efault);
    return 0;
}

} // namespace

Result getrandom(Frame& frame)
{
    // getrandom(buffer, length, flags): never blocks, the source is ready from boot.
    if ((frame.rdx & ~(grnd_nonblock | grnd_random | grnd_insecure)) != 0
        || (frame.rdx & (grnd_random | grnd_insecure)) == (grnd_random | grnd_insecure))
        return kstd::unexpected(Errno::einval);
    const uint64_t length = frame.rsi < 0x1FF'FFFF ? frame.rsi : 0x1FF'FFFF; // Linux's most per call
    if (!is_user_range(UserAddress(frame.rdi), length))
        return kstd::unexpected(Errno::efault);
    std::byte chunk[256];
    for (uint64_t done = 0; done < length;) {
        const size_t count = length - done < sizeof chunk ? length - done : sizeof chunk;
        arch::fill_random({chunk, count});
        if (!copy_to_user(UserAddress(frame.rdi + done), chunk, count))
            return done > 0 ? Result(done) : kstd::unexpected(Errno::efault);
        done += count;
    }
    return length;
}

Result prlimit64(Frame& frame)
{
    // prlimit64(pid, resource, new, old): the caller's own (pid 0 or its pid).
    const int64_t pid = int_argument(frame.rdi);
    if (pid != 0 && static_cast<uint64_t>(pid) != Process::current().pid())
        return kstd::unexpected(Errno::esrch);
    return get_and_set_limit(frame.rsi, frame.rdx, frame.r10);
}

Result getrlimit(Frame& frame)
{
    return get_and_set_limit(frame.rdi, 0, frame.rsi);
}

Result setrlimit(Frame& frame)
{
    if (frame.rsi == 0)
        return kstd::unexpected(Errno::efault);
    return get_and_set_limit(frame.rdi, frame.rsi, 0);
}

Result prctl(Frame& frame)
{
    switch (frame.rdi) {
    case pr_set_name: {
        char name[task_comm_length] = {};
        auto length = copy_string_from_user(UserAddress(frame.rsi), name);
        if (!length && length.error() != Errno::enametoolong)
            return kstd::unexpected(length.error());
        name[task_comm_length - 1] = '\0'; // longer names are cut, as Linux does
        Process::current().set_name(name);
        return 0;
    }
    case pr_get_name: {
        char name[task_comm_length] = {};
        const std::string_view current = Process::current().name();
        const size_t length = current.size() < task_comm_length - 1 ? current.size() : task_comm_length - 1;
        __builtin_memcpy(name, current.data(), length);
        if (!copy_to_user(UserAddress(frame.rsi), name, sizeof name))
            return kstd::unexpected(Errno::efault);
        return 0;
    }
    }
    return kstd::unexpected(Errno::einval);
}

Result sysinfo(Frame& frame)
{
    // struct sysinfo (include/uapi/linux/sysinfo.h) on x86-64: 112 bytes.
    struct Info {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t total_ram, free_ram, shared_ram, buffer_ram, total_swap, free_swap;
        uint16_t processes;
        uint16_t pad;
        uint32_t pad2;
        uint64_t total_high, free_high;
        uint32_t memory_unit;
        char reserved[4];
    };
    static_assert(sizeof(Info) == 112);
    const auto memory = mem::physical::statistics();
    Info info{};
    info.uptime = static_cast<int64_t>(sched::now_ns() / 1'000'000'000);
    info.total_ram = memory.total_frames;
    info.free_ram = memory.free_frames;
    info.processes = static_cast<uint16_t>(Process::count());
    info.memory_unit = 4096; // counted in frames
    if (!copy_to_user(UserAddress(frame.rdi), &info, sizeof info))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result set_robust_list(Frame& frame)
{
    // The list of futexes a thread holds, for the kernel to release if it
    // dies holding them. With one thread per process nobody else could be
    // waiting on them: the size is checked as Linux checks it, and the list
    // is not kept.
    constexpr uint64_t robust_list_head_size = 24;
    if (frame.rsi != robust_list_head_size)
        return kstd::unexpected(Errno::einval);
    return 0;
}

Result getgroups(Frame& frame)
{
    // getgroups(size, list): root has no supplementary groups (its own, 0,
    // is the primary one): none, whatever the size.
    if (int_argument(frame.rdi) < 0)
        return kstd::unexpected(Errno::einval);
    return 0;
}

Result setgroups(Frame& frame)
{
    // setgroups(size, list): nothing to keep but root's own group. An
    // empty list or one of only 0 is what there is already.
    const int32_t size = int_argument(frame.rdi);
    if (size < 0 || size > 65536)
        return kstd::unexpected(Errno::einval);
    for (int32_t i = 0; i < size; ++i) {
        uint32_t group;
        if (!copy_from_user(&group, UserAddress(frame.rsi + 4ull * static_cast<uint64_t>(i)), sizeof group))
            return kstd::unexpected(Errno::efault);
        if (group != 0)
            return kstd::unexpected(Errno::eperm);
    }
    return 0;
}

Result umask(Frame& frame)
{
    Process& process = Process::current();
    const uint32_t old = process.file_mode_mask();
    process.set_file_mode_mask(static_cast<uint32_t>(frame.rdi));
    return old;
}

Result not_supported(Frame&)
{
    return kstd::unexpected(Errno::enosys);
}

} // namespace user::calls

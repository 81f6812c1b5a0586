// poll, ppoll, select and pselect6: waiting on several descriptors at once
// (a shell's line editor polls its terminal). Each descriptor's open file
// answers readiness() (fs/readiness.h); between rounds of asking, the
// caller sleeps on the one readiness event, until a change, its timeout,
// or a signal (EINTR).

#include "fs/readiness.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr int16_t pollin = 0x001, pollout = 0x004, pollerr = 0x008, pollhup = 0x010,
                  pollnval = 0x020, pollrdnorm = 0x040, pollwrnorm = 0x100;
constexpr size_t max_poll_descriptors = 256; // more than a process can have open
constexpr uint64_t max_select_descriptors = 1024; // FD_SETSIZE

struct PollDescriptor {
    int32_t fd;
    int16_t events;
    int16_t returned_events;
};

struct TimeValue { // select's struct timeval
    int64_t seconds;
    int64_t microseconds;
};

// poll's answer for one descriptor: the events asked for that hold now,
// plus POLLERR, POLLHUP and POLLNVAL, which are always reported (POLLPRI
// never: nothing here has out-of-band data).
int16_t poll_one(int32_t fd, int16_t events)
{
    if (fd < 0)
        return 0;
    auto file = Process::current().files().get(fd);
    if (!file)
        return pollnval;
    const fs::Readiness ready = (*file)->readiness();
    int16_t result = 0;
    if (ready.readable)
        result |= static_cast<int16_t>(events & (pollin | pollrdnorm));
    if (ready.writable)
        result |= static_cast<int16_t>(events & (pollout | pollwrnorm));
    if (ready.hung_up)
        result |= pollhup;
    if (ready.error)
        result |= pollerr;
    return result;
}

// Rounds of asking `ask` (which returns how many are ready) until some
// are, `deadline` passes (0 ready), or a signal comes (EINTR).
template <typename Ask>
Result wait_until_ready(sched::Deadline deadline, Ask ask)
{
    fs::ReadinessWatch watch;
    for (;;) {
        const uint64_t ready = TRY(ask());
        if (ready > 0)
            return ready;
        // As Linux's do_poll: a signal the (possibly temporary) mask lets
        // through ends a call that found nothing, even a zero timeout's.
        if (sched::interrupted())
            return kstd::unexpected(Errno::eintr);
        if (sched::now_ns() >= deadline.ns())
            return ready;
        const sched::WaitResult result = watch.wait(deadline);
        if (result == sched::WaitResult::Interrupted)
            return kstd::unexpected(Errno::eintr);
    }
}

Result poll_descriptors(uint64_t address, uint64_t count, sched::Deadline deadline)
{
    if (count > max_poll_descriptors)
        return kstd::unexpected(Errno::einval);
    PollDescriptor descriptors[max_poll_descriptors];
    if (count > 0 && !copy_from_user(descriptors, UserAddress(address), count * sizeof(PollDescriptor)))
        return kstd::unexpected(Errno::efault);
    const uint64_t ready = TRY(wait_until_ready(deadline, [&]() -> Result {
        uint64_t found = 0;
        for (uint64_t i = 0; i < count; ++i) {
            descriptors[i].returned_events = poll_one(descriptors[i].fd, descriptors[i].events);
            found += descriptors[i].returned_events != 0;
        }
        return found;
    }));
    if (count > 0 && !copy_to_user(UserAddress(address), descriptors, count * sizeof(PollDescriptor)))
        return kstd::unexpected(Errno::efault);
    return ready;
}

// A timespec timeout (ppoll, pselect6): null is forever.
// A timeout of `ns` from now; 0: the deadline has passed already (a poll
// that only asks).
sched::Deadline deadline_in(uint64_t ns)
{
    return ns == 0 ? sched::Deadline::at_ns(0) : sched::Deadline::after(sched::Duration(ns));
}

kstd::ErrorOr<sched::Deadline> deadline_of(uint64_t timeout_address)
{
    if (timeout_address == 0)
        return sched::Deadline::never();
    return deadline_in(TRY(timespec_argument(timeout_address)));
}

Result select_descriptors(uint64_t count, uint64_t read_set, uint64_t write_set, uint64_t except_set,
                          sched::Deadline deadline)
{
    if (count > max_select_descriptors)
        return kstd::unexpected(Errno::einval);
    constexpr size_t words = max_select_descriptors / 64;
    uint64_t asked[3][words] = {}, answered[3][words] = {};
    const uint64_t sets[3] = {read_set, write_set, except_set};
    const size_t bytes = (count + 63) / 64 * 8; // fd_set is an array of longs
    for (int set = 0; set < 3; ++set) {
        if (sets[set] != 0 && bytes > 0 && !copy_from_user(asked[set], UserAddress(sets[set]), bytes))
            return kstd::unexpected(Errno::efault);
    }
    const uint64_t ready = TRY(wait_until_ready(deadline, [&]() -> Result {
        uint64_t found = 0;
        for (uint64_t fd = 0; fd < count; ++fd) {
            const uint64_t bit = uint64_t{1} << (fd % 64);
            const bool wants[3] = {(asked[0][fd / 64] & bit) != 0, (asked[1][fd / 64] & bit) != 0,
                                   (asked[2][fd / 64] & bit) != 0};
            if (!wants[0] && !wants[1] && !wants[2])
                continue;
            const int16_t events = poll_one(static_cast<int32_t>(fd), pollin | pollout);
            if (events & pollnval)
                return kstd::unexpected(Errno::ebadf);
            // As Linux: a hang-up or an error counts as readable and writable.
            const bool holds[3] = {(events & (pollin | pollhup | pollerr)) != 0, (events & (pollout | pollerr)) != 0,
                                   false};
            for (int set = 0; set < 3; ++set) {
                if (wants[set] && holds[set]) {
                    answered[set][fd / 64] |= bit;
                    ++found;
                } else {
                    answered[set][fd / 64] &= ~bit;
                }
            }
        }
        return found;
    }));
    for (int set = 0; set < 3; ++set) {
        if (sets[set] != 0 && bytes > 0 && !copy_to_user(UserAddress(sets[set]), answered[set], bytes))
            return kstd::unexpected(Errno::efault);
    }
    return ready;
}

// ppoll's and pselect6's signal mask (null: the caller's own, unchanged).
kstd::ErrorOr<void> apply_wait_mask(uint64_t mask_address, uint64_t size)
{
    if (mask_address == 0)
        return {};
    if (size != sizeof(uint64_t))
        return kstd::unexpected(Errno::einval);
    uint64_t mask;
    if (!copy_from_user(&mask, UserAddress(mask_address), sizeof mask))
        return kstd::unexpected(Errno::efault);
    Process::current().set_temporary_signal_mask(mask);
    return {};
}

} // namespace

Result poll(Frame& frame)
{
    // poll(fds, count, milliseconds): a negative timeout is forever.
    const auto milliseconds = static_cast<int32_t>(frame.rdx);
    const sched::Deadline deadline =
        milliseconds < 0 ? sched::Deadline::never() : deadline_in(static_cast<uint64_t>(milliseconds) * 1'000'000);
    return poll_descriptors(frame.rdi, frame.rsi, deadline);
}

Result ppoll(Frame& frame)
{
    // ppoll(fds, count, timeout, sigmask, sigsetsize): waits with `sigmask`
    // as the blocked signals, the old mask back at the return.
    const sched::Deadline deadline = TRY(deadline_of(frame.rdx));
    TRY(apply_wait_mask(frame.r10, frame.r8));
    return poll_descriptors(frame.rdi, frame.rsi, deadline);
}

Result select(Frame& frame)
{
    // select(count, read, write, except, timeval*): the timeval in microseconds.
    sched::Deadline deadline = sched::Deadline::never();
    if (frame.r8 != 0) {
        TimeValue timeout;
        if (!copy_from_user(&timeout, UserAddress(frame.r8), sizeof timeout))
            return kstd::unexpected(Errno::efault);
        if (timeout.seconds < 0 || timeout.microseconds < 0 || timeout.microseconds >= 1'000'000)
            return kstd::unexpected(Errno::einval);
        // Capped at about 292 years, as timespec_argument caps a timespec.
        const uint64_t seconds = static_cast<uint64_t>(timeout.seconds) < 9'000'000'000ull ? timeout.seconds : 9'000'000'000ll;
        deadline = deadline_in(seconds * 1'000'000'000 + static_cast<uint64_t>(timeout.microseconds) * 1000);
    }
    return select_descriptors(frame.rdi, frame.rsi, frame.rdx, frame.r10, deadline);
}

Result pselect6(Frame& frame)
{
    // pselect6(count, read, write, except, timespec*, {sigmask*, size}*):
    // the mask as ppoll's.
    const sched::Deadline deadline = TRY(deadline_of(frame.r8));
    if (frame.r9 != 0) {
        struct {
            uint64_t mask;
            uint64_t size;
        } argument;
        if (!copy_from_user(&argument, UserAddress(frame.r9), sizeof argument))
            return kstd::unexpected(Errno::efault);
        TRY(apply_wait_mask(argument.mask, argument.size));
    }
    return select_descriptors(frame.rdi, frame.rsi, frame.rdx, frame.r10, deadline);
}

} // namespace user::calls

#pragma once
// Readiness: what poll(2) and select(2) ask of an open file (can a read or
// a write go on without blocking?), and the one event pollers sleep on.
//
//   pipe write, pipe end closed,      ──> readiness_changed() ──> every poller
//   terminal input                                                wakes and asks
//                                                                 its files again
//
// One machine-wide event keeps every file kind simple: it only says
// "something may have changed". Each change wakes every poller, which is
// fine while a handful of programs poll; a wait list per file is the step
// after (docs/syscalls.md).

#include <cstdint>
#include "sched/clock.h"
#include "sched/wait_queue.h"

namespace fs {

struct Readiness {
    bool readable = true;  // a read would not block (data, or the end)
    bool writable = true;  // a write would not block
    bool hung_up = false;  // the other end is gone (a pipe's)
    bool error = false;    // a write would fail (a pipe without readers)
};

// Something may have become ready: wakes every poller.
void readiness_changed();

// A poller's side, for as long as it polls:
//
//   fs::ReadinessWatch watch;
//   while (nothing_ready())               // asked after the watch began
//       if (watch.wait(deadline) != sched::WaitResult::Woken) break;
//
// A change after the watch began (or after its last wait returned) is never
// missed: wait() then returns at once.
class ReadinessWatch {
public:
    ReadinessWatch();
    ~ReadinessWatch();
    ReadinessWatch(const ReadinessWatch&) = delete;
    ReadinessWatch& operator=(const ReadinessWatch&) = delete;

    // Sleeps until readiness_changed(), `deadline`, or the thread is
    // interrupted (its process is being killed or signalled).
    sched::WaitResult wait(sched::Deadline deadline);

private:
    uint64_t m_generation;
};

} // namespace fs

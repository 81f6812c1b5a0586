#include "sched/clock.h"
#include "drivers/system_timer.h"

namespace sched {

uint64_t now_ns()
{
    return drivers::system_timer::uptime_ns();
}

Deadline Deadline::after(Duration duration)
{
    const uint64_t asked = duration.count() > 0 ? static_cast<uint64_t>(duration.count()) : 0;
    const uint64_t now = now_ns() + drivers::system_timer::period_ns();
    return Deadline(asked >= UINT64_MAX - now ? UINT64_MAX - 1 : now + asked);
}

} // namespace sched

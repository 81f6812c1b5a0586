#pragma once
// For the scheduler's tests: start a thread running any callable.
//
//   int hits = 0;
//   auto body = [&] { ++hits; return 0; };
//   sched::Thread& thread = sched::testing::start("worker", body);
//   sched::join(thread);
//
// The callable must outlive the thread (it is used in place, not copied).

#include "core/panic.h"
#include "sched/thread.h"

namespace sched::testing {

template <typename F>
Thread& start(std::string_view name, F& body, Priority priority = Priority::Normal)
{
    auto thread = Thread::create(
        name, [](void* argument) -> int { return (*static_cast<F*>(argument))(); }, // the argument is &body
        &body, priority);
    if (!thread)
        core::panic("test thread \"{}\" not started: {}", name, thread.error());
    return **thread;
}

} // namespace sched::testing

#pragma once
// The process table, shared by process.cpp and process_signals.cpp: every
// process from spawn or fork until it is reaped (or, an orphan, frees
// itself). Its lock also guards each process's signals, stop state and
// parent link: a sender finds its target and queues under one lock.

#include "sched/condition_variable.h"
#include "sched/mutex.h"
#include "user/process.h"

namespace user::detail {

extern sched::Mutex g_table_lock;
extern sched::ConditionVariable g_child_exited;     // a child ended, stopped or continued: wait4 looks again
extern sched::ConditionVariable g_continued;        // a stopped process may go on
extern Process* g_table[Process::max_processes];    // guarded by g_table_lock

} // namespace user::detail

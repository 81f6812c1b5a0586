#pragma once
// A process: a program running in an address space of its own, with its
// file descriptors, a parent, and an exit status the parent collects.
//
//   user::Process* shell = MUST(user::Process::spawn("sh", file, argv, envp));   // from the kernel
//   const int status = user::Process::wait(shell);     // the exit code, or 128 + the signal that ended it
//
// From user space the same things happen through fork, execve, exit and
// wait4 (user/process_system_calls.cpp). The life of a process:
//
//   spawn / fork ──> running ── exit, exit_group, a fatal fault, kill ──> zombie ── wait4 / wait ──> gone
//                                 (files closed, memory freed: only the record and the
//                                  thread's stack wait for the parent)
//
// A process whose parent ends first is an orphan: nobody will wait for it,
// so it frees itself when it ends. One thread per process for now.
//
// Signals (signals.h): kill and the rest queue a signal; it acts at the
// process's next return to user mode (deliver_signals): a default action
// (end, stop, continue, nothing) or a frame for its handler.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/interrupt_frame.h"
#include "kstd/errno.h"
#include "kstd/expected.h"
#include "kstd/format.h"
#include "fs/path.h"
#include "user/elf.h"
#include "user/file_table.h"
#include "user/memory_map.h"
#include "user/program_loader.h"
#include "user/signals.h"

namespace sched {
class Thread;
}

namespace user {

struct SpawnError {
    enum class Kind : uint8_t { BadProgram, OutOfMemory, LoadFailed, TooManyProcesses } kind;
    elf::Error program{};   // for BadProgram
    LoadError load{};       // for LoadFailed
};
void format_value(kstd::Sink& sink, const SpawnError& error, const kstd::FormatSpec& spec);
kstd::Errno to_errno(const SpawnError& error);

// Where every program's stack ends (memory_map.h has the whole layout).
inline constexpr uint64_t user_stack_top = stack_top;

// How a system call that an interruptible wait cut short (EINTR) goes on
// when a signal is delivered, as Linux's -ERESTART* codes say: restarted
// (RIP back over the SYSCALL, RAX its number again) if no handler runs,
// or if the handler has SA_RESTART and the call allows it.
enum class Restart : uint8_t {
    No,                // not cut short
    UnlessHandler,     // ERESTARTNOHAND: nanosleep, pause, rt_sigsuspend
    UnlessNotRestartable, // ERESTARTSYS: reads, writes, wait4: SA_RESTART restarts
};
struct InterruptedCall {
    uint64_t number;
    Restart restart;
};

// How a process ended: exit(code), or a signal (a fatal fault, kill).
struct Termination {
    int code = 0;
    int signal = 0; // 0: exited with `code`
    // What a shell shows: the code, or 128 + the signal.
    int status() const { return signal != 0 ? 128 + signal : code; }
    // What wait4 stores: (code << 8), or the signal number (Linux's encoding).
    int wait_status() const { return signal != 0 ? signal : (code & 0xFF) << 8; }
};

class Process {
public:
    // Fork bombs stop here: fork answers EAGAIN, as with Linux's RLIMIT_NPROC.
    static constexpr size_t max_processes = 64;
    static constexpr size_t max_name = 32;

    // A new process running `file`, started by the kernel: descriptors 0, 1
    // and 2 name `standard_files` (the console when empty); no parent but
    // the kernel, which must wait().
    [[nodiscard]] static kstd::Expected<Process*, SpawnError> spawn(
        std::string_view name, std::span<const std::byte> file, std::span<const std::string_view> argv,
        std::span<const std::string_view> envp, std::span<const kstd::RefPtr<fs::File>> standard_files = {});
    // Blocks until a process spawn() made has ended, frees it, and returns its status().
    static int wait(Process* process);

    // The process of the running thread (which must be one's).
    static Process& current();
    // What ps shows of one process.
    struct Summary {
        uint64_t pid, parent_pid;
        char name[max_name];
        bool zombie;
        bool sleeping; // its thread waits (blocked or asleep): ps's S, else R
        uint64_t group;
        uint64_t cpu_ticks;
    };
    // Fills `out` with the processes there are (at most its size); returns how many.
    static size_t list(std::span<Summary> out);
    // The executable's path or the command line of process `pid` into
    // `out` (cut at its size): how many bytes; nothing if there is no such process.
    enum class ProgramText : uint8_t { Executable, CommandLine };
    static std::optional<size_t> copy_program_text(uint64_t pid, ProgramText which, std::span<char> out);
    static size_t count();
    // kill(pid, signal) from process `sender` (0: the kernel): ESRCH if
    // there is no such live process. Signal 0 only checks.
    static kstd::ErrorOr<void> kill(int64_t pid, int signal, uint64_t sender = 0);
    // tgkill(group, tid, signal), and tkill (group -1): the one thread of a process.
    static kstd::ErrorOr<void> kill_thread(int64_t thread_group, int64_t tid, int signal, uint64_t sender);

    uint64_t pid() const { return m_pid; }
    // The process group (job): Ctrl-C interrupts the terminal's foreground
    // group. A spawned process leads its own; a forked child joins its parent's.
    uint64_t group() const { return __atomic_load_n(&m_group, __ATOMIC_RELAXED); }
    // setpgid(pid, group) as POSIX says it, for `this` or a child of it.
    static kstd::ErrorOr<void> set_group(Process& caller, int64_t pid, int64_t group);
    // kill() for every live process in `group`; ESRCH if none.
    static kstd::ErrorOr<void> kill_group(uint64_t group, int signal, uint64_t sender = 0);
    // The session: a spawned process leads its own; fork inherits it.
    uint64_t session() const { return __atomic_load_n(&m_session, __ATOMIC_RELAXED); }
    // setsid(): a new session and group led by `caller`; EPERM for a group leader.
    static kstd::ErrorOr<uint64_t> new_session(Process& caller);
    // getsid(pid) and getpgid(pid) (0: the caller); ESRCH if no such process.
    static kstd::ErrorOr<uint64_t> session_of(Process& caller, int64_t pid);
    static kstd::ErrorOr<uint64_t> group_of(Process& caller, int64_t pid);
    // 0 for the kernel's or an orphan. Read without the table's lock: it is
    // written (under the lock) only when the parent ends.
    uint64_t parent_pid() const { return __atomic_load_n(&m_parent_pid, __ATOMIC_RELAXED); }
    std::string_view name() const { return m_name; }
    // Its name as ps shows it (prctl's PR_SET_NAME changes it; execve sets the program's).
    void set_name(std::string_view name);
    // The file-mode creation mask (umask(2)): kept for the program, not
    // applied yet, since no file system here keeps permissions it could take.
    uint32_t file_mode_mask() const { return m_file_mode_mask; }
    void set_file_mode_mask(uint32_t mask) { m_file_mode_mask = mask & 0777; }
    bool is_zombie() const { return m_zombie; }
    MemoryMap& memory() { return *m_memory; }
    // The working directory: absolute and canonical (fs/path.h). Only the
    // process's own thread changes it.
    std::string_view cwd() const { return m_cwd; }
    void set_cwd(std::string_view path);
    FileTable& files() { return m_files; }
    // The program file it runs, as execve (or spawn) named it: /proc/self/exe.
    std::string_view executable() const { return m_program.path; }
    // Its arguments, each ended by a NUL (Linux's /proc/<pid>/cmdline), cut
    // at a whole argument past 256 bytes.
    std::string_view command_line() const { return {m_program.arguments, m_program.arguments_size}; }

    // The system calls' halves (frame: the caller's registers, as SYSCALL saved them).
    // `child_tid`: where in the child's memory to store its id (clone's
    // CLONE_CHILD_SETTID), or 0.
    kstd::ErrorOr<uint64_t> fork(const arch::InterruptFrame& frame, uint64_t child_tid = 0);
    // Replaces the program: on success the frame returns to the new entry point.
    // `program`'s pages are loaded as they are first touched.
    kstd::ErrorOr<void> exec(std::string_view name, kstd::RefPtr<ProgramFile> program,
                             std::span<const std::string_view> argv, std::span<const std::string_view> envp,
                             arch::InterruptFrame& frame);
    // wait4: `pid` > 0 that child, -1 any, 0 the caller's group, < -1
    // group -pid; options WNOHANG, WUNTRACED, WCONTINUED.
    kstd::ErrorOr<uint64_t> wait_for_child(int64_t pid, int& wait_status, uint64_t options);
    static constexpr uint64_t wait_no_hang = 1, wait_untraced = 2, wait_continued = 8;
    // Ends the calling process (its only thread); never returns.
    [[noreturn]] void exit(Termination termination);

    // Signals (process_signals.cpp). The calling process's own:
    // raise() queues one for itself (SIGPIPE).
    void raise(const SignalInfo& info);
    // rt_sigaction: the old action; `action` null only reads. EINVAL for
    // SIGKILL, SIGSTOP (unless only read) and numbers outside 1-64.
    kstd::ErrorOr<SignalAction> change_action(int signo, const SignalAction* action);
    // rt_sigprocmask: how SIG_BLOCK 0, SIG_UNBLOCK 1, SIG_SETMASK 2 with
    // `set` (null: only read); the old mask.
    kstd::ErrorOr<uint64_t> change_mask(uint64_t how, const uint64_t* set);
    uint64_t signal_mask();
    // rt_sigpending: pending and blocked.
    uint64_t blocked_pending();
    // rt_sigsuspend (`mask` non-null) and pause: waits for a signal that
    // acts; always EINTR (its handler runs with the old mask saved).
    kstd::ErrorOr<void> suspend(const uint64_t* mask);
    // ppoll's and pselect6's mask: blocked signals are `mask` until the
    // call returns to user space, where the old mask comes back (after a
    // handler the mask allowed has run, through its frame), as rt_sigsuspend's.
    void set_temporary_signal_mask(uint64_t mask);
    // sigaltstack: the old settings; `wanted` null only reads. `sp`: the
    // caller's stack pointer (EPERM to change the stack it runs on).
    kstd::ErrorOr<SignalStack> change_signal_stack(const SignalStack* wanted, uint64_t sp);
    // rt_sigreturn: false for a bad frame (the caller ends the process).
    bool return_from_signal(arch::InterruptFrame& frame);
    // At a return to user mode: acts on the pending signals (the
    // process may end or stop here); true if `frame` changed beyond RAX
    // (IRETQ needed). `call`: the system call ending, if one is.
    bool deliver_signals(arch::InterruptFrame& frame, const InterruptedCall* call);
    // Whether deliver_signals has anything to do (read without the lock).
    bool needs_signal_delivery() const;
    // A fault of the process's own code raising `info.signo`: true if its
    // handler will run (queued, unblocked, caught); false to end the process.
    bool catch_fault(const SignalInfo& info, const FaultDetails& details);
    // Ends the calling process as `signo` does ("killed by signal N" in the log).
    [[noreturn]] void end_by_signal(int signo);

private:
    Process() = default;
    ~Process();
    static int start_spawned(void* process);
    static int start_forked(void* process);
    // Registers `this` in the table with a new pid; EAGAIN when it is full.
    kstd::ErrorOr<void> enter_table();
    void leave_table();
    void set_program(std::string_view path, std::span<const std::string_view> argv);
    // The process table's lock held for all of these (process_signals.cpp).
    void send_signal_locked(const SignalInfo& info);
    void update_interruption_locked();
    void set_temporary_signal_mask_locked(uint64_t mask);
    // kill's and tkill's half: `signal` with si_code `code` to live process `pid`.
    static kstd::ErrorOr<void> send_to(int64_t pid, int signal, uint64_t sender, int32_t code);
    bool reaps_children_locked() const; // SIGCHLD ignored, or SA_NOCLDWAIT
    void notify_parent_locked(const SignalInfo& info);

    uint64_t m_pid = 0;
    uint64_t m_group = 0;
    Process* m_parent = nullptr;      // null: the kernel (spawn), or an orphan; guarded by the table's lock
    uint64_t m_parent_pid = 0;        // m_parent's pid, for getppid without the lock
    bool m_kernel_waits = false;      // spawn(): Process::wait frees it
    bool m_zombie = false;
    Termination m_termination{};
    uint64_t m_session = 0;
    SignalState m_signals;            // guarded by the table's lock
    FaultDetails m_fault{};           // the last fault's, for a signal frame (own thread only)
    bool m_stopped = false;           // a stop signal acted: the thread waits for SIGCONT or SIGKILL
    int m_wait_report = 0;            // for WUNTRACED/WCONTINUED: the stop signal, -1 continued, 0 none
    char m_name[max_name] = {};
    char m_cwd[fs::max_path] = "/";
    uint32_t m_file_mode_mask = 022;
    struct Program {
        char path[fs::max_path] = "";
        char arguments[256] = {};
        size_t arguments_size = 0;
    } m_program;
    MemoryMap* m_memory = nullptr;
    FileTable m_files;
    sched::Thread* m_thread = nullptr;
    LoadedProgram m_start{};          // spawn: where the program begins
    struct ForkStart;                 // fork: the registers the child returns with
    ForkStart* m_fork_start = nullptr; // (apart: a process record stays one small heap block)
};

} // namespace user

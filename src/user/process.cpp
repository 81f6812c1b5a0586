#include "user/process.h"
#include <new>
#include <utility>
#include "arch/x86_64/user_mode.h"
#include "core/panic.h"
#include "core/print.h"
#include "fs/console_file.h"
#include "sched/condition_variable.h"
#include "sched/mutex.h"
#include "sched/thread.h"
#include "user/process_table.h"
#include "user/user_copy.h"

namespace user {

namespace detail {
sched::Mutex g_table_lock{"process table"};
sched::ConditionVariable g_child_exited{"wait4"};
sched::ConditionVariable g_continued{"stopped"};
Process* g_table[Process::max_processes];
} // namespace detail

using detail::g_child_exited;
using detail::g_table;
using detail::g_table_lock;

// What a forked child starts with: the parent's registers at the fork.
struct Process::ForkStart {
    arch::InterruptFrame frame;
    arch::FpuState fpu;
    uint64_t fs_base;
    uint64_t child_tid; // clone's CLONE_CHILD_SETTID address, or 0
};

namespace {

uint64_t g_next_pid = 1; // guarded by g_table_lock (process_table.h)


// A process's thread runs its system calls on this kernel stack: twice a
// kernel thread's, for the file systems' deeper paths (FAT's directory
// entries, with their long names, are large values on the way).
constexpr uint64_t kernel_stack_size = 2 * sched::thread_stack_size;

// Takes `process` out of the table; g_table_lock held.
void remove_locked(Process* process)
{
    for (Process*& slot : g_table) {
        if (slot == process)
            slot = nullptr;
    }
}

std::string_view base_name(std::string_view path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A new memory map with `file`'s program loaded and the stack built.
struct LoadedImage {
    MemoryMap* memory;
    LoadedProgram start;
};
// With `program` (execve), the segments' pages are filled from it as they
// are first touched; without (spawn), they are copied now from `file`.
kstd::Expected<LoadedImage, SpawnError> load_image(std::span<const std::byte> file,
                                                   std::span<const std::string_view> argv,
                                                   std::span<const std::string_view> envp, std::string_view path,
                                                   kstd::RefPtr<ProgramFile> program = {})
{
    auto image = elf::parse(file);
    if (!image)
        return kstd::unexpected(SpawnError{SpawnError::Kind::BadProgram, image.error()});
    auto memory = MemoryMap::create();
    if (!memory)
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    auto loaded = load_program((*memory)->space(), file, *image, user_stack_top, argv, envp, path,
                               program ? SegmentLoading::OnFirstTouch : SegmentLoading::Now);
    if (!loaded) {
        delete *memory;
        return kstd::unexpected(SpawnError{SpawnError::Kind::LoadFailed, {}, loaded.error()});
    }
    bool regions = true;
    for (const elf::Segment& segment : image->loadable()) {
        if (program)
            regions = regions && (*memory)->add_program_region(program, segment.address, segment.memory_size,
                                                                segment.file_offset, segment.file_size,
                                                                segment.writable, segment.executable);
        else
            regions = regions && (*memory)->add_program_region(segment.address, segment.address + segment.memory_size,
                                                                segment.writable, segment.executable);
    }
    if (!regions || !(*memory)->add_stack_region()) {
        delete *memory;
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    }
    return LoadedImage{*memory, *loaded};
}

} // namespace

void format_value(kstd::Sink& sink, const SpawnError& error, const kstd::FormatSpec&)
{
    switch (error.kind) {
    case SpawnError::Kind::BadProgram: kstd::format_to(sink, "not a program we can run: {}", error.program); return;
    case SpawnError::Kind::OutOfMemory: sink.write("out of memory starting a process"); return;
    case SpawnError::Kind::LoadFailed: kstd::format_to(sink, "{}", to_string(error.load)); return;
    case SpawnError::Kind::TooManyProcesses: sink.write("too many processes"); return;
    }
}

kstd::Errno to_errno(const SpawnError& error)
{
    switch (error.kind) {
    case SpawnError::Kind::BadProgram: return kstd::Errno::enoexec;
    case SpawnError::Kind::LoadFailed:
        return error.load == LoadError::StackTooSmall ? kstd::Errno::e2big : kstd::Errno::enomem;
    case SpawnError::Kind::TooManyProcesses: return kstd::Errno::eagain;
    case SpawnError::Kind::OutOfMemory: break;
    }
    return kstd::Errno::enomem;
}

Process::~Process()
{
    delete m_memory; // null once exit() has freed it
    delete m_fork_start; // null once the child has started
}

void Process::set_name(std::string_view name)
{
    const size_t length = name.size() < max_name - 1 ? name.size() : max_name - 1;
    __builtin_memcpy(m_name, name.data(), length);
    m_name[length] = '\0';
}

void Process::set_program(std::string_view path, std::span<const std::string_view> argv)
{
    const size_t length = path.size() < fs::max_path - 1 ? path.size() : fs::max_path - 1;
    __builtin_memcpy(m_program.path, path.data(), length);
    m_program.path[length] = '\0';
    m_program.arguments_size = 0;
    for (const std::string_view argument : argv) {
        if (m_program.arguments_size + argument.size() + 1 > sizeof m_program.arguments)
            break; // cut at a whole argument, as a short /proc/<pid>/cmdline
        __builtin_memcpy(m_program.arguments + m_program.arguments_size, argument.data(), argument.size());
        m_program.arguments_size += argument.size();
        m_program.arguments[m_program.arguments_size++] = '\0';
    }
}

void Process::set_cwd(std::string_view path)
{
    KASSERT(path.size() < fs::max_path, "working directory of {} bytes", path.size());
    __builtin_memcpy(m_cwd, path.data(), path.size());
    m_cwd[path.size()] = '\0';
}

kstd::ErrorOr<void> Process::enter_table()
{
    sched::MutexGuard guard(g_table_lock);
    for (Process*& slot : g_table) {
        if (slot == nullptr) {
            slot = this;
            m_pid = g_next_pid++;
            if (m_group == 0)
                m_group = m_pid; // spawned: a group of its own
            if (m_session == 0)
                m_session = m_pid; // and a session
            return {};
        }
    }
    return kstd::unexpected(kstd::Errno::eagain);
}

void Process::leave_table()
{
    sched::MutexGuard guard(g_table_lock);
    remove_locked(this);
}

Process& Process::current()
{
    void* owner = sched::current_thread().owner();
    KASSERT(owner != nullptr, "thread {} \"{}\" runs no process", sched::current_thread().id(),
            sched::current_thread().name());
    return *static_cast<Process*>(owner); // start_spawned and start_forked set it to their Process
}

kstd::Expected<Process*, SpawnError> Process::spawn(std::string_view name, std::span<const std::byte> file,
                                                    std::span<const std::string_view> argv,
                                                    std::span<const std::string_view> envp,
                                                    std::span<const kstd::RefPtr<fs::File>> standard_files)
{
    auto* process = new (std::nothrow) Process;
    if (process == nullptr)
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    process->set_name(base_name(name)); // as Linux's comm: "sh" for /bin/sh
    process->m_kernel_waits = true;
    auto console = fs::ConsoleFile::open();
    auto loaded = load_image(file, argv, envp, name);
    process->set_program(name, argv);
    bool files = console.has_value();
    for (int fd = 0; files && fd < 3; ++fd)
        files = process->m_files.put(fd, standard_files.size() > static_cast<size_t>(fd) ? standard_files[fd] : *console,
                                     false).has_value();
    if (!loaded || !files) {
        if (loaded)
            delete loaded->memory;
        delete process;
        return kstd::unexpected(loaded ? SpawnError{SpawnError::Kind::OutOfMemory} : loaded.error());
    }
    process->m_memory = loaded->memory;
    process->m_start = loaded->start;
    if (!process->enter_table()) {
        delete process;
        return kstd::unexpected(SpawnError{SpawnError::Kind::TooManyProcesses});
    }
    auto thread = sched::Thread::create(name, &Process::start_spawned, process, sched::Priority::Normal,
                                        kernel_stack_size, &process->m_memory->space());
    if (!thread) {
        process->leave_table();
        delete process;
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    }
    {
        sched::MutexGuard guard(g_table_lock); // kill() reads it under the lock
        process->m_thread = *thread;
    }
    return process;
}

int Process::start_spawned(void* argument)
{
    auto& process = *static_cast<Process*>(argument); // spawn passes the Process
    sched::current_thread().set_owner(&process);
    arch::enter_user_mode(process.m_start.entry, process.m_start.stack_pointer);
}

int Process::wait(Process* process)
{
    KASSERT(process->m_kernel_waits, "Process::wait on process {}, which the kernel did not spawn", process->m_pid);
    (void)sched::join(*process->m_thread); // m_termination says how it ended, the thread's status less
    const int result = process->m_termination.status();
    process->leave_table();
    delete process;
    return result;
}

kstd::ErrorOr<uint64_t> Process::fork(const arch::InterruptFrame& frame, uint64_t child_tid)
{
    auto* child = new (std::nothrow) Process;
    if (child == nullptr)
        return kstd::unexpected(kstd::Errno::enomem);
    child->set_name(m_name);
    child->m_parent = this;
    child->m_parent_pid = m_pid;
    child->m_group = group();
    child->m_session = session();
    {
        sched::MutexGuard guard(g_table_lock);
        child->m_signals.copy_for_fork(m_signals);
    }
    auto memory = m_memory->clone();
    if (!memory) {
        delete child;
        return kstd::unexpected(memory.error());
    }
    child->m_memory = *memory;
    child->m_files.copy_from(m_files);
    child->set_cwd(cwd());
    child->m_program = m_program;
    child->m_file_mode_mask = m_file_mode_mask;
    child->m_fork_start = new (std::nothrow) ForkStart{frame, {}, sched::current_thread().fs_base(), child_tid};
    if (child->m_fork_start == nullptr) {
        delete child;
        return kstd::unexpected(kstd::Errno::enomem);
    }
    child->m_fork_start->frame.rax = 0;        // fork returns 0 in the child
    arch::save_fpu(child->m_fork_start->fpu);  // this thread's registers: the kernel never changes them
    if (auto entered = child->enter_table(); !entered) {
        delete child;
        return kstd::unexpected(entered.error());
    }
    const uint64_t pid = child->m_pid;
    // Under the table's lock until the child knows its thread: the child
    // may run and end at once, and with SIGCHLD ignored it frees itself as
    // it ends (under this lock): not before m_thread is written.
    sched::MutexGuard guard(g_table_lock);
    auto thread = sched::Thread::create(m_name, &Process::start_forked, child, sched::Priority::Normal,
                                        kernel_stack_size, &child->m_memory->space());
    if (!thread) {
        remove_locked(child);
        delete child;
        return kstd::unexpected(kstd::Errno::enomem);
    }
    child->m_thread = *thread; // wait_for_child reads it under the lock
    return pid;
}

int Process::start_forked(void* argument)
{
    auto& process = *static_cast<Process*>(argument); // fork passes the child
    sched::Thread& self = sched::current_thread();
    self.set_owner(&process);
    ForkStart* start = std::exchange(process.m_fork_start, nullptr);
    self.set_fs_base(start->fs_base);
    if (start->child_tid != 0) { // in the child's own address space now
        const auto id = static_cast<int32_t>(process.m_pid);
        (void)copy_to_user(UserAddress(start->child_tid), &id, sizeof id); // checked in clone; a later unmap is the program's
    }
    arch::restore_fpu(start->fpu);
    arch::InterruptFrame frame = start->frame; // on this stack: return_to_user moves RSP onto it
    delete start;
    arch::return_to_user(frame);
}

kstd::ErrorOr<void> Process::exec(std::string_view name, kstd::RefPtr<ProgramFile> program,
                                  std::span<const std::string_view> argv, std::span<const std::string_view> envp,
                                  arch::InterruptFrame& frame)
{
    auto loaded = load_image(program->bytes(), argv, envp, name, program);
    if (!loaded)
        return kstd::unexpected(to_errno(loaded.error()));
    set_program(name, argv);
    // The point of no return: the old image goes.
    MemoryMap* old = m_memory;
    m_memory = loaded->memory;
    sched::switch_address_space(&m_memory->space());
    delete old;
    set_name(base_name(name));
    m_files.close_on_exec();
    {
        sched::MutexGuard guard(g_table_lock);
        m_signals.reset_for_exec();
    }
    sched::current_thread().set_fs_base(0);
    static const arch::FpuState initial = arch::FpuState::initial();
    arch::restore_fpu(initial);
    const uint64_t code_selector = frame.cs, stack_selector = frame.ss; // the user's, as SYSCALL saved them
    frame = arch::InterruptFrame{};
    frame.cs = code_selector;
    frame.ss = stack_selector;
    frame.rip = loaded->start.entry;
    frame.rsp = loaded->start.stack_pointer;
    frame.rflags = 0x202; // IF and the always-one bit
    return {};
}

kstd::ErrorOr<uint64_t> Process::wait_for_child(int64_t pid, int& wait_status, uint64_t options)
{
    const uint64_t own_group = group();
    auto wanted = [&](const Process& child) {
        if (pid > 0)
            return child.m_pid == static_cast<uint64_t>(pid);
        if (pid == 0)
            return child.group() == own_group;
        return pid == -1 || child.group() == static_cast<uint64_t>(-pid);
    };
    Process* zombie = nullptr;
    {
        sched::MutexGuard guard(g_table_lock);
        for (;;) {
            bool has_child = false;
            for (Process* process : g_table) {
                if (process == nullptr || process->m_parent != this || !wanted(*process))
                    continue;
                has_child = true;
                if (process->m_zombie) {
                    zombie = process;
                    break;
                }
                // A stop or a continuation, reported once (Linux's encoding: 0x7f
                // with the signal above it; 0xffff).
                const int report = process->m_wait_report;
                if ((report > 0 && (options & wait_untraced) != 0) || (report < 0 && (options & wait_continued) != 0)) {
                    process->m_wait_report = 0;
                    wait_status = report > 0 ? (report << 8) | 0x7F : 0xFFFF;
                    return process->m_pid;
                }
            }
            if (zombie != nullptr)
                break;
            if (!has_child)
                return kstd::unexpected(kstd::Errno::echild);
            if ((options & wait_no_hang) != 0)
                return uint64_t{0};
            if (g_child_exited.wait_interruptible(g_table_lock) == sched::WaitResult::Interrupted)
                return kstd::unexpected(kstd::Errno::eintr);
        }
        remove_locked(zombie);
    }
    (void)sched::join(*zombie->m_thread); // its last steps after exit(): quick
    wait_status = zombie->m_termination.wait_status();
    const uint64_t reaped = zombie->m_pid;
    delete zombie;
    return reaped;
}

void Process::exit(Termination termination)
{
    KASSERT(&current() == this, "process {} ended by another thread", m_pid);
    // Everything but the record and this thread's stack goes now: the files
    // (a pipe's reader sees its end), then the memory, once the thread
    // runs on the kernel's tables instead.
    m_files.close_all();
    sched::switch_address_space(nullptr);
    delete m_memory;
    m_memory = nullptr;
    bool orphan;
    {
        sched::MutexGuard guard(g_table_lock);
        m_termination = termination;
        m_zombie = true;
        // Children become orphans; zombies among them have no one to wait for them now.
        for (Process*& process : g_table) {
            if (process == nullptr || process->m_parent != this)
                continue;
            process->m_parent = nullptr;
            __atomic_store_n(&process->m_parent_pid, uint64_t{0}, __ATOMIC_RELAXED);
            if (process->m_zombie) {
                Process* const zombie = process;
                process = nullptr;
                sched::detach(*zombie->m_thread); // freed by the idle thread once it has ended
                delete zombie;
            }
        }
        // The parent hears of it by SIGCHLD, unless it ignores SIGCHLD or
        // set SA_NOCLDWAIT: then nobody waits, and this frees itself (POSIX).
        if (m_parent != nullptr && m_parent->reaps_children_locked()) {
            m_parent = nullptr;
        } else if (m_parent != nullptr) {
            const int32_t code = termination.signal == 0                                       ? cld_exited
                                 : default_action(termination.signal) == DefaultAction::CoreDump ? cld_dumped
                                                                                                 : cld_killed;
            m_parent->send_signal_locked(SignalInfo::child(
                code, m_pid, termination.signal != 0 ? termination.signal : termination.code));
        }
        orphan = m_parent == nullptr && !m_kernel_waits;
        if (orphan)
            remove_locked(this);
        g_child_exited.notify_all();
    }
    const int status = termination.status();
    if (orphan) {
        sched::detach(sched::current_thread());
        delete this;
    }
    sched::exit(status);
}

size_t Process::list(std::span<Summary> out)
{
    sched::MutexGuard guard(g_table_lock);
    size_t count = 0;
    for (Process* process : g_table) {
        if (process == nullptr || count == out.size())
            continue;
        Summary& summary = out[count++];
        summary.pid = process->m_pid;
        summary.parent_pid = process->parent_pid();
        __builtin_memcpy(summary.name, process->m_name, max_name);
        summary.zombie = process->m_zombie;
        const sched::ThreadState state =
            process->m_thread != nullptr ? process->m_thread->state() : sched::ThreadState::Exited;
        summary.sleeping = state == sched::ThreadState::Blocked || state == sched::ThreadState::Sleeping;
        summary.group = process->group();
        summary.cpu_ticks = process->m_thread != nullptr ? process->m_thread->cpu_ticks() : 0;
    }
    return count;
}

std::optional<size_t> Process::copy_program_text(uint64_t pid, ProgramText which, std::span<char> out)
{
    sched::MutexGuard guard(g_table_lock);
    for (Process* process : g_table) {
        if (process == nullptr || process->m_pid != pid)
            continue;
        const std::string_view text = which == ProgramText::Executable ? process->executable() : process->command_line();
        const size_t count = text.size() < out.size() ? text.size() : out.size();
        __builtin_memcpy(out.data(), text.data(), count);
        return count;
    }
    return std::nullopt;
}

kstd::ErrorOr<void> Process::set_group(Process& caller, int64_t pid, int64_t group)
{
    if (group < 0)
        return kstd::unexpected(kstd::Errno::einval);
    sched::MutexGuard guard(g_table_lock);
    Process* target = nullptr;
    if (pid == 0 || static_cast<uint64_t>(pid) == caller.m_pid) {
        target = &caller;
    } else {
        for (Process* process : g_table) {
            if (process != nullptr && process->m_pid == static_cast<uint64_t>(pid) && process->m_parent == &caller)
                target = process;
        }
    }
    if (target == nullptr)
        return kstd::unexpected(kstd::Errno::esrch);
    // POSIX: a session leader keeps its group, and a group is joined
    // only within the session.
    const uint64_t new_group = group == 0 ? target->m_pid : static_cast<uint64_t>(group);
    if (target->session() == target->m_pid)
        return kstd::unexpected(kstd::Errno::eperm);
    if (new_group != target->m_pid) {
        bool found = false;
        for (Process* process : g_table) {
            if (process != nullptr && process->group() == new_group && process->session() == target->session())
                found = true;
        }
        if (!found)
            return kstd::unexpected(kstd::Errno::eperm);
    }
    __atomic_store_n(&target->m_group, group == 0 ? target->m_pid : static_cast<uint64_t>(group), __ATOMIC_RELAXED);
    return {};
}

kstd::ErrorOr<uint64_t> Process::new_session(Process& caller)
{
    sched::MutexGuard guard(g_table_lock);
    for (Process* process : g_table) {
        if (process != nullptr && process->group() == caller.m_pid)
            return kstd::unexpected(kstd::Errno::eperm); // it leads a group already (or one bears its id)
    }
    __atomic_store_n(&caller.m_session, caller.m_pid, __ATOMIC_RELAXED);
    __atomic_store_n(&caller.m_group, caller.m_pid, __ATOMIC_RELAXED);
    return caller.m_pid;
}

namespace {

// getsid's and getpgid's half: `read` of process `pid` (0: the caller).
template <typename Read>
kstd::ErrorOr<uint64_t> read_of(Process& caller, int64_t pid, Read read)
{
    if (pid == 0)
        return read(caller);
    sched::MutexGuard guard(g_table_lock);
    for (Process* process : g_table) {
        if (process != nullptr && process->pid() == static_cast<uint64_t>(pid))
            return read(*process);
    }
    return kstd::unexpected(kstd::Errno::esrch);
}

} // namespace

kstd::ErrorOr<uint64_t> Process::session_of(Process& caller, int64_t pid)
{
    return read_of(caller, pid, [](const Process& process) { return process.session(); });
}

kstd::ErrorOr<uint64_t> Process::group_of(Process& caller, int64_t pid)
{
    return read_of(caller, pid, [](const Process& process) { return process.group(); });
}

size_t Process::count()
{
    sched::MutexGuard guard(g_table_lock);
    size_t count = 0;
    for (Process* process : g_table)
        count += process != nullptr ? 1 : 0;
    return count;
}

} // namespace user

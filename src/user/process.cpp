#include "user/process.h"
#include <new>
#include "arch/x86_64/user_mode.h"
#include "mem/user_address_space.h"
#include "sched/thread.h"

namespace user {

namespace {
uint64_t g_next_pid = 1; // threads may spawn at once: taken with an atomic add
} // namespace

void format_value(kstd::Sink& sink, const SpawnError& error, const kstd::FormatSpec&)
{
    switch (error.kind) {
    case SpawnError::Kind::BadProgram: kstd::format_to(sink, "not a program we can run: {}", error.program); return;
    case SpawnError::Kind::OutOfMemory: sink.write("out of memory starting a process"); return;
    case SpawnError::Kind::LoadFailed: kstd::format_to(sink, "{}", to_string(error.load)); return;
    }
}

kstd::Expected<Process*, SpawnError> Process::spawn(std::string_view name, std::span<const std::byte> file,
                                                    std::span<const std::string_view> argv,
                                                    std::span<const std::string_view> envp)
{
    auto image = elf::parse(file);
    if (!image)
        return kstd::unexpected(SpawnError{SpawnError::Kind::BadProgram, image.error()});
    auto* process = new (std::nothrow) Process;
    if (process == nullptr)
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    auto space = mem::UserAddressSpace::create();
    if (!space) {
        delete process;
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    }
    process->m_space = *space;
    auto loaded = load_program((*space)->space(), file, *image, user_stack_top, argv, envp);
    if (!loaded) {
        delete *space;
        delete process;
        return kstd::unexpected(SpawnError{SpawnError::Kind::LoadFailed, {}, loaded.error()});
    }
    process->m_loaded = *loaded;
    process->m_pid = __atomic_fetch_add(&g_next_pid, 1, __ATOMIC_RELAXED);
    auto thread = sched::Thread::create(name, &Process::run, process, sched::Priority::Normal,
                                        sched::thread_stack_size, &(*space)->space());
    if (!thread) {
        delete *space; // its destructor frees the loaded pages too
        delete process;
        return kstd::unexpected(SpawnError{SpawnError::Kind::OutOfMemory});
    }
    process->m_thread = *thread;
    return process;
}

int Process::run(void* argument)
{
    const auto& process = *static_cast<Process*>(argument); // spawn passes the Process
    arch::enter_user_mode(process.m_loaded.entry, process.m_loaded.stack_pointer);
}

int Process::wait(Process* process)
{
    const int status = sched::join(*process->m_thread);
    delete process->m_space; // every page, table and the stack
    delete process;
    return status;
}

} // namespace user

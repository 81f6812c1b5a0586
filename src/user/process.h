#pragma once
// A process: a user program in an address space of its own, run by one
// thread. spawn() parses the program file, makes the address space, loads
// the program into it and starts the thread in ring 3; wait() lets it end
// and gives back everything it had: its pages, its page tables, its stack
// and its thread.
//
//   user::Process* shell = MUST(user::Process::spawn("sh", file, argv, envp));
//   const int status = user::Process::wait(shell);   // the exit status (128 + signal if a fault ended it)
//
// Not yet: more than one thread, a parent, a file-descriptor table, fork.

#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "user/elf.h"
#include "user/program_loader.h"

namespace mem {
class UserAddressSpace;
}
namespace sched {
class Thread;
}

namespace user {

struct SpawnError {
    enum class Kind : uint8_t { BadProgram, OutOfMemory, LoadFailed } kind;
    elf::Error program{};   // for BadProgram
    LoadError load{};       // for LoadFailed
};
void format_value(kstd::Sink& sink, const SpawnError& error, const kstd::FormatSpec& spec);

// Where every program's stack ends: the top of the lower half, less a guard
// gap of 1 GiB.
inline constexpr uint64_t user_stack_top = 0x0000'7FFF'C000'0000;

class Process {
public:
    [[nodiscard]] static kstd::Expected<Process*, SpawnError> spawn(std::string_view name,
                                                                    std::span<const std::byte> file,
                                                                    std::span<const std::string_view> argv,
                                                                    std::span<const std::string_view> envp);
    // Blocks until the process has ended, frees it, and returns its status.
    static int wait(Process* process);

    uint64_t pid() const { return m_pid; }

private:
    Process() = default;
    static int run(void* process);

    uint64_t m_pid = 0;
    mem::UserAddressSpace* m_space = nullptr;
    LoadedProgram m_loaded{};
    sched::Thread* m_thread = nullptr;
};

} // namespace user

#pragma once
// A process's file descriptors: small numbers naming open files
// (fs/file.h). A new descriptor takes the lowest free number, as POSIX
// says; dup2/dup3 name one exactly. fork() copies the table (both name the
// same open files, with one offset); execve() closes the close-on-exec ones.
// The table is guarded by its own mutex: threads of a process share it.

#include <array>
#include <cstdint>
#include "fs/file.h"
#include "kstd/errno.h"
#include "sched/mutex.h"

namespace user {

class FileTable {
public:
    static constexpr int max_descriptors = 64;

    // The file `fd` names, or EBADF.
    kstd::ErrorOr<kstd::RefPtr<fs::File>> get(int64_t fd);
    // The lowest free descriptor at or above `lowest` now names `file`; EMFILE if none is free.
    kstd::ErrorOr<int> add(kstd::RefPtr<fs::File> file, bool close_on_exec = false, int lowest = 0);
    // `fd` names `file` (what it named before is closed); EBADF out of range.
    kstd::ErrorOr<void> put(int64_t fd, kstd::RefPtr<fs::File> file, bool close_on_exec);
    kstd::ErrorOr<void> close(int64_t fd);
    kstd::ErrorOr<bool> close_on_exec_flag(int64_t fd);
    void close_all();
    void close_on_exec();
    // The same descriptors naming the same files (fork).
    void copy_from(FileTable& other);
    int count();

private:
    struct Slot {
        kstd::RefPtr<fs::File> file;
        bool close_on_exec = false;
    };
    sched::Mutex m_lock{"file table"};
    std::array<Slot, max_descriptors> m_slots{}; // guarded by m_lock
};

} // namespace user

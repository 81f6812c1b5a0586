#include "user/file_table.h"
#include <utility>

namespace user {

kstd::ErrorOr<kstd::RefPtr<fs::File>> FileTable::get(int64_t fd)
{
    if (fd < 0 || fd >= max_descriptors)
        return kstd::unexpected(kstd::Errno::ebadf);
    sched::MutexGuard guard(m_lock);
    if (!m_slots[fd].file)
        return kstd::unexpected(kstd::Errno::ebadf);
    return m_slots[fd].file;
}

kstd::ErrorOr<int> FileTable::add(kstd::RefPtr<fs::File> file, bool close_on_exec, int lowest)
{
    if (lowest < 0 || lowest >= max_descriptors)
        return kstd::unexpected(kstd::Errno::einval);
    sched::MutexGuard guard(m_lock);
    for (int fd = lowest; fd < max_descriptors; ++fd) {
        if (!m_slots[fd].file) {
            m_slots[fd] = Slot{std::move(file), close_on_exec};
            return fd;
        }
    }
    return kstd::unexpected(kstd::Errno::emfile);
}

kstd::ErrorOr<void> FileTable::put(int64_t fd, kstd::RefPtr<fs::File> file, bool close_on_exec)
{
    if (fd < 0 || fd >= max_descriptors)
        return kstd::unexpected(kstd::Errno::ebadf);
    Slot old;
    {
        sched::MutexGuard guard(m_lock);
        old = std::exchange(m_slots[fd], Slot{std::move(file), close_on_exec});
    }
    return {}; // `old` closes here, outside the lock (a pipe end's close takes the pipe's)
}

kstd::ErrorOr<void> FileTable::close(int64_t fd)
{
    if (fd < 0 || fd >= max_descriptors)
        return kstd::unexpected(kstd::Errno::ebadf);
    Slot old;
    {
        sched::MutexGuard guard(m_lock);
        if (!m_slots[fd].file)
            return kstd::unexpected(kstd::Errno::ebadf);
        old = std::exchange(m_slots[fd], Slot{});
    }
    return {};
}

kstd::ErrorOr<bool> FileTable::close_on_exec_flag(int64_t fd)
{
    if (fd < 0 || fd >= max_descriptors)
        return kstd::unexpected(kstd::Errno::ebadf);
    sched::MutexGuard guard(m_lock);
    if (!m_slots[fd].file)
        return kstd::unexpected(kstd::Errno::ebadf);
    return m_slots[fd].close_on_exec;
}

void FileTable::close_all()
{
    for (int fd = 0; fd < max_descriptors; ++fd)
        (void)close(fd);
}

void FileTable::close_on_exec()
{
    for (int fd = 0; fd < max_descriptors; ++fd) {
        bool marked;
        {
            sched::MutexGuard guard(m_lock);
            marked = m_slots[fd].close_on_exec;
        }
        if (marked)
            (void)close(fd);
    }
}

void FileTable::copy_from(FileTable& other)
{
    sched::MutexGuard guard(other.m_lock);
    for (int fd = 0; fd < max_descriptors; ++fd)
        m_slots[fd] = other.m_slots[fd]; // `this` is new: nothing to close, no one else holds it
}

int FileTable::count()
{
    sched::MutexGuard guard(m_lock);
    int open = 0;
    for (const Slot& slot : m_slots)
        open += slot.file ? 1 : 0;
    return open;
}

} // namespace user

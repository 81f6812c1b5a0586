#include "fs/pipe.h"
#include <new>
#include <utility>

namespace fs {

namespace {

uint64_t g_next_inode = 1; // pipes are numbered for fstat; taken with an atomic add

class PipeEnd : public File {
public:
    PipeEnd(kstd::RefPtr<Pipe> pipe, bool reads) : m_pipe(std::move(pipe)), m_reads(reads)
    {
        set_status_flags(reads ? read_only : write_only);
    }
    ~PipeEnd() override
    {
        if (m_reads)
            m_pipe->close_reader();
        else
            m_pipe->close_writer();
    }
    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override
    {
        if (!m_reads)
            return kstd::unexpected(kstd::Errno::ebadf);
        return m_pipe->read(buffer, nonblocking());
    }
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data) override
    {
        if (m_reads)
            return kstd::unexpected(kstd::Errno::ebadf);
        return m_pipe->write(data, nonblocking());
    }
    FileType type() const override { return FileType::Fifo; }
    uint64_t inode() const override { return m_pipe->inode(); }
    Readiness readiness() override { return m_pipe->readiness(m_reads); }

private:
    kstd::RefPtr<Pipe> m_pipe;
    bool m_reads;
};

} // namespace

Pipe::Pipe() : m_inode(__atomic_fetch_add(&g_next_inode, 1, __ATOMIC_RELAXED)) {}

kstd::ErrorOr<Pipe::Ends> Pipe::create()
{
    kstd::RefPtr<Pipe> pipe = kstd::adopt(new (std::nothrow) Pipe);
    if (!pipe)
        return kstd::unexpected(kstd::Errno::enomem);
    kstd::RefPtr<File> reader = kstd::adopt<File>(new (std::nothrow) PipeEnd(pipe, true));
    if (!reader)
        return kstd::unexpected(kstd::Errno::enomem); // `pipe` goes with its last reference
    // The pipe counts one reader from its start: without its end it has none.
    kstd::RefPtr<File> writer = kstd::adopt<File>(new (std::nothrow) PipeEnd(pipe, false));
    if (!writer) {
        pipe->close_writer(); // never made: `reader`'s destructor closes the other side
        return kstd::unexpected(kstd::Errno::enomem);
    }
    return Ends{reader, writer};
}

kstd::ErrorOr<size_t> Pipe::read(std::span<std::byte> buffer, bool nonblocking)
{
    if (buffer.empty())
        return size_t{0};
    sched::MutexGuard guard(m_lock);
    while (m_used == 0) {
        if (m_writers == 0)
            return size_t{0}; // the end
        if (nonblocking)
            return kstd::unexpected(kstd::Errno::eagain);
        if (m_changed.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
            return kstd::unexpected(kstd::Errno::eintr);
    }
    size_t done = 0;
    while (done < buffer.size() && m_used > 0) {
        buffer[done++] = m_buffer[m_head];
        m_head = (m_head + 1) % capacity;
        --m_used;
    }
    m_changed.notify_all(); // writers waiting for room
    readiness_changed();
    return done;
}

kstd::ErrorOr<size_t> Pipe::write(std::span<const std::byte> data, bool nonblocking)
{
    sched::MutexGuard guard(m_lock);
    size_t done = 0;
    while (done < data.size()) {
        if (m_readers == 0)
            return done > 0 ? kstd::ErrorOr<size_t>(done) : kstd::unexpected(kstd::Errno::epipe);
        // PIPE_BUF: a write that fits the buffer waits until it fits whole.
        const size_t wanted = data.size() - done <= capacity ? data.size() - done : 1;
        if (capacity - m_used < wanted) {
            if (nonblocking) // what went in so far, or EAGAIN
                return done > 0 ? kstd::ErrorOr<size_t>(done) : kstd::unexpected(kstd::Errno::eagain);
            if (m_changed.wait_interruptible(m_lock) == sched::WaitResult::Interrupted)
                return done > 0 ? kstd::ErrorOr<size_t>(done) : kstd::unexpected(kstd::Errno::eintr);
            continue;
        }
        while (done < data.size() && m_used < capacity) {
            m_buffer[(m_head + m_used) % capacity] = data[done++];
            ++m_used;
        }
        m_changed.notify_all(); // readers waiting for bytes
        readiness_changed();
    }
    return done;
}

void Pipe::close_reader()
{
    sched::MutexGuard guard(m_lock);
    --m_readers;
    m_changed.notify_all(); // blocked writers now fail with EPIPE
    readiness_changed();
}

void Pipe::close_writer()
{
    sched::MutexGuard guard(m_lock);
    --m_writers;
    m_changed.notify_all(); // blocked readers now see the end
    readiness_changed();
}

Readiness Pipe::readiness(bool reader)
{
    sched::MutexGuard guard(m_lock);
    if (reader)
        return {.readable = m_used > 0 || m_writers == 0, .writable = false, .hung_up = m_writers == 0};
    return {.readable = false, .writable = m_used < capacity || m_readers == 0, .hung_up = false,
            .error = m_readers == 0};
}

} // namespace fs

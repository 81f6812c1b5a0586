#pragma once
// A pipe: a bounded byte queue between a read end and a write end, each an
// open file (pipe2() gives one descriptor to each).
//
//   read   blocks while the pipe is empty and a writer is left; empty with
//          no writer left is the end (0)
//   write  blocks while the pipe is full; with no reader left it fails
//          with EPIPE (the SIGPIPE of POSIX comes with signals)
//
// Writes of up to `capacity` bytes are never interleaved with another
// writer's (POSIX's PIPE_BUF rule; ours is the whole buffer). The buffer
// and the counts are guarded by the pipe's mutex.

#include "fs/file.h"
#include "sched/condition_variable.h"
#include "sched/mutex.h"

namespace fs {

class Pipe : public kstd::RefCounted {
public:
    static constexpr size_t capacity = 4096;

    struct Ends {
        kstd::RefPtr<File> reader, writer;
    };
    // A new pipe and its two ends; ENOMEM if the heap has no room.
    static kstd::ErrorOr<Ends> create();

    // `nonblocking` (O_NONBLOCK): EAGAIN where a read or write would wait.
    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer, bool nonblocking = false);
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data, bool nonblocking = false);
    // poll's view of the reading or the writing end.
    Readiness readiness(bool reader);
    void close_reader();
    void close_writer();
    uint64_t inode() const { return m_inode; }

private:
    Pipe();
    sched::Mutex m_lock{"pipe"};
    sched::ConditionVariable m_changed{"pipe"};
    std::byte m_buffer[capacity];
    size_t m_head = 0, m_used = 0; // guarded by m_lock
    uint32_t m_readers = 1, m_writers = 1;
    uint64_t m_inode;
};

} // namespace fs

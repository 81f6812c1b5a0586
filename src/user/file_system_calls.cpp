// The file system calls: descriptors, reads and writes through a kernel
// buffer (the files never see a user pointer), the console's terminal
// ioctls, pipes, and the initial ramdisk's files and directories.

#include "fs/console_file.h"
#include "fs/initrd.h"
#include "fs/path.h"
#include "fs/pipe.h"
#include "fs/terminal.h"
#include "user/proc_files.h"
#include "user/process.h"
#include "user/system_call_handlers.h"
#include "user/user_copy.h"

namespace user::calls {

namespace {

using kstd::Errno;

constexpr int64_t at_fdcwd = -100;
constexpr uint64_t at_empty_path = 0x1000, at_symlink_nofollow = 0x100;
constexpr uint64_t o_accmode = 3, o_creat = 0100, o_trunc = 01000, o_directory = 0200000, o_cloexec = 02000000;
constexpr uint64_t f_dupfd = 0, f_getfd = 1, f_setfd = 2, f_getfl = 3, f_setfl = 4, f_dupfd_cloexec = 1030;
constexpr uint64_t tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404, tiocgwinsz = 0x5413,
                   tiocgpgrp = 0x540F, tiocspgrp = 0x5410;
constexpr size_t max_io_vectors = 1024; // Linux's UIO_MAXIOV

kstd::ErrorOr<kstd::RefPtr<fs::File>> file_of(uint64_t fd)
{
    return Process::current().files().get(static_cast<int64_t>(fd));
}

// Copies at most a chunk at a time between user memory and the file.
Result read_into_user(fs::File& file, uint64_t buffer, uint64_t count)
{
    if (!is_user_range(UserAddress(buffer), count))
        return kstd::unexpected(Errno::efault);
    std::byte chunk[512];
    uint64_t done = 0;
    while (done < count) {
        const size_t size = count - done < sizeof chunk ? count - done : sizeof chunk;
        auto got = file.read({chunk, size});
        if (!got)
            return done > 0 ? Result(done) : kstd::unexpected(got.error());
        if (*got > 0 && !copy_to_user(UserAddress(buffer + done), chunk, *got))
            return done > 0 ? Result(done) : kstd::unexpected(Errno::efault);
        done += *got;
        if (*got < size)
            break; // what was there: a read does not wait for more once it has some
    }
    return done;
}

Result write_from_user(fs::File& file, uint64_t buffer, uint64_t count)
{
    if (!is_user_range(UserAddress(buffer), count))
        return kstd::unexpected(Errno::efault);
    std::byte chunk[512];
    uint64_t done = 0;
    while (done < count) {
        const size_t size = count - done < sizeof chunk ? count - done : sizeof chunk;
        if (!copy_from_user(chunk, UserAddress(buffer + done), size))
            return done > 0 ? Result(done) : kstd::unexpected(Errno::efault);
        auto wrote = file.write({chunk, size});
        if (!wrote)
            return done > 0 ? Result(done) : kstd::unexpected(wrote.error());
        done += *wrote;
        if (*wrote < size)
            break;
    }
    return done;
}

struct IoVector {
    uint64_t base;
    uint64_t length;
};

template <typename Transfer>
Result vectored(uint64_t fd, uint64_t vectors, uint64_t count, Transfer transfer)
{
    auto file = TRY(file_of(fd));
    if (count > max_io_vectors)
        return kstd::unexpected(Errno::einval);
    uint64_t done = 0;
    for (uint64_t i = 0; i < count; ++i) {
        IoVector vector;
        if (!copy_from_user(&vector, UserAddress(vectors + i * sizeof vector), sizeof vector))
            return done > 0 ? Result(done) : kstd::unexpected(Errno::efault);
        if (vector.length > (1ull << 62))
            return kstd::unexpected(Errno::einval);
        if (vector.length == 0)
            continue;
        auto moved = transfer(*file, vector.base, vector.length);
        if (!moved)
            return done > 0 ? Result(done) : moved;
        done += *moved;
        if (*moved < vector.length)
            break;
    }
    return done;
}

// The path argument at `address`, resolved against the working directory.
kstd::ErrorOr<std::string_view> path_argument(uint64_t address, std::span<char> out)
{
    char given[fs::max_path];
    TRY(copy_string_from_user(UserAddress(address), given));
    return fs::resolve(Process::current().cwd(), given, out);
}

// Only paths relative to the working directory, or absolute: a descriptor
// as the directory needs paths kept with open files (the VFS).
kstd::ErrorOr<void> check_directory_descriptor(int64_t directory, uint64_t path)
{
    char first;
    if (directory == at_fdcwd)
        return {};
    if (!copy_from_user(&first, UserAddress(path), 1))
        return kstd::unexpected(Errno::efault);
    if (first != '/')
        return kstd::unexpected(Errno::enosys);
    return {};
}

// Linux's struct stat on x86-64 (arch/x86/include/uapi/asm/stat.h).
struct Stat {
    uint64_t device, inode, links;
    uint32_t mode, uid, gid, pad;
    uint64_t special_device;
    int64_t size, block_size, blocks;
    int64_t times[6]; // access, modification, change: seconds and nanoseconds each
    int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

Result store_stat(const fs::File& file, uint64_t destination)
{
    Stat stat{};
    stat.device = file.type() == fs::FileType::Fifo ? 0xC : 1;
    stat.inode = file.inode();
    stat.links = 1;
    stat.mode = static_cast<uint32_t>(file.type()) | (file.type() == fs::FileType::Directory ? 0755 : 0644);
    if (file.type() == fs::FileType::Regular)
        stat.mode |= 0111; // the ramdisk holds programs; cpio's own bits come with the VFS
    stat.size = static_cast<int64_t>(file.size());
    stat.block_size = 4096;
    stat.blocks = static_cast<int64_t>((file.size() + 511) / 512);
    if (!copy_to_user(UserAddress(destination), &stat, sizeof stat))
        return kstd::unexpected(Errno::efault);
    return 0;
}

kstd::ErrorOr<kstd::RefPtr<fs::File>> open_path(std::string_view path)
{
    if (path == "/dev/console" || path == "/dev/tty")
        return fs::ConsoleFile::open();
    if (path == "/proc" || path.starts_with("/proc/"))
        return open_proc(path);
    return fs::initrd::open(path);
}

Result stat_path(uint64_t path_address, uint64_t destination)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(path_address, buffer));
    auto file = TRY(open_path(path));
    return store_stat(*file, destination);
}

} // namespace

Result read(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return read_into_user(*file, frame.rsi, frame.rdx);
}

Result write(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return write_from_user(*file, frame.rsi, frame.rdx);
}

Result readv(Frame& frame)
{
    return vectored(frame.rdi, frame.rsi, frame.rdx, read_into_user);
}

Result writev(Frame& frame)
{
    return vectored(frame.rdi, frame.rsi, frame.rdx, write_from_user);
}

Result openat(Frame& frame)
{
    TRY(check_directory_descriptor(static_cast<int64_t>(frame.rdi), frame.rsi));
    const uint64_t flags = frame.rdx;
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rsi, buffer));
    auto file = open_path(path);
    if (!file)
        return kstd::unexpected(file.error() == Errno::enoent && (flags & o_creat) ? Errno::erofs : file.error());
    const bool is_directory = (*file)->type() == fs::FileType::Directory;
    if ((flags & o_directory) && !is_directory)
        return kstd::unexpected(Errno::enotdir);
    if ((flags & o_accmode) != 0 || (flags & o_trunc)) {
        if (is_directory)
            return kstd::unexpected(Errno::eisdir);
        if ((*file)->type() == fs::FileType::Regular)
            return kstd::unexpected(Errno::erofs); // the ramdisk is read-only
    }
    return TRY(Process::current().files().add(*file, (flags & o_cloexec) != 0));
}

Result open(Frame& frame)
{
    // open(path, flags, mode) is openat(AT_FDCWD, path, flags, mode).
    Frame shifted = frame;
    shifted.rdi = static_cast<uint64_t>(at_fdcwd);
    shifted.rsi = frame.rdi;
    shifted.rdx = frame.rsi;
    shifted.r10 = frame.rdx;
    return openat(shifted);
}

Result close(Frame& frame)
{
    TRY(Process::current().files().close(static_cast<int64_t>(frame.rdi)));
    return 0;
}

Result lseek(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return TRY(file->seek(static_cast<int64_t>(frame.rsi), static_cast<int>(frame.rdx)));
}

Result fstat(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return store_stat(*file, frame.rsi);
}

Result newfstatat(Frame& frame)
{
    const uint64_t flags = frame.r10;
    if ((flags & ~(at_empty_path | at_symlink_nofollow)) != 0)
        return kstd::unexpected(Errno::einval);
    if (flags & at_empty_path) {
        char first;
        if (!copy_from_user(&first, UserAddress(frame.rsi), 1))
            return kstd::unexpected(Errno::efault);
        if (first == '\0') {
            if (static_cast<int64_t>(frame.rdi) == at_fdcwd)
                return stat_path(frame.rsi, frame.rdx); // "" means the working directory itself; resolve refuses it
            auto file = TRY(file_of(frame.rdi));
            return store_stat(*file, frame.rdx);
        }
    }
    TRY(check_directory_descriptor(static_cast<int64_t>(frame.rdi), frame.rsi));
    return stat_path(frame.rsi, frame.rdx);
}

Result stat(Frame& frame)
{
    return stat_path(frame.rdi, frame.rsi);
}

Result lstat(Frame& frame)
{
    return stat_path(frame.rdi, frame.rsi);
}

Result access(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    (void)TRY(open_path(path));
    return 0;
}

Result getdents64(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    const uint64_t buffer = frame.rsi, capacity = frame.rdx;
    uint64_t index = TRY(file->seek(0, 1)); // a directory's offset is the index of its next entry
    uint64_t done = 0;
    for (;; ++index) {
        fs::DirectoryEntry entry;
        if (!TRY(file->directory_entry(index, entry)))
            break;
        // struct linux_dirent64: ino, off, reclen, type, the name and its NUL, padded to 8.
        struct [[gnu::packed]] Header {
            uint64_t inode;
            int64_t next_offset;
            uint16_t length;
            uint8_t type;
        } header;
        const uint64_t length = (sizeof header + entry.name.size() + 1 + 7) & ~7ull;
        if (done + length > capacity) {
            if (done == 0)
                return kstd::unexpected(Errno::einval); // the buffer cannot hold even one
            break;
        }
        uint8_t type = 0;
        switch (entry.type) {
        case fs::FileType::Fifo: type = 1; break;
        case fs::FileType::CharacterDevice: type = 2; break;
        case fs::FileType::Directory: type = 4; break;
        case fs::FileType::Regular: type = 8; break;
        case fs::FileType::Symlink: type = 10; break;
        }
        header = {entry.inode, static_cast<int64_t>(index + 1), static_cast<uint16_t>(length), type};
        char record[sizeof header + fs::max_path + 8] = {};
        if (length > sizeof record)
            return kstd::unexpected(Errno::enametoolong);
        __builtin_memcpy(record, &header, sizeof header);
        __builtin_memcpy(record + sizeof header, entry.name.data(), entry.name.size());
        if (!copy_to_user(UserAddress(buffer + done), record, length))
            return kstd::unexpected(Errno::efault);
        done += length;
    }
    TRY(file->seek(static_cast<int64_t>(index), 0));
    return done;
}

Result ioctl(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    if (!file->is_terminal())
        return kstd::unexpected(Errno::enotty);
    switch (frame.rsi) {
    case tcgets: {
        // struct termios (asm-generic/termbits.h): canonical mode with echo,
        // output post-processing (NL to CR-NL), 38400 baud, 8 bits.
        struct {
            uint32_t input, output, control, local;
            uint8_t line;
            uint8_t control_characters[19];
        } termios{0x0500 /* ICRNL | IXON */, 0x0005 /* OPOST | ONLCR */, 0x00BF /* B38400 | CS8 | CREAD */,
                  0x8A3B /* ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN */, 0,
                  {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0}};
        if (!copy_to_user(UserAddress(frame.rdx), &termios, sizeof termios))
            return kstd::unexpected(Errno::efault);
        return 0;
    }
    case tiocgwinsz: {
        const uint16_t size[4] = {25, 80, 0, 0}; // rows, columns: the VGA text screen
        if (!copy_to_user(UserAddress(frame.rdx), size, sizeof size))
            return kstd::unexpected(Errno::efault);
        return 0;
    }
    case tcsets:
    case tcsetsw:
    case tcsetsf: return 0; // the line discipline has one mode for now: canonical, with echo
    case tiocgpgrp: {
        uint64_t foreground = fs::Terminal::console().foreground_group();
        if (foreground == 0)
            foreground = Process::current().group(); // no job: the asker's own
        const int32_t group = static_cast<int32_t>(foreground);
        if (!copy_to_user(UserAddress(frame.rdx), &group, sizeof group))
            return kstd::unexpected(Errno::efault);
        return 0;
    }
    case tiocspgrp: {
        // The shell names its foreground job; 0 or its own group: none, so
        // Ctrl-C at the prompt drops the line instead of ending the shell.
        int32_t group;
        if (!copy_from_user(&group, UserAddress(frame.rdx), sizeof group))
            return kstd::unexpected(Errno::efault);
        if (group < 0)
            return kstd::unexpected(Errno::einval);
        const uint64_t own = Process::current().group();
        fs::Terminal::console().set_foreground_group(static_cast<uint64_t>(group) == own ? 0 : group);
        return 0;
    }
    }
    return kstd::unexpected(Errno::einval);
}

Result pipe2(Frame& frame)
{
    const uint64_t flags = frame.rsi;
    if ((flags & ~o_cloexec) != 0)
        return kstd::unexpected(Errno::einval); // O_NONBLOCK and O_DIRECT are not supported yet
    auto ends = TRY(fs::Pipe::create());
    FileTable& files = Process::current().files();
    const bool cloexec = (flags & o_cloexec) != 0;
    const int reader = TRY(files.add(ends.reader, cloexec));
    auto writer = files.add(ends.writer, cloexec);
    if (!writer) {
        (void)files.close(reader);
        return kstd::unexpected(writer.error());
    }
    const int32_t descriptors[2] = {reader, *writer};
    if (!copy_to_user(UserAddress(frame.rdi), descriptors, sizeof descriptors)) {
        (void)files.close(reader);
        (void)files.close(*writer);
        return kstd::unexpected(Errno::efault);
    }
    return 0;
}

Result pipe(Frame& frame)
{
    Frame plain = frame;
    plain.rsi = 0;
    return pipe2(plain);
}

Result dup(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return TRY(Process::current().files().add(file));
}

Result dup3(Frame& frame)
{
    const int64_t old_fd = static_cast<int64_t>(frame.rdi), new_fd = static_cast<int64_t>(frame.rsi);
    if ((frame.rdx & ~o_cloexec) != 0 || old_fd == new_fd)
        return kstd::unexpected(Errno::einval);
    auto file = TRY(file_of(frame.rdi));
    TRY(Process::current().files().put(new_fd, file, (frame.rdx & o_cloexec) != 0));
    return static_cast<uint64_t>(new_fd);
}

Result dup2(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    if (frame.rdi == frame.rsi)
        return frame.rsi; // dup2 of a valid descriptor onto itself does nothing
    TRY(Process::current().files().put(static_cast<int64_t>(frame.rsi), file, false));
    return frame.rsi;
}

Result fcntl(Frame& frame)
{
    FileTable& files = Process::current().files();
    auto file = TRY(file_of(frame.rdi));
    switch (frame.rsi) {
    case f_dupfd:
    case f_dupfd_cloexec:
        return TRY(files.add(file, frame.rsi == f_dupfd_cloexec, static_cast<int>(frame.rdx)));
    case f_getfd: return TRY(files.close_on_exec_flag(static_cast<int64_t>(frame.rdi))) ? 1 : 0;
    case f_setfd:
        TRY(files.put(static_cast<int64_t>(frame.rdi), file, (frame.rdx & 1) != 0));
        return 0;
    case f_getfl: return 2; // O_RDWR: access modes are not kept yet
    case f_setfl: return 0; // O_APPEND/O_NONBLOCK are not supported yet; nothing else may change
    }
    return kstd::unexpected(Errno::einval);
}

Result getcwd(Frame& frame)
{
    const std::string_view cwd = Process::current().cwd();
    if (frame.rsi < cwd.size() + 1)
        return kstd::unexpected(Errno::erange);
    char buffer[fs::max_path];
    __builtin_memcpy(buffer, cwd.data(), cwd.size());
    buffer[cwd.size()] = '\0';
    if (!copy_to_user(UserAddress(frame.rdi), buffer, cwd.size() + 1))
        return kstd::unexpected(Errno::efault);
    return cwd.size() + 1;
}

Result chdir(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    const fs::cpio::Entry entry = TRY(fs::initrd::lookup(path));
    if (!entry.is_directory())
        return kstd::unexpected(Errno::enotdir);
    Process::current().set_cwd(path);
    return 0;
}

} // namespace user::calls

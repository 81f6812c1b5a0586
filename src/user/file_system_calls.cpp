// The file system calls: descriptors, reads and writes through a kernel
// buffer (the files never see a user pointer), the console's terminal
// ioctls, pipes, and the initial ramdisk's files and directories.

#include "fs/console_file.h"
#include "core/print.h"
#include "fs/fat_file_system.h"
#include "fs/vfs.h"
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
constexpr uint64_t o_accmode = 3, o_creat = 0100, o_excl = 0200, o_trunc = 01000, o_append = 02000,
                   o_directory = 0200000, o_nofollow = 0400000, o_cloexec = 02000000, o_nonblock = 04000;
constexpr uint64_t x_ok = 1, w_ok = 2, r_ok = 4, at_eaccess = 0x200;
constexpr uint64_t at_removedir = 0x200;
constexpr uint64_t f_dupfd = 0, f_getfd = 1, f_setfd = 2, f_getfl = 3, f_setfl = 4, f_dupfd_cloexec = 1030;
// Linux's terminal ioctls (asm-generic/ioctls.h) and TCFLSH's queues.
constexpr uint64_t tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404, tcsbrk = 0x5409,
                   tcflsh = 0x540B, tiocsctty = 0x540E, tiocgpgrp = 0x540F, tiocspgrp = 0x5410, tiocoutq = 0x5411,
                   tiocgwinsz = 0x5413, tiocswinsz = 0x5414, fionread = 0x541B, tiocnotty = 0x5422;
constexpr uint64_t tciflush = 0, tcoflush = 1, tcioflush = 2;
constexpr size_t max_io_vectors = 1024; // Linux's UIO_MAXIOV

kstd::ErrorOr<kstd::RefPtr<fs::File>> file_of(uint64_t fd)
{
    return Process::current().files().get(int_argument(fd));
}

// Moves `count` bytes between user memory at `buffer` and a file, a
// chunk at a time through the kernel's stack: `transfer(chunk, done)` reads
// into or writes from the chunk (done: the bytes moved so far). A short
// transfer ends it; an error after some bytes returns those bytes.
template <typename Read>
Result copy_out(uint64_t buffer, uint64_t count, Read read)
{
    if (!is_user_range(UserAddress(buffer), count))
        return kstd::unexpected(Errno::efault);
    std::byte chunk[512];
    uint64_t done = 0;
    while (done < count) {
        const size_t size = count - done < sizeof chunk ? count - done : sizeof chunk;
        auto got = read(std::span<std::byte>(chunk, size), done);
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

template <typename Write>
Result copy_in(uint64_t buffer, uint64_t count, Write write)
{
    if (!is_user_range(UserAddress(buffer), count))
        return kstd::unexpected(Errno::efault);
    std::byte chunk[512];
    uint64_t done = 0;
    while (done < count) {
        const size_t size = count - done < sizeof chunk ? count - done : sizeof chunk;
        if (!copy_from_user(chunk, UserAddress(buffer + done), size))
            return done > 0 ? Result(done) : kstd::unexpected(Errno::efault);
        auto wrote = write(std::span<const std::byte>(chunk, size), done);
        if (!wrote)
            return done > 0 ? Result(done) : kstd::unexpected(wrote.error());
        done += *wrote;
        if (*wrote < size)
            break;
    }
    return done;
}

Result read_into_user(fs::File& file, uint64_t buffer, uint64_t count)
{
    return copy_out(buffer, count, [&](std::span<std::byte> chunk, uint64_t) { return file.read(chunk); });
}

Result write_from_user(fs::File& file, uint64_t buffer, uint64_t count)
{
    return copy_in(buffer, count, [&](std::span<const std::byte> chunk, uint64_t) { return file.write(chunk); });
}

// A write to a pipe nobody reads raises SIGPIPE on the writer, and still
// answers EPIPE when that does not end it (ignored or caught): POSIX write().
Result raising_sigpipe(Result result)
{
    if (!result && result.error() == Errno::epipe) {
        Process& self = Process::current();
        self.raise(SignalInfo::sent(sigpipe, si_user, self.pid()));
    }
    return result;
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

// The path argument of an *at call: relative to the working directory
// (AT_FDCWD) or absolute.
kstd::ErrorOr<std::string_view> at_path_argument(int64_t directory, uint64_t address, std::span<char> out)
{
    TRY(check_directory_descriptor(directory, address));
    return path_argument(address, out);
}

// Whether `path` (absolute, canonical) names /proc or something in it.
bool in_proc(std::string_view path)
{
    return path == "/proc" || path.starts_with("/proc/");
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

Result copy_stat(fs::FileType type, uint64_t inode, uint64_t size, uint32_t permissions, uint64_t destination)
{
    Stat stat{};
    stat.device = type == fs::FileType::Fifo ? 0xC : 1;
    stat.inode = inode;
    stat.links = 1;
    stat.mode = static_cast<uint32_t>(type) | permissions;
    stat.size = static_cast<int64_t>(size);
    stat.block_size = 4096;
    stat.blocks = static_cast<int64_t>((size + 511) / 512);
    if (!copy_to_user(UserAddress(destination), &stat, sizeof stat))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result store_stat(const fs::File& file, uint64_t destination)
{
    uint32_t permissions = file.type() == fs::FileType::Directory ? 0755 : 0644;
    if (auto* node = const_cast<fs::File&>(file).vnode()) // vnode() reads; the node's bits are the truth
        permissions = node->metadata().permissions;
    return copy_stat(file.type(), file.inode(), file.size(), permissions, destination);
}

kstd::ErrorOr<kstd::RefPtr<fs::File>> open_path(std::string_view path,
                                                  fs::vfs::OpenFlags flags = fs::vfs::OpenFlags{.read = true})
{
    char followed[fs::max_path];
    path = TRY(follow_proc_links(path, followed)); // /proc/self/exe: the program file
    if (in_proc(path)) {
        if (flags.write || flags.create)
            return kstd::unexpected(Errno::eacces);
        return open_proc(path);
    }
    return fs::vfs::open(path, flags);
}

// stat, or lstat (`follow` false): a symbolic link as the last component
// is described itself (its size: its text's).
Result stat_resolved(std::string_view path, uint64_t destination, bool follow)
{
    if (!follow) {
        char text[fs::max_path];
        if (const std::optional<std::string_view> target = TRY(read_proc_link(path, text)))
            return copy_stat(fs::FileType::Symlink, 0x1003, target->size(), 0777, destination);
        if (!in_proc(path)) {
            const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup_link(path));
            const fs::Metadata metadata = node->metadata();
            if (metadata.type == fs::FileType::Symlink)
                return copy_stat(metadata.type, metadata.inode, metadata.size, metadata.permissions, destination);
        }
    }
    auto file = TRY(open_path(path));
    return store_stat(*file, destination);
}

Result stat_path(uint64_t path_address, uint64_t destination, bool follow = true)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(path_address, buffer));
    return stat_resolved(path, destination, follow);
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
    return raising_sigpipe(write_from_user(*file, frame.rsi, frame.rdx));
}

Result pread64(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    const uint64_t offset = frame.r10;
    if (static_cast<int64_t>(offset) < 0)
        return kstd::unexpected(Errno::einval);
    return copy_out(frame.rsi, frame.rdx,
                    [&](std::span<std::byte> chunk, uint64_t done) { return file->read_at(offset + done, chunk); });
}

Result pwrite64(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    const uint64_t offset = frame.r10;
    if (static_cast<int64_t>(offset) < 0)
        return kstd::unexpected(Errno::einval);
    return copy_in(frame.rsi, frame.rdx, [&](std::span<const std::byte> chunk, uint64_t done) {
        return file->write_at(offset + done, chunk);
    });
}

Result readv(Frame& frame)
{
    return vectored(frame.rdi, frame.rsi, frame.rdx, read_into_user);
}

Result writev(Frame& frame)
{
    return raising_sigpipe(vectored(frame.rdi, frame.rsi, frame.rdx, write_from_user));
}

Result openat(Frame& frame)
{
    const uint64_t flags = frame.rdx;
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    const uint64_t access = flags & o_accmode;
    if (access == 3)
        return kstd::unexpected(Errno::einval);
    const fs::vfs::OpenFlags open_flags{.read = access != 1, .write = access != 0, .create = (flags & o_creat) != 0,
                                        .exclusive = (flags & o_excl) != 0, .truncate = (flags & o_trunc) != 0,
                                        .append = (flags & o_append) != 0, .directory = (flags & o_directory) != 0};
    if ((flags & o_nofollow) != 0 && !in_proc(path)) {
        auto node = fs::vfs::lookup_link(path);
        if (node && (*node)->type() == fs::FileType::Symlink)
            return kstd::unexpected(Errno::eloop);
    }
    kstd::RefPtr<fs::File> file = TRY(open_path(path, open_flags));
    // The description's status flags: the access mode, O_APPEND, O_NONBLOCK.
    file->set_status_flags(static_cast<uint32_t>(access | (flags & (o_append | o_nonblock))));
    return TRY(Process::current().files().add(file, (flags & o_cloexec) != 0));
}

namespace {

// The arguments of a call that is its *at form with AT_FDCWD first
// (open(path, flags, mode) is openat(AT_FDCWD, path, flags, mode)).
Frame at_working_directory(const Frame& frame)
{
    Frame shifted = frame;
    shifted.rdi = static_cast<uint64_t>(at_fdcwd);
    shifted.rsi = frame.rdi;
    shifted.rdx = frame.rsi;
    shifted.r10 = frame.rdx;
    return shifted;
}

} // namespace

Result open(Frame& frame)
{
    Frame shifted = at_working_directory(frame);
    return openat(shifted);
}

Result close(Frame& frame)
{
    TRY(Process::current().files().close(int_argument(frame.rdi)));
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
            if (int_argument(frame.rdi) == at_fdcwd)
                return stat_path(frame.rsi, frame.rdx); // "" means the working directory itself; resolve refuses it
            auto file = TRY(file_of(frame.rdi));
            return store_stat(*file, frame.rdx);
        }
    }
    TRY(check_directory_descriptor(int_argument(frame.rdi), frame.rsi));
    return stat_path(frame.rsi, frame.rdx, (flags & at_symlink_nofollow) == 0);
}

Result stat(Frame& frame)
{
    return stat_path(frame.rdi, frame.rsi);
}

Result lstat(Frame& frame)
{
    return stat_path(frame.rdi, frame.rsi, false);
}

namespace {

// access(2) as root sees it (there are no users yet): a path that exists
// may be read and written; executed if it is a directory or some x bit is set.
Result check_access(std::string_view path, uint64_t mode)
{
    if ((mode & ~(x_ok | w_ok | r_ok)) != 0)
        return kstd::unexpected(Errno::einval);
    auto file = TRY(open_path(path));
    if ((mode & w_ok) != 0 && in_proc(path))
        return kstd::unexpected(Errno::eacces); // read-only
    if ((mode & x_ok) != 0 && file->type() != fs::FileType::Directory) {
        fs::Vnode* node = file->vnode();
        if (node == nullptr || (node->metadata().permissions & 0111) == 0)
            return kstd::unexpected(Errno::eacces);
    }
    return 0;
}

} // namespace

Result access(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    return check_access(path, frame.rsi);
}

Result faccessat(Frame& frame)
{
    // faccessat2's flags: AT_EACCESS (the same for root), AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH not yet.
    if ((frame.r10 & ~(at_eaccess | at_symlink_nofollow)) != 0)
        return kstd::unexpected(Errno::einval);
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    return check_access(path, frame.rdx);
}

Result readlinkat(Frame& frame)
{
    const int64_t size = static_cast<int64_t>(frame.r10);
    if (size <= 0)
        return kstd::unexpected(Errno::einval);
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    char text[fs::max_path];
    std::string_view target;
    if (const std::optional<std::string_view> proc_target = TRY(read_proc_link(path, text))) {
        target = *proc_target;
    } else {
        const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup_link(path));
        target = std::string_view(text, TRY(node->read_link(text))); // EINVAL: not a link
    }
    // No NUL, and cut at the buffer's size, as readlink(2) says.
    const size_t count = target.size() < static_cast<uint64_t>(size) ? target.size() : static_cast<size_t>(size);
    if (!copy_to_user(UserAddress(frame.rdx), target.data(), count))
        return kstd::unexpected(Errno::efault);
    return count;
}

Result readlink(Frame& frame)
{
    Frame shifted = at_working_directory(frame);
    return readlinkat(shifted);
}

Result symlinkat(Frame& frame)
{
    // symlinkat(target, directory, link): the target is kept as given, unresolved.
    char target[fs::max_path];
    TRY(copy_string_from_user(UserAddress(frame.rdi), target));
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rsi), frame.rdx, buffer));
    if (in_proc(path))
        return kstd::unexpected(Errno::eacces);
    TRY(fs::vfs::make_symlink(path, target));
    return 0;
}

Result symlink(Frame& frame)
{
    Frame shifted = frame;
    shifted.rdx = frame.rsi;
    shifted.rsi = static_cast<uint64_t>(at_fdcwd);
    return symlinkat(shifted);
}

namespace {

Result change_permissions(fs::File& file, uint64_t mode)
{
    fs::Vnode* node = file.vnode();
    if (node == nullptr)
        return kstd::unexpected(Errno::eperm); // /proc's texts, pipes, the console: no bits to keep
    TRY(node->set_permissions(static_cast<uint32_t>(mode)));
    return 0;
}

// chown's half: there is one user and one group, root (0); -1 leaves one
// as it is. Other owners cannot be kept: EPERM, said in docs/syscalls.md.
Result check_owner(uint64_t user, uint64_t group)
{
    const auto valid = [](uint64_t id) { return static_cast<uint32_t>(id) == 0 || static_cast<uint32_t>(id) == 0xFFFF'FFFFu; };
    return valid(user) && valid(group) ? Result(0) : kstd::unexpected(Errno::eperm);
}

} // namespace

Result chmod(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    auto file = TRY(open_path(path));
    return change_permissions(*file, frame.rsi);
}

Result fchmod(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    return change_permissions(*file, frame.rsi);
}

Result fchmodat(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    auto file = TRY(open_path(path));
    return change_permissions(*file, frame.rdx);
}

Result chown(Frame& frame)
{
    // chown and lchown (path, user, group): the file must exist.
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    (void)TRY(open_path(path));
    return check_owner(frame.rsi, frame.rdx);
}

Result fchown(Frame& frame)
{
    (void)TRY(file_of(frame.rdi));
    return check_owner(frame.rsi, frame.rdx);
}

Result fchownat(Frame& frame)
{
    if (frame.r8 & at_empty_path) {
        if (frame.rsi != 0) {
            char first;
            if (!copy_from_user(&first, UserAddress(frame.rsi), 1))
                return kstd::unexpected(Errno::efault);
            if (first == '\0') {
                (void)TRY(file_of(frame.rdi));
                return check_owner(frame.rdx, frame.r10);
            }
        }
    }
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    (void)TRY(open_path(path));
    return check_owner(frame.rdx, frame.r10);
}

Result utimensat(Frame& frame)
{
    // utimensat(directory, path, times, flags). No file system here keeps
    // times yet, so this checks what Linux checks (the file exists, the
    // flags) and changes nothing.
    if ((frame.r10 & ~at_symlink_nofollow) != 0)
        return kstd::unexpected(Errno::einval);
    if (frame.rsi == 0) { // futimens(fd, times)
        (void)TRY(file_of(frame.rdi));
        return 0;
    }
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    (void)TRY(open_path(path));
    return 0;
}

Result sendfile(Frame& frame)
{
    // sendfile(out, in, offset, count): in's bytes to out through the
    // kernel, from *offset (then updated, in's own offset untouched) or
    // from in's offset.
    auto out = TRY(file_of(frame.rdi));
    auto in = TRY(file_of(frame.rsi));
    int64_t offset = 0;
    if (frame.rdx != 0) {
        if (!copy_from_user(&offset, UserAddress(frame.rdx), sizeof offset))
            return kstd::unexpected(Errno::efault);
        if (offset < 0)
            return kstd::unexpected(Errno::einval);
    }
    std::byte chunk[1024];
    uint64_t done = 0;
    while (done < frame.r10) {
        const size_t want = frame.r10 - done < sizeof chunk ? frame.r10 - done : sizeof chunk;
        auto got = frame.rdx != 0 ? in->read_at(static_cast<uint64_t>(offset) + done, {chunk, want})
                                  : in->read({chunk, want});
        if (!got) {
            if (done > 0)
                break;
            return kstd::unexpected(got.error());
        }
        if (*got == 0)
            break;
        auto wrote = out->write({chunk, *got});
        if (!wrote) {
            if (done > 0)
                break;
            return kstd::unexpected(wrote.error());
        }
        done += *wrote;
        if (*wrote < *got && frame.rdx == 0)
            (void)in->seek(-static_cast<int64_t>(*got - *wrote), 1); // what out did not take is read again next time
        if (*wrote < *got || *got < want)
            break; // short: what was there
    }
    if (frame.rdx != 0) {
        const int64_t updated = offset + static_cast<int64_t>(done);
        if (!copy_to_user(UserAddress(frame.rdx), &updated, sizeof updated))
            return kstd::unexpected(Errno::efault);
    }
    return done;
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
        case fs::FileType::BlockDevice: type = 6; break;
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

// Copies `value` to the caller's third argument.
template <typename T>
Result answer(const Frame& frame, const T& value)
{
    if (!copy_to_user(UserAddress(frame.rdx), &value, sizeof value))
        return kstd::unexpected(Errno::efault);
    return 0;
}

// The console's terminal ioctls, as Linux's tty layer answers them
// (docs/terminal.md); any other request on it is ENOTTY, as there.
Result ioctl(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    if (!file->is_terminal())
        return kstd::unexpected(Errno::enotty);
    fs::Terminal& terminal = fs::Terminal::console();
    switch (frame.rsi) {
    case tcgets: return answer(frame, terminal.attributes());
    case tcsets:
    case tcsetsw: // output is never queued: there is nothing to wait for
    case tcsetsf: {
        fs::Termios termios;
        if (!copy_from_user(&termios, UserAddress(frame.rdx), sizeof termios))
            return kstd::unexpected(Errno::efault);
        terminal.set_attributes(termios, frame.rsi == tcsetsf);
        return 0;
    }
    case tcflsh:
        if (frame.rdx == tciflush || frame.rdx == tcioflush)
            terminal.flush_input();
        else if (frame.rdx != tcoflush)
            return kstd::unexpected(Errno::einval);
        return 0;
    case tcsbrk: return 0; // tcdrain(): written output has left already
    case fionread: return answer(frame, static_cast<int32_t>(terminal.readable()));
    case tiocoutq: return answer(frame, int32_t{0});
    case tiocgwinsz: return answer(frame, terminal.window_size());
    case tiocswinsz: {
        fs::WindowSize size;
        if (!copy_from_user(&size, UserAddress(frame.rdx), sizeof size))
            return kstd::unexpected(Errno::efault);
        terminal.set_window_size(size);
        return 0;
    }
    case tiocsctty: // the console is every process's controlling terminal already
    case tiocnotty: return 0;
    case tiocgpgrp: {
        uint64_t foreground = terminal.foreground_group();
        if (foreground == 0)
            foreground = Process::current().group(); // no job: the asker's own
        return answer(frame, static_cast<int32_t>(foreground));
    }
    case tiocspgrp: {
        // The shell names its foreground job (its own group at the prompt:
        // a shell catches or ignores SIGINT there). Taken as given: a job's
        // child names its own new group too, racing its parent, and both
        // must leave the job in the foreground.
        int32_t group;
        if (!copy_from_user(&group, UserAddress(frame.rdx), sizeof group))
            return kstd::unexpected(Errno::efault);
        if (group < 0)
            return kstd::unexpected(Errno::einval);
        terminal.set_foreground_group(static_cast<uint64_t>(group));
        return 0;
    }
    }
    return kstd::unexpected(Errno::enotty);
}

Result pipe2(Frame& frame)
{
    const uint64_t flags = frame.rsi;
    if ((flags & ~(o_cloexec | o_nonblock)) != 0)
        return kstd::unexpected(Errno::einval); // O_DIRECT (packet mode) is not supported yet
    auto ends = TRY(fs::Pipe::create());
    if (flags & o_nonblock) {
        ends.reader->set_status_flags(ends.reader->status_flags() | fs::File::nonblocking_flag);
        ends.writer->set_status_flags(ends.writer->status_flags() | fs::File::nonblocking_flag);
    }
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
    const int64_t old_fd = int_argument(frame.rdi), new_fd = int_argument(frame.rsi);
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
    TRY(Process::current().files().put(int_argument(frame.rsi), file, false));
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
    case f_getfd: return TRY(files.close_on_exec_flag(int_argument(frame.rdi))) ? 1 : 0;
    case f_setfd:
        TRY(files.put(int_argument(frame.rdi), file, (frame.rdx & 1) != 0));
        return 0;
    case f_getfl: return file->status_flags();
    case f_setfl: {
        // O_APPEND and O_NONBLOCK change; the access mode stays, and the
        // rest (O_ASYNC, O_DIRECT, O_NOATIME) are taken and ignored, as
        // Linux ignores what a file does not support.
        constexpr uint32_t changeable = fs::File::append_flag | fs::File::nonblocking_flag;
        const uint32_t kept = file->status_flags() & ~changeable;
        file->set_status_flags(kept | (static_cast<uint32_t>(frame.rdx) & changeable));
        return 0;
    }
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
    const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup(path));
    if (!node->is_directory())
        return kstd::unexpected(Errno::enotdir);
    Process::current().set_cwd(path);
    return 0;
}

namespace {

Result remove_at(int64_t directory, uint64_t path_address, bool directories)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(directory, path_address, buffer));
    TRY(fs::vfs::remove(path, directories ? fs::FileType::Directory : fs::FileType::Regular));
    return 0;
}

Result rename_at(int64_t from_directory, uint64_t from, int64_t to_directory, uint64_t to)
{
    char from_buffer[fs::max_path], to_buffer[fs::max_path];
    const std::string_view from_path = TRY(at_path_argument(from_directory, from, from_buffer));
    const std::string_view to_path = TRY(at_path_argument(to_directory, to, to_buffer));
    TRY(fs::vfs::rename(from_path, to_path));
    return 0;
}

} // namespace

Result mkdirat(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(at_path_argument(int_argument(frame.rdi), frame.rsi, buffer));
    TRY(fs::vfs::make_directory(path));
    return 0;
}

Result mkdir(Frame& frame)
{
    Frame at = frame;
    at.rdi = static_cast<uint64_t>(at_fdcwd);
    at.rsi = frame.rdi;
    return mkdirat(at);
}

Result rmdir(Frame& frame)
{
    return remove_at(at_fdcwd, frame.rdi, true);
}

Result unlink(Frame& frame)
{
    return remove_at(at_fdcwd, frame.rdi, false);
}

Result unlinkat(Frame& frame)
{
    if ((frame.rdx & ~at_removedir) != 0)
        return kstd::unexpected(Errno::einval);
    return remove_at(int_argument(frame.rdi), frame.rsi, (frame.rdx & at_removedir) != 0);
}

Result rename(Frame& frame)
{
    return rename_at(at_fdcwd, frame.rdi, at_fdcwd, frame.rsi);
}

Result renameat(Frame& frame)
{
    return rename_at(int_argument(frame.rdi), frame.rsi, int_argument(frame.rdx), frame.r10);
}

Result renameat2(Frame& frame)
{
    if (frame.r8 != 0)
        return kstd::unexpected(Errno::einval); // RENAME_NOREPLACE, _EXCHANGE: not yet
    return renameat(frame);
}

Result truncate(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    if (static_cast<int64_t>(frame.rsi) < 0)
        return kstd::unexpected(Errno::einval);
    const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup(path));
    TRY(node->truncate(frame.rsi));
    return 0;
}

Result ftruncate(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    if (static_cast<int64_t>(frame.rsi) < 0)
        return kstd::unexpected(Errno::einval);
    TRY(file->truncate(frame.rsi));
    return 0;
}

Result mount(Frame& frame)
{
    // mount(source, target, type, flags, data): a FAT file system ("vfat",
    // "msdos" or "fat") from a block-device node onto a directory. Flags
    // and data are not taken yet (the mount is read-write).
    char source_buffer[fs::max_path], target_buffer[fs::max_path], type[16];
    const std::string_view source = TRY(path_argument(frame.rdi, source_buffer));
    const std::string_view target = TRY(path_argument(frame.rsi, target_buffer));
    const size_t type_length = TRY(copy_string_from_user(UserAddress(frame.rdx), type));
    const std::string_view type_name(type, type_length);
    if (type_name != "vfat" && type_name != "msdos" && type_name != "fat")
        return kstd::unexpected(Errno::enodev);
    const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup(source));
    drivers::BlockDevice* device = node->block_device();
    if (device == nullptr)
        return kstd::unexpected(Errno::enotblk);
    if (fs::vfs::device_mounted(*device))
        return kstd::unexpected(Errno::ebusy);
    auto file_system = fs::FatFileSystem::open(*device);
    if (!file_system) {
        core::println("mount: {}: {}", source, file_system.error());
        return kstd::unexpected(Errno::einval); // Linux's answer for a device without that file system
    }
    if (auto mounted = fs::vfs::mount(target, **file_system); !mounted) {
        delete *file_system;
        return kstd::unexpected(mounted.error());
    }
    return 0;
}

Result umount2(Frame& frame)
{
    if ((frame.rsi & ~uint64_t{8}) != 0) // UMOUNT_NOFOLLOW only: no forced or lazy unmounts
        return kstd::unexpected(Errno::einval);
    char buffer[fs::max_path];
    const std::string_view target = TRY(path_argument(frame.rdi, buffer));
    fs::FileSystem* file_system = TRY(fs::vfs::unmount(target));
    if (auto synced = file_system->sync(); !synced) {
        // Its pending writes failed: keep it mounted, so nothing is lost silently.
        MUST(fs::vfs::mount(target, *file_system));
        return kstd::unexpected(synced.error());
    }
    delete file_system; // a disk's file system belongs to its mount
    return 0;
}

Result statfs_of(fs::FileSystem& file_system, uint64_t destination)
{
    const fs::FileSystemStatistics statistics = TRY(file_system.statistics());
    // struct statfs on x86-64: f_type, f_bsize, f_blocks, f_bfree, f_bavail,
    // f_files, f_ffree, f_fsid (two ints), f_namelen, f_frsize, f_flags, f_spare[4].
    uint64_t out[15] = {statistics.magic, statistics.block_size, statistics.blocks, statistics.free_blocks,
                        statistics.free_blocks, 0, 0, 0, fs::max_name, statistics.block_size, 0, 0, 0, 0, 0};
    if (!copy_to_user(UserAddress(destination), out, sizeof out))
        return kstd::unexpected(Errno::efault);
    return 0;
}

Result statfs(Frame& frame)
{
    char buffer[fs::max_path];
    const std::string_view path = TRY(path_argument(frame.rdi, buffer));
    const kstd::RefPtr<fs::Vnode> node = TRY(fs::vfs::lookup(path));
    return statfs_of(node->file_system(), frame.rsi);
}

Result fstatfs(Frame& frame)
{
    auto file = TRY(file_of(frame.rdi));
    fs::Vnode* node = file->vnode();
    if (node == nullptr)
        return kstd::unexpected(Errno::enosys); // pipes, the console: no file system of theirs to describe
    return statfs_of(node->file_system(), frame.rsi);
}

Result sync(Frame&)
{
    (void)fs::vfs::sync_all(); // sync(2) has no way to fail
    return 0;
}

Result fsync(Frame& frame)
{
    (void)TRY(file_of(frame.rdi));
    TRY(fs::vfs::sync_all()); // per file system, not per file, for now
    return 0;
}

} // namespace user::calls

#include "fs/vfs.h"
#include <new>
#include "fs/path.h"
#include "sched/mutex.h"

namespace fs::vfs {

namespace {

using kstd::Errno;

struct Mount {
    char path[max_path];
    size_t length = 0;
    FileSystem* file_system = nullptr;
};

sched::Mutex g_lock{"mount table"};
Mount g_mounts[max_mounts]; // guarded by g_lock
size_t g_mount_count = 0;

// Whether `prefix` (a mount's path) covers `path` at a component boundary.
bool covers(std::string_view prefix, std::string_view path)
{
    if (prefix == "/")
        return true;
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// The file system mounted at the longest prefix of `path`, and the rest of the path.
kstd::ErrorOr<kstd::RefPtr<Vnode>> start_of(std::string_view path, std::string_view& rest)
{
    sched::MutexGuard guard(g_lock);
    const Mount* best = nullptr;
    for (size_t i = 0; i < g_mount_count; ++i) {
        const std::string_view prefix(g_mounts[i].path, g_mounts[i].length);
        if (covers(prefix, path) && (best == nullptr || g_mounts[i].length > best->length))
            best = &g_mounts[i];
    }
    if (best == nullptr)
        return kstd::unexpected(Errno::enoent);
    rest = best->length == 1 ? path : path.substr(best->length);
    return best->file_system->root();
}

// Symbolic links followed on one walk before it gives up with ELOOP (Linux's 40).
constexpr int max_links_followed = 40;

// Walks the components of `path` (absolute, canonical). A symbolic link on
// the way is followed: the path is rebuilt as its target and the rest, made
// canonical again (a relative target against the link's directory), and the
// walk starts over; the last component's link only when `follow_last`
// (lstat, readlink and unlink see the link itself).
kstd::ErrorOr<kstd::RefPtr<Vnode>> walk(std::string_view path, bool follow_last = true)
{
    char paths[2][max_path]; // a rebuilt path, alternately: the next is made from the current
    int next = 0;
    for (int links = 0;;) {
        if (path.empty() || path[0] != '/')
            return kstd::unexpected(Errno::einval);
        std::string_view rest;
        kstd::RefPtr<Vnode> node = TRY(start_of(path, rest));
        const size_t rest_start = path.size() - rest.size(); // rest is the tail of path
        size_t at = 0;
        bool restarted = false;
        while (at < rest.size() && !restarted) {
            if (rest[at] == '/') {
                ++at;
                continue;
            }
            size_t end = rest.find('/', at);
            if (end == std::string_view::npos)
                end = rest.size();
            const std::string_view name = rest.substr(at, end - at);
            if (name.size() > max_name)
                return kstd::unexpected(Errno::enametoolong);
            node = TRY(node->lookup(name));
            const bool last = rest.find_first_not_of('/', end) == std::string_view::npos;
            if (node->type() == FileType::Symlink && (!last || follow_last)) {
                if (++links > max_links_followed)
                    return kstd::unexpected(Errno::eloop);
                // target + "/" + what follows the link, against the link's directory.
                char joined[2 * max_path];
                const size_t length = TRY(node->read_link(std::span<char>(joined, max_path)));
                const std::string_view after = rest.substr(end);
                if (length + after.size() >= sizeof joined)
                    return kstd::unexpected(Errno::enametoolong);
                __builtin_memcpy(joined + length, after.data(), after.size());
                const size_t directory_end = rest_start + at;
                const std::string_view directory = directory_end <= 1 ? std::string_view("/")
                                                                      : path.substr(0, directory_end - 1);
                path = TRY(resolve(directory, std::string_view(joined, length + after.size()), paths[next]));
                next ^= 1;
                restarted = true;
            }
            at = end;
        }
        if (!restarted)
            return node;
    }
}

} // namespace

kstd::ErrorOr<void> mount(std::string_view path, FileSystem& file_system)
{
    if (path.size() >= max_path)
        return kstd::unexpected(Errno::enametoolong);
    if (path != "/") {
        const kstd::RefPtr<Vnode> point = TRY(walk(path));
        if (!point->is_directory())
            return kstd::unexpected(Errno::enotdir);
    }
    sched::MutexGuard guard(g_lock);
    if (path != "/" && g_mount_count == 0)
        return kstd::unexpected(Errno::enoent); // a root first
    for (size_t i = 0; i < g_mount_count; ++i) {
        if (std::string_view(g_mounts[i].path, g_mounts[i].length) == path)
            return kstd::unexpected(Errno::ebusy);
    }
    if (g_mount_count == max_mounts)
        return kstd::unexpected(Errno::enomem);
    Mount& mount = g_mounts[g_mount_count++];
    __builtin_memcpy(mount.path, path.data(), path.size());
    mount.length = path.size();
    mount.file_system = &file_system;
    return {};
}

kstd::ErrorOr<FileSystem*> unmount(std::string_view path)
{
    if (path == "/")
        return kstd::unexpected(Errno::ebusy);
    sched::MutexGuard guard(g_lock);
    for (size_t i = 0; i < g_mount_count; ++i) {
        const std::string_view mounted(g_mounts[i].path, g_mounts[i].length);
        if (mounted != path)
            continue;
        for (size_t j = 0; j < g_mount_count; ++j) {
            if (j != i && covers(mounted, std::string_view(g_mounts[j].path, g_mounts[j].length)))
                return kstd::unexpected(Errno::ebusy); // something is mounted inside it
        }
        FileSystem* file_system = g_mounts[i].file_system;
        if (file_system->busy())
            return kstd::unexpected(Errno::ebusy);
        for (size_t j = i; j + 1 < g_mount_count; ++j)
            g_mounts[j] = g_mounts[j + 1];
        --g_mount_count;
        return file_system;
    }
    return kstd::unexpected(Errno::einval);
}

size_t mounts(std::span<MountInfo> out)
{
    sched::MutexGuard guard(g_lock);
    for (size_t i = 0; i < g_mount_count && i < out.size(); ++i)
        out[i] = {std::string_view(g_mounts[i].path, g_mounts[i].length), g_mounts[i].file_system};
    return g_mount_count;
}

bool device_mounted(const drivers::BlockDevice& device)
{
    sched::MutexGuard guard(g_lock);
    for (size_t i = 0; i < g_mount_count; ++i) {
        if (g_mounts[i].file_system->device() == &device)
            return true;
    }
    return false;
}

kstd::ErrorOr<void> sync_all()
{
    FileSystem* systems[max_mounts];
    size_t count;
    {
        sched::MutexGuard guard(g_lock);
        count = g_mount_count;
        for (size_t i = 0; i < count; ++i)
            systems[i] = g_mounts[i].file_system;
    }
    kstd::ErrorOr<void> result{};
    for (size_t i = 0; i < count; ++i) {
        if (auto synced = systems[i]->sync(); !synced && result)
            result = kstd::unexpected(synced.error());
    }
    return result;
}

bool has_root()
{
    sched::MutexGuard guard(g_lock);
    return g_mount_count > 0;
}

kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup(std::string_view path)
{
    return walk(path);
}

kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup_link(std::string_view path)
{
    return walk(path, false);
}

kstd::ErrorOr<void> make_symlink(std::string_view path, std::string_view target)
{
    const Parent parent = TRY(lookup_parent(path));
    return parent.directory->make_symlink(parent.name, target);
}

kstd::ErrorOr<Parent> lookup_parent(std::string_view path)
{
    if (path == "/" || path.empty())
        return kstd::unexpected(Errno::eexist); // the root has no parent entry to make or remove
    const size_t slash = path.rfind('/');
    const std::string_view directory = slash == 0 ? std::string_view("/") : path.substr(0, slash);
    const std::string_view name = path.substr(slash + 1);
    if (name.size() > max_name)
        return kstd::unexpected(Errno::enametoolong);
    kstd::RefPtr<Vnode> node = TRY(walk(directory));
    if (!node->is_directory())
        return kstd::unexpected(Errno::enotdir);
    return Parent{node, name};
}

namespace {

// An open file of a node that is bytes at offsets (or a directory).
class NodeFile final : public File {
public:
    NodeFile(kstd::RefPtr<Vnode> node, OpenFlags flags) : m_node(static_cast<kstd::RefPtr<Vnode>&&>(node)), m_flags(flags) {}

    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override
    {
        if (!m_flags.read)
            return kstd::unexpected(Errno::ebadf);
        const size_t done = TRY(m_node->read(m_offset, buffer));
        m_offset += done;
        return done;
    }
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data) override
    {
        if (!m_flags.write)
            return kstd::unexpected(Errno::ebadf);
        if (appends()) // O_APPEND, as opened or as fcntl set it
            m_offset = m_node->metadata().size;
        const size_t done = TRY(m_node->write(m_offset, data));
        m_offset += done;
        return done;
    }
    kstd::ErrorOr<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) override
    {
        if (!m_flags.read)
            return kstd::unexpected(Errno::ebadf);
        return m_node->read(offset, buffer);
    }
    kstd::ErrorOr<size_t> write_at(uint64_t offset, std::span<const std::byte> data) override
    {
        if (!m_flags.write)
            return kstd::unexpected(Errno::ebadf);
        return m_node->write(offset, data);
    }
    kstd::ErrorOr<uint64_t> seek(int64_t offset, int whence) override
    {
        int64_t base;
        switch (whence) {
        case 0: base = 0; break;
        case 1: base = static_cast<int64_t>(m_offset); break;
        case 2: base = static_cast<int64_t>(m_node->metadata().size); break;
        default: return kstd::unexpected(Errno::einval);
        }
        int64_t target;
        if (__builtin_add_overflow(base, offset, &target) || target < 0)
            return kstd::unexpected(Errno::einval);
        m_offset = static_cast<uint64_t>(target);
        return m_offset;
    }
    kstd::ErrorOr<bool> directory_entry(uint64_t index, DirectoryEntry& entry) override
    {
        return m_node->entry(index, entry);
    }
    kstd::ErrorOr<void> truncate(uint64_t size) override
    {
        if (!m_flags.write)
            return kstd::unexpected(Errno::einval);
        return m_node->truncate(size);
    }
    FileType type() const override { return m_node->metadata().type; }
    uint64_t size() const override { return m_node->metadata().size; }
    uint64_t inode() const override { return m_node->metadata().inode; }
    Vnode* vnode() override { return m_node.get(); }

private:
    kstd::RefPtr<Vnode> m_node;
    OpenFlags m_flags;
    uint64_t m_offset = 0; // one description: its threads' reads and writes are not serialized yet
};

} // namespace

kstd::ErrorOr<kstd::RefPtr<File>> open_node(kstd::RefPtr<Vnode> node, OpenFlags flags)
{
    if (kstd::RefPtr<File> special = TRY(node->open_special()))
        return special;
    const Metadata metadata = node->metadata();
    if (metadata.type == FileType::Symlink)
        return kstd::unexpected(Errno::eloop); // a link the walk did not follow (O_NOFOLLOW's answer)
    if (flags.directory && metadata.type != FileType::Directory)
        return kstd::unexpected(Errno::enotdir);
    if (metadata.type == FileType::Directory && (flags.write || flags.truncate))
        return kstd::unexpected(Errno::eisdir);
    if (flags.truncate && flags.write && metadata.type == FileType::Regular)
        TRY(node->truncate(0));
    kstd::RefPtr<File> file = kstd::adopt<File>(new (std::nothrow) NodeFile(node, flags));
    if (!file)
        return kstd::unexpected(Errno::enomem);
    const uint32_t access = flags.read && flags.write ? File::read_write : flags.write ? File::write_only : File::read_only;
    file->set_status_flags(access | (flags.append ? File::append_flag : 0));
    return file;
}

kstd::ErrorOr<kstd::RefPtr<File>> open(std::string_view path, OpenFlags flags)
{
    auto node = walk(path);
    if (!node) {
        if (node.error() != Errno::enoent || !flags.create)
            return kstd::unexpected(node.error());
        const Parent parent = TRY(lookup_parent(path));
        auto created = parent.directory->create(parent.name, FileType::Regular);
        if (!created && created.error() == Errno::eexist && !flags.exclusive)
            return open_node(TRY(parent.directory->lookup(parent.name)), flags); // made meanwhile by another
        if (!created)
            return kstd::unexpected(created.error());
        return open_node(*created, flags);
    }
    if (flags.create && flags.exclusive)
        return kstd::unexpected(Errno::eexist);
    return open_node(*node, flags);
}

kstd::ErrorOr<kstd::Vector<std::byte>> read_file(std::string_view path, size_t limit)
{
    const kstd::RefPtr<Vnode> node = TRY(walk(path));
    const Metadata metadata = node->metadata();
    if (metadata.type != FileType::Regular)
        return kstd::unexpected(Errno::eacces);
    if (metadata.size > limit)
        return kstd::unexpected(Errno::efbig);
    kstd::Vector<std::byte> bytes;
    if (!bytes.try_resize(metadata.size))
        return kstd::unexpected(Errno::enomem);
    size_t done = 0;
    while (done < bytes.size()) {
        const size_t got = TRY(node->read(done, bytes.span().subspan(done)));
        if (got == 0)
            break; // it shrank meanwhile
        done += got;
    }
    if (!bytes.try_resize(done))
        return kstd::unexpected(Errno::enomem);
    return bytes;
}

kstd::ErrorOr<std::span<const std::byte>> program_bytes(std::string_view path, size_t limit,
                                                        kstd::Vector<std::byte>& storage)
{
    {
        const kstd::RefPtr<Vnode> node = TRY(walk(path));
        const std::span<const std::byte> in_place = node->immutable_contents();
        if (!in_place.empty() && in_place.size() <= limit)
            return in_place;
    }
    storage = TRY(read_file(path, limit));
    return std::span<const std::byte>(storage.span());
}

kstd::ErrorOr<void> make_directory(std::string_view path)
{
    const Parent parent = TRY(lookup_parent(path));
    TRY(parent.directory->create(parent.name, FileType::Directory));
    return {};
}

kstd::ErrorOr<void> remove(std::string_view path, FileType type)
{
    {
        sched::MutexGuard guard(g_lock);
        for (size_t i = 0; i < g_mount_count; ++i) {
            if (std::string_view(g_mounts[i].path, g_mounts[i].length) == path)
                return kstd::unexpected(Errno::ebusy); // a mount point
        }
    }
    const Parent parent = TRY(lookup_parent(path));
    return parent.directory->remove(parent.name, type);
}

kstd::ErrorOr<void> rename(std::string_view from, std::string_view to)
{
    if (to.starts_with(from) && to.size() > from.size() && to[from.size()] == '/')
        return kstd::unexpected(Errno::einval); // a directory into itself
    const Parent source = TRY(lookup_parent(from));
    const Parent target = TRY(lookup_parent(to));
    if (&source.directory->file_system() != &target.directory->file_system())
        return kstd::unexpected(Errno::exdev);
    return source.directory->rename(source.name, *target.directory, target.name);
}

} // namespace fs::vfs

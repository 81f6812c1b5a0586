#include "fs/fat_file_system.h"
#include <new>
#include "core/print.h"

namespace fs {

using kstd::Errno;

kstd::Errno to_errno(const fat::Error& error)
{
    using fat::Problem;
    switch (error.problem) {
    case Problem::NotFound: return Errno::enoent;
    case Problem::NotADirectory: return Errno::enotdir;
    case Problem::IsADirectory: return Errno::eisdir;
    case Problem::AlreadyExists: return Errno::eexist;
    case Problem::NotEmpty: return Errno::enotempty;
    case Problem::NoSpace:
    case Problem::RootFull: return Errno::enospc;
    case Problem::InvalidName: return Errno::einval;
    case Problem::FileTooLarge: return Errno::efbig;
    case Problem::InvalidRename: return Errno::einval;
    case Problem::OutOfMemory: return Errno::enomem;
    default: return Errno::eio; // the disk or the volume's structures: named in the kernel log
    }
}

namespace {

constexpr size_t max_fat_path = 256;

// Logs a damaged volume's error once per operation (its errno says little).
kstd::Errno failed(const fat::Error& error)
{
    const Errno errno_value = to_errno(error);
    if (errno_value == Errno::eio)
        core::println("fat: {}", error);
    return errno_value;
}

class FatNode final : public Vnode {
public:
    FatNode(FatFileSystem& owner, std::string_view path, bool directory) : m_owner(owner), m_directory(directory)
    {
        m_length = path.size() < max_fat_path ? path.size() : max_fat_path - 1;
        __builtin_memcpy(m_path, path.data(), m_length);
        owner.node_made();
    }
    ~FatNode() override { m_owner.node_gone(); }

    Metadata metadata() const override
    {
        sched::MutexGuard guard(m_owner.lock());
        auto node = entry_locked();
        const uint64_t size = node && !node->is_directory() ? node->size : 0;
        const uint64_t inode = node ? (node->first_cluster != 0 ? node->first_cluster : 1 + node->slot) : 0;
        return {m_directory ? FileType::Directory : FileType::Regular, size, inode, m_directory ? 0755u : 0644u,
                m_directory ? 2u : 1u};
    }
    FileSystem& file_system() override { return m_owner; }

    kstd::ErrorOr<size_t> read(uint64_t offset, std::span<std::byte> buffer) override
    {
        if (m_directory)
            return Vnode::read(offset, buffer);
        sched::MutexGuard guard(m_owner.lock());
        auto node = entry_locked();
        if (!node)
            return kstd::unexpected(failed(node.error()));
        auto got = m_owner.volume().read(*node, offset, buffer);
        if (!got)
            return kstd::unexpected(failed(got.error()));
        return *got;
    }

    kstd::ErrorOr<size_t> write(uint64_t offset, std::span<const std::byte> data) override
    {
        if (m_directory)
            return Vnode::write(offset, data);
        sched::MutexGuard guard(m_owner.lock());
        m_owner.changed();
        if (auto written = m_owner.volume().write(path(), offset, data); !written)
            return kstd::unexpected(failed(written.error()));
        return data.size();
    }

    kstd::ErrorOr<void> truncate(uint64_t size) override
    {
        if (m_directory)
            return Vnode::truncate(size);
        if (size > 0xFFFF'FFFFull)
            return kstd::unexpected(Errno::efbig);
        sched::MutexGuard guard(m_owner.lock());
        m_owner.changed();
        auto node = m_owner.volume().stat(path());
        if (!node)
            return kstd::unexpected(failed(node.error()));
        if (size > node->size) { // growing: zeros, written as such
            static const std::byte zero{};
            if (auto grown = m_owner.volume().write(path(), size - 1, {&zero, 1}); !grown)
                return kstd::unexpected(failed(grown.error()));
            return {};
        }
        if (auto cut = m_owner.volume().truncate(path(), static_cast<uint32_t>(size)); !cut)
            return kstd::unexpected(failed(cut.error()));
        return {};
    }

    kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup(std::string_view name) override
    {
        if (!m_directory)
            return Vnode::lookup(name);
        char buffer[max_fat_path];
        const std::string_view child = TRY(child_path(name, buffer));
        sched::MutexGuard guard(m_owner.lock());
        auto node = m_owner.volume().stat(child);
        if (!node)
            return kstd::unexpected(failed(node.error()));
        return make(child, node->is_directory());
    }

    kstd::ErrorOr<bool> entry(uint64_t index, DirectoryEntry& out) override
    {
        if (!m_directory)
            return Vnode::entry(index, out);
        if (index < 2) {
            out = {index == 0 ? "." : "..", 1, FileType::Directory};
            return true;
        }
        struct Search {
            uint64_t wanted, seen = 0;
            bool found = false;
            char* name;
            size_t length = 0;
            uint64_t inode = 0;
            bool directory = false;
        } search{index - 2, 0, false, m_name};
        {
            sched::MutexGuard guard(m_owner.lock());
            auto listed = m_owner.volume().list(path(), [&search](const fat::Node& node) {
                if (search.found || search.seen++ != search.wanted)
                    return;
                search.found = true;
                search.length = node.name().size();
                __builtin_memcpy(search.name, node.name().data(), search.length);
                search.inode = node.first_cluster != 0 ? node.first_cluster : 1 + node.slot;
                search.directory = node.is_directory();
            });
            if (!listed)
                return kstd::unexpected(failed(listed.error()));
        }
        if (!search.found)
            return false;
        // The name stays in this node until the next call: the caller copies it at once.
        out = {std::string_view(m_name, search.length), search.inode,
               search.directory ? FileType::Directory : FileType::Regular};
        return true;
    }

    kstd::ErrorOr<kstd::RefPtr<Vnode>> create(std::string_view name, FileType type) override
    {
        if (!m_directory)
            return Vnode::create(name, type);
        if (type != FileType::Regular && type != FileType::Directory)
            return kstd::unexpected(Errno::eperm); // FAT holds no device nodes
        char buffer[max_fat_path];
        const std::string_view child = TRY(child_path(name, buffer));
        sched::MutexGuard guard(m_owner.lock());
        m_owner.changed();
        auto made = type == FileType::Directory ? m_owner.volume().mkdir(child) : m_owner.volume().create(child);
        if (!made)
            return kstd::unexpected(failed(made.error()));
        return make(child, type == FileType::Directory);
    }

    kstd::ErrorOr<void> remove(std::string_view name, FileType type) override
    {
        if (!m_directory)
            return Vnode::remove(name, type);
        char buffer[max_fat_path];
        const std::string_view child = TRY(child_path(name, buffer));
        sched::MutexGuard guard(m_owner.lock());
        m_owner.changed();
        auto removed = type == FileType::Directory ? m_owner.volume().rmdir(child) : m_owner.volume().unlink(child);
        if (!removed)
            return kstd::unexpected(failed(removed.error()));
        return {};
    }

    kstd::ErrorOr<void> rename(std::string_view name, Vnode& to, std::string_view new_name) override
    {
        if (!m_directory)
            return Vnode::rename(name, to, new_name);
        auto& target = static_cast<FatNode&>(to); // the VFS checked: the same file system, so a FatNode
        char from_buffer[max_fat_path], to_buffer[max_fat_path];
        const std::string_view from = TRY(child_path(name, from_buffer));
        const std::string_view destination = TRY(target.child_path(new_name, to_buffer));
        sched::MutexGuard guard(m_owner.lock());
        m_owner.changed();
        fat::Volume& volume = m_owner.volume();
        // POSIX replaces an existing target; the volume's rename wants none.
        if (auto existing = volume.stat(destination)) {
            auto source = volume.stat(from);
            if (!source)
                return kstd::unexpected(failed(source.error()));
            if (existing->is_directory() != source->is_directory())
                return kstd::unexpected(existing->is_directory() ? Errno::eisdir : Errno::enotdir);
            auto removed = existing->is_directory() ? volume.rmdir(destination) : volume.unlink(destination);
            if (!removed)
                return kstd::unexpected(failed(removed.error()));
        }
        if (auto moved = volume.rename(from, destination); !moved)
            return kstd::unexpected(failed(moved.error()));
        return {};
    }

    kstd::ErrorOr<kstd::RefPtr<Vnode>> make(std::string_view path, bool directory)
    {
        kstd::RefPtr<Vnode> node = kstd::adopt<Vnode>(new (std::nothrow) FatNode(m_owner, path, directory));
        if (!node)
            return kstd::unexpected(Errno::enomem);
        return node;
    }

private:
    std::string_view path() const { return {m_path, m_length}; }
    // The node's directory entry, from the cache while the volume has not
    // changed since it was read (reads of a file then skip the path's
    // directory walk); with the lock held.
    kstd::Expected<fat::Node, fat::Error> entry_locked() const
    {
        if (m_cached_generation != m_owner.generation() || !m_has_cached) {
            m_cached = TRY(m_owner.volume().stat(path()));
            m_has_cached = true;
            m_cached_generation = m_owner.generation();
        }
        return m_cached;
    }
    kstd::ErrorOr<std::string_view> child_path(std::string_view name, std::span<char> out) const
    {
        const bool root = m_length == 1;
        const size_t length = m_length + (root ? 0 : 1) + name.size();
        if (length >= out.size())
            return kstd::unexpected(Errno::enametoolong);
        __builtin_memcpy(out.data(), m_path, m_length);
        size_t at = m_length;
        if (!root)
            out[at++] = '/';
        __builtin_memcpy(out.data() + at, name.data(), name.size());
        return std::string_view(out.data(), length);
    }

    FatFileSystem& m_owner;
    bool m_directory;
    char m_path[max_fat_path];
    size_t m_length;
    char m_name[fat::max_name_bytes];
    mutable fat::Node m_cached{};   // a cache (guarded by the volume's lock), not the node's state
    mutable uint64_t m_cached_generation = 0;
    mutable bool m_has_cached = false;
};

} // namespace

kstd::Expected<FatFileSystem*, fat::Error> FatFileSystem::open(drivers::BlockDevice& device, size_t cache_blocks)
{
    auto* cache = new (std::nothrow) BufferCache(device, cache_blocks);
    auto* file_system = cache != nullptr && cache->ready() ? new (std::nothrow) FatFileSystem(device, cache) : nullptr;
    if (file_system == nullptr) {
        delete cache;
        return kstd::unexpected(fat::Error{fat::Problem::OutOfMemory});
    }
    // After a power loss the second FAT copy may lag the first: the mount
    // says so, then goes on with the first written over it, as fsck.fat -a would.
    auto differing = fat::Volume::DifferingFats::Refuse;
    if (auto copies = fat::Volume::mount(*cache); !copies && copies.error().problem == fat::Problem::FatCopiesDiffer) {
        core::println("fat: {}: {}: mounting with the first copy, written over the second", device.name(),
                      copies.error());
        differing = fat::Volume::DifferingFats::UseFirst;
    }
    auto volume = fat::Volume::mount(*cache, differing);
    if (!volume) {
        delete file_system;
        return kstd::unexpected(volume.error());
    }
    file_system->m_volume = new (std::nothrow) fat::Volume(static_cast<fat::Volume&&>(*volume));
    if (file_system->m_volume == nullptr) {
        delete file_system;
        return kstd::unexpected(fat::Error{fat::Problem::OutOfMemory});
    }
    return file_system;
}

FatFileSystem::~FatFileSystem()
{
    if (m_volume != nullptr)
        (void)m_volume->sync();
    delete m_volume;
    delete m_cache;
}

kstd::RefPtr<Vnode> FatFileSystem::root()
{
    kstd::RefPtr<Vnode> node = kstd::adopt<Vnode>(new (std::nothrow) FatNode(*this, "/", true));
    return node; // null without memory: the walk then fails with ENOENT
}

kstd::ErrorOr<void> FatFileSystem::sync()
{
    sched::MutexGuard guard(m_lock);
    if (auto synced = m_volume->sync(); !synced)
        return kstd::unexpected(failed(synced.error()));
    return {};
}

kstd::ErrorOr<FileSystemStatistics> FatFileSystem::statistics()
{
    const uint64_t cluster = m_volume->layout().cluster_bytes();
    const uint64_t free = TRY(free_bytes());
    return FileSystemStatistics{0x4d44 /* MSDOS_SUPER_MAGIC */, cluster, total_bytes() / cluster, free / cluster};
}

uint64_t FatFileSystem::total_bytes() const
{
    return m_volume->layout().cluster_count * static_cast<uint64_t>(m_volume->layout().cluster_bytes());
}

kstd::ErrorOr<uint64_t> FatFileSystem::free_bytes()
{
    sched::MutexGuard guard(m_lock);
    auto clusters = m_volume->count_free_clusters();
    if (!clusters)
        return kstd::unexpected(failed(clusters.error()));
    return *clusters * static_cast<uint64_t>(m_volume->layout().cluster_bytes());
}

} // namespace fs

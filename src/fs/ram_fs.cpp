#include "fs/ram_fs.h"
#include <new>
#include <utility>
#include "fs/device_files.h"
#include "fs/path.h"
#include "kstd/vector.h"
#include "mem/physical_memory.h"

namespace fs {

namespace {

using kstd::Errno;

class RamNode;

// A symbolic link's text, as Linux takes it: not empty, shorter than a path.
kstd::ErrorOr<void> check_link_target(size_t size)
{
    if (size == 0)
        return kstd::unexpected(Errno::enoent); // a link to nothing cannot be made
    if (size >= max_path)
        return kstd::unexpected(Errno::enametoolong);
    return {};
}

struct Child {
    kstd::Vector<char> name;
    kstd::RefPtr<RamNode> node;
};

class RamNode final : public Vnode {
public:
    RamNode(RamFileSystem& owner, FileType type, uint64_t inode)
        : m_owner(owner), m_type(type), m_inode(inode),
          m_permissions(type == FileType::Directory || type == FileType::Regular ? 0755
                        : type == FileType::Symlink                              ? 0777
                                                                                 : 0666)
    {
    }

    Metadata metadata() const override
    {
        const bool has_bytes = m_type == FileType::Regular || m_type == FileType::Symlink; // a link's size: its text
        return {m_type, has_bytes ? size_locked() : 0, m_inode, __atomic_load_n(&m_permissions, __ATOMIC_RELAXED),
                m_type == FileType::Directory ? 2u : 1u};
    }

    kstd::ErrorOr<void> set_permissions(uint32_t permissions) override
    {
        if (m_type == FileType::Symlink)
            return {}; // a link's own bits mean nothing (Linux leaves them 0777)
        __atomic_store_n(&m_permissions, permissions & 07777, __ATOMIC_RELAXED);
        return {};
    }
    FileSystem& file_system() override { return m_owner; }

    kstd::ErrorOr<size_t> read(uint64_t offset, std::span<std::byte> buffer) override
    {
        if (m_type != FileType::Regular)
            return Vnode::read(offset, buffer);
        sched::MutexGuard guard(m_owner.lock());
        const std::span<const std::byte> bytes = contents();
        if (offset >= bytes.size())
            return size_t{0};
        const size_t count = buffer.size() < bytes.size() - offset ? buffer.size() : bytes.size() - offset;
        __builtin_memcpy(buffer.data(), bytes.data() + offset, count);
        return count;
    }

    kstd::ErrorOr<size_t> write(uint64_t offset, std::span<const std::byte> data) override
    {
        if (m_type != FileType::Regular)
            return Vnode::write(offset, data);
        uint64_t end;
        if (__builtin_add_overflow(offset, data.size(), &end) || end > max_file_size)
            return kstd::unexpected(Errno::efbig);
        sched::MutexGuard guard(m_owner.lock());
        TRY(own_copy());
        if (end > m_data.size())
            TRY(resize(end));
        __builtin_memcpy(m_data.span().data() + offset, data.data(), data.size());
        return data.size();
    }

    kstd::ErrorOr<void> truncate(uint64_t size) override
    {
        if (m_type != FileType::Regular)
            return Vnode::truncate(size);
        if (size > max_file_size)
            return kstd::unexpected(Errno::efbig);
        sched::MutexGuard guard(m_owner.lock());
        TRY(own_copy());
        return resize(size);
    }

    kstd::ErrorOr<kstd::RefPtr<Vnode>> lookup(std::string_view name) override
    {
        if (m_type != FileType::Directory)
            return Vnode::lookup(name);
        sched::MutexGuard guard(m_owner.lock());
        if (Child* child = find(name))
            return kstd::RefPtr<Vnode>(child->node);
        return kstd::unexpected(Errno::enoent);
    }

    kstd::ErrorOr<bool> entry(uint64_t index, DirectoryEntry& out) override
    {
        if (m_type != FileType::Directory)
            return Vnode::entry(index, out);
        if (index < 2) {
            out = {index == 0 ? "." : "..", m_inode, FileType::Directory};
            return true;
        }
        sched::MutexGuard guard(m_owner.lock());
        if (index - 2 >= m_children.size())
            return false;
        Child& child = m_children[index - 2];
        // The name stays valid while the entry does: the caller copies it at once.
        out = {std::string_view(child.name.span().data(), child.name.size()), child.node->m_inode, child.node->m_type};
        return true;
    }

    kstd::ErrorOr<kstd::RefPtr<Vnode>> create(std::string_view name, FileType type) override
    {
        if (m_type != FileType::Directory)
            return Vnode::create(name, type);
        TRY(check_name(name));
        sched::MutexGuard guard(m_owner.lock());
        if (find(name) != nullptr)
            return kstd::unexpected(Errno::eexist);
        kstd::RefPtr<RamNode> node = kstd::adopt(new (std::nothrow) RamNode(m_owner, type, m_owner.next_inode()));
        if (!node)
            return kstd::unexpected(Errno::enomem);
        TRY(add_child(name, node));
        return kstd::RefPtr<Vnode>(node);
    }

    kstd::ErrorOr<void> remove(std::string_view name, FileType type) override
    {
        if (m_type != FileType::Directory)
            return Vnode::remove(name, type);
        kstd::RefPtr<RamNode> gone; // released after the lock: a node may hold children
        {
            sched::MutexGuard guard(m_owner.lock());
            Child* child = find(name);
            if (child == nullptr)
                return kstd::unexpected(Errno::enoent);
            const bool is_directory = child->node->m_type == FileType::Directory;
            if (type == FileType::Directory && !is_directory)
                return kstd::unexpected(Errno::enotdir);
            if (type != FileType::Directory && is_directory)
                return kstd::unexpected(Errno::eisdir);
            if (is_directory && !child->node->m_children.empty())
                return kstd::unexpected(Errno::enotempty);
            gone = child->node;
            m_children.erase(child);
        }
        return {};
    }

    kstd::ErrorOr<void> rename(std::string_view name, Vnode& to, std::string_view new_name) override
    {
        if (m_type != FileType::Directory)
            return Vnode::rename(name, to, new_name);
        TRY(check_name(new_name));
        auto& target = static_cast<RamNode&>(to); // the VFS checked: the same file system, so a RamNode
        kstd::RefPtr<RamNode> replaced;            // released after the lock
        sched::MutexGuard guard(m_owner.lock());
        Child* child = find(name);
        if (child == nullptr)
            return kstd::unexpected(Errno::enoent);
        if (&target == this && name == new_name)
            return {};
        kstd::RefPtr<RamNode> node = child->node;
        if (Child* existing = target.find(new_name)) {
            // POSIX: a file may replace a file, an empty directory a directory.
            const bool from_directory = node->m_type == FileType::Directory;
            const bool onto_directory = existing->node->m_type == FileType::Directory;
            if (from_directory != onto_directory)
                return kstd::unexpected(onto_directory ? Errno::eisdir : Errno::enotdir);
            if (onto_directory && !existing->node->m_children.empty())
                return kstd::unexpected(Errno::enotempty);
            replaced = std::exchange(existing->node, node);
        } else {
            TRY(target.add_child(new_name, node));
        }
        m_children.erase(find(name)); // found again: adding may have moved the entries
        return {};
    }

    kstd::ErrorOr<void> make_symlink(std::string_view name, std::string_view target) override
    {
        TRY(check_link_target(target.size()));
        kstd::RefPtr<Vnode> node = TRY(create(name, FileType::Symlink));
        auto& link = static_cast<RamNode&>(*node); // made just now by create(): a RamNode
        sched::MutexGuard guard(m_owner.lock());
        if (!link.m_data.try_append(std::as_bytes(std::span<const char>(target.data(), target.size())))) {
            m_children.erase(find(name));
            return kstd::unexpected(Errno::enomem);
        }
        return {};
    }

    std::span<const std::byte> immutable_contents() override
    {
        sched::MutexGuard guard(m_owner.lock());
        return m_type == FileType::Regular && m_is_borrowed ? m_borrowed : std::span<const std::byte>();
    }

    kstd::ErrorOr<size_t> read_link(std::span<char> out) override
    {
        if (m_type != FileType::Symlink)
            return Vnode::read_link(out);
        sched::MutexGuard guard(m_owner.lock());
        const std::span<const std::byte> text = contents();
        const size_t count = out.size() < text.size() ? out.size() : text.size();
        __builtin_memcpy(out.data(), text.data(), count);
        return count;
    }

    kstd::ErrorOr<kstd::RefPtr<File>> open_special() override
    {
        switch (m_type) {
        case FileType::CharacterDevice: return open_device(m_device);
        default: return kstd::RefPtr<File>();
        }
    }

    void make_borrowed(std::span<const std::byte> bytes) { m_borrowed = bytes; m_is_borrowed = true; }
    void make_device(Device device) { m_device = device; }
    void make_block_device(drivers::BlockDevice& device) { m_block_device = &device; }
    drivers::BlockDevice* block_device() override { return m_block_device; }
    kstd::ErrorOr<void> add_child(std::string_view name, kstd::RefPtr<RamNode> node)
    {
        Child child;
        if (!child.name.try_append(std::span<const char>(name.data(), name.size())))
            return kstd::unexpected(Errno::enomem);
        child.node = node;
        if (!m_children.try_push_back(std::move(child)))
            return kstd::unexpected(Errno::enomem);
        return {};
    }
    Child* find(std::string_view name)
    {
        for (Child& child : m_children) {
            if (std::string_view(child.name.span().data(), child.name.size()) == name)
                return &child;
        }
        return nullptr;
    }

private:
    static constexpr uint64_t max_file_size = 64ull << 20; // a file in memory: 64 MiB at most

    static kstd::ErrorOr<void> check_name(std::string_view name)
    {
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
            return kstd::unexpected(Errno::einval);
        if (name.size() > max_name)
            return kstd::unexpected(Errno::enametoolong);
        return {};
    }
    // The child that is `node` and, in the same directory, not the new name's entry.
    Child* find_node(RamNode* node, std::string_view not_named)
    {
        for (Child& child : m_children) {
            if (child.node.get() == node
                && (not_named.empty() || std::string_view(child.name.span().data(), child.name.size()) != not_named))
                return &child;
        }
        return nullptr;
    }
    uint64_t size_locked() const { return m_is_borrowed ? m_borrowed.size() : m_data.size(); }
    std::span<const std::byte> contents() const
    {
        return m_is_borrowed ? m_borrowed : std::span<const std::byte>(m_data.span().data(), m_data.size());
    }
    kstd::ErrorOr<void> own_copy()
    {
        if (!m_is_borrowed)
            return {};
        if (!m_data.try_append(m_borrowed))
            return kstd::unexpected(Errno::enomem);
        m_is_borrowed = false;
        return {};
    }
    kstd::ErrorOr<void> resize(uint64_t size)
    {
        const size_t old = m_data.size();
        if (!m_data.try_resize(size))
            return kstd::unexpected(Errno::enomem);
        for (size_t i = old; i < size; ++i)
            m_data[i] = std::byte{0};
        return {};
    }

    RamFileSystem& m_owner;
    FileType m_type;
    uint64_t m_inode;
    uint32_t m_permissions; // chmod's bits; atomic: read without the lock
    kstd::Vector<std::byte> m_data;       // a file's own bytes; guarded by the file system's lock
    std::span<const std::byte> m_borrowed; // its bytes elsewhere until the first change
    bool m_is_borrowed = false;
    kstd::Vector<Child> m_children;       // a directory's; guarded by the file system's lock
    Device m_device = Device::Null;
    drivers::BlockDevice* m_block_device = nullptr; // a block-device node's disk or partition
};

} // namespace

kstd::ErrorOr<RamFileSystem*> RamFileSystem::create()
{
    auto* file_system = new (std::nothrow) RamFileSystem;
    if (file_system == nullptr)
        return kstd::unexpected(Errno::enomem);
    file_system->m_root = kstd::adopt<Vnode>(new (std::nothrow) RamNode(*file_system, FileType::Directory, 1));
    if (!file_system->m_root) {
        delete file_system;
        return kstd::unexpected(Errno::enomem);
    }
    return file_system;
}

kstd::ErrorOr<FileSystemStatistics> RamFileSystem::statistics()
{
    const auto memory = mem::physical::statistics();
    return FileSystemStatistics{0x8584'58f6 /* RAMFS_MAGIC */, 4096, memory.total_frames, memory.free_frames};
}

kstd::RefPtr<Vnode> RamFileSystem::root()
{
    return m_root;
}

kstd::ErrorOr<void> RamFileSystem::add_borrowed_file(Vnode& directory, std::string_view name,
                                                     std::span<const std::byte> contents)
{
    kstd::RefPtr<Vnode> node = TRY(directory.create(name, FileType::Regular));
    static_cast<RamNode&>(*node).make_borrowed(contents); // created by this file system: a RamNode
    return {};
}

kstd::ErrorOr<void> RamFileSystem::add_borrowed_symlink(Vnode& directory, std::string_view name,
                                                        std::span<const std::byte> target)
{
    TRY(check_link_target(target.size()));
    kstd::RefPtr<Vnode> node = TRY(directory.create(name, FileType::Symlink));
    static_cast<RamNode&>(*node).make_borrowed(target); // created by this file system: a RamNode
    return {};
}

kstd::ErrorOr<void> RamFileSystem::add_block_device(Vnode& directory, std::string_view name,
                                                   drivers::BlockDevice& device)
{
    kstd::RefPtr<Vnode> node = TRY(directory.create(name, FileType::BlockDevice));
    static_cast<RamNode&>(*node).make_block_device(device); // created by this file system: a RamNode
    return {};
}

kstd::ErrorOr<void> RamFileSystem::add_device(Vnode& directory, std::string_view name, Device device)
{
    kstd::RefPtr<Vnode> node = TRY(directory.create(name, FileType::CharacterDevice));
    static_cast<RamNode&>(*node).make_device(device); // created by this file system: a RamNode
    return {};
}

} // namespace fs

#include "fs/initrd.h"
#include <new>
#include <optional>
#include "fs/path.h"

namespace fs::initrd {

namespace {

std::optional<cpio::Archive> g_archive; // set once at boot, read-only after

FileType type_of(const cpio::Entry& entry)
{
    return entry.is_directory() ? FileType::Directory : entry.is_symlink() ? FileType::Symlink : FileType::Regular;
}

// Whether `name` (normalised, "." the root) is a child of directory `directory`.
bool is_child(std::string_view directory, std::string_view name)
{
    if (name == ".")
        return false;
    if (directory == ".")
        return name.find('/') == std::string_view::npos;
    return name.size() > directory.size() + 1 && name.starts_with(directory) && name[directory.size()] == '/'
           && name.find('/', directory.size() + 1) == std::string_view::npos;
}

class RamdiskFile final : public File {
public:
    explicit RamdiskFile(const cpio::Entry& entry) : m_entry(entry) {}

    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override
    {
        if (m_entry.is_directory())
            return kstd::unexpected(kstd::Errno::eisdir);
        const uint64_t offset = __atomic_load_n(&m_offset, __ATOMIC_RELAXED);
        if (offset >= m_entry.data.size())
            return size_t{0};
        const size_t left = m_entry.data.size() - offset;
        const size_t count = buffer.size() < left ? buffer.size() : left;
        __builtin_memcpy(buffer.data(), m_entry.data.data() + offset, count);
        __atomic_store_n(&m_offset, offset + count, __ATOMIC_RELAXED);
        return count;
    }
    kstd::ErrorOr<size_t> write(std::span<const std::byte>) override
    {
        return kstd::unexpected(kstd::Errno::ebadf); // opened read-only: the ramdisk is
    }
    kstd::ErrorOr<uint64_t> seek(int64_t offset, int whence) override
    {
        int64_t base;
        switch (whence) {
        case 0: base = 0; break;
        case 1: base = static_cast<int64_t>(m_offset); break;
        case 2: base = static_cast<int64_t>(m_entry.data.size()); break;
        default: return kstd::unexpected(kstd::Errno::einval);
        }
        int64_t target;
        if (__builtin_add_overflow(base, offset, &target) || target < 0)
            return kstd::unexpected(kstd::Errno::einval);
        m_offset = static_cast<uint64_t>(target);
        return m_offset;
    }
    kstd::ErrorOr<bool> directory_entry(uint64_t index, DirectoryEntry& out) override
    {
        if (!m_entry.is_directory())
            return kstd::unexpected(kstd::Errno::enotdir);
        if (index < 2) { // "." and "..", as Linux lists them first
            out = DirectoryEntry{index == 0 ? "." : "..", m_entry.ino, FileType::Directory};
            return true;
        }
        uint64_t seen = 2;
        for (const cpio::Entry& entry : *g_archive) {
            if (!is_child(m_entry.name, entry.name))
                continue;
            if (seen++ == index) {
                const size_t slash = entry.name.rfind('/');
                out = DirectoryEntry{slash == std::string_view::npos ? entry.name : entry.name.substr(slash + 1),
                                     entry.ino, type_of(entry)};
                return true;
            }
        }
        return false;
    }
    FileType type() const override { return type_of(m_entry); }
    uint64_t size() const override { return m_entry.data.size(); }
    uint64_t inode() const override { return m_entry.ino; }

private:
    cpio::Entry m_entry;
    uint64_t m_offset = 0; // reads and seeks through one description may race: each is atomic
};

} // namespace

kstd::Expected<void, cpio::Error> mount(std::span<const std::byte> bytes)
{
    g_archive = TRY(cpio::Archive::open(bytes));
    return {};
}

bool mounted()
{
    return g_archive.has_value();
}

const cpio::Archive& archive()
{
    return *g_archive;
}

kstd::ErrorOr<cpio::Entry> lookup(std::string_view path)
{
    if (!g_archive)
        return kstd::unexpected(kstd::Errno::enoent);
    char buffer[max_path];
    for (int depth = 0; depth < 8; ++depth) {
        if (path == "/") // the root, which `find . -mindepth 1 | cpio` leaves out
            return cpio::Entry{".", cpio::type_directory | 0755, 0, 2, {}, 0};
        auto entry = g_archive->find(path);
        if (!entry)
            return kstd::unexpected(kstd::Errno::enoent);
        if (!entry->is_symlink())
            return *entry;
        // A link's target is relative to the link's directory.
        const size_t slash = path.rfind('/');
        char directory[max_path];
        const std::string_view parent = slash == 0 || slash == std::string_view::npos ? "/" : path.substr(0, slash);
        __builtin_memcpy(directory, parent.data(), parent.size());
        path = TRY(resolve(std::string_view(directory, parent.size()), entry->text(), buffer));
    }
    return kstd::unexpected(kstd::Errno::eloop);
}

kstd::ErrorOr<std::span<const std::byte>> contents(std::string_view path)
{
    const cpio::Entry entry = TRY(lookup(path));
    if (!entry.is_regular())
        return kstd::unexpected(kstd::Errno::eacces);
    return entry.data;
}

kstd::ErrorOr<kstd::RefPtr<File>> open(std::string_view path)
{
    const cpio::Entry entry = TRY(lookup(path));
    kstd::RefPtr<File> file = kstd::adopt<File>(new (std::nothrow) RamdiskFile(entry));
    if (!file)
        return kstd::unexpected(kstd::Errno::enomem);
    return file;
}

} // namespace fs::initrd

#include "fs/initrd.h"
#include <optional>

namespace fs::initrd {

namespace {

std::optional<cpio::Archive> g_archive; // set once at boot, read-only after

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

kstd::ErrorOr<void> fill(RamFileSystem& file_system)
{
    if (!g_archive)
        return kstd::unexpected(kstd::Errno::enoent);
    // Entries come in any order ("bin/sh" may come before "bin"): each
    // file's directories are made on the way to it.
    for (const cpio::Entry& entry : *g_archive) {
        if (entry.name == ".")
            continue;
        kstd::RefPtr<Vnode> directory = file_system.root();
        std::string_view rest = entry.name;
        for (;;) {
            const size_t slash = rest.find('/');
            const std::string_view name = rest.substr(0, slash);
            const bool last = slash == std::string_view::npos;
            if (last && entry.is_regular()) {
                TRY(file_system.add_borrowed_file(*directory, name, entry.data));
                break;
            }
            if (last && entry.is_symlink()) { // cpio keeps a link's target as its data
                TRY(file_system.add_borrowed_symlink(*directory, name, entry.data));
                break;
            }
            auto existing = directory->lookup(name);
            kstd::RefPtr<Vnode> next = existing ? *existing : TRY(directory->create(name, FileType::Directory));
            if (last)
                break;
            directory = next;
            rest = rest.substr(slash + 1);
        }
    }
    return {};
}

} // namespace fs::initrd

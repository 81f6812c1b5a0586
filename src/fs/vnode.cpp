#include "fs/vnode.h"

namespace fs {

using kstd::Errno;

// What a node answers for an operation its kind does not have.
kstd::ErrorOr<size_t> Vnode::read(uint64_t, std::span<std::byte>)
{
    return kstd::unexpected(is_directory() ? Errno::eisdir : Errno::einval);
}

kstd::ErrorOr<size_t> Vnode::write(uint64_t, std::span<const std::byte>)
{
    return kstd::unexpected(is_directory() ? Errno::eisdir : Errno::einval);
}

kstd::ErrorOr<void> Vnode::truncate(uint64_t)
{
    return kstd::unexpected(is_directory() ? Errno::eisdir : Errno::einval);
}

kstd::ErrorOr<kstd::RefPtr<Vnode>> Vnode::lookup(std::string_view)
{
    return kstd::unexpected(Errno::enotdir);
}

kstd::ErrorOr<bool> Vnode::entry(uint64_t, DirectoryEntry&)
{
    return kstd::unexpected(Errno::enotdir);
}

kstd::ErrorOr<kstd::RefPtr<Vnode>> Vnode::create(std::string_view, FileType)
{
    return kstd::unexpected(is_directory() ? Errno::erofs : Errno::enotdir);
}

kstd::ErrorOr<void> Vnode::remove(std::string_view, FileType)
{
    return kstd::unexpected(is_directory() ? Errno::erofs : Errno::enotdir);
}

kstd::ErrorOr<void> Vnode::rename(std::string_view, Vnode&, std::string_view)
{
    return kstd::unexpected(is_directory() ? Errno::erofs : Errno::enotdir);
}

kstd::ErrorOr<void> Vnode::make_symlink(std::string_view, std::string_view)
{
    return kstd::unexpected(is_directory() ? Errno::eperm : Errno::enotdir);
}

kstd::ErrorOr<void> Vnode::set_permissions(uint32_t)
{
    return kstd::unexpected(Errno::eperm);
}

kstd::ErrorOr<size_t> Vnode::read_link(std::span<char>)
{
    return kstd::unexpected(Errno::einval);
}

} // namespace fs

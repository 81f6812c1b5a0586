#include "fs/file.h"

namespace fs {

// What a file that does not support an operation answers, as Linux does.
kstd::ErrorOr<size_t> File::read(std::span<std::byte>)
{
    return kstd::unexpected(kstd::Errno::einval);
}

kstd::ErrorOr<size_t> File::write(std::span<const std::byte>)
{
    return kstd::unexpected(kstd::Errno::einval);
}

kstd::ErrorOr<size_t> File::read_at(uint64_t, std::span<std::byte>)
{
    return kstd::unexpected(kstd::Errno::espipe);
}

kstd::ErrorOr<size_t> File::write_at(uint64_t, std::span<const std::byte>)
{
    return kstd::unexpected(kstd::Errno::espipe);
}

kstd::ErrorOr<uint64_t> File::seek(int64_t, int)
{
    return kstd::unexpected(kstd::Errno::espipe);
}

kstd::ErrorOr<void> File::truncate(uint64_t)
{
    return kstd::unexpected(kstd::Errno::einval);
}

kstd::ErrorOr<bool> File::directory_entry(uint64_t, DirectoryEntry&)
{
    return kstd::unexpected(kstd::Errno::enotdir);
}

} // namespace fs

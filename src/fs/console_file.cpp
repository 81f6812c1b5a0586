#include "fs/console_file.h"
#include <new>
#include "fs/terminal.h"

namespace fs {

kstd::ErrorOr<kstd::RefPtr<File>> ConsoleFile::open()
{
    kstd::RefPtr<File> file = kstd::adopt<File>(new (std::nothrow) ConsoleFile);
    if (!file)
        return kstd::unexpected(kstd::Errno::enomem);
    return file;
}

kstd::ErrorOr<size_t> ConsoleFile::read(std::span<std::byte> buffer)
{
    return Terminal::console().read(buffer, nonblocking());
}

kstd::ErrorOr<size_t> ConsoleFile::write(std::span<const std::byte> data)
{
    return Terminal::console().write(data);
}

Readiness ConsoleFile::readiness()
{
    return {.readable = Terminal::console().input_ready(), .writable = true};
}

} // namespace fs

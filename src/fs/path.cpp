#include "fs/path.h"

namespace fs {

namespace {

// Appends the components of `path` to the canonical path out[0, length).
kstd::ErrorOr<void> append(std::string_view path, std::span<char> out, size_t& length)
{
    size_t at = 0;
    while (at < path.size()) {
        size_t end = path.find('/', at);
        if (end == std::string_view::npos)
            end = path.size();
        const std::string_view component = path.substr(at, end - at);
        at = end + 1;
        if (component.empty() || component == ".")
            continue;
        if (component == "..") {
            while (length > 0 && out[length - 1] != '/')
                --length;
            if (length > 1)
                --length; // the slash before it, but not the root's
            continue;
        }
        const size_t slash = length > 1 ? 1 : 0; // "/" + "bin" has its slash already
        if (length + slash + component.size() + 1 > out.size())
            return kstd::unexpected(kstd::Errno::enametoolong);
        if (slash)
            out[length++] = '/';
        for (char c : component)
            out[length++] = c;
    }
    return {};
}

} // namespace

kstd::ErrorOr<std::string_view> resolve(std::string_view cwd, std::string_view path, std::span<char> out)
{
    if (path.empty())
        return kstd::unexpected(kstd::Errno::enoent);
    if (out.size() < 2)
        return kstd::unexpected(kstd::Errno::enametoolong);
    out[0] = '/';
    size_t length = 1;
    if (path[0] != '/')
        TRY(append(cwd, out, length));
    TRY(append(path, out, length));
    out[length] = '\0';
    return std::string_view(out.data(), length);
}

} // namespace fs

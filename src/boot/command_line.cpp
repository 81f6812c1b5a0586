#include "boot/command_line.h"

namespace boot {

namespace {

// Calls `visit` on each space-separated word, up to a "--", until it returns true.
template <typename Visit>
bool any_word(std::string_view line, Visit visit)
{
    while (!line.empty()) {
        const size_t end = line.find(' ');
        if (line.substr(0, end) == "--")
            return false; // the rest is init's
        if (visit(line.substr(0, end)))
            return true;
        if (end == std::string_view::npos)
            break;
        line.remove_prefix(end + 1);
    }
    return false;
}

} // namespace

std::string_view command_line_init_arguments(std::string_view line)
{
    for (size_t at = 0; at < line.size();) {
        size_t end = line.find(' ', at);
        if (end == std::string_view::npos)
            end = line.size();
        if (line.substr(at, end - at) == "--")
            return end < line.size() ? line.substr(end + 1) : std::string_view();
        at = end + 1;
    }
    return {};
}

bool command_line_has(std::string_view line, std::string_view word)
{
    return any_word(line, [&](std::string_view candidate) { return candidate == word; });
}

std::optional<std::string_view> command_line_value(std::string_view line, std::string_view key)
{
    std::optional<std::string_view> value;
    any_word(line, [&](std::string_view word) {
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=')
            value = word.substr(key.size() + 1);
        return value.has_value();
    });
    return value;
}

} // namespace boot

#include "boot/command_line.h"

namespace boot {

namespace {

// Calls `visit` on each space-separated word until it returns true.
template <typename Visit>
bool any_word(std::string_view line, Visit visit)
{
    while (!line.empty()) {
        const size_t end = line.find(' ');
        if (visit(line.substr(0, end)))
            return true;
        if (end == std::string_view::npos)
            break;
        line.remove_prefix(end + 1);
    }
    return false;
}

} // namespace

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

#include "ktest/glob.h"

namespace ktest {

bool glob_match(std::string_view pattern, std::string_view text)
{
    // Iterative matching with one backtrack point for the last '*': linear
    // in practice, no recursion.
    size_t p = 0, t = 0;
    size_t star = std::string_view::npos, star_text = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_text = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++star_text;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

bool filter_selects(std::string_view filter, std::string_view full_name)
{
    return filter_selects(filter, full_name, full_name);
}

bool filter_selects(std::string_view filter, std::string_view full_name, std::string_view group_name)
{
    bool any_positive = false;
    bool positive_match = false;
    while (!filter.empty()) {
        const size_t comma = filter.find(',');
        std::string_view pattern = filter.substr(0, comma);
        filter = comma == std::string_view::npos ? std::string_view() : filter.substr(comma + 1);
        if (pattern.empty())
            continue;
        if (pattern.front() == '-') {
            if (glob_match(pattern.substr(1), full_name) || glob_match(pattern.substr(1), group_name))
                return false;
            continue;
        }
        any_positive = true;
        if (glob_match(pattern, full_name) || glob_match(pattern, group_name))
            positive_match = true;
    }
    return !any_positive || positive_match;
}

} // namespace ktest

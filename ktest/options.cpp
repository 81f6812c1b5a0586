#include "ktest/options.h"

namespace ktest {

namespace {

constexpr std::string_view prefix = "ktest.";

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

kstd::Expected<uint64_t, OptionError> parse_number(std::string_view digits, std::string_view word)
{
    if (digits.empty())
        return kstd::unexpected(OptionError{"expected a number after '='", word});
    uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return kstd::unexpected(OptionError{"not a decimal number", word});
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return kstd::unexpected(OptionError{"number too large", word});
        value = value * 10 + digit;
    }
    return value;
}

kstd::Expected<void, OptionError> apply(std::string_view word, Options& options)
{
    const std::string_view option = word.substr(prefix.size());
    const size_t equals = option.find('=');
    const std::string_view name = option.substr(0, equals);
    const bool has_value = equals != std::string_view::npos;
    const std::string_view value = has_value ? option.substr(equals + 1) : std::string_view();

    if (name == "filter") {
        if (value.size() > Options::max_filter)
            return kstd::unexpected(OptionError{"filter longer than 512 characters", word});
        for (size_t i = 0; i < value.size(); ++i)
            options.filter_storage[i] = value[i];
        options.filter_length = value.size();
        return {};
    }
    if (name == "seed") {
        auto seed = parse_number(value, word);
        if (!seed)
            return kstd::unexpected(seed.error());
        options.seed = *seed;
        options.seed_given = true;
        options.shuffle = true;
        return {};
    }
    if (name == "attr") {
        if (value == "slow")
            options.required_attribute = RequiredAttribute::Slow;
        else if (value == "should_panic")
            options.required_attribute = RequiredAttribute::ShouldPanic;
        else
            return kstd::unexpected(OptionError{"unknown attribute (slow, should_panic)", word});
        return {};
    }
    if (name == "watchdog_ms") {
        auto ms = parse_number(value, word);
        if (!ms)
            return kstd::unexpected(ms.error());
        options.watchdog_ms = *ms;
        return {};
    }
    if (name == "repeat") {
        auto repeat = parse_number(value, word);
        if (!repeat)
            return kstd::unexpected(repeat.error());
        if (*repeat < 1 || *repeat > 10000)
            return kstd::unexpected(OptionError{"repeat must be between 1 and 10000", word});
        options.repeat = static_cast<uint32_t>(*repeat);
        return {};
    }
    bool* flag = name == "list" ? &options.list
        : name == "shuffle"     ? &options.shuffle
        : name == "skip_slow"   ? &options.skip_slow
        : name == "bench_quick" ? &options.bench_quick
                                : nullptr;
    if (!flag)
        return kstd::unexpected(OptionError{"unknown ktest option", word});
    if (has_value)
        return kstd::unexpected(OptionError{"this option takes no value", word});
    *flag = true;
    return {};
}

} // namespace

void format_value(kstd::Sink& sink, const OptionError& error, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{}: '{}'", error.what, error.word);
}

kstd::Expected<void, OptionError> parse_options(std::string_view text, Options& options)
{
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        const size_t start = i;
        while (i < text.size() && !is_space(text[i]))
            ++i;
        const std::string_view word = text.substr(start, i - start);
        if (word.size() <= prefix.size() || word.substr(0, prefix.size()) != prefix)
            continue;
        if (auto applied = apply(word, options); !applied)
            return applied;
    }
    return {};
}

} // namespace ktest

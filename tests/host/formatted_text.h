#pragma once
// The text kstd::format_to gives `value` ("{}"), as a std::string: for host
// tests that compare error messages and summaries with what they expect.

#include <string>
#include <string_view>
#include "kstd/format.h"

template <typename T>
std::string formatted_text(const T& value)
{
    std::string text;
    struct StringSink final : kstd::Sink {
        std::string& out;
        explicit StringSink(std::string& o) : out(o) {}
        void write(std::string_view s) override { out.append(s); }
    } sink(text);
    kstd::format_to(sink, "{}", value);
    return text;
}

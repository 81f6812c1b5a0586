#pragma once
// What the fuzz harnesses share: FUZZ_CHECK, an invariant of a successful
// parse that must hold whatever the input was. A violation prints what was
// broken and aborts, which libFuzzer reports as a crash and saves the input
// as a crash-* artifact (the same path as a sanitizer's report).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include "kstd/format.h"

namespace fuzz {

[[noreturn]] inline void invariant_failed(const char* what, const char* condition, const char* file, int line)
{
    std::fprintf(stderr, "fuzz invariant violated: %s\n    %s\n    at %s:%d\n", what, condition, file, line);
    std::abort();
}

// True if [text, text + size] (the view and the NUL after it) lies inside `bytes`.
inline bool terminated_inside(std::string_view text, std::span<const std::byte> bytes)
{
    const auto first = reinterpret_cast<uintptr_t>(bytes.data());
    const auto last = first + bytes.size();
    const auto at = reinterpret_cast<uintptr_t>(text.data());
    return at >= first && at < last && text.size() < last - at;
}

// The view is the whole string: no NUL inside it, and the NUL right after it.
// Call only when terminated_inside() holds.
inline bool is_c_string(std::string_view text)
{
    return text.find('\0') == std::string_view::npos && text.data()[text.size()] == '\0';
}

// Formats a parse error (exercising each error's printer) into a fixed
// buffer; the text must not be empty.
class BufferSink final : public kstd::Sink {
public:
    void write(std::string_view text) override
    {
        for (char c : text) {
            if (m_size < sizeof m_text)
                m_text[m_size++] = c;
        }
    }
    size_t size() const { return m_size; }

private:
    char m_text[512] = {};
    size_t m_size = 0;
};

} // namespace fuzz

#define FUZZ_CHECK(condition, what) \
    ((condition) ? void(0) : ::fuzz::invariant_failed(what, #condition, __FILE__, __LINE__))

// How failed checks are reported: KTAP diagnostic lines, indented like the
// case's result, printed at once.
//
//     # EXPECT_EQ(row, 24) failed at src/drivers/vga_text.cpp:123
//     #   row = 23 (0x17)
//     #   24 = 24 (0x18)
//     #   note: after 30 lines

#include "core/print.h"
#include "ktest/internal.h"

namespace ktest {

using internal::case_indent;
using internal::state;

Failure::Failure(const char* check, const char* arguments, const char* file, int line)
{
    core::println("{}# {}({}) failed at {}:{}", case_indent, check, arguments, file, line);
}

kstd::Sink& Failure::output()
{
    return core::console();
}

void Failure::begin_value(const char* expression)
{
    core::print("{}#   {} = ", case_indent, expression);
}

void Failure::begin_message()
{
    core::print("{}#   note: ", case_indent);
}

void Failure::end_line()
{
    core::console().write("\n");
}

void Failure::text(std::string_view line)
{
    core::println("{}#   {}", case_indent, line);
}

void Failure::string_value(const char* expression, std::string_view value, bool is_null)
{
    // Long strings are cut: a runaway (unterminated) string must not flood COM1.
    constexpr size_t max_shown = 200;
    begin_value(expression);
    if (is_null) {
        output().write("(null)");
    } else {
        output().write("\"");
        for (char c : value.substr(0, max_shown)) {
            if (c >= 0x20 && c <= 0x7E && c != '"' && c != '\\')
                output().write(std::string_view(&c, 1));
            else
                kstd::format_to(output(), "\\x{:02x}", static_cast<uint8_t>(c));
        }
        kstd::format_to(output(), "\"{} ({} bytes)", value.size() > max_shown ? "..." : "", value.size());
    }
    end_line();
}

void Failure::finish(Severity severity)
{
    internal::RunState& run = state();
    ++run.failures;
    if (severity == Severity::Assert)
        end_current_case();
}

bool strings_differ(std::string_view a, bool a_null, std::string_view b, bool b_null, const char* check,
                    const char* arguments, const char* a_text, const char* b_text, const char* file, int line)
{
    if (a_null == b_null && a == b) [[likely]]
        return false;
    Failure(check, arguments, file, line);
    Failure::string_value(a_text, a, a_null);
    Failure::string_value(b_text, b, b_null);
    return true;
}

bool bool_failed(bool value, bool expected, const char* check, const char* expression, const char* file, int line)
{
    if (value == expected) [[likely]]
        return false;
    Failure(check, expression, file, line);
    Failure::text(expected ? "which is false" : "which is true");
    return true;
}

bool null_failed(const volatile void* pointer, bool want_null, const char* check, const char* expression,
                 const char* file, int line)
{
    if ((pointer == nullptr) == want_null) [[likely]]
        return false;
    Failure(check, expression, file, line);
    Failure::value(expression, pointer);
    return true;
}

bool memory_differs(const void* a, const void* b, size_t size, const char* check, const char* arguments,
                    const char* file, int line)
{
    if (__builtin_memcmp(a, b, size) == 0) [[likely]]
        return false;
    Failure(check, arguments, file, line);
    const auto* left = static_cast<const uint8_t*>(a);
    const auto* right = static_cast<const uint8_t*>(b);
    size_t first = 0;
    while (first < size && left[first] == right[first])
        ++first;
    kstd::StringBuffer<120> text;
    kstd::format_to(text, "first difference at byte {} of {}: {:#04x} vs {:#04x}", first, size, left[first],
                    right[first]);
    Failure::text(text.view());
    // Up to 16 bytes of each side, from 4 bytes before the difference.
    const size_t start = first >= 4 ? first - 4 : 0;
    const size_t end = start + 16 < size ? start + 16 : size;
    for (const uint8_t* side : {left, right}) {
        text.clear();
        kstd::format_to(text, "{} +{}:", side == left ? "left " : "right", start);
        for (size_t i = start; i < end; ++i)
            kstd::format_to(text, " {:02x}", side[i]);
        Failure::text(text.view());
    }
    return true;
}

void skip_current_case(std::string_view reason)
{
    internal::RunState& run = state();
    if (!run.running())
        core::panic("KTEST_SKIP used outside a test case");
    if (!internal::on_case_thread())
        internal::end_helper_thread("KTEST_SKIP in a thread the case started: skipping is for the case's own thread");
    run.skipped = true;
    run.skip_reason.clear();
    run.skip_reason.write(reason);
    internal::run_deferred_actions(); // where the body's locals still live (ktest.h)
    internal::ktest_resume_context(&run.jump, internal::ResumeSkip);
}

void end_current_case()
{
    internal::RunState& run = state();
    if (!run.running())
        core::panic("ASSERT_* failed outside a test case");
    if (!internal::on_case_thread())
        internal::end_helper_thread("an ASSERT_* failed");
    internal::run_deferred_actions(); // where the body's locals still live (ktest.h)
    internal::ktest_resume_context(&run.jump, internal::ResumeAssert);
}

} // namespace ktest

#pragma once
// Errors as values: Expected<T, E> holds either a T or an E.
//
//   kstd::Expected<Frame, MemoryError> allocate();
//
//   auto frame = TRY(allocate());        // in a function returning Expected:
//                                        // an error goes back to the caller
//   auto frame = MUST(allocate());       // an error here is a broken invariant:
//                                        // panic, naming the expression and the error
//   if (auto frame = allocate(); !frame) // or handle it on the spot
//       return kstd::unexpected(frame.error());
//
// A small stand-in for C++23 std::expected, which GCC 12 does not offer in
// C++20 mode. [[nodiscard]]: an ignored error is a compile error (-Werror).
// value(), operator*, operator-> and error() check that the Expected holds
// what is asked for; a wrong access calls kstd::expected_failed(), which does
// not return (the kernel's core layer panics there; host builds abort).

#include <new>
#include <source_location>
#include <string_view>
#include <type_traits>
#include <utility>
#include "kstd/format.h"

namespace kstd {

// Defined by whoever links the library: core/panic.cpp in the kernel (a
// panic with `what` at `where`), tests/host/expected_failed.cpp on the host.
[[noreturn]] void expected_failed(std::string_view what, const std::source_location& where);

template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
constexpr Unexpected<std::decay_t<E>> unexpected(E&& error)
{
    return {std::forward<E>(error)};
}

namespace detail {
inline void check_access(bool ok, const char* what, const std::source_location& where)
{
    if (!ok) [[unlikely]]
        expected_failed(what, where);
}
} // namespace detail

template <typename T, typename E>
class [[nodiscard]] Expected {
    static constexpr bool Trivial = std::is_trivially_copyable_v<T> && std::is_trivially_copyable_v<E>;

public:
    using Value = T;
    using Error = E;

    constexpr Expected(const T& value) : m_has_value(true) { new (&m_value) T(value); }
    constexpr Expected(T&& value) : m_has_value(true) { new (&m_value) T(std::move(value)); }
    template <typename G>
    constexpr Expected(Unexpected<G> u) : m_has_value(false) { new (&m_error) E(std::move(u.error)); }
    // Copy, move and destruction are trivial when T's and E's are, so that an
    // Expected of a pointer or an integer and an error enum travels in
    // registers like the plain value it replaces (the page walk returns one
    // per level).
    Expected(const Expected&) requires Trivial = default;
    Expected(const Expected& other) requires(!Trivial) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(other.m_value);
        else
            new (&m_error) E(other.m_error);
    }
    Expected(Expected&&) requires Trivial = default;
    Expected(Expected&& other) requires(!Trivial) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(std::move(other.m_value));
        else
            new (&m_error) E(std::move(other.m_error));
    }
    Expected& operator=(const Expected&) = delete;
    ~Expected() requires Trivial = default;
    ~Expected() requires(!Trivial)
    {
        if (m_has_value)
            m_value.~T();
        else
            m_error.~E();
    }

    constexpr bool has_value() const { return m_has_value; }
    constexpr explicit operator bool() const { return m_has_value; }

    T& value(const std::source_location& where = std::source_location::current())
    {
        detail::check_access(m_has_value, "value() of an Expected that holds an error", where);
        return m_value;
    }
    const T& value(const std::source_location& where = std::source_location::current()) const
    {
        detail::check_access(m_has_value, "value() of an Expected that holds an error", where);
        return m_value;
    }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const E& error(const std::source_location& where = std::source_location::current()) const
    {
        detail::check_access(!m_has_value, "error() of an Expected that holds a value", where);
        return m_error;
    }

    // For TRY and MUST: moves the value or the error out.
    T release_value() { return std::move(value()); }
    E release_error()
    {
        detail::check_access(!m_has_value, "error() of an Expected that holds a value", std::source_location::current());
        return std::move(m_error);
    }

private:
    bool m_has_value;
    union {
        T m_value;
        E m_error;
    };
};

template <typename E>
class [[nodiscard]] Expected<void, E> {
    static constexpr bool Trivial = std::is_trivially_copyable_v<E>;

public:
    using Value = void;
    using Error = E;

    // Success constructs no error: the error is a union member, so a
    // successful return writes the flag alone (a heap error is 32 bytes,
    // which value-initialising cost four stores per call).
    constexpr Expected() : m_has_value(true) {}
    template <typename G>
    constexpr Expected(Unexpected<G> u) : m_has_value(false) { new (&m_error) E(std::move(u.error)); }
    Expected(const Expected&) requires Trivial = default;
    Expected(const Expected& other) requires(!Trivial) : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            new (&m_error) E(other.m_error);
    }
    Expected(Expected&&) requires Trivial = default;
    Expected(Expected&& other) requires(!Trivial) : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            new (&m_error) E(std::move(other.m_error));
    }
    Expected& operator=(const Expected&) requires Trivial = default;
    Expected& operator=(const Expected& other) requires(!Trivial)
    {
        if (this != &other) {
            this->~Expected();
            new (this) Expected(other);
        }
        return *this;
    }
    ~Expected() requires Trivial = default;
    ~Expected() requires(!Trivial)
    {
        if (!m_has_value)
            m_error.~E();
    }

    constexpr bool has_value() const { return m_has_value; }
    constexpr explicit operator bool() const { return m_has_value; }
    const E& error(const std::source_location& where = std::source_location::current()) const
    {
        detail::check_access(!m_has_value, "error() of an Expected that holds a value", where);
        return m_error;
    }

    void release_value() const {}
    E release_error()
    {
        detail::check_access(!m_has_value, "error() of an Expected that holds a value", std::source_location::current());
        return std::move(m_error);
    }

private:
    bool m_has_value;
    union {
        E m_error;
    };
};

// MUST's report: the expression and the error as text. Defined beside
// expected_failed().
[[noreturn]] void must_failed(const char* expression, std::string_view error, const std::source_location& where);

namespace detail {
template <typename E>
[[noreturn]] void must_failed_with(const char* expression, const E& error, const std::source_location& where)
{
    StringBuffer<192> text;
    if constexpr (Formattable<E>)
        format_to(text, "{}", error);
    else
        text.write("(an error type without format_value)");
    must_failed(expression, text.view(), where);
}
} // namespace detail

} // namespace kstd

// TRY(expression): the value of an Expected, or return its error from the
// enclosing function (which returns an Expected whose error type can be made
// from it). A GNU statement expression, as SerenityOS's TRY is.
#define TRY(expression)                                                                                           \
    ({                                                                                                            \
        auto kstd_try_result_ = (expression);                                                                     \
        if (!kstd_try_result_.has_value()) [[unlikely]]                                                           \
            return ::kstd::unexpected(kstd_try_result_.release_error());                                          \
        kstd_try_result_.release_value();                                                                         \
    })

// MUST(expression): the value of an Expected; an error is a broken invariant
// and ends in expected's failure hook (a panic naming the expression and the
// error, at the caller's file and line).
#define MUST(expression)                                                                                          \
    ({                                                                                                            \
        auto kstd_must_result_ = (expression);                                                                    \
        if (!kstd_must_result_.has_value()) [[unlikely]]                                                          \
            ::kstd::detail::must_failed_with(#expression, kstd_must_result_.error(),                              \
                                             std::source_location::current());                                    \
        kstd_must_result_.release_value();                                                                        \
    })

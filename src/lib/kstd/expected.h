#pragma once
// Errors as values: Expected<T, E> holds either a T or an E.
//
//   kstd::Expected<Frame, MemoryError> allocate();
//   if (auto frame = allocate(); !frame) return kstd::unexpected(frame.error());
//
// A small stand-in for C++23 std::expected, which GCC 12 does not offer in
// C++20 mode. [[nodiscard]]: an ignored error is a compile error (-Werror).

#include <new>
#include <type_traits>
#include <utility>

namespace kstd {

template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
constexpr Unexpected<std::decay_t<E>> unexpected(E&& error)
{
    return {std::forward<E>(error)};
}

template <typename T, typename E>
class [[nodiscard]] Expected {
public:
    constexpr Expected(const T& value) : m_has_value(true) { new (&m_value) T(value); }
    constexpr Expected(T&& value) : m_has_value(true) { new (&m_value) T(std::move(value)); }
    template <typename G>
    constexpr Expected(Unexpected<G> u) : m_has_value(false) { new (&m_error) E(std::move(u.error)); }
    Expected(const Expected& other) : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            new (&m_value) T(other.m_value);
        else
            new (&m_error) E(other.m_error);
    }
    Expected& operator=(const Expected&) = delete;
    ~Expected()
    {
        if (m_has_value)
            m_value.~T();
        else
            m_error.~E();
    }

    constexpr bool has_value() const { return m_has_value; }
    constexpr explicit operator bool() const { return m_has_value; }
    constexpr T& value() { return m_value; }
    constexpr const T& value() const { return m_value; }
    constexpr T& operator*() { return m_value; }
    constexpr const T& operator*() const { return m_value; }
    constexpr T* operator->() { return &m_value; }
    constexpr const T* operator->() const { return &m_value; }
    constexpr const E& error() const { return m_error; }

private:
    bool m_has_value;
    union {
        T m_value;
        E m_error;
    };
};

template <typename E>
class [[nodiscard]] Expected<void, E> {
public:
    constexpr Expected() : m_has_value(true), m_error() {}
    template <typename G>
    constexpr Expected(Unexpected<G> u) : m_has_value(false), m_error(std::move(u.error)) {}

    constexpr bool has_value() const { return m_has_value; }
    constexpr explicit operator bool() const { return m_has_value; }
    constexpr const E& error() const { return m_error; }

private:
    bool m_has_value;
    E m_error;
};

} // namespace kstd

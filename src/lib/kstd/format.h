#pragma once
// Type-safe formatting without a heap, checked at compile time.
//
//   kstd::format_to(sink, "frame {:#x} of {} ({})", address, count, name);
//
// Placeholders are `{}` or `{:spec}`, where spec is
//   [<|>][#][0][width][type]     type: d x X b o c s p
// `{{` and `}}` print braces. The format string is parsed in a consteval
// constructor, so a wrong number of arguments, a bad spec, or a spec that does
// not fit the argument's type (`{:x}` for a string) is a compile error whose
// message names the problem (look for "format_error_..." in the diagnostic).
//
// Values: every integer width (signed and unsigned; char prints as a
// character, signed/unsigned char as numbers), bool, pointers, C strings,
// std::string_view, and any type with a `format_value(Sink&, const T&, const
// FormatSpec&)` found by argument-dependent lookup.
//
// This header is freestanding and also builds on the host (tests/host).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace kstd {

// Where formatted text goes.
class Sink {
public:
    virtual void write(std::string_view text) = 0;

protected:
    ~Sink() = default;
};

struct FormatSpec {
    enum class Align : uint8_t { Default, Left, Right };
    Align align = Align::Default;
    bool alternate = false;  // '#': 0x / 0b / 0o prefix
    bool zero_pad = false;   // '0': pad numbers with zeros after any sign or prefix
    uint8_t width = 0;
    char type = 0;           // 0 means "the natural form for the value"
};

// Any enum with a `to_string(E)` beside it (found by argument-dependent
// lookup) prints as that text, so an error enum needs no format_value of its
// own: `println("cannot map: {}", error)`. Defined below format_string().
template <typename E>
    requires std::is_enum_v<E> && requires(E e) {
        { to_string(e) } -> std::convertible_to<std::string_view>;
    }
void format_value(Sink& sink, E value, const FormatSpec& spec);

namespace detail {

enum class ArgKind : uint8_t { Signed, Unsigned, Bool, Char, String, Pointer, Custom };

template <typename T>
concept HasFormatValue = requires(Sink& sink, const T& value, const FormatSpec& spec) {
    format_value(sink, value, spec);
};

template <typename T>
using Plain = std::remove_cvref_t<std::decay_t<T>>;

template <typename T>
consteval ArgKind kind_of()
{
    using U = Plain<T>;
    if constexpr (std::same_as<U, bool>)
        return ArgKind::Bool;
    else if constexpr (std::same_as<U, char>)
        return ArgKind::Char;
    else if constexpr (std::same_as<U, const char*> || std::same_as<U, char*> || std::same_as<U, std::string_view>)
        return ArgKind::String;
    else if constexpr (std::is_pointer_v<U> || std::same_as<U, std::nullptr_t>)
        return ArgKind::Pointer;
    else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>)
        return ArgKind::Signed;
    else if constexpr (std::is_integral_v<U>)
        return ArgKind::Unsigned;
    else
        return ArgKind::Custom;
}

template <typename T>
concept BuiltinFormattable = kind_of<T>() != ArgKind::Custom;

} // namespace detail

template <typename T>
concept Formattable = detail::BuiltinFormattable<T> || detail::HasFormatValue<detail::Plain<T>>;

namespace detail {

// Called only in constant evaluation to report a bad format string: being
// non-constexpr, it makes the consteval constructor ill-formed, and the
// compiler's error names the function, which says what is wrong.
void format_error_too_few_arguments();
void format_error_too_many_arguments();
void format_error_unmatched_brace();
void format_error_bad_spec();
void format_error_width_too_large();
void format_error_type_does_not_fit_argument();

struct ParsedField {
    FormatSpec spec;
    size_t end; // index just past the closing '}'
    bool ok;
};

// Parses the spec of a field that starts with '{' at `open`. Shared by the
// compile-time check and the runtime formatter so they can never disagree.
constexpr ParsedField parse_field(std::string_view fmt, size_t open)
{
    ParsedField field{{}, 0, false};
    size_t i = open + 1;
    if (i < fmt.size() && fmt[i] == '}') {
        field.end = i + 1;
        field.ok = true;
        return field;
    }
    if (i >= fmt.size() || fmt[i] != ':')
        return field;
    ++i;
    FormatSpec& spec = field.spec;
    if (i < fmt.size() && (fmt[i] == '<' || fmt[i] == '>')) {
        spec.align = fmt[i] == '<' ? FormatSpec::Align::Left : FormatSpec::Align::Right;
        ++i;
    }
    if (i < fmt.size() && fmt[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    if (i < fmt.size() && fmt[i] == '0') {
        spec.zero_pad = true;
        ++i;
    }
    unsigned width = 0;
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        width = width * 10 + static_cast<unsigned>(fmt[i] - '0');
        if (width > 255)
            return field;
        ++i;
    }
    spec.width = static_cast<uint8_t>(width);
    if (i < fmt.size() && fmt[i] != '}') {
        const char t = fmt[i];
        if (t != 'd' && t != 'x' && t != 'X' && t != 'b' && t != 'o' && t != 'c' && t != 's' && t != 'p')
            return field;
        spec.type = t;
        ++i;
    }
    if (i >= fmt.size() || fmt[i] != '}')
        return field;
    field.end = i + 1;
    field.ok = true;
    return field;
}

constexpr bool type_fits(ArgKind kind, char type)
{
    switch (type) {
    case 0:
        return true;
    case 'd': case 'x': case 'X': case 'b': case 'o':
        return kind == ArgKind::Signed || kind == ArgKind::Unsigned || kind == ArgKind::Char
            || kind == ArgKind::Pointer || kind == ArgKind::Bool || kind == ArgKind::Custom;
    case 'c':
        return kind == ArgKind::Signed || kind == ArgKind::Unsigned || kind == ArgKind::Char;
    case 's':
        return kind == ArgKind::String || kind == ArgKind::Bool || kind == ArgKind::Custom;
    case 'p':
        return kind == ArgKind::Pointer;
    default:
        return false;
    }
}

template <typename... Args>
consteval void check_format(std::string_view fmt)
{
    constexpr ArgKind kinds[] = {kind_of<Args>()..., ArgKind::Custom};
    size_t next_arg = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
                ++i;
                continue;
            }
            format_error_unmatched_brace();
        }
        if (fmt[i] != '{')
            continue;
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            ++i;
            continue;
        }
        const ParsedField field = parse_field(fmt, i);
        if (!field.ok)
            format_error_bad_spec();
        if (next_arg >= sizeof...(Args))
            format_error_too_few_arguments();
        if (!type_fits(kinds[next_arg], field.spec.type))
            format_error_type_does_not_fit_argument();
        ++next_arg;
        i = field.end - 1;
    }
    if (next_arg != sizeof...(Args))
        format_error_too_many_arguments();
}

// One argument, type-erased so the formatting code is not instantiated per
// call site.
struct FormatArg {
    ArgKind kind;
    union {
        int64_t signed_value;
        uint64_t unsigned_value;
        bool bool_value;
        char char_value;
        struct {
            const char* data;
            size_t size;
        } string_value;
        const void* pointer_value;
        struct {
            const void* object;
            void (*format)(Sink&, const void*, const FormatSpec&);
        } custom;
    };
};

template <typename T>
void format_custom(Sink& sink, const void* object, const FormatSpec& spec)
{
    // The pointer was made from a `const T*` in make_arg below.
    format_value(sink, *static_cast<const T*>(object), spec);
}

constexpr std::string_view string_of(std::string_view text) { return text; }
constexpr std::string_view string_of(const char* text) { return text ? std::string_view(text) : std::string_view("(null)"); }

template <typename T>
FormatArg make_arg(const T& value)
{
    using U = Plain<T>;
    FormatArg arg{};
    arg.kind = kind_of<T>();
    if constexpr (kind_of<T>() == ArgKind::Bool) {
        arg.bool_value = value;
    } else if constexpr (kind_of<T>() == ArgKind::Char) {
        arg.char_value = value;
    } else if constexpr (kind_of<T>() == ArgKind::String) {
        const std::string_view text = string_of(value);
        arg.string_value = {text.data(), text.size()};
    } else if constexpr (std::same_as<U, std::nullptr_t>) {
        arg.pointer_value = nullptr;
    } else if constexpr (std::is_function_v<std::remove_pointer_t<U>>) {
        // A code address is printed as a number; function-to-object pointer
        // casts are conditionally supported and exact on x86_64.
        arg.pointer_value = reinterpret_cast<const void*>(value);
    } else if constexpr (kind_of<T>() == ArgKind::Pointer) {
        arg.pointer_value = const_cast<const void*>(static_cast<const volatile void*>(value));
    } else if constexpr (kind_of<T>() == ArgKind::Signed) {
        arg.signed_value = value;
    } else if constexpr (kind_of<T>() == ArgKind::Unsigned) {
        arg.unsigned_value = value;
    } else {
        arg.custom.object = &value;
        arg.custom.format = &format_custom<U>;
    }
    return arg;
}

void vformat(Sink& sink, std::string_view fmt, std::span<const FormatArg> args);

} // namespace detail

// A format string checked against its argument types at compile time.
template <typename... Args>
class FormatString {
public:
    template <typename S>
        requires std::convertible_to<const S&, std::string_view>
    consteval FormatString(const S& text) // NOLINT: implicit on purpose, like std::format_string
        : m_text(text)
    {
        detail::check_format<Args...>(m_text);
    }
    constexpr std::string_view text() const { return m_text; }

private:
    std::string_view m_text;
};

template <typename... Args>
void format_to(Sink& sink, FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    static_assert((Formattable<Args> && ...), "an argument has no format_value() overload");
    const detail::FormatArg erased[] = {detail::make_arg(args)..., detail::FormatArg{}};
    detail::vformat(sink, fmt.text(), std::span<const detail::FormatArg>(erased, sizeof...(Args)));
}

// Helpers for format_value() implementations of custom types.
void format_unsigned(Sink& sink, uint64_t value, const FormatSpec& spec);
void format_signed(Sink& sink, int64_t value, const FormatSpec& spec);
void format_string(Sink& sink, std::string_view text, const FormatSpec& spec);

template <typename E>
    requires std::is_enum_v<E> && requires(E e) {
        { to_string(e) } -> std::convertible_to<std::string_view>;
    }
void format_value(Sink& sink, E value, const FormatSpec& spec)
{
    format_string(sink, to_string(value), spec);
}

// A sink into a caller-provided buffer. It never writes past the end: what
// does not fit is dropped and `truncated()` says so.
class BufferSink final : public Sink {
public:
    explicit BufferSink(std::span<char> buffer) : m_buffer(buffer) {}
    void write(std::string_view text) override;
    std::string_view view() const { return {m_buffer.data(), m_length}; }
    size_t size() const { return m_length; }
    bool truncated() const { return m_truncated; }
    void clear()
    {
        m_length = 0;
        m_truncated = false;
    }

private:
    std::span<char> m_buffer;
    size_t m_length = 0;
    bool m_truncated = false;
};

// A BufferSink with its own storage.
template <size_t N>
class StringBuffer final : public Sink {
public:
    void write(std::string_view text) override { m_sink.write(text); }
    std::string_view view() const { return m_sink.view(); }
    bool truncated() const { return m_sink.truncated(); }
    void clear() { m_sink.clear(); }

private:
    char m_storage[N]{};
    BufferSink m_sink{std::span<char>(m_storage, N)};
};

struct FormatResult {
    std::string_view text;
    bool truncated;
};

// Formats into `buffer`; the result says how much was written and whether
// the text was cut short because the buffer was full.
template <typename... Args>
FormatResult format_into(std::span<char> buffer, FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    BufferSink sink(buffer);
    format_to<Args...>(sink, fmt, args...);
    return {sink.view(), sink.truncated()};
}

} // namespace kstd

#include "kstd/format.h"

namespace kstd {
namespace {

constexpr std::string_view lower_digits = "0123456789abcdef";
constexpr std::string_view upper_digits = "0123456789ABCDEF";

void write_repeated(Sink& sink, char c, size_t count)
{
    char chunk[32];
    for (char& slot : chunk)
        slot = c;
    while (count > 0) {
        const size_t n = count < sizeof chunk ? count : sizeof chunk;
        sink.write(std::string_view(chunk, n));
        count -= n;
    }
}

// Writes sign/prefix and digits, padded to spec.width. Numbers align right
// unless '<' is given; '0' pads with zeros between the prefix and the digits.
void write_number(Sink& sink, std::string_view prefix, std::string_view digits, const FormatSpec& spec)
{
    const size_t length = prefix.size() + digits.size();
    const size_t padding = spec.width > length ? spec.width - length : 0;
    if (spec.zero_pad && spec.align == FormatSpec::Align::Default) {
        sink.write(prefix);
        write_repeated(sink, '0', padding);
        sink.write(digits);
        return;
    }
    if (spec.align != FormatSpec::Align::Left)
        write_repeated(sink, ' ', padding);
    sink.write(prefix);
    sink.write(digits);
    if (spec.align == FormatSpec::Align::Left)
        write_repeated(sink, ' ', padding);
}

unsigned base_of(char type)
{
    switch (type) {
    case 'x': case 'X': case 'p': return 16;
    case 'b': return 2;
    case 'o': return 8;
    default: return 10;
    }
}

std::string_view prefix_of(char type)
{
    switch (type) {
    case 'x': case 'X': case 'p': return "0x";
    case 'b': return "0b";
    case 'o': return "0o";
    default: return "";
    }
}

// Formats `magnitude` with an optional leading minus sign.
void format_integer(Sink& sink, uint64_t magnitude, bool negative, const FormatSpec& spec)
{
    const unsigned base = base_of(spec.type);
    const std::string_view digits_table = spec.type == 'X' ? upper_digits : lower_digits;
    char digits[64];
    size_t start = sizeof digits;
    do {
        digits[--start] = digits_table[magnitude % base];
        magnitude /= base;
    } while (magnitude != 0);

    char prefix[3];
    size_t prefix_length = 0;
    if (negative)
        prefix[prefix_length++] = '-';
    if (spec.alternate || spec.type == 'p') {
        for (char c : prefix_of(spec.type))
            prefix[prefix_length++] = c;
    }
    write_number(sink, std::string_view(prefix, prefix_length),
                 std::string_view(digits + start, sizeof digits - start), spec);
}

// {:c}: an integer printed as the character with that code (its low byte).
void format_char(Sink& sink, char c, const FormatSpec& spec)
{
    format_string(sink, std::string_view(&c, 1), spec);
}

void format_arg(Sink& sink, const detail::FormatArg& arg, const FormatSpec& spec)
{
    using detail::ArgKind;
    switch (arg.kind) {
    case ArgKind::Signed:
        if (spec.type == 'c')
            return format_char(sink, static_cast<char>(arg.signed_value), spec);
        return format_signed(sink, arg.signed_value, spec);
    case ArgKind::Unsigned:
        if (spec.type == 'c')
            return format_char(sink, static_cast<char>(arg.unsigned_value), spec);
        return format_unsigned(sink, arg.unsigned_value, spec);
    case ArgKind::Bool:
        if (spec.type == 0 || spec.type == 's')
            return format_string(sink, arg.bool_value ? "true" : "false", spec);
        return format_unsigned(sink, arg.bool_value ? 1 : 0, spec);
    case ArgKind::Char:
        if (spec.type == 0 || spec.type == 'c')
            return format_char(sink, arg.char_value, spec);
        return format_signed(sink, arg.char_value, spec);
    case ArgKind::String:
        return format_string(sink, std::string_view(arg.string_value.data, arg.string_value.size), spec);
    case ArgKind::Pointer: {
        // An address as 0x and 16 hex digits unless the spec says otherwise.
        FormatSpec pointer_spec = spec;
        if (spec.type == 0 || spec.type == 'p') {
            pointer_spec.type = 'p';
            pointer_spec.zero_pad = true;
            pointer_spec.width = spec.width > 18 ? spec.width : 18;
        }
        // Printing an address as a number; uintptr_t holds any object pointer.
        return format_unsigned(sink, reinterpret_cast<uintptr_t>(arg.pointer_value), pointer_spec);
    }
    case ArgKind::Custom:
        return arg.custom.format(sink, arg.custom.object, spec);
    }
}

} // namespace

void format_unsigned(Sink& sink, uint64_t value, const FormatSpec& spec)
{
    format_integer(sink, value, false, spec);
}

void format_signed(Sink& sink, int64_t value, const FormatSpec& spec)
{
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    const bool negative = value < 0;
    const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    format_integer(sink, magnitude, negative, spec);
}

void format_string(Sink& sink, std::string_view text, const FormatSpec& spec)
{
    const size_t padding = spec.width > text.size() ? spec.width - text.size() : 0;
    if (spec.align == FormatSpec::Align::Right)
        write_repeated(sink, ' ', padding);
    sink.write(text);
    if (spec.align != FormatSpec::Align::Right)
        write_repeated(sink, ' ', padding);
}

void detail::vformat(Sink& sink, std::string_view fmt, std::span<const FormatArg> args)
{
    size_t next_arg = 0;
    size_t literal_start = 0;
    size_t i = 0;
    while (i < fmt.size()) {
        const char c = fmt[i];
        if ((c == '{' || c == '}') && i + 1 < fmt.size() && fmt[i + 1] == c) {
            // "{{" or "}}": write the text so far plus one brace.
            sink.write(fmt.substr(literal_start, i + 1 - literal_start));
            i += 2;
            literal_start = i;
            continue;
        }
        if (c != '{') {
            ++i;
            continue;
        }
        sink.write(fmt.substr(literal_start, i - literal_start));
        const ParsedField field = parse_field(fmt, i);
        // The string was checked at compile time; stay safe anyway.
        if (!field.ok || next_arg >= args.size()) {
            sink.write("{?}");
            return;
        }
        format_arg(sink, args[next_arg++], field.spec);
        i = field.end;
        literal_start = i;
    }
    sink.write(fmt.substr(literal_start));
}

void BufferSink::write(std::string_view text)
{
    const size_t room = m_buffer.size() - m_length;
    const size_t n = text.size() < room ? text.size() : room;
    for (size_t i = 0; i < n; ++i)
        m_buffer[m_length + i] = text[i];
    m_length += n;
    if (n < text.size())
        m_truncated = true;
}

} // namespace kstd

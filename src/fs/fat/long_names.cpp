#include "fs/fat/long_names.h"

namespace fs::fat {

namespace {

char upper(char c)
{
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// fatgen103 6.1: the characters a short name may hold besides letters and digits.
bool short_name_char(char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("$%'-_@~`!(){}^#&").find(c) != std::string_view::npos;
}

} // namespace

uint8_t short_name_checksum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (size_t i = 0; i < 11; ++i)
        sum = static_cast<uint8_t>(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

size_t short_name_text(const uint8_t name[11], uint8_t case_flags, char out[12])
{
    size_t length = 0;
    size_t base = 8;
    while (base > 0 && name[base - 1] == ' ')
        --base;
    for (size_t i = 0; i < base; ++i) {
        // 0x05 in the first byte stands for 0xE5 (which marks a deleted entry).
        char c = static_cast<char>(i == 0 && name[0] == 0x05 ? 0xE5 : name[i]);
        out[length++] = case_flags & 0x08 ? lower(c) : c;
    }
    size_t extension = 3;
    while (extension > 0 && name[8 + extension - 1] == ' ')
        --extension;
    if (extension > 0) {
        out[length++] = '.';
        for (size_t i = 0; i < extension; ++i) {
            const char c = static_cast<char>(name[8 + i]);
            out[length++] = case_flags & 0x10 ? lower(c) : c;
        }
    }
    return length;
}

ShortFit short_name_basis(std::string_view name, uint8_t out[11])
{
    for (size_t i = 0; i < 11; ++i)
        out[i] = ' ';
    bool lossy = false;
    bool case_changed = false;
    // Leading dots and every space go; the last dot starts the extension.
    const size_t dot = name.rfind('.');
    const bool has_extension = dot != std::string_view::npos && dot != 0;
    std::string_view base = has_extension ? name.substr(0, dot) : name;
    const std::string_view extension = has_extension ? name.substr(dot + 1) : std::string_view{};
    size_t leading = 0;
    while (leading < base.size() && base[leading] == '.')
        ++leading;
    if (leading > 0)
        lossy = true;
    base.remove_prefix(leading);

    auto put = [&](std::string_view part, size_t at, size_t room) {
        size_t used = 0;
        for (char c : part) {
            if (c == ' ' || c == '.') {
                lossy = true;
                continue;
            }
            char u = upper(c);
            if (u != c)
                case_changed = true;
            if (!short_name_char(u)) {
                u = '_';
                lossy = true;
            }
            if (used == room) {
                lossy = true;
                break;
            }
            out[at + used++] = static_cast<uint8_t>(u);
        }
        return used;
    };
    if (put(base, 0, 8) == 0) {
        out[0] = '_';
        lossy = true;
    }
    put(extension, 8, 3);
    if (out[0] == 0xE5)
        out[0] = 0x05;
    if (lossy)
        return ShortFit::Lossy;
    return case_changed ? ShortFit::CaseOnly : ShortFit::Exact;
}

void add_numeric_tail(uint8_t name[11], uint32_t number)
{
    char digits[10];
    size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + number % 10);
        number /= 10;
    } while (number != 0 && count < sizeof digits);
    size_t base = 8;
    while (base > 0 && name[base - 1] == ' ')
        --base;
    const size_t tail = count + 1;
    size_t at = base + tail <= 8 ? base : 8 - tail;
    name[at++] = '~';
    while (count > 0)
        name[at++] = static_cast<uint8_t>(digits[--count]);
    while (at < 8)
        name[at++] = ' ';
}

bool utf8_to_ucs2(std::string_view text, uint16_t out[max_long_name], size_t& count)
{
    count = 0;
    for (size_t i = 0; i < text.size();) {
        const auto lead = static_cast<uint8_t>(text[i]);
        uint32_t code;
        size_t length;
        if (lead < 0x80) {
            code = lead;
            length = 1;
        } else if ((lead & 0xE0) == 0xC0) {
            code = lead & 0x1F;
            length = 2;
        } else if ((lead & 0xF0) == 0xE0) {
            code = lead & 0x0F;
            length = 3;
        } else {
            return false; // four bytes: outside the BMP, which UCS-2 cannot hold
        }
        if (i + length > text.size())
            return false;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<uint8_t>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return false;
            code = code << 6 | (next & 0x3F);
        }
        const uint32_t least = length == 1 ? 0 : length == 2 ? 0x80 : 0x800;
        if (code < least || (code >= 0xD800 && code <= 0xDFFF) || count == max_long_name)
            return false;
        out[count++] = static_cast<uint16_t>(code);
        i += length;
    }
    return true;
}

size_t ucs2_to_utf8(const uint16_t* chars, size_t count, char* out)
{
    size_t length = 0;
    for (size_t i = 0; i < count; ++i) {
        uint32_t code = chars[i];
        if (code >= 0xD800 && code <= 0xDFFF)
            code = 0xFFFD;
        if (code < 0x80) {
            out[length++] = static_cast<char>(code);
        } else if (code < 0x800) {
            out[length++] = static_cast<char>(0xC0 | code >> 6);
            out[length++] = static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out[length++] = static_cast<char>(0xE0 | code >> 12);
            out[length++] = static_cast<char>(0x80 | (code >> 6 & 0x3F));
            out[length++] = static_cast<char>(0x80 | (code & 0x3F));
        }
    }
    return length;
}

bool valid_long_name(std::string_view name)
{
    if (name.empty() || name == "." || name == ".." || name.back() == '.' || name.back() == ' ')
        return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || std::string_view("\"*/:<>?\\|").find(c) != std::string_view::npos)
            return false;
    }
    uint16_t chars[max_long_name];
    size_t count;
    return utf8_to_ucs2(name, chars, count);
}

bool names_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i]))
            return false;
    }
    return true;
}

} // namespace fs::fat

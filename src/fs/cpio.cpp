#include "fs/cpio.h"

namespace fs::cpio {

namespace {

enum Field : uint8_t {
    ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check,
    field_count
};
constexpr const char* field_names[field_count] = {"ino",      "mode",     "uid",       "gid",       "nlink",
                                                  "mtime",    "filesize", "devmajor",  "devminor",  "rdevmajor",
                                                  "rdevminor", "namesize", "check"};
constexpr size_t magic_size = 6;
constexpr size_t field_digits = 8;
static_assert(magic_size + field_count * field_digits == header_size);

// One entry as the walk finds it, checked.
struct Record {
    uint32_t fields[field_count];
    std::string_view raw_name; // as written, without its NUL
    std::string_view name;     // normalised
    std::span<const std::byte> data;
    uint64_t next; // the next header's offset (for the trailer: the first byte after its name)
    bool trailer;
};

kstd::Unexpected<Error> fail(Problem problem, uint64_t offset, std::string_view name = {}, uint64_t value = 0,
                             const char* field = nullptr)
{
    return kstd::unexpected(Error{problem, offset, name, field, value});
}

// a + b, or false if it overflows.
bool add(uint64_t a, uint64_t b, uint64_t& sum)
{
    return !__builtin_add_overflow(a, b, &sum);
}

// `at` rounded up to a multiple of 4 (the format's padding), or false if that overflows.
bool align4(uint64_t at, uint64_t& aligned)
{
    if (!add(at, 3, aligned))
        return false;
    aligned &= ~uint64_t{3};
    return true;
}

// bytes[at, at + size) as characters; the caller has checked the range.
std::string_view text_at(std::span<const std::byte> bytes, uint64_t at, uint64_t size)
{
    // std::byte and char are both one byte, and any object may be read through char.
    return {reinterpret_cast<const char*>(bytes.data() + at), static_cast<size_t>(size)};
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A leading "/" or "./" dropped, as many times as there are.
std::string_view strip_root(std::string_view path)
{
    for (;;) {
        if (path.starts_with('/'))
            path.remove_prefix(1);
        else if (path.starts_with("./"))
            path.remove_prefix(2);
        else
            return path;
    }
}

// The path's first bad component, if any: ".." gives DotDotComponent, an
// empty one or "." BadComponent.
bool bad_component(std::string_view path, Problem& problem)
{
    for (;;) {
        const size_t slash = path.find('/');
        const std::string_view component = path.substr(0, slash);
        if (component == "..") {
            problem = Problem::DotDotComponent;
            return true;
        }
        if (component.empty() || component == ".") {
            problem = Problem::BadComponent;
            return true;
        }
        if (slash == std::string_view::npos)
            return false;
        path.remove_prefix(slash + 1);
    }
}

// Reads and checks the entry whose header is at `offset`.
kstd::Expected<Record, Error> read_record(std::span<const std::byte> bytes, uint64_t offset)
{
    const uint64_t size = bytes.size();
    if (offset >= size)
        return fail(Problem::NoTrailer, offset);
    uint64_t name_start;
    if (!add(offset, header_size, name_start) || name_start > size)
        return fail(Problem::HeaderPastEnd, offset);
    const std::string_view header = text_at(bytes, offset, header_size);
    if (!header.starts_with("070701") && !header.starts_with("070702"))
        return fail(Problem::BadMagic, offset);

    Record record{};
    for (size_t field = 0; field < field_count; ++field) {
        uint32_t value = 0; // 8 hex digits fit exactly
        for (size_t digit = 0; digit < field_digits; ++digit) {
            const size_t at = magic_size + field * field_digits + digit;
            const int nibble = hex_digit(header[at]);
            if (nibble < 0)
                return fail(Problem::BadHexDigit, offset + at, {}, 0, field_names[field]);
            value = value << 4 | static_cast<uint32_t>(nibble);
        }
        record.fields[field] = value;
    }

    const uint32_t name_size = record.fields[namesize];
    if (name_size == 0)
        return fail(Problem::NameSizeZero, offset);
    uint64_t name_end;
    if (!add(name_start, name_size, name_end) || name_end > size)
        return fail(Problem::NamePastEnd, offset, {}, name_size);
    std::string_view name = text_at(bytes, name_start, name_size);
    if (name.back() != '\0')
        return fail(Problem::NameNotTerminated, offset);
    name.remove_suffix(1);
    if (const size_t nul = name.find('\0'); nul != std::string_view::npos)
        return fail(Problem::NameHasNul, name_start + nul);
    if (name.empty())
        return fail(Problem::EmptyName, offset);
    record.raw_name = name;
    if (name == trailer_name) {
        // Its fields do not matter: what follows it must be zero anyway.
        record.trailer = true;
        record.next = name_end;
        return record;
    }

    uint64_t data_start, data_end;
    const uint32_t data_size = record.fields[filesize];
    if (!align4(name_end, data_start) || !add(data_start, data_size, data_end) || data_end > size)
        return fail(Problem::DataPastEnd, offset, name, data_size);
    record.data = bytes.subspan(static_cast<size_t>(data_start), data_size);
    if (!align4(data_end, record.next)) // past the end is for the next read to report
        return fail(Problem::DataPastEnd, offset, name, data_size);

    const uint32_t mode_bits = record.fields[mode];
    if ((mode_bits & ~uint32_t{0177777}) != 0)
        return fail(Problem::BadMode, offset, name, mode_bits);
    const uint32_t type = mode_bits & type_mask;
    if (type != type_regular && type != type_directory && type != type_symlink)
        return fail(Problem::UnsupportedType, offset, name, mode_bits);
    if (type == type_directory && data_size != 0)
        return fail(Problem::DirectoryWithData, offset, name, data_size);

    record.name = strip_root(name);
    if (record.name.empty())
        return fail(Problem::EmptyName, offset, name);
    if (record.name == ".") {
        if (type != type_directory)
            return fail(Problem::RootNotDirectory, offset, name);
        return record;
    }
    if (Problem problem; bad_component(record.name, problem))
        return fail(problem, offset, name);
    return record;
}

// An entry of an archive open() accepted: checked again, which cannot fail.
Record checked_record(std::span<const std::byte> bytes, uint64_t offset)
{
    return MUST(read_record(bytes, offset));
}

Entry entry_of(const Record& record, uint64_t offset)
{
    return {record.name, record.fields[mode], record.fields[ino], record.fields[nlink], record.data, offset};
}

bool same_file(const Record& a, const Record& b)
{
    return a.fields[ino] == b.fields[ino] && a.fields[devmajor] == b.fields[devmajor]
        && a.fields[devminor] == b.fields[devminor];
}

std::string_view type_name(uint32_t mode_bits)
{
    switch (mode_bits & type_mask) {
    case 0010000: return "FIFO";
    case 0020000: return "character device";
    case 0060000: return "block device";
    case 0140000: return "socket";
    default: return "unknown type";
    }
}

// The name in quotes, a byte that is not printable ASCII as \xNN, cut at
// 100 bytes: it comes from outside and goes to a console.
void write_name(kstd::Sink& sink, std::string_view name)
{
    constexpr size_t max_shown = 100;
    const std::string_view shown = name.substr(0, max_shown);
    sink.write("\"");
    size_t plain = 0;
    for (size_t i = 0; i < shown.size(); ++i) {
        const auto c = static_cast<unsigned char>(shown[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            continue;
        sink.write(shown.substr(plain, i - plain));
        kstd::format_to(sink, "\\x{:02x}", c);
        plain = i + 1;
    }
    sink.write(shown.substr(plain));
    sink.write(name.size() > max_shown ? "\"..." : "\"");
}

} // namespace

std::string_view to_string(Problem problem)
{
    switch (problem) {
    case Problem::HeaderPastEnd: return "the archive ends inside a header (truncated)";
    case Problem::NoTrailer: return "the archive ends without a TRAILER!!! entry (truncated)";
    case Problem::BadMagic: return "bad magic (a newc header starts with 070701 or 070702)";
    case Problem::BadHexDigit: return "a non-hex digit in header field";
    case Problem::NameSizeZero: return "name size 0 (it counts the name's NUL)";
    case Problem::NamePastEnd: return "the name runs past the end of the archive";
    case Problem::NameNotTerminated: return "the name's last byte is not NUL";
    case Problem::NameHasNul: return "a NUL inside the name";
    case Problem::EmptyName: return "an empty name";
    case Problem::DataPastEnd: return "the data runs past the end of the archive";
    case Problem::BadMode: return "mode bits above 0177777";
    case Problem::UnsupportedType: return "a file type the kernel does not take";
    case Problem::DirectoryWithData: return "a directory with data";
    case Problem::RootNotDirectory: return "the root \".\" is not a directory";
    case Problem::DotDotComponent: return "a \"..\" component (outside the archive's root)";
    case Problem::BadComponent: return "an empty or \".\" component (not a canonical path)";
    case Problem::DuplicateName: return "the same path as an earlier entry";
    case Problem::TrailingGarbage: return "a non-zero byte after the trailer";
    case Problem::NotFound: return "no such entry";
    }
    return "unknown cpio problem";
}

void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec&)
{
    sink.write("cpio: ");
    const bool named = !error.name.empty() || error.problem == Problem::NotFound;
    if (named)
        write_name(sink, error.name);
    if (error.problem != Problem::NotFound)
        kstd::format_to(sink, "{}at offset {:#x}", named ? " " : "", error.offset);
    kstd::format_to(sink, ": {}", to_string(error.problem));
    switch (error.problem) {
    case Problem::BadHexDigit:
        kstd::format_to(sink, " {}", error.field ? error.field : "?");
        break;
    case Problem::NamePastEnd: kstd::format_to(sink, " (name size {:#x})", error.value); break;
    case Problem::DataPastEnd:
    case Problem::DirectoryWithData: kstd::format_to(sink, " (file size {:#x})", error.value); break;
    case Problem::BadMode: kstd::format_to(sink, " (mode 0{:o})", error.value); break;
    case Problem::UnsupportedType:
        kstd::format_to(sink, " ({}, mode 0{:o})", type_name(static_cast<uint32_t>(error.value)), error.value);
        break;
    case Problem::DuplicateName: kstd::format_to(sink, " (at offset {:#x})", error.value); break;
    default: break;
    }
}

std::string_view Entry::text() const
{
    // std::byte and char are both one byte, and any object may be read through char.
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

kstd::Expected<Archive, Error> Archive::open(std::span<const std::byte> bytes)
{
    size_t count = 0;
    for (uint64_t offset = 0;;) {
        const Record record = TRY(read_record(bytes, offset));
        if (record.trailer) {
            for (uint64_t at = record.next; at < bytes.size(); ++at) {
                if (bytes[at] != std::byte{0})
                    return fail(Problem::TrailingGarbage, at);
            }
            return Archive(bytes, offset, count);
        }
        for (uint64_t earlier = 0; earlier < offset;) {
            const Record other = checked_record(bytes, earlier);
            if (other.name == record.name)
                return fail(Problem::DuplicateName, offset, record.raw_name, earlier);
            earlier = other.next;
        }
        ++count;
        offset = record.next;
    }
}

kstd::Expected<Entry, Error> Archive::find(std::string_view path) const
{
    std::string_view wanted = strip_root(path);
    if (wanted.empty())
        wanted = ".";
    for (uint64_t offset = 0; offset != m_trailer;) {
        const Record record = checked_record(m_bytes, offset);
        if (record.name == wanted) {
            uint64_t next;
            return entry_at(offset, next);
        }
        offset = record.next;
    }
    return fail(Problem::NotFound, 0, path);
}

Entry Archive::entry_at(uint64_t offset, uint64_t& next) const
{
    const Record record = checked_record(m_bytes, offset);
    next = record.next;
    Entry entry = entry_of(record, offset);
    if (!entry.is_regular() || entry.nlink < 2 || !entry.data.empty())
        return entry;
    // A hard link whose data was written with another link: GNU cpio writes
    // it with the last, other writers with the first.
    for (uint64_t at = 0; at != m_trailer;) {
        const Record other = checked_record(m_bytes, at);
        if ((other.fields[mode] & type_mask) == type_regular && same_file(record, other) && !other.data.empty()) {
            entry.data = other.data;
            break;
        }
        at = other.next;
    }
    return entry;
}

Archive::Iterator::Iterator(const Archive* archive, uint64_t offset) : m_archive(archive), m_offset(offset)
{
    if (m_offset != m_archive->m_trailer)
        m_entry = m_archive->entry_at(m_offset, m_next);
}

Archive::Iterator& Archive::Iterator::operator++()
{
    *this = Iterator(m_archive, m_next);
    return *this;
}

} // namespace fs::cpio

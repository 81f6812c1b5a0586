#pragma once
// Names on FAT: the 8.3 short name every entry has, and the VFAT long name
// some carry in the entries before it (Microsoft's fatgen103, section 7,
// "FAT Long Directory Entries").
//
// A long name is up to 255 UCS-2 characters, 13 to an entry of attribute
// 0x0F, stored last part first; each such entry holds the checksum of the
// short name it belongs to, so a long name left over from a deleted or
// renamed file (an old tool that knew no long names) is recognised and
// ignored. The code here keeps names as UTF-8 and compares them ASCII
// case-insensitively, as FAT does (it folds only what it knows).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fs::fat {

inline constexpr size_t max_long_name = 255;             // UCS-2 characters
inline constexpr size_t max_name_bytes = max_long_name * 3; // as UTF-8 (the BMP takes at most 3 bytes)
inline constexpr size_t chars_per_long_entry = 13;

// fatgen103 7: the rotate-right-and-add sum over the 11 bytes of a short name.
uint8_t short_name_checksum(const uint8_t name[11]);

// A short name (11 bytes, space padded, "FOO     TXT") as text: "FOO.TXT".
// NT's case flags (byte 12 of the entry: 0x08 the base in lower case, 0x10
// the extension) are applied as Windows and Linux show them. Returns the
// length; `out` takes 12 bytes.
size_t short_name_text(const uint8_t name[11], uint8_t case_flags, char out[12]);

enum class ShortFit : uint8_t {
    Exact,      // already an upper-case 8.3 name: no long name needed
    CaseOnly,   // a valid 8.3 name once upper-cased: keep the long name for the case
    Lossy,      // needs a numeric tail ("LONGNA~1.TXT") and a long name
};
// The short name's basis for a new entry (fatgen103 7, "The Basis-Name
// Generation Algorithm"), in `out`, and how well it fits the name.
ShortFit short_name_basis(std::string_view name, uint8_t out[11]);
// The basis with "~N" put in the name part (shortened to make room).
void add_numeric_tail(uint8_t name[11], uint32_t number);

// A name a new entry may take: 1 to 255 characters of valid UTF-8 in the
// BMP, none of "*/:<>?\| or a control character, not "." or "..", not
// ending in a dot or a space.
bool valid_long_name(std::string_view name);

// UTF-8 to UCS-2; false if invalid or longer than 255 characters.
bool utf8_to_ucs2(std::string_view text, uint16_t out[max_long_name], size_t& count);
// UCS-2 to UTF-8 (an unpaired surrogate as U+FFFD); `out` takes
// 3 * count bytes. Returns the length.
size_t ucs2_to_utf8(const uint16_t* chars, size_t count, char* out);

// ASCII case-insensitive equality, FAT's comparison of names.
bool names_equal(std::string_view a, std::string_view b);

} // namespace fs::fat

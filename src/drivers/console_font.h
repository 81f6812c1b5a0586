#pragma once
// The bitmap font the framebuffer console draws with: a PC Screen Font from
// Debian's console fonts (Lat15-Fixed16 unless CMake's CONSOLE_FONT says
// otherwise), turned into C++ at build time by tools/psf_to_cpp.py
// (build/generated/console_font.cpp defines console_font()). The screendump
// test (tools/screen_compare.py) reads the same PSF file, so what the kernel
// draws and what the test expects come from one source.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace drivers {

struct ConsoleFont {
    struct Mapping {
        char32_t code_point;
        uint16_t glyph;
    };

    std::string_view name; // the font file's name without .psf.gz
    uint8_t width;         // pixels
    uint8_t height;
    uint8_t bytes_per_row; // (width + 7) / 8; the leftmost pixel is the top bit of a row's first byte
    uint16_t glyph_count;
    uint16_t replacement;  // the glyph for a code point the font lacks (U+FFFD's, else '?')
    const uint8_t* bitmaps;      // glyph_count * height * bytes_per_row bytes
    const uint16_t* low_glyphs;  // the glyph of each code point 0-255
    std::span<const Mapping> high_glyphs; // code points above 255, sorted

    size_t glyph_bytes() const { return size_t{height} * bytes_per_row; }
    std::span<const uint8_t> glyph(uint16_t index) const
    {
        return {bitmaps + size_t{index < glyph_count ? index : replacement} * glyph_bytes(), glyph_bytes()};
    }
    // The glyph that shows `code_point` (the replacement glyph if none does).
    uint16_t glyph_for(char32_t code_point) const
    {
        if (code_point < 256)
            return low_glyphs[code_point];
        size_t low = 0, high = high_glyphs.size();
        while (low < high) {
            const size_t middle = low + (high - low) / 2;
            if (high_glyphs[middle].code_point < code_point)
                low = middle + 1;
            else
                high = middle;
        }
        return low < high_glyphs.size() && high_glyphs[low].code_point == code_point ? high_glyphs[low].glyph
                                                                                    : replacement;
    }
};

// The font compiled into the kernel.
const ConsoleFont& console_font();

} // namespace drivers

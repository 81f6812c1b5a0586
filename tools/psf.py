"""Reading PC Screen Fonts (PSF1 and PSF2, plain or gzip), the format of the
Linux console's fonts (/usr/share/consolefonts, Debian's console-setup-linux).

PSF1: a 4-byte header (magic 36 04, mode, bytes per glyph), 256 or 512 glyphs
8 pixels wide, then, with mode bit 1, a Unicode table: for each glyph its
code points as 16-bit little-endian numbers, 0xFFFE before sequences (which
we skip), 0xFFFF at the end.
PSF2: a 32-byte header (magic 72 b5 4a 86, version, header size, flags,
glyph count, bytes per glyph, height, width), the glyphs, rows padded to
whole bytes, then with flag 1 a Unicode table: per glyph UTF-8 text, 0xFE
before sequences, 0xFF at the end.

Anything malformed raises PsfError with what is wrong and where: the build
fails with that message instead of compiling a broken font into the kernel.
Python 3 standard library only; tools/psf_to_cpp.py and
tools/screen_compare.py share it.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

PSF1_MAGIC = b"\x36\x04"
PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_MODESEQ = 0x04
PSF2_HAS_UNICODE_TABLE = 0x01
MAX_GLYPHS = 4096
MAX_WIDTH = 32   # what the kernel's renderer draws (4 bytes per glyph row)
MAX_HEIGHT = 64


class PsfError(Exception):
    pass


@dataclass
class Font:
    name: str
    width: int
    height: int
    glyphs: list[bytes]                 # each height * bytes_per_row bytes, rows top first, MSB leftmost
    unicode: dict[int, int] = field(default_factory=dict)  # code point -> glyph (first glyph wins)

    @property
    def bytes_per_row(self) -> int:
        return (self.width + 7) // 8

    def glyph_for(self, code_point: int) -> int:
        """The glyph shown for a code point: its own, else U+FFFD's, else '?'s, else glyph 0."""
        for candidate in (code_point, 0xFFFD, ord("?")):
            if candidate in self.unicode:
                return self.unicode[candidate]
        return 0

    def pixel(self, glyph: int, x: int, y: int) -> bool:
        row = self.glyphs[glyph][y * self.bytes_per_row:(y + 1) * self.bytes_per_row]
        return bool(row[x // 8] & (0x80 >> (x % 8)))


def load(path: Path) -> Font:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PsfError(f"{path}: cannot read: {error.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise PsfError(f"{path}: not a valid gzip file: {error}") from None
    name = path.name
    for suffix in (".gz", ".psfu", ".psf"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return parse(raw, name, str(path))


def parse(data: bytes, name: str, where: str = "font") -> Font:
    if data[:2] == PSF1_MAGIC:
        return _parse_psf1(data, name, where)
    if data[:4] == PSF2_MAGIC:
        return _parse_psf2(data, name, where)
    raise PsfError(f"{where}: not a PSF font (magic bytes {data[:4].hex(' ') or 'missing'}; "
                   "expected 36 04 for PSF1 or 72 b5 4a 86 for PSF2)")


def _parse_psf1(data: bytes, name: str, where: str) -> Font:
    if len(data) < 4:
        raise PsfError(f"{where}: PSF1 header is cut short ({len(data)} of 4 bytes)")
    mode, charsize = data[2], data[3]
    if mode & ~(PSF1_MODE512 | PSF1_MODEHASTAB | PSF1_MODESEQ):
        raise PsfError(f"{where}: PSF1 mode {mode:#x} has unknown bits")
    if not 1 <= charsize <= MAX_HEIGHT:
        raise PsfError(f"{where}: PSF1 glyph height {charsize} is outside 1..{MAX_HEIGHT}")
    count = 512 if mode & PSF1_MODE512 else 256
    end = 4 + count * charsize
    if len(data) < end:
        raise PsfError(f"{where}: PSF1 glyphs are cut short: {count} glyphs of {charsize} bytes need "
                       f"{end} bytes, the file has {len(data)}")
    glyphs = [data[4 + i * charsize: 4 + (i + 1) * charsize] for i in range(count)]
    font = Font(name, 8, charsize, glyphs)
    if mode & (PSF1_MODEHASTAB | PSF1_MODESEQ):
        _psf1_table(data, end, font, where)
    return font


def _psf1_table(data: bytes, at: int, font: Font, where: str) -> None:
    for glyph in range(len(font.glyphs)):
        in_sequence = False
        while True:
            if at + 2 > len(data):
                raise PsfError(f"{where}: PSF1 Unicode table ends inside glyph {glyph}'s entry "
                               f"(no 0xFFFF terminator by byte {len(data)})")
            (value,) = struct.unpack_from("<H", data, at)
            at += 2
            if value == 0xFFFF:
                break
            if value == 0xFFFE:
                in_sequence = True
            elif not in_sequence:
                font.unicode.setdefault(value, glyph)


def _parse_psf2(data: bytes, name: str, where: str) -> Font:
    if len(data) < 32:
        raise PsfError(f"{where}: PSF2 header is cut short ({len(data)} of 32 bytes)")
    _, version, header_size, flags, count, charsize, height, width = struct.unpack_from("<4sIIIIIII", data)
    if version != 0:
        raise PsfError(f"{where}: PSF2 version {version} is unknown (expected 0)")
    if header_size < 32 or header_size > len(data):
        raise PsfError(f"{where}: PSF2 header size {header_size} is outside 32..{len(data)}")
    if not 1 <= count <= MAX_GLYPHS:
        raise PsfError(f"{where}: PSF2 glyph count {count} is outside 1..{MAX_GLYPHS}")
    if not 1 <= width <= MAX_WIDTH or not 1 <= height <= MAX_HEIGHT:
        raise PsfError(f"{where}: PSF2 glyph size {width}x{height} is outside 1..{MAX_WIDTH} x 1..{MAX_HEIGHT}")
    if charsize != height * ((width + 7) // 8):
        raise PsfError(f"{where}: PSF2 bytes per glyph {charsize} does not match {width}x{height} "
                       f"({height * ((width + 7) // 8)} expected)")
    end = header_size + count * charsize
    if len(data) < end:
        raise PsfError(f"{where}: PSF2 glyphs are cut short: {count} glyphs of {charsize} bytes need "
                       f"{end} bytes, the file has {len(data)}")
    glyphs = [data[header_size + i * charsize: header_size + (i + 1) * charsize] for i in range(count)]
    font = Font(name, width, height, glyphs)
    if flags & PSF2_HAS_UNICODE_TABLE:
        _psf2_table(data, end, font, where)
    return font


def _psf2_table(data: bytes, at: int, font: Font, where: str) -> None:
    for glyph in range(len(font.glyphs)):
        terminator = data.find(b"\xff", at)
        if terminator < 0:
            raise PsfError(f"{where}: PSF2 Unicode table ends inside glyph {glyph}'s entry (no 0xFF terminator)")
        entry = data[at:terminator]
        at = terminator + 1
        single = entry.split(b"\xfe", 1)[0]  # sequences (after 0xFE) are skipped
        try:
            text = single.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PsfError(f"{where}: PSF2 Unicode table entry of glyph {glyph} is not UTF-8: {error}") from None
        for character in text:
            font.unicode.setdefault(ord(character), glyph)

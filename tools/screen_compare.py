#!/usr/bin/env python3
"""screen_compare.py SCREEN.ppm --font FONT.psf.gz --expect SPEC.json

Checks a QEMU screendump (PPM, as QMP's 'screendump' writes it) of the
framebuffer console against what the font says the screen must look like.
SPEC.json lists what the kernel wrote, in order, with its colours:

    {"writes": [{"fg": 11, "bg": 0, "text": "title\\n"},
                {"fg": 7, "bg": 0, "text": "line {i}\\n", "repeat": 60}]}

(`repeat` writes the text that many times, {i} counting from 0). The tool
plays the writes on a console of its own with the kernel's rules (cells of
the font's size from the top left, wrapping at the last column, scrolling
at the last row, \\r, \\t, \\b, UTF-8, the 16 VGA colours, black margins,
the cursor an underline over the bottom eighth of its cell in the cell's
foreground colour), renders that from the PSF file, and compares pixel by
pixel. Exit status 0 when every pixel matches; 1 with the first differing
cell (row, column, what was expected, what the screen shows there) and
the number of differing cells; 2 for a bad file. Python 3 standard library
only (tools/psf.py reads the font).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import psf  # noqa: E402

VGA_RGB = [0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
           0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF]
VGA_NAMES = ["black", "blue", "green", "cyan", "red", "magenta", "brown", "light gray", "dark gray",
             "light blue", "light green", "light cyan", "light red", "light magenta", "yellow", "white"]


class CompareError(Exception):
    pass


def read_ppm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the RGB bytes of a binary PPM (P6, maxval 255)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CompareError(f"{path}: cannot read: {error.strerror}") from None
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:
        while at < len(data) and data[at:at + 1].isspace():
            at += 1
        if at < len(data) and data[at:at + 1] == b"#":
            at = data.find(b"\n", at) + 1 or len(data)
            continue
        start = at
        while at < len(data) and not data[at:at + 1].isspace():
            at += 1
        if start == at:
            raise CompareError(f"{path}: PPM header is cut short")
        fields.append(data[start:at])
    at += 1  # the one whitespace byte before the pixels
    if fields[0] != b"P6":
        raise CompareError(f"{path}: not a binary PPM (magic {fields[0]!r}, expected P6)")
    try:
        width, height, maxval = (int(f) for f in fields[1:])
    except ValueError:
        raise CompareError(f"{path}: PPM header has a non-number: {fields[1:]}") from None
    if maxval != 255:
        raise CompareError(f"{path}: PPM maxval {maxval} (only 255 is read)")
    pixels = data[at:at + width * height * 3]
    if len(pixels) != width * height * 3:
        raise CompareError(f"{path}: {width}x{height} PPM has {len(pixels)} of {width * height * 3} pixel bytes")
    return width, height, pixels


class Console:
    """The kernel's framebuffer console, cells only (src/drivers/framebuffer_console.cpp)."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.fg, self.bg = 7, 0
        self.cells = [[(" ", 7, 0) for _ in range(columns)] for _ in range(rows)]
        self.row = self.column = 0

    def blank(self):
        return (" ", self.fg, self.bg)

    def write(self, text: str) -> None:
        for character in text:
            self.put(character)

    def put(self, character: str) -> None:
        if character == "\n":
            self.newline()
        elif character == "\r":
            self.column = 0
        elif character == "\t":
            self.put(" ")
            while self.column % 8:
                self.put(" ")
        elif character == "\b":
            if self.column > 0:
                self.column -= 1
                self.cells[self.row][self.column] = self.blank()
        else:
            self.cells[self.row][self.column] = (character, self.fg, self.bg)
            self.column += 1
            if self.column == self.columns:
                self.newline()

    def newline(self) -> None:
        self.column = 0
        if self.row + 1 < self.rows:
            self.row += 1
            return
        self.cells.pop(0)
        self.cells.append([self.blank() for _ in range(self.columns)])


def play(spec: dict, columns: int, rows: int) -> Console:
    console = Console(columns, rows)
    for write in spec.get("writes", []):
        console.fg, console.bg = int(write.get("fg", 7)), int(write.get("bg", 0))
        if not (0 <= console.fg < 16 and 0 <= console.bg < 16):
            raise CompareError(f"colours must be 0-15: {write}")
        text = write["text"]
        for i in range(int(write.get("repeat", 1))):
            console.write(text.replace("{i}", str(i)) if "repeat" in write else text)
    return console


def cell_pixels(font: psf.Font, cell, cursor: bool) -> list[int]:
    """The cell's pixels as 0xRRGGBB, rows top first."""
    character, fg, bg = cell
    glyph = font.glyph_for(ord(character))
    cursor_from = font.height - max(1, font.height // 8) if cursor else font.height
    return [VGA_RGB[fg] if y >= cursor_from or font.pixel(glyph, x, y) else VGA_RGB[bg]
            for y in range(font.height) for x in range(font.width)]


def shown_glyph(font: psf.Font, pixels: list[int], fg: int) -> str:
    """What a cell on the screen looks like: the character whose glyph has
    exactly the pixels of colour `fg`, if any."""
    lit = [p == VGA_RGB[fg] for p in pixels]
    for code_point, glyph in sorted(font.unicode.items()):
        if all(lit[y * font.width + x] == font.pixel(glyph, x, y)
               for y in range(font.height) for x in range(font.width)):
            return repr(chr(code_point))
    colours = sorted({f"#{p:06x}" for p in pixels})
    return "no glyph of the font in that colour (colours there: " + ", ".join(colours[:4]) + ")"


def compare(screen: Path, font: psf.Font, spec: dict) -> tuple[bool, list[str]]:
    width, height, data = read_ppm(screen)
    columns, rows = width // font.width, height // font.height
    if columns == 0 or rows == 0:
        raise CompareError(f"{screen}: {width}x{height} holds no {font.width}x{font.height} cell")
    console = play(spec, columns, rows)

    def pixel(x: int, y: int) -> int:
        at = (y * width + x) * 3
        return data[at] << 16 | data[at + 1] << 8 | data[at + 2]

    report = [f"screen {width}x{height}: {columns}x{rows} cells of {font.name} {font.width}x{font.height}"]
    wrong_cells = []
    for row in range(rows):
        for column in range(columns):
            cursor = (row, column) == (console.row, console.column)
            expected = cell_pixels(font, console.cells[row][column], cursor)
            got = [pixel(column * font.width + x, row * font.height + y)
                   for y in range(font.height) for x in range(font.width)]
            if got != expected:
                wrong_cells.append((row, column, expected, got))
    margin_wrong = [(x, y) for y in range(height) for x in range(width)
                    if (x >= columns * font.width or y >= rows * font.height) and pixel(x, y) != 0]
    if wrong_cells:
        row, column, expected, got = wrong_cells[0]
        character, fg, bg = console.cells[row][column]
        first = next(i for i in range(len(got)) if got[i] != expected[i])
        x, y = column * font.width + first % font.width, row * font.height + first // font.width
        report.append(f"first differing cell: row {row}, column {column}: expected {character!r} "
                      f"{VGA_NAMES[fg]} on {VGA_NAMES[bg]}; the screen shows {shown_glyph(font, got, fg)}")
        report.append(f"  {sum(1 for a, b in zip(expected, got) if a != b)} of {len(got)} pixels differ, the "
                      f"first at ({x}, {y}): expected #{expected[first]:06x}, got #{got[first]:06x}")
        report.append(f"{len(wrong_cells)} cell(s) differ")
    if margin_wrong:
        x, y = margin_wrong[0]
        report.append(f"{len(margin_wrong)} margin pixel(s) are not black, the first at ({x}, {y}): #{pixel(x, y):06x}")
    if not wrong_cells and not margin_wrong:
        report.append(f"every pixel matches ({columns * rows} cells, cursor at row {console.row}, "
                      f"column {console.column})")
    return not wrong_cells and not margin_wrong, report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="screen_compare.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("screen", type=Path, help="QEMU screendump (PPM)")
    parser.add_argument("--font", type=Path, required=True, help="the PSF font the kernel was built with")
    parser.add_argument("--expect", type=Path, required=True, help="JSON list of what the kernel wrote")
    args = parser.parse_args(argv)
    try:
        font = psf.load(args.font)
        try:
            spec = json.loads(args.expect.read_text())
        except (OSError, ValueError) as error:
            raise CompareError(f"{args.expect}: {error}") from None
        same, report = compare(args.screen, font, spec)
    except (psf.PsfError, CompareError) as error:
        print(f"screen_compare: {error}", file=sys.stderr)
        return 2
    for line in report:
        print(f"screen_compare: {line}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

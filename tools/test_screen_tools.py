"""Checks of the console font tool (psf.py, psf_to_cpp.py) and the screendump
comparison (screen_compare.py) on made-up files: malformed fonts and PPMs
give clear errors, a PSF2 font reads as a PSF1 one does, a rendered screen
matches itself and a changed one is caught at its first differing cell.
Run by CTest (screen.tools_selftest) from tools/."""

import gzip
import json
import struct
import tempfile
import unittest
from pathlib import Path

import psf
import psf_to_cpp
import screen_compare


def psf1(glyph_height=16, count=256, table=True):
    glyphs = bytearray()
    for i in range(count):
        glyphs += bytes([(i + row) & 0xFF for row in range(glyph_height)])
    data = bytes([0x36, 0x04, (0x02 if table else 0) | (0x01 if count == 512 else 0), glyph_height]) + glyphs
    if table:
        for i in range(count):
            data += struct.pack("<HH", i, 0xFFFF)
    return data


def psf2(width=8, height=16, count=256):
    row = (width + 7) // 8
    header = struct.pack("<4sIIIIIII", psf.PSF2_MAGIC, 0, 32, 1, count, height * row, height, width)
    glyphs = b"".join(bytes([(i + r) & 0xFF for r in range(height * row)]) for i in range(count))
    table = b"".join(chr(i).encode() + b"\xff" for i in range(count))
    return header + glyphs + table


class PsfTests(unittest.TestCase):
    def test_psf1_and_psf2_read_alike(self):
        one = psf.parse(psf1(), "one")
        two = psf.parse(psf2(), "two")
        self.assertEqual((one.width, one.height, len(one.glyphs)), (8, 16, 256))
        self.assertEqual(one.glyphs, two.glyphs)
        self.assertEqual(one.unicode, two.unicode)
        self.assertEqual(one.glyph_for(ord("A")), 65)

    def test_malformed_fonts_say_what_is_wrong(self):
        cases = [
            (b"\x00\x01\x02\x03", "not a PSF font"),
            (psf1()[:100], "PSF1 glyphs are cut short"),
            (psf1()[:-1], "PSF1 Unicode table ends inside glyph 255"),
            (psf1(glyph_height=0), "PSF1 glyph height 0 is outside"),
            (psf2()[:20], "PSF2 header is cut short"),
            (psf2(width=40), "PSF2 glyph size 40x16 is outside"),
            (psf2()[:-1], "PSF2 Unicode table ends inside glyph 255"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(psf.PsfError) as raised:
                    psf.parse(data, "bad", "bad.psf")
                self.assertIn(message, str(raised.exception))

    def test_the_tool_fails_with_the_message(self):
        with tempfile.TemporaryDirectory() as work:
            bad = Path(work) / "bad.psf.gz"
            bad.write_bytes(gzip.compress(psf1()[:100]))
            self.assertEqual(psf_to_cpp.main([str(bad), str(Path(work) / "out.cpp")]), 1)
            self.assertFalse((Path(work) / "out.cpp").exists())
            broken = Path(work) / "broken.psf.gz"
            broken.write_bytes(b"\x1f\x8b\x08\x00 not gzip")
            with self.assertRaises(psf.PsfError) as raised:
                psf.load(broken)
            self.assertIn("not a valid gzip file", str(raised.exception))
            good = Path(work) / "good.psf.gz"
            good.write_bytes(gzip.compress(psf1()))
            self.assertEqual(psf_to_cpp.main([str(good), str(Path(work) / "out.cpp")]), 0)
            self.assertIn("const ConsoleFont& console_font()", (Path(work) / "out.cpp").read_text())


class CompareTests(unittest.TestCase):
    def render(self, font, spec, width, height):
        """A PPM of what the spec's screen looks like (the tool's own rendering)."""
        console = screen_compare.play(spec, width // font.width, height // font.height)
        pixels = [0] * (width * height)
        for row in range(console.rows):
            for column in range(console.columns):
                cell = screen_compare.cell_pixels(font, console.cells[row][column],
                                                  (row, column) == (console.row, console.column))
                for i, value in enumerate(cell):
                    pixels[(row * font.height + i // font.width) * width + column * font.width + i % font.width] = value
        body = b"".join(bytes([p >> 16, p >> 8 & 0xFF, p & 0xFF]) for p in pixels)
        return f"P6\n{width} {height}\n255\n".encode() + body

    def test_a_screen_matches_itself_and_a_change_is_found(self):
        font = psf.parse(psf1(), "made-up")
        spec = {"writes": [{"fg": 7, "bg": 0, "text": "line {i}\n", "repeat": 5}, {"fg": 14, "bg": 1, "text": "ok"}]}
        with tempfile.TemporaryDirectory() as work:
            screen = Path(work) / "screen.ppm"
            screen.write_bytes(self.render(font, spec, 84, 50))  # 10x3 cells and margins
            same, report = screen_compare.compare(screen, font, spec)
            self.assertTrue(same, report)
            wrong = json.loads(json.dumps(spec))
            wrong["writes"][1]["text"] = "oK"
            same, report = screen_compare.compare(screen, font, wrong)
            self.assertFalse(same)
            self.assertIn("first differing cell: row 2, column 1: expected 'K' yellow on blue; the screen shows 'k'",
                          "\n".join(report))

    def test_a_bad_ppm_is_an_error(self):
        with tempfile.TemporaryDirectory() as work:
            screen = Path(work) / "screen.ppm"
            screen.write_bytes(b"P6\n10 10\n255\n" + bytes(10))
            with self.assertRaises(screen_compare.CompareError) as raised:
                screen_compare.read_ppm(screen)
            self.assertIn("pixel bytes", str(raised.exception))


if __name__ == "__main__":
    unittest.main()

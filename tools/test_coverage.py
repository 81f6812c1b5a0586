"""Tests of tools/coverage.py's host side: the kernel's coverage stream and the
.gcda merger, checked against what libgcov itself writes and merges.

A small C program is compiled with --coverage and run twice with different
arguments, once per fresh .gcda file and once into the same file (libgcov
merges the second run into the first). coverage.py's merge of the two single
runs must give the same bytes as libgcov's merge. CTest: coverage.gcda_stream_and_merge.
"""
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import coverage

PROGRAM = r"""
#include <stdio.h>
static int square(int x) { return x * x; }
int never_called(int a) { return a ? 1 : 2; }
int main(int argc, char **argv) {
    int sum = 0;
    for (int i = 0; i < argc * 3; i++)
        sum += square(i);
    if (argc > 2)
        puts("many");
    return sum > 100000;
}
"""


def stream_of(files, chunk=5):
    """A kernel stream (ktest/coverage/gcov_dump.cpp) holding these files."""
    out = bytearray(coverage.STREAM_MAGIC)
    for name, body in files:
        out += b"F" + len(name).to_bytes(4, "little") + name.encode()
        for start in range(0, len(body), chunk):
            piece = body[start:start + chunk]
            out += b"D" + len(piece).to_bytes(4, "little") + piece
    out += b"E" + len(files).to_bytes(4, "little")
    return bytes(out)


class GcdaFromLibgcov(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="kestrel-coverage-test-"))
        (cls.dir / "p.c").write_text(PROGRAM)
        subprocess.run(["gcc", "--coverage", "-O0", "p.c", "-o", "p"], cwd=cls.dir, check=True)
        gcda = cls.dir / "p.gcda"

        def run(*args):
            subprocess.run([str(cls.dir / "p"), *args], cwd=cls.dir, check=True, capture_output=True)

        run("a", "b", "c")
        cls.first = gcda.read_bytes()
        gcda.unlink()
        run()
        cls.second = gcda.read_bytes()
        gcda.unlink()
        run("a", "b", "c")
        run()
        cls.merged_by_libgcov = gcda.read_bytes()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_a_file_reads_and_writes_back_unchanged(self):
        gcda = coverage.parse_gcda(self.first, "first")
        self.assertEqual(gcda.runs, 1)
        self.assertIn(0, [max(f.arcs, default=0) for f in gcda.functions if f],
                      "never_called's counters are all zero (a negative length)")
        self.assertEqual(coverage.write_gcda(gcda), self.first)

    def test_merge_equals_libgcov_merge(self):
        merged = coverage.merge_gcda(coverage.parse_gcda(self.first), coverage.parse_gcda(self.second))
        self.assertEqual(merged.runs, 2)
        self.assertEqual(coverage.write_gcda(merged), self.merged_by_libgcov)

    def test_streams_merge_per_file(self):
        # __gcov_info_to_gcda writes no object summary: strip it as the kernel's data lacks it.
        def without_summary(data):
            return data[:16] + data[16 + 16:]

        name = str(self.dir / "p.gcda")
        merged = coverage.merge_streams([
            ("kernel-1", stream_of([(name, without_summary(self.first))])),
            ("kernel-2", stream_of([(name, without_summary(self.second))], chunk=4096)),
        ])
        self.assertEqual(list(merged), [name])
        self.assertEqual(coverage.write_gcda(merged[name]), self.merged_by_libgcov)

    def test_a_comdat_function_counts_where_it_was_linked(self):
        gcda = coverage.parse_gcda(self.first)
        placeholder = coverage.parse_gcda(self.first)
        placeholder.functions[0] = None  # this link used another object's copy
        merged = coverage.merge_gcda(placeholder, gcda)
        self.assertEqual(merged.functions[0], gcda.functions[0])

    def test_different_compilations_do_not_merge(self):
        other = coverage.parse_gcda(self.second)
        other.stamp ^= 1
        with self.assertRaisesRegex(coverage.GcdaError, "different compilations"):
            coverage.merge_gcda(coverage.parse_gcda(self.first), other)


class Stream(unittest.TestCase):
    FILES = [("/tree/a.gcda", bytes(range(40))), ("/tree/b.gcda", b"\x01\x02\x03\x04")]

    def test_round_trip(self):
        self.assertEqual(coverage.read_stream(stream_of(self.FILES, chunk=7)), self.FILES)

    def test_a_stream_cut_short_is_an_error(self):
        data = stream_of(self.FILES)
        for cut in (len(data) - 5, len(data) - 1, len(data) // 2, 8):
            with self.assertRaisesRegex(coverage.StreamError, "cut short"):
                coverage.read_stream(data[:cut])

    def test_no_stream_at_all(self):
        with self.assertRaisesRegex(coverage.StreamError, "magic"):
            coverage.read_stream(b"")

    def test_end_record_counts_the_files(self):
        data = stream_of(self.FILES)[:-4] + (3).to_bytes(4, "little")
        with self.assertRaisesRegex(coverage.StreamError, "counts 3"):
            coverage.read_stream(data)

    def test_folders_of_src(self):
        rows = coverage.folder_table({"files": [
            {"filename": "src/mem/heap/bump_allocator.cpp", "line_covered": 3, "line_total": 4},
            {"filename": "src/mem/frames.cpp", "line_covered": 1, "line_total": 4},
            {"filename": "src/arch/x86_64/cpu.h", "line_covered": 2, "line_total": 2},
        ]})
        self.assertEqual(rows, [("src/arch", 2, 2), ("src/mem", 4, 8), ("total", 6, 10)])
        table = coverage.format_table({"kernels": rows, "host": rows[1:]})
        self.assertIn("| `src/mem/` | 50.0 % (4/8) | 50.0 % (4/8) |", table)
        self.assertIn("| `src/arch/` | 100.0 % (2/2) | - |", table)


if __name__ == "__main__":
    unittest.main()

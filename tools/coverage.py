#!/usr/bin/env python3
"""coverage.py: line coverage of src/ from the test kernels and the host tests.

`make coverage` builds the coverage tree (cmake -DKESTREL_COVERAGE=ON, see
cmake/Coverage.cmake) and then runs this:

 1. asks CTest in the coverage tree for its kernel tests (unit.ktest,
    unit.ktest_without_no_execute, unit.ktest_through_grub (the multiboot2
    path), integration.*, should_panic.*, the UBSan and KASAN detectors; the shuffled
    and repeated runs execute the same code again) and runs each command with
    QEMU's debugcon port written to a file (--qemu-arg=-debugcon);
 2. reads each kernel's stream (the format is in ktest/coverage/gcov_dump.cpp),
    merges the counters of all kernels per object and writes the .gcda files
    where the compiler put the .gcno files (GCC 12 has no `gcov-tool
    merge-stream`; that came in GCC 13, so the reader and merger are here);
 3. runs the host tests, built with --coverage (libgcov writes their .gcda);
 4. has gcovr render HTML (OUT/index.html) and a JSON summary, and prints the
    line coverage of each folder of src/ and in total (*_tests.cpp and *_bench.cpp excluded).

    tools/coverage.py --tree build/coverage-tree --out build/coverage
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- The stream from the kernel ---------------------------------------------

STREAM_MAGIC = b"KGCOV\0\0\1"


class StreamError(Exception):
    pass


def read_stream(data: bytes) -> list[tuple[str, bytes]]:
    """(file name, .gcda bytes) for each object in one kernel's stream."""
    if not data.startswith(STREAM_MAGIC):
        raise StreamError("no coverage stream (wrong or missing magic)")
    files: list[tuple[str, bytearray]] = []
    pos = len(STREAM_MAGIC)
    while True:
        if pos + 5 > len(data):
            raise StreamError(f"cut short after {len(files)} file(s), at byte {pos} of {len(data)}")
        kind = data[pos:pos + 1]
        (value,) = struct.unpack_from("<I", data, pos + 1)
        pos += 5
        if kind == b"E":
            if value != len(files):
                raise StreamError(f"end record counts {value} file(s), the stream held {len(files)}")
            if pos != len(data):
                raise StreamError(f"{len(data) - pos} byte(s) after the end record")
            return [(name, bytes(body)) for name, body in files]
        if kind not in (b"F", b"D"):
            raise StreamError(f"unknown record {kind!r} at byte {pos - 5}")
        if pos + value > len(data):
            raise StreamError(f"record {kind.decode()} of {value} bytes cut short at byte {pos}")
        payload = data[pos:pos + value]
        pos += value
        if kind == b"F":
            files.append((payload.decode(), bytearray()))
        elif not files:
            raise StreamError("data before the first file name")
        else:
            files[-1][1].extend(payload)


# --- .gcda files (GCC 12: gcc/gcov-io.h) -------------------------------------

GCDA_MAGIC = 0x67636461  # "gcda"
TAG_FUNCTION = 0x01000000
TAG_ARCS = 0x01A10000  # GCOV_TAG_FOR_COUNTER(GCOV_COUNTER_ARCS)
TAG_OBJECT_SUMMARY = 0xA1000000


class GcdaError(Exception):
    pass


@dataclass
class Function:
    ident: int
    lineno_checksum: int
    cfg_checksum: int
    arcs: list[int]


@dataclass
class Gcda:
    version: int
    stamp: int
    checksum: int
    runs: int  # from the object summary; 1 for a kernel's stream, which has none
    sum_max: int
    # One entry per function of the object, in the compiler's order; None where
    # this link used another object's copy (a COMDAT function).
    functions: list[Function | None] = field(default_factory=list)


def parse_gcda(data: bytes, name: str = "") -> Gcda:
    def fail(what: str):
        raise GcdaError(f"{name}: {what}")

    if len(data) < 16 or len(data) % 4:
        fail(f"not a .gcda file ({len(data)} bytes)")
    words = struct.unpack(f"<{len(data) // 4}I", data)
    if words[0] != GCDA_MAGIC:
        fail("not a .gcda file (magic)")
    gcda = Gcda(version=words[1], stamp=words[2], checksum=words[3], runs=0, sum_max=0)
    summary = False
    pos = 4
    while pos < len(words):
        if words[pos] == 0 and pos == len(words) - 1:
            break  # the end-of-file marker
        if pos + 2 > len(words):
            fail("record header cut short")
        tag, length = words[pos], struct.unpack("<i", struct.pack("<I", words[pos + 1]))[0]
        pos += 2
        if tag == TAG_ARCS and length < 0:  # all zero, not streamed (GCC 12)
            body, zeros = (), -length // 8
        else:
            if length < 0 or length % 4 or pos + length // 4 > len(words):
                fail(f"record {tag:#x} has a bad length {length}")
            body, zeros = words[pos:pos + length // 4], 0
            pos += length // 4
        if tag == TAG_OBJECT_SUMMARY:
            if len(body) != 2:
                fail("object summary of the wrong size")
            gcda.runs, gcda.sum_max = body
            summary = True
        elif tag == TAG_FUNCTION:
            if len(body) == 0:
                gcda.functions.append(None)
            elif len(body) == 3:
                gcda.functions.append(Function(*body, arcs=[]))
            else:
                fail("function record of the wrong size")
        elif tag == TAG_ARCS:
            function = gcda.functions[-1] if gcda.functions else None
            if function is None or function.arcs:
                fail("arc counters outside a function")
            if zeros:
                function.arcs = [0] * zeros
            else:
                function.arcs = [lo | hi << 32 for lo, hi in zip(body[0::2], body[1::2])]
        else:
            # Value-profile counters (top-N, indirect calls, ...) need their
            # own merge rules; -fprofile-arcs alone never makes them.
            fail(f"unsupported record {tag:#x} (only arc counters are merged)")
    if not summary:
        gcda.runs = 1
        gcda.sum_max = max((max(f.arcs, default=0) for f in gcda.functions if f), default=0)
    return gcda


def merge_gcda(a: Gcda, b: Gcda, name: str = "") -> Gcda:
    """Two runs of the same object summed, as libgcov merges into a file."""
    if (a.version, a.stamp, a.checksum) != (b.version, b.stamp, b.checksum):
        raise GcdaError(f"{name}: the runs come from different compilations")
    if len(a.functions) != len(b.functions):
        raise GcdaError(f"{name}: {len(a.functions)} functions in one run, {len(b.functions)} in the other")
    merged = Gcda(a.version, a.stamp, a.checksum, a.runs + b.runs, a.sum_max + b.sum_max)
    for fa, fb in zip(a.functions, b.functions):
        if fa is None or fb is None:
            merged.functions.append(fa or fb)
            continue
        if (fa.ident, fa.lineno_checksum, fa.cfg_checksum, len(fa.arcs)) != \
                (fb.ident, fb.lineno_checksum, fb.cfg_checksum, len(fb.arcs)):
            raise GcdaError(f"{name}: function {fa.ident} differs between the runs")
        merged.functions.append(Function(fa.ident, fa.lineno_checksum, fa.cfg_checksum,
                                         [x + y for x, y in zip(fa.arcs, fb.arcs)]))
    return merged


def write_gcda(gcda: Gcda) -> bytes:
    """The bytes libgcov would write (all-zero counters as a negative length)."""
    words = [GCDA_MAGIC, gcda.version, gcda.stamp, gcda.checksum,
             TAG_OBJECT_SUMMARY, 8, gcda.runs, gcda.sum_max]
    for function in gcda.functions:
        if function is None:
            words += [TAG_FUNCTION, 0]
            continue
        words += [TAG_FUNCTION, 12, function.ident, function.lineno_checksum, function.cfg_checksum]
        if not any(function.arcs):
            words += [TAG_ARCS, (-8 * len(function.arcs)) & 0xFFFFFFFF]
        else:
            words += [TAG_ARCS, 8 * len(function.arcs)]
            for count in function.arcs:
                words += [count & 0xFFFFFFFF, count >> 32]
    words.append(0)  # the end-of-file marker
    return struct.pack(f"<{len(words)}I", *words)


def merge_streams(streams: list[tuple[str, bytes]]) -> dict[str, Gcda]:
    """The kernels' streams (label, bytes) merged per .gcda file name."""
    merged: dict[str, Gcda] = {}
    for label, data in streams:
        try:
            files = read_stream(data)
        except StreamError as error:
            raise StreamError(f"{label}: {error}") from None
        for name, body in files:
            gcda = parse_gcda(body, name)
            merged[name] = merge_gcda(merged[name], gcda, name) if name in merged else gcda
    return merged


# --- The pipeline ---------------------------------------------------------------

# The sanitizer detectors too: their cases fail on purpose (the runner checks
# they fail as expected) and are the only runs of the sanitizers' report paths.
KERNEL_TEST = re.compile(r"^(unit\.ktest|unit\.ktest_without_no_execute|unit\.ktest_through_grub|integration\..+|"
                         r"should_panic\..+|detector\.(ubsan|kasan)_.+)$")


def kernel_tests(tree: Path) -> list[tuple[str, list[str], str]]:
    """(name, command, working directory) of the coverage tree's kernel tests."""
    out = subprocess.run(["ctest", "--show-only=json-v1"], cwd=tree, check=True,
                         capture_output=True, text=True).stdout
    tests = []
    for test in json.loads(out)["tests"]:
        if KERNEL_TEST.match(test["name"]) and "command" in test:
            props = {p["name"]: p["value"] for p in test.get("properties", [])}
            tests.append((test["name"], test["command"], props.get("WORKING_DIRECTORY", str(tree))))
    return tests


def run_kernel(name: str, command: list[str], cwd: str, stream: Path) -> tuple[str, bool, str]:
    # As CTest runs it: test kernels from their ELF, unit.ktest_through_grub
    # from its GRUB ISO (the multiboot2 path).
    command = command + ["--quiet", "--color", "never", "--qemu-arg=-debugcon", f"--qemu-arg=file:{stream}"]
    stream.unlink(missing_ok=True)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    return name, result.returncode == 0, result.stdout + result.stderr


def write_gcda_files(merged: dict[str, Gcda], tree: Path) -> None:
    for name, gcda in merged.items():
        path = Path(name).resolve()
        if tree not in path.parents or path.suffix != ".gcda":
            raise GcdaError(f"{name}: not a .gcda file in the coverage tree {tree}")
        path.write_bytes(write_gcda(gcda))


def folder_of(filename: str) -> str:
    parts = Path(filename).parts
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def folder_table(summary: dict) -> list[tuple[str, int, int]]:
    """(folder of src/, lines covered, lines) from gcovr's JSON summary, total last."""
    folders: dict[str, list[int]] = {}
    for entry in summary["files"]:
        counts = folders.setdefault(folder_of(entry["filename"]), [0, 0])
        counts[0] += entry["line_covered"]
        counts[1] += entry["line_total"]
    rows = [(folder, *counts) for folder, counts in sorted(folders.items())]
    rows.append(("total", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    return rows


def format_table(columns: dict[str, list[tuple[str, int, int]]]) -> str:
    """A Markdown table: one row per folder, one column per folder_table."""
    def cell(counts: tuple[int, int] | None) -> str:
        if not counts or not counts[1]:
            return "-"
        return f"{100.0 * counts[0] / counts[1]:.1f} % ({counts[0]}/{counts[1]})"

    by_column = {title: {folder: (covered, total) for folder, covered, total in rows}
                 for title, rows in columns.items()}
    folders = [folder for folder, _, _ in next(iter(columns.values()))]
    lines = ["| folder | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for folder in folders:
        label = "**total**" if folder == "total" else f"`{folder}/`"
        lines.append(f"| {label} | " + " | ".join(cell(by_column[t].get(folder)) for t in columns) + " |")
    return "\n".join(lines)


def gcovr(args: list[str]) -> None:
    result = subprocess.run(["gcovr", "--root", str(ROOT)] + args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"gcovr {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def report(tree: Path, out: Path, host: bool, jobs: int) -> dict[str, list[tuple[str, int, int]]]:
    """gcovr: the kernels' and the host tests' coverage as JSON, merged into
    the HTML report; the folder table of each and of both."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    select = ["--filter", re.escape(str(ROOT / "src")) + "/", "--exclude", r".*_(tests|bench)\.cpp$"]
    host_dir = tree / "tests" / "host"
    parts = {"kernels": ([str(tree), "--exclude-directories", re.escape(str(host_dir)) + "$"], out / "kernels.json")}
    if host:
        parts["host tests"] = ([str(host_dir)], out / "host.json")
    for search, json_file in parts.values():
        gcovr(search + select + ["--json", str(json_file), "-j", str(jobs)])
    traces = [arg for _, json_file in parts.values() for arg in ("--add-tracefile", str(json_file))]
    gcovr(traces + select + ["--html-details", str(out / "index.html"),
                             "--html-title", "Kestrel: line coverage of src/",
                             "--json-summary", str(out / "summary.json")])
    columns = {}
    for title, (_, json_file) in parts.items():
        summary = json_file.with_suffix(".summary.json")
        gcovr(["--add-tracefile", str(json_file), "--json-summary", str(summary)] + select)
        columns[title] = folder_table(json.loads(summary.read_text()))
    columns["both"] = folder_table(json.loads((out / "summary.json").read_text()))
    return columns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, required=True, help="the coverage build tree (KESTREL_COVERAGE=ON)")
    parser.add_argument("--out", type=Path, required=True, help="where the HTML report goes")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    tree, out = args.tree.resolve(), args.out.resolve()
    start = time.monotonic()

    for old in tree.rglob("*.gcda"):
        old.unlink()
    streams_dir = tree / "coverage-streams"
    shutil.rmtree(streams_dir, ignore_errors=True)
    streams_dir.mkdir()

    tests = kernel_tests(tree)
    if not tests:
        print(f"coverage: no kernel tests in {tree} (configured with -DKESTREL_COVERAGE=ON?)", file=sys.stderr)
        return 1
    failed = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(run_kernel, name, command, cwd, streams_dir / f"{name}.bin")
                for name, command, cwd in tests]
        for job in jobs:
            name, ok, output = job.result()
            if not ok:
                failed.append(name)
                print(f"coverage: {name} did not pass under coverage:\n{output}", file=sys.stderr)
    streams = [(name, (streams_dir / f"{name}.bin").read_bytes()) for name, _, _ in tests
               if (streams_dir / f"{name}.bin").exists()]
    missing = [name for name, _, _ in tests if not (streams_dir / f"{name}.bin").exists()]
    if missing:
        print(f"coverage: no stream from {', '.join(missing)}", file=sys.stderr)
        return 1
    merged = merge_streams(streams)
    write_gcda_files(merged, tree)
    stream_bytes = sum(len(data) for _, data in streams)
    print(f"coverage: {len(tests)} kernels, {stream_bytes // 1024} KiB of counters, "
          f"{len(merged)} .gcda files ({time.monotonic() - start:.1f} s)")

    host_tests = tree / "tests" / "host" / "host-tests"
    if host_tests.exists():
        result = subprocess.run([str(host_tests), "--gtest_brief=1"], cwd=host_tests.parent,
                                capture_output=True, text=True)
        if result.returncode != 0:
            failed.append("host-tests")
            print(f"coverage: host tests failed:\n{result.stdout}{result.stderr}", file=sys.stderr)
        print(f"coverage: host tests run ({time.monotonic() - start:.1f} s)")
    else:
        print("coverage: no host tests (GoogleTest missing?): kernel coverage only", file=sys.stderr)

    try:
        columns = report(tree, out, host_tests.exists(), args.jobs)
    except RuntimeError as error:
        print(f"coverage: {error}", file=sys.stderr)
        return 1
    print(f"\nLine coverage of src/ (*_tests.cpp and *_bench.cpp excluded): {len(tests)} test kernels, "
          f"the host tests, both; {time.monotonic() - start:.0f} s\n")
    print(format_table(columns))
    print(f"\nHTML: {out / 'index.html'}")
    if failed:
        print(f"coverage: these did not pass: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

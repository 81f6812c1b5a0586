#!/usr/bin/env python3
"""kunit_crosscheck.py --kunit KUNIT_PY (IMAGE | --saved LOG JSON) [--cut-between-suites] [-- RUNNER ARGS]

Linux's own KTAP reader must read our kernels' reports as our runner does.
Boots IMAGE with tools/runner.py (saving COM1 and the runner's JSON), then
has `kunit.py parse --json` (tools/testing/kunit from Debian's linux-source,
unpacked by tools/setup.sh) read the same log, and compares (--saved: the
COM1 log and the runner's --json of a run CTest already made, nothing is
booted again):

  - passed, failed and skipped cases;
  - cases announced but never reported (kunit.py: "crashed"; the runner:
    its `missing` count);
  - the overall verdict (kunit.py's exit status; the runner's pass/fail).

--cut-between-suites first cuts the log right after the second suite's
result line, as a kernel dying between two suites leaves it, and compares on
that (the runner re-reads the cut log with `runner.py parse`). Exit 0 when
everything agrees; otherwise the differences are printed.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "runner.py"
TOP_RESULT = re.compile(r"^(?:not ok|ok) \d+ ")


def kunit_counts(node: dict, counts: dict[str, int]) -> dict[str, int]:
    for case in node.get("test_cases", []):
        counts[case["status"]] = counts.get(case["status"], 0) + 1
    for group in node.get("sub_groups", []):
        kunit_counts(group, counts)
    return counts


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kunit", type=Path, required=True, help="path of Linux's tools/testing/kunit/kunit.py")
    p.add_argument("image", type=Path, nargs="?")
    p.add_argument("--saved", nargs=2, type=Path, metavar=("LOG", "JSON"),
                   help="a saved COM1 log and the runner's JSON of that run, instead of booting IMAGE")
    p.add_argument("--cut-between-suites", action="store_true")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if not args.kunit.exists():
        print(f"kunit-crosscheck: {args.kunit} does not exist; tools/setup.sh unpacks it from Debian's "
              "linux-source package")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        log, ours, theirs = Path(tmp) / "com1.log", Path(tmp) / "runner.json", Path(tmp) / "kunit.json"
        if args.saved:
            for source, copy in zip(args.saved, (log, ours)):
                if source.exists():
                    copy.write_bytes(source.read_bytes())
        elif args.image:
            subprocess.run([sys.executable, str(RUNNER), str(args.image), "--quiet", "--color", "never",
                            "--log", str(log), "--json", str(ours), *extra], capture_output=True, timeout=300)
        if not log.exists() or not ours.exists():
            print("kunit-crosscheck: the runner wrote no log or JSON")
            return 1
        if args.cut_between_suites:
            lines = log.read_text().splitlines()
            ends = [i for i, line in enumerate(lines) if TOP_RESULT.match(line)]
            if len(ends) < 3:
                print(f"kunit-crosscheck: need at least 3 suites to cut between two, the log has {len(ends)}")
                return 1
            log.write_text("\n".join(lines[:ends[1] + 1]) + "\n")
            subprocess.run([sys.executable, str(RUNNER), "parse", str(log), "--color", "never", "--json", str(ours)],
                           capture_output=True, timeout=60)
        kunit = subprocess.run([sys.executable, str(args.kunit), "parse", f"--json={theirs}", str(log)],
                               capture_output=True, text=True, timeout=120)
        if not theirs.exists():
            print("kunit-crosscheck: kunit.py wrote no JSON:\n" + kunit.stdout + kunit.stderr)
            return 1
        mine = json.loads(ours.read_text())["kestrel"]
        counts = kunit_counts(json.loads(theirs.read_text()), {})

    seen = {
        "passed": (mine["counts"]["passed"], counts.get("PASS", 0)),
        "failed": (mine["counts"]["failed"], counts.get("FAIL", 0)),
        "skipped": (mine["counts"]["skipped"], counts.get("SKIP", 0)),
        "never reported": (mine["counts"]["missing"], counts.get("ERROR", 0)),
        "verdict": ("pass" if mine["passed"] else "fail", "pass" if kunit.returncode == 0 else "fail"),
    }
    width = max(len(k) for k in seen)
    print(f"{'':{width}}  runner  kunit.py")
    for key, (a, b) in seen.items():
        print(f"{key:{width}}  {str(a):>6}  {str(b):>8}{'' if a == b else '   <- differs'}")
    if all(a == b for a, b in seen.values()):
        print("kunit-crosscheck: kunit.py agrees with the runner")
        return 0
    print("kunit-crosscheck: kunit.py and the runner DISAGREE; kunit.py said:\n" + kunit.stdout[-3000:])
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ktap_crosscheck.py IMAGE pass|fail [runner options]
   ktap_crosscheck.py --saved LOG JSON pass|fail

Boots IMAGE with tools/runner.py, saves COM1 (or, with --saved, takes the
COM1 log and the runner's --json of a run CTest already made), and has an
independent reader,
Perl's TAP::Parser (Debian's perl package), read the same KTAP. KTAP version 1
is TAP-compatible at the top level (subtests are indented, which TAP readers
skip), so TAP::Parser must find the plan, every top-level result, no parse
error, and the same pass/fail outcome as our runner. Exit 0 when they agree
with each other and with the expected outcome.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TAP_READER = r'''
use TAP::Parser;
local $/; my $text = <STDIN>;
my $p = TAP::Parser->new({ tap => $text });
while (my $r = $p->next) {}
printf "planned=%d run=%d passed=%d failed=%d parse_errors=%d\n",
    $p->tests_planned // -1, $p->tests_run, scalar($p->passed), scalar($p->failed), scalar($p->parse_errors);
print "error: $_\n" for $p->parse_errors;
'''


def main() -> int:
    runner_report = ""
    if sys.argv[1] == "--saved":
        log, saved_json, expected = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
        if not log.exists() or not saved_json.exists():
            print(f"crosscheck: {log} or {saved_json} is missing (the CTest run that writes them failed?)")
            return 1
        runner_passed = json.loads(saved_json.read_text())["kestrel"]["passed"]
        tap = subprocess.run(["perl", "-e", TAP_READER], input=log.read_text(), capture_output=True, text=True)
    else:
        image, expected, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "com1.log"
            runner = subprocess.run([sys.executable, str(ROOT / "tools/runner.py"), image, "--quiet", "--color",
                                     "never", "--log", str(log)] + extra, capture_output=True, text=True)
            runner_passed, runner_report = runner.returncode == 0, runner.stdout
            tap = subprocess.run(["perl", "-e", TAP_READER], input=log.read_text(), capture_output=True, text=True)
    print(tap.stdout + tap.stderr, end="")
    fields = dict(item.split("=") for item in tap.stdout.split("\n")[0].split())
    planned, run, failed, errors = (int(fields[k]) for k in ("planned", "run", "failed", "parse_errors"))
    problems = []
    if errors:
        problems.append("TAP::Parser found parse errors")
    if planned <= 0 or planned != run:
        problems.append(f"TAP::Parser saw a plan of {planned} and {run} results")
    tap_passed = failed == 0 and not errors
    if tap_passed != runner_passed:
        problems.append(f"runner says {'pass' if runner_passed else 'fail'}, TAP::Parser says "
                        f"{'pass' if tap_passed else 'fail'}")
    if tap_passed != (expected == "pass"):
        problems.append(f"expected {expected}")
    for problem in problems:
        print(f"crosscheck: {problem}")
    if problems and runner_report:
        print("crosscheck: the runner's report:")
        print(runner_report)
    if not problems:
        print(f"crosscheck: TAP::Parser and runner.py agree: {expected}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

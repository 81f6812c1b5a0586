"""What a run reports: the summary on the terminal, JUnit XML (one
testcase per KTEST case) and JSON in the shape `kunit.py parse --json` writes
(Linux's tools/testing/kunit/kunit_json.py), so tools that read KUnit
results read ours."""

from __future__ import annotations

from pathlib import Path

from .ktap import Case
from .qemu import RunResult, triple_fault_state
from .symbolize import symbolize
from .verdict import Verdict


class Output:
    def __init__(self, color: bool, quiet: bool) -> None:
        self.color = color
        self.quiet = quiet

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def serial(self, line: str) -> None:
        if self.quiet:
            return
        stripped = line.strip()
        if stripped.startswith("not ok") or stripped.startswith("PANIC"):
            line = self.paint(line, "31")
        elif stripped.startswith("ok"):
            line = self.paint(line, "32")
        elif stripped.startswith("#"):
            line = self.paint(line, "2")
        print(line, flush=True)

    def note(self, text: str) -> None:
        print(text, flush=True)


def clip(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[:limit] + f"... ({len(line) - limit} more characters)"


def print_summary(out: Output, name: str, result: RunResult, elf: Path | None) -> None:
    report, outcome = result.report, result.outcome
    passed, failed, skipped = report.counts()
    good = outcome.verdict.passing
    colour = "32" if good else "31"
    out.note("")
    out.note(out.paint(f"=== {name}: {outcome.verdict.value.upper()}", colour + ";1")
             + f" in {result.seconds:.2f} s (QEMU start to exit)")
    if outcome.reason:
        out.note(f"    {outcome.reason}")
    if report.cases:
        out.note(f"    cases: {passed} passed, {failed} failed, {skipped} skipped")
    for case in report.cases:
        if case.status == "failed":
            out.note(out.paint(f"  not ok {case.full_name}", "31"))
            for line in symbolize(case.diagnostics, elf):
                out.note(f"      {clip(line)}")
    if outcome.culprit and outcome.verdict in (Verdict.TIMEOUT, Verdict.TRIPLE_FAULT, Verdict.FAILED):
        running = report.running
        if running is not None and running.diagnostics:
            out.note(f"  {running.full_name} printed before it stopped:")
            for line in symbolize(running.diagnostics, elf):
                out.note(f"      {clip(line)}")
    if report.panic_lines and outcome.verdict != Verdict.SHOULD_PANIC_PASSED:
        out.note("  kernel panic:")
        for line in symbolize(report.panic_lines, elf):
            out.note(f"    {line}")
    if outcome.verdict == Verdict.TRIPLE_FAULT:
        out.note("  CPU state at the last exception (QEMU -d int):")
        for line in symbolize(triple_fault_state(result.qemu_log_tail), elf):
            out.note(f"    {line}")
        out.note("  debug it: tools/runner.py IMAGE --gdb, or read docs/testing.md")
    if outcome.verdict == Verdict.TIMEOUT:
        out.note("  debug it: tools/runner.py IMAGE --gdb --filter CASE, then interrupt gdb to see where it spins")
    if outcome.verdict == Verdict.QEMU_FAILED and result.stderr:
        out.note("  QEMU said: " + result.stderr.strip())
    if report.listed:
        out.note(f"  {len(report.listed)} case(s):")
        for entry in report.listed:
            out.note(f"    {entry}")


def write_junit(path: Path, name: str, result: RunResult) -> None:
    import xml.etree.ElementTree as ET  # imported when used: start-up time
    report, outcome = result.report, result.outcome
    suites: dict[str, list[Case]] = {}
    for case in report.cases:
        suites.setdefault(case.suite or name, []).append(case)
    root = ET.Element("testsuites", name=name, time=f"{result.seconds:.3f}")
    for suite_name, cases in suites.items():
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(cases)),
                              failures=str(sum(c.status == "failed" for c in cases)),
                              skipped=str(sum(c.status == "skipped" for c in cases)))
        for case in cases:
            element = ET.SubElement(suite, "testcase", classname=suite_name, name=case.name,
                                    time=f"{(case.duration_ms or 0) / 1000:.6f}")
            if case.status == "failed":
                failure = ET.SubElement(element, "failure", message=(case.diagnostics or ["failed"])[0])
                failure.text = "\n".join(case.diagnostics)
            elif case.status == "skipped":
                ET.SubElement(element, "skipped", message=case.skip_reason)
    if not outcome.verdict.passing and not any(c.status == "failed" for c in report.cases):
        # The failure is the run's, not a case's (timeout, triple fault, panic...).
        suite = ET.SubElement(root, "testsuite", name=name, tests="1", failures="1", skipped="0")
        element = ET.SubElement(suite, "testcase", classname=name, name=outcome.culprit or "run",
                                time=f"{result.seconds:.3f}")
        failure = ET.SubElement(element, "failure", message=f"{outcome.verdict}: {outcome.reason}")
        failure.text = "\n".join(report.panic_lines)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# kunit_json.py's statuses: TestStatus.SUCCESS, SKIPPED, TEST_CRASHED; the
# rest is FAIL.
_KUNIT_STATUS = {"passed": "PASS", "skipped": "SKIP", "failed": "FAIL", "running": "ERROR"}


def json_result(name: str, result: RunResult) -> dict:
    """The run as kunit.py --json shows a run: one group per suite with its
    cases, under a top group; a case that never finished (the run ended in
    it) is an ERROR, as kunit.py calls a crashed test. Our verdict and
    counts ride along in extra fields."""
    report, outcome = result.report, result.outcome
    common = {"arch": "x86_64", "defconfig": "", "build_environment": "", "lab_name": None, "kernel": None,
              "job": None, "git_branch": "kselftest"}
    groups: dict[str, list[dict]] = {}
    loose: list[dict] = []
    cases = list(report.cases) + ([report.running] if report.running is not None else [])
    for case in cases:
        entry = {"name": case.name, "status": _KUNIT_STATUS[case.status]}
        (groups.setdefault(case.suite, []) if case.suite else loose).append(entry)
    passed, failed, skipped = report.counts()
    top = {
        "name": "KUnit Test Group",
        "sub_groups": [dict({"name": suite, "sub_groups": [], "test_cases": entries}, **common)
                       for suite, entries in groups.items()],
        "test_cases": loose,
        **common,
        "kestrel": {"image": name, "verdict": outcome.verdict.value, "passed": outcome.verdict.passing,
                    "reason": outcome.reason, "culprit": outcome.culprit,
                    "counts": {"passed": passed, "failed": failed, "skipped": skipped,
                               "missing": report.missing()},
                    "seconds": round(result.seconds, 3)},
    }
    return top


def write_json(path: Path, name: str, result: RunResult) -> None:
    import json  # imported when used: start-up time

    text = json.dumps(json_result(name, result), indent=4)
    if str(path) == "-":
        print(text)
    else:
        path.write_text(text + "\n")

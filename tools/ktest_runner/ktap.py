"""The KTAP reader: KTAP version 1 as our kernels print it (one level of
subtests, one per suite), read line by line while the kernel runs, so the
runner always knows which case is running."""

from __future__ import annotations

import re
import time


# Plain classes, not dataclasses: importing dataclasses (and inspect with it)
# cost a tenth of the runner's start-up, which every test pays.
class Case:
    __slots__ = ("suite", "name", "status", "duration_ms", "diagnostics", "skip_reason", "slow")

    def __init__(self, suite: str, name: str, slow: bool = False) -> None:
        self.suite = suite
        self.name = name
        self.status = "running"  # passed | failed | skipped | running
        self.duration_ms: float | None = None
        self.diagnostics: list[str] = []
        self.skip_reason = ""
        self.slow = slow

    @property
    def full_name(self) -> str:
        return f"{self.suite}.{self.name}" if self.suite else self.name


RESULT_RE = re.compile(r"^(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$")
PLAN_RE = re.compile(r"^1\.\.(\d+)")
RUN_RE = re.compile(r"^# RUN (\S+)(.*)$")
TOOK_RE = re.compile(r"^# (\S+) took ([\d.]+) ms$")
TOTALS_RE = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)")


class KtapReport:
    """Reads KTAP version 1 as our kernels print it (one level of subtests,
    one per suite), incrementally, so the runner always knows which case is
    running. Unknown lines are kept but otherwise ignored, as KTAP allows."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.version_seen = False
        self.top_plan: int | None = None
        # The line that came right after the top-level version line (None: none
        # yet). Our kernels print the plan there, as KTAP readers expect.
        self.after_version: str | None = None
        self._awaiting_after_version = False
        self.top_results: list[tuple[bool, int, str]] = []
        self.suites: list[dict] = []  # {"name", "plan", "results"}
        self.cases: list[Case] = []
        self.running: Case | None = None
        self.running_since: float | None = None
        self.totals: tuple[int, int, int, int] | None = None
        self.panic_lines: list[str] = []  # a kernel panic outside any case
        self.in_panic = False
        self.did_not_panic = False
        self.should_panic_ok = False
        self.listed: list[str] = []
        self._suite: dict | None = None

    def feed(self, raw: str) -> None:
        self.lines.append(raw)
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if self.in_panic and raw.startswith("  ") and not line.startswith(("# ", "KTAP")):
            self.panic_lines.append(raw)
            return
        self.in_panic = False
        if raw.startswith("PANIC"):
            self.panic_lines.append(raw)
            self.in_panic = True
            return
        if not line:
            return
        if self._awaiting_after_version:
            self.after_version = raw
            self._awaiting_after_version = False
        if line == "KTAP version 1":
            if indent == 0:
                self.version_seen = True
                self._awaiting_after_version = True
            else:
                self._suite = {"name": None, "plan": None, "results": 0}
                self.suites.append(self._suite)
            return
        if line.startswith("# Subtest:") and self._suite is not None:
            self._suite["name"] = line.split(":", 1)[1].strip()
            return
        plan = PLAN_RE.match(line)
        if plan:
            if indent == 0:
                self.top_plan = int(plan.group(1))
            elif self._suite is not None:
                self._suite["plan"] = int(plan.group(1))
            return
        run = RUN_RE.match(line)
        if run:
            full = run.group(1)
            suite, _, name = full.rpartition(".")
            self.running = Case(suite=suite if indent else "", name=name if indent else full,
                                slow="[slow]" in run.group(2))
            self.running_since = time.monotonic()
            return
        took = TOOK_RE.match(line)
        if took and self.running is not None:
            self.running.duration_ms = float(took.group(2))
            return
        totals = TOTALS_RE.match(line)
        if totals:
            self.totals = tuple(int(g) for g in totals.groups())  # type: ignore[assignment]
            return
        if line.startswith("# case "):
            self.listed.append(line[len("# case "):])
            return
        # Verdict lines of a should-panic kernel (top level, not a case's diagnostics).
        if indent == 0 and line.startswith("# did not panic"):
            self.did_not_panic = True
        if indent == 0 and line.startswith("# should-panic: panicked as expected"):
            self.should_panic_ok = True
        result = RESULT_RE.match(line)
        if result:
            ok = result.group(1) == "ok"
            number = int(result.group(2))
            name = (result.group(3) or "").strip()
            skipped = result.group(4) == "SKIP"
            nested = indent > 0
            if nested and self._suite is not None:
                self._suite["results"] += 1
            if not nested:
                self.top_results.append((ok, number, name))
            # A case result: nested lines, or a top-level line of a binary
            # without suites (the should-panic kernels).
            if nested or (self.running is not None and not self.running.suite):
                case = self.running if self.running is not None and self.running.name == name else \
                    Case(suite=(self._suite or {}).get("name") or "" if nested else "", name=name)
                case.status = "skipped" if skipped else ("passed" if ok else "failed")
                case.skip_reason = (result.group(5) or "").strip() if skipped else ""
                self.cases.append(case)
                self.running = None
                self.running_since = None
            return
        if line.startswith("#") and self.running is not None:
            self.running.diagnostics.append(line)

    # What is missing for the report to be whole, or None.
    def incomplete_reason(self) -> str | None:
        if not self.version_seen:
            return "no 'KTAP version 1' line"
        if self.top_plan is None:
            return "no test plan (1..N)"
        if len(self.top_results) != self.top_plan:
            return f"the plan announced {self.top_plan} top-level result(s) but {len(self.top_results)} arrived"
        for suite in self.suites:
            if suite["plan"] is None:
                return f"suite {suite['name']} has no plan"
            if suite["results"] != suite["plan"]:
                return (f"suite {suite['name']} announced {suite['plan']} case(s) "
                        f"but {suite['results']} result(s) arrived")
        return None

    # A top-level plan that is there but not on the line right after the
    # version line, or None. Readers such as older versions of Linux's kunit.py
    # look for the plan only there: past a diagnostic line they never see it,
    # and then take a report cut between two suites for a whole one.
    def misplaced_plan_reason(self) -> str | None:
        if not self.version_seen or self.top_plan is None:
            return None
        if self.after_version is not None and PLAN_RE.match(self.after_version):
            return None
        return f"the test plan (1..N) is not on the line after 'KTAP version 1' (that line: {self.after_version!r})"

    def missing(self) -> int:
        """Cases announced but never reported, counted as Linux's kunit.py
        counts crashed tests: the missing cases of each suite that started,
        and one for each announced suite that never started."""
        inside = sum(max(0, (suite["plan"] or 0) - suite["results"]) for suite in self.suites)
        never_started = max(0, (self.top_plan or 0) - len(self.suites)) if self.suites or self.top_plan else 0
        return inside + never_started

    def counts(self) -> tuple[int, int, int]:
        passed = sum(c.status == "passed" for c in self.cases)
        failed = sum(c.status == "failed" for c in self.cases)
        skipped = sum(c.status == "skipped" for c in self.cases)
        return passed, failed, skipped

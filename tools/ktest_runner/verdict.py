"""The verdicts, and classify(): the one place that turns what a run showed
(the KTAP report, QEMU's exit status, a timeout, a reset) into a verdict."""

from __future__ import annotations

import enum

from .ktap import KtapReport

EXIT_PASSED = 33  # isa-debug-exit value 0x10: (0x10 << 1) | 1
EXIT_FAILED = 35  # isa-debug-exit value 0x11


class Verdict(str, enum.Enum):
    """A run's verdict. The values are what the summary prints; being a str
    enum, a verdict also compares equal to its text."""
    PASSED = "passed"
    FAILED = "failed"
    PANIC = "panic"
    SHOULD_PANIC_PASSED = "should-panic passed"
    DID_NOT_PANIC = "did not panic"
    TRIPLE_FAULT = "triple fault"
    TIMEOUT = "timeout"
    QEMU_FAILED = "qemu failed to start"
    OUTPUT_MATCHED = "output matched"

    def __str__(self) -> str:
        return self.value

    @property
    def passing(self) -> bool:
        return self in (Verdict.PASSED, Verdict.SHOULD_PANIC_PASSED, Verdict.OUTPUT_MATCHED)


# --expect NAME: the verdict a detector test must get.
EXPECT_NAMES = {
    "pass": Verdict.PASSED,
    "failed": Verdict.FAILED,
    "panic": Verdict.PANIC,
    "should-panic": Verdict.SHOULD_PANIC_PASSED,
    "did-not-panic": Verdict.DID_NOT_PANIC,
    "triple-fault": Verdict.TRIPLE_FAULT,
    "timeout": Verdict.TIMEOUT,
    "qemu-failed": Verdict.QEMU_FAILED,
    "output": Verdict.OUTPUT_MATCHED,
}


class Outcome:
    __slots__ = ("verdict", "reason", "culprit")

    def __init__(self, verdict: Verdict, reason: str = "", culprit: str | None = None) -> None:
        self.verdict = verdict
        self.reason = reason
        self.culprit = culprit  # the case running at a timeout or triple fault


def classify(report: KtapReport, exit_status: int | None, *, timed_out: str | None = None,
             triple_fault: bool = False, qemu_error: str | None = None, matched: bool = False,
             should_panic: bool = False, expected_exit: int | None = None) -> Outcome:
    """The verdict from everything we saw. exit_status None: a saved log.
    expected_exit (--expect-exit): once every --match pattern appeared, QEMU
    must exit by itself with this status (a kernel that powers off)."""
    culprit = report.running.full_name if report.running else None
    if qemu_error is not None:
        return Outcome(Verdict.QEMU_FAILED, qemu_error)
    if matched and expected_exit is not None:
        if timed_out is not None:
            return Outcome(Verdict.TIMEOUT, f"every --match pattern appeared, but QEMU did not exit by itself "
                                            f"({timed_out})", culprit)
        if exit_status != expected_exit:
            return Outcome(Verdict.FAILED, f"every --match pattern appeared, but QEMU exited with status "
                                           f"{exit_status}, not {expected_exit}", culprit)
        return Outcome(Verdict.OUTPUT_MATCHED,
                       f"every --match pattern appeared and QEMU exited by itself with status {exit_status}")
    if matched:
        return Outcome(Verdict.OUTPUT_MATCHED, "every --match pattern appeared")
    if timed_out is not None:
        return Outcome(Verdict.TIMEOUT, timed_out, culprit)
    if triple_fault:
        where = f"while {culprit} was running" if culprit else "outside any test case"
        return Outcome(Verdict.TRIPLE_FAULT, f"the CPU reset (triple fault) {where}", culprit)
    if exit_status == 0:
        return Outcome(Verdict.FAILED, "QEMU exited with status 0: the machine shut down or reset without "
                                       "reporting through isa-debug-exit", culprit)
    if exit_status is not None and exit_status not in (EXIT_PASSED, EXIT_FAILED):
        return Outcome(Verdict.FAILED, f"QEMU exited with unexpected status {exit_status}", culprit)

    panicked = bool(report.panic_lines)
    if should_panic or report.should_panic_ok or report.did_not_panic:
        if report.did_not_panic and not panicked:
            return Outcome(Verdict.DID_NOT_PANIC, "the should-panic body returned without panicking")
        if panicked and report.should_panic_ok and exit_status in (EXIT_PASSED, None):
            return Outcome(Verdict.SHOULD_PANIC_PASSED, "panicked with the expected message")
        if panicked:
            return Outcome(Verdict.FAILED, "panicked, but not with the expected message")
        if not report.lines:
            return Outcome(Verdict.FAILED, "no output on COM1")
    if panicked:
        return Outcome(Verdict.PANIC, report.panic_lines[0].strip(), culprit)
    if not report.lines:
        return Outcome(Verdict.FAILED, "no output on COM1")
    misplaced = report.misplaced_plan_reason()
    if misplaced:
        return Outcome(Verdict.FAILED, f"KTAP output malformed: {misplaced}", culprit)
    if report.listed and report.top_plan == 0:
        return Outcome(Verdict.PASSED, f"listed {len(report.listed)} case(s)")
    incomplete = report.incomplete_reason()
    if incomplete:
        return Outcome(Verdict.FAILED, f"KTAP output incomplete: {incomplete}", culprit)
    passed, failed, skipped = report.counts()
    if failed or any(not ok for ok, _, _ in report.top_results):
        names = ", ".join(c.full_name for c in report.cases if c.status == "failed")
        return Outcome(Verdict.FAILED, f"{failed} case(s) failed: {names}" if names else "a suite failed")
    if exit_status == EXIT_FAILED:
        return Outcome(Verdict.FAILED, "the kernel reported failure (exit status 35) although every case passed")
    if report.top_plan == 0:
        return Outcome(Verdict.FAILED, "no test case ran")
    return Outcome(Verdict.PASSED, f"{passed} passed, {skipped} skipped")

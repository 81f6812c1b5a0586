#!/usr/bin/env python3
"""Boot one Kestrel kernel image in QEMU, follow its KTAP report on COM1, and
give a verdict.

    tools/runner.py build/ktest/ktest-kernel.iso              run the unit tests
    tools/runner.py build/ktest/ktest-kernel.iso --filter 'format.*'
    tools/runner.py IMAGE --expect timeout --case-timeout 3   a detector test
    tools/runner.py parse serial.log --elf kernel.elf         re-read a saved log

Verdicts: passed, failed, panic, should-panic passed, did not panic, triple
fault, timeout, qemu failed to start, output matched. The exit status is 0
only when the verdict is the expected one (by default: passed). QEMU's own
exit status 0 (a shutdown, or a reset under -no-reboot) never means pass:
test kernels end QEMU through isa-debug-exit with status 33 (pass) or 35
(fail). Python 3 standard library only. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

EXIT_PASSED = 33  # isa-debug-exit value 0x10: (0x10 << 1) | 1
EXIT_FAILED = 35  # isa-debug-exit value 0x11
REPO_ROOT = Path(__file__).resolve().parent.parent
KEYS_READY_MARKER = "ktest: ready for keys"

VERDICTS = {
    "pass": "passed",
    "failed": "failed",
    "panic": "panic",
    "should-panic": "should-panic passed",
    "did-not-panic": "did not panic",
    "triple-fault": "triple fault",
    "timeout": "timeout",
    "qemu-failed": "qemu failed to start",
    "output": "output matched",
}
PASSING_VERDICTS = {"passed", "should-panic passed", "output matched"}


# --- KTAP ---------------------------------------------------------------------------------

@dataclass
class Case:
    suite: str
    name: str
    status: str = "running"  # passed | failed | skipped | running
    duration_ms: float | None = None
    diagnostics: list[str] = field(default_factory=list)
    skip_reason: str = ""
    slow: bool = False

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

    def counts(self) -> tuple[int, int, int]:
        passed = sum(c.status == "passed" for c in self.cases)
        failed = sum(c.status == "failed" for c in self.cases)
        skipped = sum(c.status == "skipped" for c in self.cases)
        return passed, failed, skipped


# --- Verdict ------------------------------------------------------------------------------

@dataclass
class Outcome:
    verdict: str
    reason: str = ""
    culprit: str | None = None  # the case running at a timeout or triple fault


def classify(report: KtapReport, exit_status: int | None, *, timed_out: str | None = None,
             triple_fault: bool = False, qemu_error: str | None = None, matched: bool = False,
             should_panic: bool = False) -> Outcome:
    """The verdict from everything we saw. exit_status None: a saved log."""
    culprit = report.running.full_name if report.running else None
    if qemu_error is not None:
        return Outcome("qemu failed to start", qemu_error)
    if matched:
        return Outcome("output matched", "every --match pattern appeared")
    if timed_out is not None:
        return Outcome("timeout", timed_out, culprit)
    if triple_fault:
        where = f"while {culprit} was running" if culprit else "outside any test case"
        return Outcome("triple fault", f"the CPU reset (triple fault) {where}", culprit)
    if exit_status == 0:
        return Outcome("failed", "QEMU exited with status 0: the machine shut down or reset without "
                                 "reporting through isa-debug-exit", culprit)
    if exit_status is not None and exit_status not in (EXIT_PASSED, EXIT_FAILED):
        return Outcome("failed", f"QEMU exited with unexpected status {exit_status}", culprit)

    panicked = bool(report.panic_lines)
    if should_panic or report.should_panic_ok or report.did_not_panic:
        if report.did_not_panic and not panicked:
            return Outcome("did not panic", "the should-panic body returned without panicking")
        if panicked and report.should_panic_ok and exit_status in (EXIT_PASSED, None):
            return Outcome("should-panic passed", "panicked with the expected message")
        if panicked:
            return Outcome("failed", "panicked, but not with the expected message")
        if not report.lines:
            return Outcome("failed", "no output on COM1")
    if panicked:
        return Outcome("panic", report.panic_lines[0].strip(), culprit)
    if not report.lines:
        return Outcome("failed", "no output on COM1")
    misplaced = report.misplaced_plan_reason()
    if misplaced:
        return Outcome("failed", f"KTAP output malformed: {misplaced}", culprit)
    if report.listed and report.top_plan == 0:
        return Outcome("passed", f"listed {len(report.listed)} case(s)")
    incomplete = report.incomplete_reason()
    if incomplete:
        return Outcome("failed", f"KTAP output incomplete: {incomplete}", culprit)
    passed, failed, skipped = report.counts()
    if failed or any(not ok for ok, _, _ in report.top_results):
        names = ", ".join(c.full_name for c in report.cases if c.status == "failed")
        return Outcome("failed", f"{failed} case(s) failed: {names}" if names else "a suite failed")
    if exit_status == EXIT_FAILED:
        return Outcome("failed", "the kernel reported failure (exit status 35) although every case passed")
    if report.top_plan == 0:
        return Outcome("failed", "no test case ran")
    return Outcome("passed", f"{passed} passed, {skipped} skipped")


# --- Addresses to source lines ------------------------------------------------------------

ADDRESS_RE = re.compile(r"(?:0x|RIP=|pc=)(ffffffff8[0-9a-f]{7})")
BACKTRACE_RE = re.compile(r"#\d+ 0x(ffffffff8[0-9a-f]{7})")


def symbolize(lines: list[str], elf: Path | None) -> list[str]:
    """Appends 'function at file:line' to lines holding kernel addresses:
    return addresses of backtraces are looked up at address-1 (the call)."""
    if elf is None or not elf.exists() or not shutil.which("addr2line"):
        return lines
    wanted: dict[str, int] = {}
    for line in lines:
        for match in ADDRESS_RE.finditer(line):
            wanted[match.group(1)] = int(match.group(1), 16)
        for match in BACKTRACE_RE.finditer(line):
            wanted["bt" + match.group(1)] = int(match.group(1), 16) - 1
    if not wanted:
        return lines
    keys = list(wanted)
    try:
        out = subprocess.run(["addr2line", "-f", "-C", "-p", "-e", str(elf)] + [hex(wanted[k]) for k in keys],
                             capture_output=True, text=True, timeout=20).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return lines
    names = {}
    for key, text in zip(keys, out):
        if text.startswith("??"):
            continue
        text = text.replace(str(REPO_ROOT) + "/", "")
        text = re.sub(r" \(discriminator \d+\)", "", text)
        names[key] = text
    annotated = []
    for line in lines:
        match = BACKTRACE_RE.search(line)
        key = ("bt" + match.group(1)) if match else None
        if key is None:
            match = ADDRESS_RE.search(line)
            key = match.group(1) if match else None
        annotated.append(f"{line}  <- {names[key]}" if key in names else line)
    return annotated


# --- QEMU -------------------------------------------------------------------------------------

def qemu_fw_cfg_string(text: str) -> str:
    # QEMU option values escape ',' by doubling it.
    return text.replace(",", ",,")


def find_build_dir(image: Path) -> Path | None:
    for parent in [image.parent, *image.parents]:
        if (parent / "CMakeCache.txt").exists():
            return parent
    return None


def kvm_works(image: Path) -> bool:
    """A short probe: does the trivial floor kernel boot and exit under KVM?
    On some machines /dev/kvm exists but GRUB hangs under it."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    build = find_build_dir(image)
    floor = build / "tests" / "floor" / "floor.iso" if build else None
    if floor is None or not floor.exists():
        return False
    cache = build / "kvm-probe.txt"
    if cache.exists():
        return cache.read_text().strip() == "works"
    try:
        status = subprocess.run(qemu_base_command(floor, "kvm") + ["-display", "none", "-serial", "null"],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=8).returncode
    except subprocess.TimeoutExpired:
        status = -1
    works = status == EXIT_PASSED
    cache.write_text("works\n" if works else "fails\n")
    return works


def qemu_base_command(iso: Path, accel: str) -> list[str]:
    return ["qemu-system-x86_64", "-accel", accel, "-m", "128M", "-cdrom", str(iso), "-boot", "d",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


class QmpKeySender(threading.Thread):
    """Sends keystrokes through QMP (as the monitor's 'sendkey' command)."""

    def __init__(self, socket_path: Path, keys: list[str], log) -> None:
        super().__init__(daemon=True)
        self.socket_path = socket_path
        self.keys = keys
        self.log = log
        self.start_event = threading.Event()

    def run(self) -> None:
        self.start_event.wait()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(10)
                sock.connect(str(self.socket_path))
                stream = sock.makefile("rw")
                stream.readline()  # greeting
                self._call(stream, '{"execute": "qmp_capabilities"}')
                for key in self.keys:
                    self._call(stream, '{"execute": "human-monitor-command", '
                                       f'"arguments": {{"command-line": "sendkey {key}"}}}}')
                    time.sleep(0.05)
        except OSError as error:
            self.log(f"runner: could not send keys through QMP: {error}")

    @staticmethod
    def _call(stream, command: str) -> None:
        stream.write(command + "\n")
        stream.flush()
        while True:  # skip asynchronous events until the command's answer
            answer = stream.readline()
            if not answer or '"return"' in answer or '"error"' in answer:
                return


@dataclass
class RunResult:
    report: KtapReport
    outcome: Outcome
    seconds: float
    exit_status: int | None
    qemu_log_tail: list[str]
    stderr: str


def run_qemu(args, iso: Path, elf: Path | None, out) -> RunResult:
    accel = args.accel
    if accel == "auto":
        accel = "kvm" if kvm_works(iso) else "tcg"
    workdir = Path(tempfile.mkdtemp(prefix="ktest-runner-"))
    qemu_log = workdir / "qemu.log"
    command = qemu_base_command(iso, accel) + [
        "-display", "none", "-monitor", "none", "-serial", "stdio",
        # cpu_reset logs "Triple fault"; int logs the CPU state at every
        # exception, which is the state shown for a triple fault.
        "-d", "int,cpu_reset", "-D", str(qemu_log),
    ]
    kernel_args = build_kernel_args(args)
    if kernel_args:
        command += ["-fw_cfg", f"name=opt/ktest/args,string={qemu_fw_cfg_string(kernel_args)}"]
    key_sender = None
    if args.send_keys:
        qmp_path = workdir / "qmp.sock"
        command += ["-qmp", f"unix:{qmp_path},server=on,wait=off"]
        key_sender = QmpKeySender(qmp_path, args.send_keys.split(), out.note)
        key_sender.start()
    if args.gdb:
        command += ["-s", "-S"]
        out.note("runner: QEMU waits for a debugger on localhost:1234. In another terminal:")
        out.note(f"    gdb {elf or 'KERNEL.elf'} -ex 'target remote localhost:1234' -ex 'hbreak kernel_start' -ex continue")
    command += args.qemu_arg
    if args.verbose:
        out.note("runner: " + " ".join(command))

    report = KtapReport()
    patterns = [re.compile(p) for p in args.match]
    unmatched = list(patterns)
    matched = threading.Event()
    start = time.monotonic()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except OSError as error:
        shutil.rmtree(workdir, ignore_errors=True)
        return RunResult(report, Outcome("qemu failed to start", str(error)), 0.0, None, [], "")

    lock = threading.Lock()

    def read_serial() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            with lock:
                report.feed(line)
                out.serial(line)
                for pattern in list(unmatched):
                    if pattern.search(line):
                        unmatched.remove(pattern)
                if patterns and not unmatched:
                    matched.set()
            if key_sender is not None and KEYS_READY_MARKER in line:
                key_sender.start_event.set()

    stderr_chunks: list[bytes] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        stderr_chunks.append(process.stderr.read())

    readers = [threading.Thread(target=read_serial, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for reader in readers:
        reader.start()

    timed_out: str | None = None
    deadline = None if args.gdb else start + args.timeout
    while process.poll() is None:
        now = time.monotonic()
        if matched.is_set():
            break
        with lock:
            running, since = report.running, report.running_since
        if deadline is not None and now > deadline:
            timed_out = (f"no verdict after {args.timeout:g} s"
                         + (f"; case {running.full_name} was running" if running else
                            "; no case was running (hang during boot or between cases)"))
            break
        if not args.gdb and running is not None and since is not None:
            limit = args.case_timeout * (args.slow_factor if running.slow else 1)
            if now - since > limit:
                timed_out = f"case {running.full_name} ran longer than its {limit:g} s timeout"
                break
        time.sleep(0.02)
    if process.poll() is None:
        stop(process)
    exit_status = process.wait()
    seconds = time.monotonic() - start
    for reader in readers:
        reader.join(timeout=5)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")

    log_tail = read_tail(qemu_log)
    shutil.rmtree(workdir, ignore_errors=True)
    triple_fault = any(line.strip() == "Triple fault" for line in log_tail)
    qemu_error = None
    if not report.lines and not triple_fault and timed_out is None and exit_status not in (0, EXIT_PASSED, EXIT_FAILED):
        qemu_error = (stderr.strip() or f"QEMU exited with status {exit_status}") + f" (command: {' '.join(command)})"
    outcome = classify(report, exit_status, timed_out=timed_out, triple_fault=triple_fault,
                       qemu_error=qemu_error, matched=matched.is_set(), should_panic=args.expect == "should-panic")
    if timed_out is not None and patterns and unmatched:
        outcome.reason += "; never seen: " + ", ".join(p.pattern for p in unmatched)
    return RunResult(report, outcome, seconds, exit_status, log_tail, stderr)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=2)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def read_tail(path: Path, size: int = 256 * 1024) -> list[str]:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - size))
            return f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def build_kernel_args(args) -> str:
    words = []
    if args.filter:
        words.append(f"ktest.filter={args.filter}")
    if args.list:
        words.append("ktest.list")
    if args.shuffle:
        words.append("ktest.shuffle")
    if args.seed is not None:
        words.append(f"ktest.seed={args.seed}")
    if args.repeat is not None:
        words.append(f"ktest.repeat={args.repeat}")
    if args.skip_slow:
        words.append("ktest.skip_slow")
    return " ".join(words)


def triple_fault_state(log_tail: list[str]) -> list[str]:
    """The exception chain and the CPU state at the last exception before
    QEMU's 'Triple fault' line (from -d int)."""
    names = {0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM", 8: "#DF",
             10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC"}
    try:
        end = max(i for i, line in enumerate(log_tail) if line.strip() == "Triple fault")
    except ValueError:
        return []
    starts = [i for i, line in enumerate(log_tail[:end]) if re.match(r"\s*\d+: v=", line)]
    chain = [int(re.search(r"v=([0-9a-f]+)", log_tail[i]).group(1), 16) for i in starts]
    state = log_tail[starts[-1]:end] if starts else []
    state = [line for line in state if not line.startswith(("XMM", "FPR", "FCW", "check_exception"))]
    chain_text = " -> ".join(names.get(v, f"vector {v}") for v in chain[-3:])
    return ([f"exceptions: {chain_text} -> triple fault"] if chain_text else []) + state


# --- Output ---------------------------------------------------------------------------------

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
    good = outcome.verdict in PASSING_VERDICTS
    colour = "32" if good else "31"
    out.note("")
    out.note(out.paint(f"=== {name}: {outcome.verdict.upper()}", colour + ";1")
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
    if outcome.culprit and outcome.verdict in ("timeout", "triple fault", "failed"):
        running = report.running
        if running is not None and running.diagnostics:
            out.note(f"  {running.full_name} printed before it stopped:")
            for line in symbolize(running.diagnostics, elf):
                out.note(f"      {clip(line)}")
    if report.panic_lines and outcome.verdict != "should-panic passed":
        out.note("  kernel panic:")
        for line in symbolize(report.panic_lines, elf):
            out.note(f"    {line}")
    if outcome.verdict == "triple fault":
        out.note("  CPU state at the last exception (QEMU -d int):")
        for line in symbolize(triple_fault_state(result.qemu_log_tail), elf):
            out.note(f"    {line}")
        out.note("  debug it: tools/runner.py IMAGE --gdb, or read docs/testing.md")
    if outcome.verdict == "timeout":
        out.note("  debug it: tools/runner.py IMAGE --gdb --filter CASE, then interrupt gdb to see where it spins")
    if outcome.verdict == "qemu failed to start" and result.stderr:
        out.note("  QEMU said: " + result.stderr.strip())
    if report.listed:
        out.note(f"  {len(report.listed)} case(s):")
        for entry in report.listed:
            out.note(f"    {entry}")


def write_junit(path: Path, name: str, result: RunResult) -> None:
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
    if outcome.verdict not in PASSING_VERDICTS and not any(c.status == "failed" for c in report.cases):
        # The failure is the run's, not a case's (timeout, triple fault, panic...).
        suite = ET.SubElement(root, "testsuite", name=name, tests="1", failures="1", skipped="0")
        element = ET.SubElement(suite, "testcase", classname=name, name=outcome.culprit or "run",
                                time=f"{result.seconds:.3f}")
        failure = ET.SubElement(element, "failure", message=f"{outcome.verdict}: {outcome.reason}")
        failure.text = "\n".join(report.panic_lines)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def check_expectations(args, result: RunResult, out: Output) -> bool:
    expected = VERDICTS["output" if args.match and args.expect == "pass" else args.expect]
    problems = []
    if result.outcome.verdict != expected:
        problems.append(f"expected verdict '{expected}', got '{result.outcome.verdict}'")
    if args.expect_case and result.outcome.culprit != args.expect_case and not any(
            c.full_name == args.expect_case and c.status == "failed" for c in result.report.cases):
        problems.append(f"expected case {args.expect_case} to be the one failing or running; "
                        f"culprit was {result.outcome.culprit}")
    locations = [args.expect_failure_at] if args.expect_failure_at else []
    if args.expect_failure_marked:
        source = REPO_ROOT / args.expect_failure_marked
        numbers = [i for i, line in enumerate(source.read_text().splitlines(), 1) if "expected failure here" in line]
        if len(numbers) != 1:
            problems.append(f"{source} must have exactly one 'expected failure here' line, has {len(numbers)}")
        locations += [f"{args.expect_failure_marked}:{n}" for n in numbers]
    for location in locations:
        text = "\n".join(line for c in result.report.cases for line in c.diagnostics)
        if f"failed at {location}" not in text:
            problems.append(f"no failure reported at {location}")
    if args.expect_passed is not None and result.report.counts()[0] != args.expect_passed:
        problems.append(f"expected {args.expect_passed} passing case(s), got {result.report.counts()[0]}")
    for text in args.expect_output:
        if not any(text in line for line in result.report.lines) and text not in result.outcome.reason:
            problems.append(f"expected the output to contain {text!r}")
    if args.expect != "pass" or args.expect_case or locations:
        if problems:
            out.note(out.paint("runner: the detector did NOT report as expected:", "31;1"))
        else:
            out.note(out.paint(f"runner: reported as expected ({expected})", "32;1"))
    for problem in problems:
        out.note(f"    {problem}")
    return not problems


# --- Main -------------------------------------------------------------------------------------

def parser_for_run() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="runner.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Also: runner.py parse LOG [--elf ELF] re-reads a saved serial log; "
                                       "runner.py probe-kvm IMAGE prints kvm or tcg (the --accel auto choice).")
    p.add_argument("image", type=Path, help="kernel ISO (or its .elf; the ISO beside it is booted)")
    p.add_argument("--elf", type=Path, help="ELF for addr2line (default: the image's .elf sibling)")
    p.add_argument("--filter", help="globs on suite.case, comma-separated; '-glob' excludes")
    p.add_argument("--list", action="store_true", help="list the cases instead of running them")
    p.add_argument("--shuffle", action="store_true", help="run in random order (seed printed)")
    p.add_argument("--seed", type=int, help="shuffle with this seed")
    p.add_argument("--repeat", type=int, help="run the selection N times")
    p.add_argument("--skip-slow", action="store_true", help="skip cases marked ktest::slow")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole run (default 60)")
    p.add_argument("--case-timeout", type=float, default=10.0, help="seconds per case (default 10)")
    p.add_argument("--slow-factor", type=float, default=6.0, help="timeout multiplier for slow cases (default 6)")
    p.add_argument("--junit", type=Path, help="write a JUnit XML report (one testcase per KTEST case)")
    p.add_argument("--gdb", action="store_true", help="start QEMU halted with a gdb stub on :1234, no timeout")
    p.add_argument("--accel", choices=["tcg", "kvm", "auto"], default=os.environ.get("KESTREL_ACCEL", "tcg"),
                   help="QEMU accelerator (default tcg; auto probes KVM)")
    p.add_argument("--send-keys", help="keystrokes (QEMU sendkey names) to send once the kernel prints "
                                       f"'{KEYS_READY_MARKER}'")
    p.add_argument("--match", action="append", default=[],
                   help="regex that must appear on COM1; when all have, stop QEMU (for kernels that never exit)")
    p.add_argument("--qemu-arg", action="append", default=[], help="extra QEMU argument (repeatable)")
    p.add_argument("--log", type=Path, help="also save the serial output to this file")
    p.add_argument("--expect", choices=list(VERDICTS), default="pass",
                   help="the verdict that counts as success (detector tests)")
    p.add_argument("--expect-case", help="with --expect: the case that must be the failing/running one")
    p.add_argument("--expect-failure-at", help="FILE:LINE a failure must be reported at")
    p.add_argument("--expect-failure-marked", type=Path,
                   help="source file (relative to the repository) whose line with the comment "
                        "'expected failure here' a failure must be reported at")
    p.add_argument("--expect-passed", type=int, help="number of cases that must pass")
    p.add_argument("--expect-output", action="append", default=[], help="text the output must contain")
    p.add_argument("--verbose", action="store_true", help="print the QEMU command line")
    p.add_argument("--quiet", action="store_true", help="do not stream the serial output")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    return p


def resolve_image(image: Path, elf: Path | None) -> tuple[Path, Path | None]:
    if image.suffix == ".elf":
        iso = image.with_suffix(".iso")
        elf = elf or image
    else:
        iso = image
        if elf is None:
            candidate = image.with_suffix(".elf")
            elf = candidate if candidate.exists() else None
            if elf is None and image.name == "os.iso":
                candidate = image.parent / "kernel.elf"
                elf = candidate if candidate.exists() else None
    return iso, elf


def use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return sys.stdout.isatty() and os.environ.get("NO_COLOR") is None


def main_parse(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="runner.py parse", description="Re-read a saved serial log.")
    p.add_argument("log", type=Path)
    p.add_argument("--elf", type=Path)
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    args = p.parse_args(argv)
    out = Output(use_color(args.color), quiet=True)
    report = KtapReport()
    for line in args.log.read_text(errors="replace").splitlines():
        report.feed(line.replace("\r", ""))
    outcome = classify(report, None)
    result = RunResult(report, outcome, 0.0, None, [], "")
    print_summary(out, args.log.name, result, args.elf)
    return 0 if outcome.verdict in PASSING_VERDICTS else 1


def main(argv: list[str]) -> int:
    if argv and argv[0] == "parse":
        return main_parse(argv[1:])
    if len(argv) == 2 and argv[0] == "probe-kvm":
        # For tools/run.sh (ACCEL=auto): the same probe and cache as --accel auto.
        print("kvm" if kvm_works(Path(argv[1])) else "tcg")
        return 0
    args = parser_for_run().parse_args(argv)
    out = Output(use_color(args.color), args.quiet)
    iso, elf = resolve_image(args.image, args.elf)
    if not iso.exists():
        out.note(f"runner: no such image: {iso}")
        return 2
    if shutil.which("qemu-system-x86_64") is None:
        out.note("runner: qemu-system-x86_64 not found; install it with: sudo apt-get install qemu-system-x86")
        return 2
    name = iso.stem
    result = run_qemu(args, iso, elf, out)
    if args.log:
        args.log.write_text("\n".join(result.report.lines) + "\n")
    print_summary(out, name, result, elf)
    if args.junit:
        write_junit(args.junit, name, result)
    return 0 if check_expectations(args, result, out) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

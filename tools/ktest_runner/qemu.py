"""QEMU: the command line for an image, one run with its timeouts (the
whole run, and each case from its '# RUN' line), keystrokes through QMP, and
what QEMU's own log says about a triple fault."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from .ktap import KtapReport
from .verdict import EXIT_FAILED, EXIT_PASSED, Outcome, Verdict, classify

KEYS_READY_MARKER = "ktest: ready for keys"
KEY_HOLD_MS = 10
KEY_GAP = 0.02
# How often the run wakes up to check the timeouts while nothing arrives.
# QEMU's exit itself is seen at once (the serial reader sees end of file).
TIMEOUT_CHECK_SECONDS = 0.05


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
    floor = build / "tests" / "floor" / "floor.elf" if build else None
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


def qemu_base_command(image: Path, accel: str) -> list[str]:
    """An .elf boots straight through QEMU -kernel (the PVH entry note); an
    .iso boots GRUB from the CD-ROM (multiboot2)."""
    boot = ["-kernel", str(image)] if image.suffix == ".elf" else ["-cdrom", str(image), "-boot", "d"]
    # No network card: its option ROM (iPXE) costs the firmware time at every
    # boot and no kernel of ours drives one.
    return ["qemu-system-x86_64", "-accel", accel, "-m", "128M", *boot, "-nic", "none",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


class QmpKeySender(threading.Thread):
    """Sends keystrokes through QMP (as the monitor's 'sendkey' command).

    Each key is held for KEY_HOLD_MS (sendkey's default, 100 ms, made the
    keyboard test mostly a wait) and the next follows KEY_GAP seconds later:
    QEMU queues each press and its release in order, and the guest drains
    the PS/2 controller's 16-byte queue at every IRQ 1 long before that.

    With `screendump`, it first waits for screendump_event and saves the
    screen there (QMP 'screendump': a PPM of what the display shows),
    before any key: a kernel can show a screen, say so on COM1, and wait
    for a key to go on once the picture is taken.

    A token "@TEXT" among the keys is no key: the sender waits there (up
    to WAIT_FOR_LINE_SECONDS) until a COM1 line that is exactly TEXT has
    come since the keys began, so a key can go once a program is surely
    running (Ctrl-C to a command that printed "42" before it slept)."""

    WAIT_FOR_LINE_SECONDS = 60

    def __init__(self, socket_path: Path, keys: list[str], log, screendump: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.socket_path = socket_path
        self.keys = keys
        self.log = log
        self.screendump = screendump
        self.start_event = threading.Event()
        self.screendump_event = threading.Event()
        self.lines_seen = threading.Condition()
        self.lines: list[str] = []  # COM1's lines since the keys began (note_line)

    def note_line(self, line: str) -> None:
        if self.start_event.is_set():
            with self.lines_seen:
                self.lines.append(line.strip())
                self.lines_seen.notify_all()

    def run(self) -> None:
        (self.screendump_event if self.screendump else self.start_event).wait()
        import socket  # only runs that send keys need it

        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(10)
                sock.connect(str(self.socket_path))
                stream = sock.makefile("rw")
                stream.readline()  # greeting
                self._call(stream, '{"execute": "qmp_capabilities"}')
                if self.screendump:
                    answer = self._call(stream, '{"execute": "screendump", "arguments": {"filename": '
                                                + json.dumps(str(self.screendump.resolve())) + '}}')
                    if '"error"' in answer:
                        self.log(f"runner: the screendump failed: {answer.strip()}")
                    if self.keys:
                        self.start_event.wait()
                for key in self.keys:
                    if key.startswith("@"):
                        with self.lines_seen:
                            if not self.lines_seen.wait_for(lambda: key[1:] in self.lines,
                                                            timeout=self.WAIT_FOR_LINE_SECONDS):
                                self.log(f"runner: the line {key[1:]!r} never came; the keys after it go anyway")
                        continue
                    self._call(stream, '{"execute": "human-monitor-command", '
                                       f'"arguments": {{"command-line": "sendkey {key} {KEY_HOLD_MS}"}}}}')
                    time.sleep(KEY_GAP)
        except OSError as error:
            self.log(f"runner: could not send keys through QMP: {error}")

    @staticmethod
    def _call(stream, command: str) -> str:
        stream.write(command + "\n")
        stream.flush()
        while True:  # skip asynchronous events until the command's answer
            answer = stream.readline()
            if not answer or '"return"' in answer or '"error"' in answer:
                return answer


class RunResult:
    def __init__(self, report: KtapReport, outcome: Outcome, seconds: float, exit_status: int | None,
                 qemu_log_tail: list[str], stderr: str) -> None:
        self.report = report
        self.outcome = outcome
        self.seconds = seconds
        self.exit_status = exit_status
        self.qemu_log_tail = qemu_log_tail
        self.stderr = stderr


class RunSettings:
    """What one run needs besides the image (the CLI fills it in)."""

    def __init__(self, accel: str = "tcg", kernel_args: str = "", timeout: float = 60.0, case_timeout: float = 10.0,
                 slow_factor: float = 6.0, gdb: bool = False, send_keys: str | None = None,
                 match: tuple[str, ...] = (), qemu_args: tuple[str, ...] = (), verbose: bool = False,
                 should_panic: bool = False, keys_after: str = KEYS_READY_MARKER,
                 screendump: Path | None = None, screendump_after: str | None = None) -> None:
        self.accel = accel
        self.kernel_args = kernel_args
        self.timeout = timeout
        self.case_timeout = case_timeout
        self.slow_factor = slow_factor
        self.gdb = gdb
        self.send_keys = send_keys
        self.keys_after = keys_after  # the output text after which the keys go
        self.screendump = screendump  # where to save the screen (PPM) once COM1 shows screendump_after
        self.screendump_after = screendump_after
        self.match = match
        self.expect_exit: int | None = None  # --expect-exit: after the matches QEMU must exit by itself
        self.qemu_args = qemu_args
        self.verbose = verbose
        self.should_panic = should_panic


def make_workdir() -> Path:
    """A private directory for QEMU's log and the QMP socket (mkdir is
    exclusive; no tempfile import, which costs start-up time)."""
    base = Path(os.environ.get("TMPDIR", "/tmp"))
    for attempt in range(100):
        path = base / f"ktest-runner-{os.getpid()}-{time.monotonic_ns()}-{attempt}"
        try:
            path.mkdir(mode=0o700)
            return path
        except FileExistsError:
            continue
    raise OSError(f"cannot create a work directory in {base}")


def run_qemu(settings: RunSettings, image: Path, elf: Path | None, out) -> RunResult:
    accel = settings.accel
    if accel == "auto":
        accel = "kvm" if kvm_works(image) else "tcg"
    workdir = make_workdir()
    qemu_log = workdir / "qemu.log"
    command = qemu_base_command(image, accel) + [
        "-display", "none", "-monitor", "none", "-serial", "stdio",
        # cpu_reset logs "Triple fault"; int logs the CPU state at every
        # exception, which is the state shown for a triple fault.
        "-d", "int,cpu_reset", "-D", str(qemu_log),
    ]
    if settings.kernel_args:
        command += ["-fw_cfg", f"name=opt/ktest/args,string={qemu_fw_cfg_string(settings.kernel_args)}"]
    key_sender = None
    if settings.send_keys or settings.screendump:
        qmp_path = workdir / "qmp.sock"
        command += ["-qmp", f"unix:{qmp_path},server=on,wait=off"]
        key_sender = QmpKeySender(qmp_path, (settings.send_keys or "").split(), out.note,
                                  screendump=settings.screendump)
        key_sender.start()
    if settings.gdb:
        command += ["-s", "-S"]
        out.note("runner: QEMU waits for a debugger on localhost:1234. In another terminal:")
        out.note(f"    gdb {elf or 'KERNEL.elf'} -ex 'target remote localhost:1234' -ex 'hbreak kernel_start' -ex continue")
    command += list(settings.qemu_args)
    if settings.verbose:
        out.note("runner: " + " ".join(command))

    report = KtapReport()
    patterns = [re.compile(p) for p in settings.match]
    unmatched = list(patterns)
    # Set when there is something to decide: QEMU closed COM1 (it exited) or
    # every --match pattern has appeared.
    wake = threading.Event()
    matched = threading.Event()
    start = time.monotonic()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except OSError as error:
        shutil.rmtree(workdir, ignore_errors=True)
        return RunResult(report, Outcome(Verdict.QEMU_FAILED, str(error)), 0.0, None, [], "")

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
                    if settings.expect_exit is None:
                        wake.set()  # else QEMU must end by itself: wait for COM1 to close
            if key_sender is not None and settings.screendump_after is not None and settings.screendump_after in line:
                key_sender.screendump_event.set()
            if key_sender is not None:
                key_sender.note_line(line)
            if key_sender is not None and settings.keys_after in line:
                key_sender.start_event.set()
        wake.set()

    stderr_chunks: list[bytes] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        stderr_chunks.append(process.stderr.read())

    readers = [threading.Thread(target=read_serial, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for reader in readers:
        reader.start()

    timed_out: str | None = None
    deadline = None if settings.gdb else start + settings.timeout
    while not wake.wait(TIMEOUT_CHECK_SECONDS):
        if process.poll() is not None:
            break  # exited without COM1 reaching end of file (its reader is gone)
        now = time.monotonic()
        with lock:
            running, since = report.running, report.running_since
        if deadline is not None and now > deadline:
            timed_out = (f"no verdict after {settings.timeout:g} s"
                         + (f"; case {running.full_name} was running" if running else
                            "; no case was running (hang during boot or between cases)"))
            break
        if not settings.gdb and running is not None and since is not None:
            limit = settings.case_timeout * (settings.slow_factor if running.slow else 1)
            if now - since > limit:
                timed_out = f"case {running.full_name} ran longer than its {limit:g} s timeout"
                break
    if (matched.is_set() and settings.expect_exit is None) or timed_out is not None:
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
                       qemu_error=qemu_error, matched=matched.is_set(), should_panic=settings.should_panic,
                       expected_exit=settings.expect_exit)
    if patterns and unmatched:
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

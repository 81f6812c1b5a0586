#!/usr/bin/env python3
"""Record `make run` booting to the shell as an animated GIF (`make record`).

Boots build/os.iso in QEMU the way tools/run.sh does for `make run` (TCG,
128 MiB, the CD-ROM; plus -smp 2), with no display, COM1 in a file and a QMP
socket. QEMU starts halted; from power-on the guest runs in steps
(--boot-interval, 0.1 s, until the prompt: a BIOS boot takes half a second;
--interval, 0.25 s, after it) and after each step it is paused for a QMP
screendump (a PPM), so the frames are spaced by the guest's own time, not by
how long a screendump takes. Once COM1 shows the shell's prompt, the
commands are typed at the keyboard (QMP `sendkey`) with screendumps as the
text appears. Then QEMU is stopped, identical consecutive frames are merged
(the merged frame is shown for as long as it lasted: the GIF plays at the
guest's speed) and ImageMagick's `convert` puts them together into the GIF;
the last frame, at full size, becomes the screenshot.

    tools/record_boot.py                 # BIOS: docs/images/boot.gif, docs/images/boot-screen.png
    tools/record_boot.py --uefi          # under OVMF: the 1024x768 framebuffer console
    tools/record_boot.py --keep-frames /tmp/frames --command 'ls /' --command 'mem'

Python's standard library only; ImageMagick's `convert` is run as a program.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "kestrel:/$ "
OVMF = Path("/usr/share/ovmf/OVMF.fd")
DEFAULT_COMMANDS = ["ls /bin", "echo hello | cat", "ps", "uptime", "crash page-fault"]

# sendkey names (QEMU's qcodes) for the characters a command may hold.
KEY_NAMES = {
    " ": "spc", "\n": "ret", "/": "slash", "\\": "backslash", "-": "minus", "=": "equal", ".": "dot",
    ",": "comma", ";": "semicolon", "'": "apostrophe", "`": "grave_accent", "[": "bracket_left",
    "]": "bracket_right",
    "|": "shift-backslash", "_": "shift-minus", "+": "shift-equal", ">": "shift-dot", "<": "shift-comma",
    ":": "shift-semicolon", '"': "shift-apostrophe", "~": "shift-grave_accent", "{": "shift-bracket_left",
    "}": "shift-bracket_right", "!": "shift-1", "@": "shift-2", "#": "shift-3", "$": "shift-4",
    "%": "shift-5", "^": "shift-6", "&": "shift-7", "*": "shift-8", "(": "shift-9", ")": "shift-0",
}
KEY_HOLD_MS = 10


class RecordError(Exception):
    pass


def key_name(char: str) -> str:
    if char in KEY_NAMES:
        return KEY_NAMES[char]
    if char.isascii() and (char.islower() or char.isdigit()):
        return char
    if char.isascii() and char.isupper():
        return "shift-" + char.lower()
    raise RecordError(f"cannot type {char!r} through sendkey")


class Qmp:
    """A QMP connection: one command at a time, asynchronous events skipped."""

    def __init__(self, path: Path, process: subprocess.Popen, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RecordError(f"QEMU exited with status {process.returncode} before its QMP socket opened")
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RecordError(f"no QMP socket at {path} after {timeout:g} s")
                time.sleep(0.05)
        self.sock.settimeout(30)
        self.stream = self.sock.makefile("rw", encoding="utf-8")
        self.stream.readline()  # the greeting
        self.call("qmp_capabilities")

    def call(self, execute: str, **arguments):
        message = {"execute": execute}
        if arguments:
            message["arguments"] = arguments
        try:
            self.stream.write(json.dumps(message) + "\n")
            self.stream.flush()
        except OSError as error:
            raise RecordError(f"QMP '{execute}': {error} (did QEMU exit?)") from error
        while True:
            try:
                line = self.stream.readline()
            except OSError as error:
                raise RecordError(f"QMP '{execute}': {error}") from error
            if not line:
                raise RecordError(f"QMP closed during '{execute}' (did QEMU exit?)")
            answer = json.loads(line)
            if "return" in answer:
                return answer["return"]
            if "error" in answer:
                raise RecordError(f"QMP '{execute}' failed: {answer['error'].get('desc', answer['error'])}")

    def close(self) -> None:
        try:
            self.stream.close()
            self.sock.close()
        except OSError:
            pass


class Recorder:
    """Runs the guest in steps and takes a screendump after each."""

    def __init__(self, qmp: Qmp, frames: Path, serial_log: Path, process: subprocess.Popen,
                 interval: float) -> None:
        self.qmp = qmp
        self.frames_dir = frames
        self.serial_log = serial_log
        self.process = process
        self.interval = interval
        self.guest_seconds = 0.0  # how long the guest has run (it is paused for each screendump)
        self.running_since: float | None = None
        self.frames: list[tuple[Path, float]] = []  # (PPM, guest time it was taken at)

    def resume(self) -> None:
        if self.running_since is None:
            self.qmp.call("cont")
            self.running_since = time.monotonic()

    def pause(self) -> None:
        if self.running_since is not None:
            self.qmp.call("stop")
            self.guest_seconds += time.monotonic() - self.running_since
            self.running_since = None

    def now(self) -> float:
        running = time.monotonic() - self.running_since if self.running_since is not None else 0.0
        return self.guest_seconds + running

    def snap(self, name: str | None = None) -> Path:
        was_running = self.running_since is not None
        self.pause()
        path = self.frames_dir / (name or f"frame-{len(self.frames):04d}.ppm")
        self.qmp.call("screendump", filename=str(path))
        if name is None:
            self.frames.append((path, self.guest_seconds))
        if was_running:
            self.resume()
        return path

    def last_snap(self, tries: int = 6, spacing: float = 0.1) -> None:
        """The final frame: of a few screendumps `spacing` apart, the one
        with the most lit pixels, so a blinking VGA cursor is shown on."""
        candidates = []
        for attempt in range(tries):
            if attempt:
                self.resume()
                end = self.now() + spacing
                while self.now() < end:
                    time.sleep(0.01)
                self.pause()
            candidates.append(self.snap(name=f"last-{attempt}.ppm"))
        best = max(candidates, key=lambda path: lit_bytes(path.read_bytes()))
        final = self.frames_dir / f"frame-{len(self.frames):04d}.ppm"
        best.rename(final)
        self.frames.append((final, self.guest_seconds))

    def serial(self) -> str:
        try:
            return self.serial_log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def run_for(self, seconds: float, until=None) -> bool:
        """Lets the guest run for `seconds` (or until `until(serial text)`
        holds), a screendump every interval. True if `until` held."""
        end = self.now() + seconds
        next_snap = self.frames[-1][1] + self.interval if self.frames else self.now() + self.interval
        self.resume()
        while self.now() < end:
            if self.process.poll() is not None:
                raise RecordError(f"QEMU exited with status {self.process.returncode}; COM1 said:\n"
                                  + tail(self.serial()))
            if until is not None and until(self.serial()):
                self.snap()
                return True
            if self.now() >= next_snap:
                self.snap()
                next_snap = self.now() + self.interval
            time.sleep(0.02)
        return False

    def type_line(self, text: str, key_gap: float) -> None:
        """Types text and Enter, a key every key_gap seconds of the guest's
        time, with a screendump every interval meanwhile."""
        self.resume()
        next_snap = self.now() + self.interval
        for char in text + "\n":
            self.qmp.call("human-monitor-command", **{"command-line": f"sendkey {key_name(char)} {KEY_HOLD_MS}"})
            end = self.now() + key_gap
            while self.now() < end:
                if self.now() >= next_snap:
                    self.snap()
                    next_snap = self.now() + self.interval
                time.sleep(0.01)


def lit_bytes(ppm: bytes) -> int:
    return len(ppm) - ppm.count(0)


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:]) or "(nothing)"


def check_tools(args) -> str:
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise RecordError("qemu-system-x86_64 not found: install Debian's qemu-system-x86 (tools/setup.sh does)")
    if shutil.which("convert") is None:
        raise RecordError("ImageMagick's 'convert' not found: install it (apt-get install imagemagick)")
    if not args.iso.is_file():
        raise RecordError(f"{args.iso} not found: build the kernel first (make build, or cmake --build build)")
    if args.uefi and not OVMF.is_file():
        raise RecordError(f"--uefi needs {OVMF} (Debian's ovmf package; tools/setup.sh installs it)")
    return qemu


def record(args, work: Path) -> list[tuple[Path, float]]:
    qemu = check_tools(args)
    frames = work / "frames"
    frames.mkdir()
    serial_log = work / "serial.log"
    qmp_path = work / "qmp.sock"
    command = [qemu, "-accel", "tcg", "-m", "128M", "-smp", str(args.smp), "-cdrom", str(args.iso),
               "-boot", "d", "-no-reboot", "-display", "none", "-monitor", "none",
               "-serial", f"file:{serial_log}", "-qmp", f"unix:{qmp_path},server=on,wait=off", "-S"]
    if args.uefi:
        command += ["-bios", str(OVMF)]
    stderr_log = (work / "qemu-stderr.log").open("w+")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stderr_log, stderr=stderr_log,
                               start_new_session=True)
    qmp = None
    try:
        qmp = Qmp(qmp_path, process)
        recorder = Recorder(qmp, frames, serial_log, process, args.boot_interval)
        recorder.snap()  # power-on
        print(f"record: booting {args.iso}{' under UEFI (OVMF)' if args.uefi else ''} ...", flush=True)
        if not recorder.run_for(args.boot_timeout, until=lambda text: PROMPT in text):
            raise RecordError(f"no shell prompt on COM1 after {args.boot_timeout:g} s of the guest's time;"
                              f" COM1 said:\n{tail(recorder.serial())}")
        print(f"record: the prompt after {recorder.now():.1f} s; typing {len(args.commands)} commands", flush=True)
        recorder.interval = args.interval
        recorder.run_for(args.boot_pause)
        for line in args.commands:
            prompts = recorder.serial().count(PROMPT)
            recorder.type_line(line, args.key_gap)
            if not recorder.run_for(args.command_timeout, until=lambda text: text.count(PROMPT) > prompts):
                raise RecordError(f"'{line}' did not end in {args.command_timeout:g} s;"
                                  f" COM1 said:\n{tail(recorder.serial())}")
            recorder.run_for(args.pause)
        recorder.pause()
        recorder.last_snap()
        print(f"record: {len(recorder.frames)} screendumps over {recorder.now():.1f} s of the guest's time",
              flush=True)
        if args.serial_copy:
            args.serial_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(serial_log, args.serial_copy)
        return recorder.frames
    except BaseException:
        stderr_log.seek(0)
        message = stderr_log.read().strip()
        if message:
            print(f"record: QEMU said: {message}", file=sys.stderr)
        raise
    finally:
        if qmp is not None:
            try:
                qmp.call("quit")
            except (RecordError, OSError, ValueError):
                pass
            qmp.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stderr_log.close()


def distinct(frames: list[tuple[Path, float]], hold: float) -> list[tuple[Path, float]]:
    """Merges identical consecutive frames; returns each kept frame with how
    long it stays on the screen (the last one: hold seconds)."""
    kept: list[list] = []  # [path, start, digest]
    for path, start in frames:
        digest = hashlib.sha256(path.read_bytes()).digest()
        if kept and kept[-1][2] == digest:
            continue
        kept.append([path, start, digest])
    shown = []
    for index, (path, start, _) in enumerate(kept):
        end = kept[index + 1][1] if index + 1 < len(kept) else start + hold
        shown.append((path, end - start))
    return shown


def ppm_size(path: Path) -> tuple[int, int]:
    """Width and height from a binary PPM's header."""
    fields: list[bytes] = []
    with path.open("rb") as f:
        data = f.read(64)
    for line in data.split(b"\n"):
        fields += line.split(b"#")[0].split()
        if len(fields) >= 3:
            return int(fields[1]), int(fields[2])
    raise RecordError(f"{path} is not a PPM")


def assemble(shown: list[tuple[Path, float]], gif: Path, png: Path, width: int, colors: int) -> None:
    last = shown[-1][0]
    last_width, last_height = ppm_size(last)
    # Every frame on one canvas, the last frame's size scaled to `width`
    # (the firmware's screens may be smaller than the kernel's).
    width = min(width, last_width) if width else last_width
    height = round(last_height * width / last_width)
    command = ["convert"]
    for path, seconds in shown:
        command += ["-delay", str(max(2, round(seconds * 100))), str(path)]
    command += ["-resize", f"{width}x{height}", "-background", "black", "-gravity", "center",
                "-extent", f"{width}x{height}"]
    if colors:
        command += ["+dither", "-colors", str(colors)]
    command += ["-layers", "Optimize", "-loop", "0", str(gif)]
    gif.parent.mkdir(parents=True, exist_ok=True)
    png.parent.mkdir(parents=True, exist_ok=True)
    for step in (command, ["convert", str(last), str(png)]):
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            raise RecordError(f"convert failed ({result.returncode}): {result.stderr.strip()}")


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iso", type=Path, default=ROOT / "build" / "os.iso", help="the image (build/os.iso)")
    parser.add_argument("--uefi", action="store_true", help=f"boot under UEFI firmware ({OVMF})")
    parser.add_argument("--smp", type=int, default=2, help="CPUs (2)")
    parser.add_argument("--gif", type=Path, default=ROOT / "docs" / "images" / "boot.gif",
                        help="the animation (docs/images/boot.gif)")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "images" / "boot-screen.png",
                        help="the last frame, full size (docs/images/boot-screen.png)")
    parser.add_argument("--command", dest="commands", action="append",
                        help=f"a command to type at the prompt (repeatable; default: {DEFAULT_COMMANDS})")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds of guest time between screendumps (0.25)")
    parser.add_argument("--boot-interval", type=float, default=0.1,
                        help="the same until the prompt (0.1: a BIOS boot takes well under a second)")
    parser.add_argument("--key-gap", type=float, default=0.1, help="seconds of guest time between keystrokes (0.1)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds to wait after each command's prompt (1)")
    parser.add_argument("--boot-pause", type=float, default=2.0,
                        help="seconds to wait at the first prompt, to read the boot summary (2)")
    parser.add_argument("--hold", type=float, default=4.0, help="seconds the GIF shows the last frame (4)")
    parser.add_argument("--width", type=int, default=None,
                        help="the GIF's width in pixels (default: the screen's, 640 for wider screens; 0: as is)")
    parser.add_argument("--colors", type=int, default=16, help="colours in the GIF (16; 0: as many as it takes)")
    parser.add_argument("--boot-timeout", type=float, default=120.0, help="seconds of guest time to the prompt (120)")
    parser.add_argument("--command-timeout", type=float, default=20.0,
                        help="seconds of guest time for a command to end (20)")
    parser.add_argument("--keep-frames", type=Path, help="copy the screendumps (PPM) into this directory")
    parser.add_argument("--serial-copy", type=Path, help="copy COM1's output to this file")
    args = parser.parse_args(argv)
    if args.commands is None:
        args.commands = list(DEFAULT_COMMANDS)
    if args.interval <= 0 or args.boot_interval <= 0:
        parser.error("the intervals must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="record-boot-") as work:
            frames = record(args, Path(work))
            shown = distinct(frames, args.hold)
            width = args.width
            if width is None:
                screen_width = ppm_size(shown[-1][0])[0]
                width = screen_width if screen_width <= 800 else 640
            assemble(shown, args.gif, args.png, width, args.colors)
            if args.keep_frames:
                args.keep_frames.mkdir(parents=True, exist_ok=True)
                for path, _ in frames:
                    shutil.copy(path, args.keep_frames / path.name)
    except RecordError as error:
        print(f"record: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"record: {args.gif} ({args.gif.stat().st_size} bytes, {len(shown)} frames of {len(frames)}), "
          f"{args.png}; {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

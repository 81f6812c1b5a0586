"""The runner's command line: `runner.py IMAGE [options]` boots and judges
one kernel, `runner.py parse LOG` re-reads a saved serial log, `runner.py
probe-kvm IMAGE` prints the --accel auto choice."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from .ktap import KtapReport
from .qemu import KEYS_READY_MARKER, RunResult, RunSettings, kvm_works, run_qemu
from .report import Output, print_summary, write_json, write_junit
from .verdict import EXPECT_NAMES, classify

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

DOC = """Boot one Kestrel kernel image in QEMU, follow its KTAP report on COM1, and
give a verdict.

    tools/runner.py build/ktest/ktest-kernel.elf              run the unit tests
    tools/runner.py build/ktest/ktest-kernel.elf --filter 'format.*'
    tools/runner.py IMAGE --expect timeout --case-timeout 3   a detector test
    tools/runner.py parse serial.log --elf kernel.elf         re-read a saved log

Verdicts: passed, failed, panic, should-panic passed, did not panic, triple
fault, timeout, qemu failed to start, output matched. The exit status is 0
only when the verdict is the expected one (by default: passed). QEMU's own
exit status 0 (a shutdown, or a reset under -no-reboot) never means pass:
test kernels end QEMU through isa-debug-exit with status 33 (pass) or 35
(fail). Python 3 standard library only. See docs/testing.md.
"""


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
    if args.attr:
        words.append(f"ktest.attr={args.attr}")
    # The kernel's watchdog (ktest.watchdog_ms, 8000 by default: 80% of the
    # default 10 s) reports a stuck case before this runner's timeout would.
    if args.gdb:
        words.append("ktest.watchdog_ms=0")
    elif args.case_timeout != 10.0:
        words.append(f"ktest.watchdog_ms={max(1, int(args.case_timeout * 800))}")
    return " ".join(words)


def settings_from(args) -> RunSettings:
    return RunSettings(accel=args.accel, kernel_args=build_kernel_args(args), timeout=args.timeout,
                       case_timeout=args.case_timeout, slow_factor=args.slow_factor, gdb=args.gdb,
                       send_keys=args.send_keys, match=tuple(args.match), qemu_args=tuple(args.qemu_arg),
                       verbose=args.verbose, should_panic=args.expect == "should-panic",
                       keys_after=args.keys_after, screendump=args.screendump,
                       screendump_after=args.screendump_after)


def settings_with_exit(args) -> RunSettings:
    settings = settings_from(args)
    settings.expect_exit = args.expect_exit
    return settings


def check_expectations(args, result: RunResult, out: Output) -> bool:
    expected = EXPECT_NAMES["output" if args.match and args.expect == "pass" else args.expect]
    problems: list[str] = []
    if result.outcome.verdict != expected:
        problems.append(f"expected verdict '{expected.value}', got '{result.outcome.verdict.value}'")
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
    if args.screendump and not args.screendump.exists():
        problems.append(f"no screendump was saved to {args.screendump} (was '{args.screendump_after}' "
                        "ever printed on COM1?)")
    for text in args.expect_output:
        if not any(text in line for line in result.report.lines) and text not in result.outcome.reason:
            problems.append(f"expected the output to contain {text!r}")
    if args.expect != "pass" or args.expect_case or locations:
        if problems:
            out.note(out.paint("runner: the detector did NOT report as expected:", "31;1"))
        else:
            out.note(out.paint(f"runner: reported as expected ({expected.value})", "32;1"))
    for problem in problems:
        out.note(f"    {problem}")
    return not problems


def parser_for_run() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="runner.py", description=DOC.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Also: runner.py parse LOG [--elf ELF] re-reads a saved serial log; "
                                       "runner.py probe-kvm IMAGE prints kvm or tcg (the --accel auto choice).")
    p.add_argument("image", type=Path, help="kernel .elf (booted with QEMU -kernel) or GRUB .iso")
    p.add_argument("--elf", type=Path, help="ELF for addr2line (default: the image's .elf sibling)")
    p.add_argument("--filter", help="globs on suite.case, comma-separated; '-glob' excludes")
    p.add_argument("--list", action="store_true", help="list the cases instead of running them")
    p.add_argument("--shuffle", action="store_true", help="run in random order (seed printed)")
    p.add_argument("--seed", type=int, help="shuffle with this seed")
    p.add_argument("--repeat", type=int, help="run the selection N times")
    p.add_argument("--skip-slow", action="store_true", help="report cases marked ktest::slow as skipped")
    p.add_argument("--attr", choices=["slow", "should_panic"],
                   help="run only the cases with this attribute (ktest::slow, ktest::should_panic)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole run (default 60)")
    p.add_argument("--case-timeout", type=float, default=10.0, help="seconds per case (default 10)")
    p.add_argument("--slow-factor", type=float, default=6.0, help="timeout multiplier for slow cases (default 6)")
    p.add_argument("--junit", type=Path, help="write a JUnit XML report (one testcase per KTEST case)")
    p.add_argument("--json", type=Path, metavar="FILE",
                   help="write the results as `kunit.py parse --json` does ('-': standard output)")
    p.add_argument("--gdb", action="store_true", help="start QEMU halted with a gdb stub on :1234, no timeout")
    p.add_argument("--accel", choices=["tcg", "kvm", "auto"], default=os.environ.get("KESTREL_ACCEL", "tcg"),
                   help="QEMU accelerator (default tcg; auto probes KVM)")
    p.add_argument("--send-keys", help="keystrokes (QEMU sendkey names) to send once the kernel prints "
                                       f"'{KEYS_READY_MARKER}' (or the --keys-after text); a token @TEXT "
                                       "waits there for a COM1 line that is exactly TEXT")
    p.add_argument("--keys-after", default=KEYS_READY_MARKER,
                   help="output text after which --send-keys types (for kernels other than test kernels)")
    p.add_argument("--screendump", type=Path, metavar="FILE",
                   help="save the screen (QMP screendump, PPM) to FILE once COM1 shows --screendump-after; "
                        "keys (--send-keys) go only after it; no file is a failure")
    p.add_argument("--screendump-after", metavar="TEXT", default=None,
                   help="output text (on one line of COM1) after which --screendump saves the screen")
    p.add_argument("--match", action="append", default=[],
                   help="regex that must appear on COM1; when all have, stop QEMU (for kernels that never exit)")
    p.add_argument("--expect-exit", type=int, metavar="STATUS",
                   help="with --match: once every pattern appeared, QEMU is not stopped but must exit by itself "
                        "with this status before the timeout (a kernel that powers the machine off: 0)")
    p.add_argument("--qemu-arg", action="append", default=[], help="extra QEMU argument (repeatable)")
    p.add_argument("--log", type=Path, help="also save the serial output to this file")
    p.add_argument("--expect", choices=list(EXPECT_NAMES), default="pass",
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
    """The image to boot and the ELF to symbolise with: an .elf is both; an
    ISO's ELF is its sibling (os.iso's is kernel.elf)."""
    if image.suffix == ".elf":
        return image, elf or image
    if elf is None:
        for candidate in (image.with_suffix(".elf"), image.parent / "kernel.elf"):
            if candidate.exists() and (candidate.stem == image.stem or image.name == "os.iso"):
                return image, candidate
    return image, elf


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
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as kunit.py --json does")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    args = p.parse_args(argv)
    out = Output(use_color(args.color), quiet=True)
    report = KtapReport()
    for line in args.log.read_text(errors="replace").splitlines():
        report.feed(line.replace("\r", ""))
    outcome = classify(report, None)
    result = RunResult(report, outcome, 0.0, None, [], "")
    print_summary(out, args.log.name, result, args.elf)
    if args.json:
        write_json(args.json, args.log.name, result)
    return 0 if outcome.verdict.passing else 1


def main(argv: list[str]) -> int:
    if argv and argv[0] == "parse":
        return main_parse(argv[1:])
    if len(argv) == 2 and argv[0] == "probe-kvm":
        # For tools/run.sh (ACCEL=auto): the same probe and cache as --accel auto.
        print("kvm" if kvm_works(Path(argv[1])) else "tcg")
        return 0
    args = parser_for_run().parse_args(argv)
    out = Output(use_color(args.color), args.quiet)
    image, elf = resolve_image(args.image, args.elf)
    if not image.exists():
        out.note(f"runner: no such image: {image}")
        return 2
    if shutil.which("qemu-system-x86_64") is None:
        out.note("runner: qemu-system-x86_64 not found; install it with: sudo apt-get install qemu-system-x86")
        return 2
    name = image.stem
    if args.screendump:
        if not args.screendump_after:
            out.note("runner: --screendump needs --screendump-after TEXT")
            return 2
        args.screendump.unlink(missing_ok=True)  # a stale picture must not pass for a new one
    if args.expect_exit is not None and not args.match:
        out.note("runner: --expect-exit needs at least one --match")
        return 2
    result = run_qemu(settings_with_exit(args), image, elf, out)
    if args.log:
        args.log.write_text("\n".join(result.report.lines) + "\n")
    print_summary(out, name, result, elf)
    if args.junit:
        write_junit(args.junit, name, result)
    if args.json:
        write_json(args.json, name, result)
    return 0 if check_expectations(args, result, out) else 1

"""What the benchmark tools that boot a kernel share (tools/bench_user.py,
tools/bench_fs.py): one boot of QEMU with its serial output, the `BENCH`
lines a benchmark program prints, and the summary over several boots."""
import re
import statistics
import subprocess
import time

BENCH_RE = re.compile(r"^BENCH (\w+) ([\d.]+) min=([\d.]+) max=([\d.]+) n=(\d+) reps=(\d+)\s*$", re.M)
DONE_RE = re.compile(r"^BENCH_DONE (\d+) ms", re.M)


def run_boot(command: list[str], tool: str, label: str, timeout: int) -> tuple[subprocess.CompletedProcess, str, float]:
    """Runs QEMU; returns the process, its serial output and the seconds it took."""
    started = time.monotonic()
    try:
        proc = subprocess.run(command, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace")
        raise SystemExit(f"{tool}: {label} ran past {timeout} s; its output:\n{output[-3000:]}")
    return proc, proc.stdout.decode(errors="replace").replace("\r", ""), time.monotonic() - started


def figures_of(serial: str) -> dict[str, dict]:
    """Each `BENCH name median min=.. max=.. n=.. reps=..` line, by name."""
    return {m.group(1): {"median": float(m.group(2)), "min": float(m.group(3)), "max": float(m.group(4)),
                         "n": int(m.group(5)), "reps": int(m.group(6))} for m in BENCH_RE.finditer(serial)}


def summarize(boots: list[dict], names) -> dict[str, dict]:
    """Per figure: the median over boots of each boot's median, and the range of those."""
    out: dict[str, dict] = {}
    for name in names:
        values = [b["figures"][name]["median"] for b in boots if name in b["figures"]]
        if values:
            out[name] = {"median": statistics.median(values), "boot_medians": values, "low": min(values),
                         "high": max(values)}
    return out

"""Kernel addresses in a report to 'function at file:line' (addr2line on
the unstripped ELF)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

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

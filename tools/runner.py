#!/usr/bin/env python3
"""Boot one Kestrel kernel image in QEMU, follow its KTAP report on COM1, and
give a verdict: `tools/runner.py IMAGE [options]`, `--help` for the options.
The code is the ktest_runner package beside this file (a package, so Python
caches its compiled modules and a run starts quickly)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ktest_runner.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

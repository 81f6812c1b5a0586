"""ktest_runner: boot one Kestrel kernel in QEMU, follow its KTAP report on
COM1 and give a verdict. tools/runner.py is the command; the pieces:

    verdict     the verdicts (an enum) and how a run's evidence maps to one
    ktap        the incremental KTAP reader
    qemu        the QEMU command line, the run with its timeouts, QMP keys
    symbolize   kernel addresses to function and file:line (addr2line)
    report      the summary on the terminal, JUnit XML and kunit-style JSON
    cli         the command line, the expectations of detector tests

Python 3 standard library only. See docs/testing.md.
"""

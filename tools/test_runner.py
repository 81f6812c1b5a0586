"""Unit tests of runner.py's KTAP reader and verdicts, on hand-written logs,
and of the KTAP header real kernels print (RealKernelHeader: boots QEMU; runs
when KESTREL_BUILD_DIR names a build directory, as CTest sets it).
Run: python3 -m unittest -q test_runner   (from tools/; CTest: runner.selftest)"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from ktest_runner import cli, ktap, qemu, report, verdict

RUNNER = Path(__file__).resolve().parent / "runner.py"

PASSING = """KTAP version 1
1..1
# ktest: 2 case(s) in 1 suite(s)
    KTAP version 1
    # Subtest: fmt
    1..2
    # RUN fmt.ints
    # fmt.ints took 0.100 ms
    ok 1 ints
    # RUN fmt.skipped
    # fmt.skipped took 0.001 ms
    ok 2 skipped # SKIP not today
# fmt: pass:1 fail:0 skip:1 total:2
ok 1 fmt
# Totals: pass:1 fail:0 skip:1 total:2"""

# Two suites; CUT_BETWEEN_SUITES ends right after the first suite's result, so
# every suite that started is whole and only the top-level plan shows that
# the second one is missing.
TWO_SUITES = """KTAP version 1
1..2
# ktest: 2 case(s) in 2 suite(s)
    KTAP version 1
    # Subtest: fmt
    1..1
    # RUN fmt.ints
    # fmt.ints took 0.100 ms
    ok 1 ints
# fmt: pass:1 fail:0 skip:0 total:1
ok 1 fmt
    KTAP version 1
    # Subtest: list
    1..1
    # RUN list.links
    # list.links took 0.010 ms
    ok 1 links
# list: pass:1 fail:0 skip:0 total:1
ok 2 list
# Totals: pass:2 fail:0 skip:0 total:2"""
CUT_BETWEEN_SUITES = TWO_SUITES.split("\n    KTAP version 1\n    # Subtest: list")[0]


def report_of(text: str) -> ktap.KtapReport:
    report = ktap.KtapReport()
    for line in text.splitlines():
        report.feed(line)
    return report


class KtapReading(unittest.TestCase):
    def test_cases_durations_and_skips(self):
        report = report_of(PASSING)
        self.assertEqual([c.full_name for c in report.cases], ["fmt.ints", "fmt.skipped"])
        self.assertEqual(report.cases[0].status, "passed")
        self.assertAlmostEqual(report.cases[0].duration_ms, 0.1)
        self.assertEqual(report.cases[1].status, "skipped")
        self.assertEqual(report.cases[1].skip_reason, "not today")
        self.assertIsNone(report.incomplete_reason())
        self.assertEqual(report.totals, (1, 0, 1, 2))

    def test_failure_diagnostics_belong_to_their_case(self):
        text = PASSING.replace("    # fmt.ints took 0.100 ms\n    ok 1 ints",
                               "    # EXPECT_EQ(a, b) failed at x.cpp:3\n    #   a = 1 (0x1)\n    not ok 1 ints")
        report = report_of(text.replace("ok 1 fmt", "not ok 1 fmt"))
        self.assertEqual(report.cases[0].status, "failed")
        self.assertIn("# EXPECT_EQ(a, b) failed at x.cpp:3", report.cases[0].diagnostics)

    def test_running_case_is_known_before_its_result(self):
        report = report_of(PASSING.split("    # fmt.skipped took")[0])
        self.assertEqual(report.running.full_name, "fmt.skipped")


class MissingCases(unittest.TestCase):
    """missing() counts as kunit.py counts crashed tests (tests/kunit checks
    that against the real kunit.py on real logs)."""

    def test_whole_report_misses_nothing(self):
        self.assertEqual(report_of(TWO_SUITES).missing(), 0)

    def test_suite_never_started_counts_one(self):
        self.assertEqual(report_of(CUT_BETWEEN_SUITES).missing(), 1)

    def test_cases_of_a_started_suite_count_each(self):
        cut = PASSING.split("    # RUN fmt.ints")[0]  # plan 1..2 announced, nothing reported
        self.assertEqual(report_of(cut).missing(), 2)


class JsonReport(unittest.TestCase):
    def result_of(self, text: str, exit_status: int | None) -> qemu.RunResult:
        rep = report_of(text)
        return qemu.RunResult(rep, verdict.classify(rep, exit_status), 0.5, exit_status, [], "")

    def test_kunit_shape_and_our_counts(self):
        data = report.json_result("k", self.result_of(PASSING, verdict.EXIT_PASSED))
        self.assertEqual(data["name"], "KUnit Test Group")
        self.assertEqual(data["sub_groups"][0]["name"], "fmt")
        self.assertEqual([c["status"] for c in data["sub_groups"][0]["test_cases"]], ["PASS", "SKIP"])
        for key in ("arch", "defconfig", "build_environment", "lab_name", "kernel", "job", "git_branch"):
            self.assertIn(key, data)
        self.assertEqual(data["kestrel"]["verdict"], "passed")
        self.assertTrue(data["kestrel"]["passed"])
        self.assertEqual(data["kestrel"]["counts"], {"passed": 1, "failed": 0, "skipped": 1, "missing": 0})

    def test_a_case_that_never_ended_is_an_error(self):
        cut = PASSING.split("    # fmt.skipped took")[0]
        data = report.json_result("k", self.result_of(cut, None))
        self.assertEqual(data["sub_groups"][0]["test_cases"][-1], {"name": "skipped", "status": "ERROR"})
        self.assertFalse(data["kestrel"]["passed"])


class CommandLine(unittest.TestCase):
    def test_options_become_kernel_words(self):
        args = cli.parser_for_run().parse_args(["k.elf", "--filter", "a.*", "--attr", "slow", "--skip-slow",
                                                "--seed", "3", "--repeat", "2"])
        self.assertEqual(cli.build_kernel_args(args),
                         "ktest.filter=a.* ktest.seed=3 ktest.repeat=2 ktest.skip_slow ktest.attr=slow")

    def test_an_elf_boots_directly_an_iso_from_the_cd(self):
        self.assertIn("-kernel", qemu.qemu_base_command(Path("k.elf"), "tcg"))
        self.assertIn("-cdrom", qemu.qemu_base_command(Path("k.iso"), "tcg"))
        self.assertEqual(cli.resolve_image(Path("x/k.elf"), None), (Path("x/k.elf"), Path("x/k.elf")))

    def test_verdicts_are_an_enum_that_reads_as_text(self):
        self.assertIs(verdict.EXPECT_NAMES["should-panic"], verdict.Verdict.SHOULD_PANIC_PASSED)
        self.assertEqual(verdict.Verdict.TRIPLE_FAULT, "triple fault")
        self.assertTrue(verdict.Verdict.OUTPUT_MATCHED.passing)
        self.assertFalse(verdict.Verdict.TIMEOUT.passing)

    def test_work_directories_are_private_and_distinct(self):
        a, b = qemu.make_workdir(), qemu.make_workdir()
        try:
            self.assertNotEqual(a, b)
            self.assertEqual(a.stat().st_mode & 0o777, 0o700)
        finally:
            a.rmdir()
            b.rmdir()


class Verdicts(unittest.TestCase):
    def test_pass_needs_the_pass_exit_status_and_a_whole_report(self):
        self.assertEqual(verdict.classify(report_of(PASSING), verdict.EXIT_PASSED).verdict, "passed")
        self.assertEqual(verdict.classify(report_of(PASSING), verdict.EXIT_FAILED).verdict, "failed")

    def test_exit_status_zero_is_never_a_pass(self):
        self.assertEqual(verdict.classify(report_of(PASSING), 0).verdict, "failed")

    def test_cut_short_output_fails(self):
        cut = "\n".join(PASSING.splitlines()[:9])
        outcome = verdict.classify(report_of(cut), verdict.EXIT_PASSED)
        self.assertEqual(outcome.verdict, "failed")
        self.assertIn("incomplete", outcome.reason)

    def test_a_log_cut_between_two_suites_fails(self):
        self.assertTrue(CUT_BETWEEN_SUITES.endswith("ok 1 fmt"))
        self.assertEqual(verdict.classify(report_of(TWO_SUITES), verdict.EXIT_PASSED).verdict, "passed")
        outcome = verdict.classify(report_of(CUT_BETWEEN_SUITES), verdict.EXIT_PASSED)
        self.assertEqual(outcome.verdict, "failed")
        self.assertIn("the plan announced 2 top-level result(s) but 1 arrived", outcome.reason)
        self.assertEqual(verdict.classify(report_of(CUT_BETWEEN_SUITES), None).verdict, "failed")  # a saved log

    def test_a_log_without_a_plan_fails(self):
        for text in (TWO_SUITES, CUT_BETWEEN_SUITES):
            without_plan = text.replace("KTAP version 1\n1..2\n", "KTAP version 1\n", 1)
            self.assertNotIn("\n1..2", without_plan)
            outcome = verdict.classify(report_of(without_plan), verdict.EXIT_PASSED)
            self.assertEqual(outcome.verdict, "failed")
            self.assertIn("no test plan", outcome.reason)

    def test_the_plan_must_come_right_after_the_version_line(self):
        report = report_of(TWO_SUITES)
        self.assertEqual(report.after_version, "1..2")
        self.assertIsNone(report.misplaced_plan_reason())
        # The order our kernels printed before: a diagnostic line between the
        # version line and the plan, where older kunit.py never finds the plan.
        late = TWO_SUITES.replace("1..2\n# ktest: 2 case(s) in 2 suite(s)", "# ktest: 2 case(s) in 2 suite(s)\n1..2")
        self.assertNotEqual(late, TWO_SUITES)
        outcome = verdict.classify(report_of(late), verdict.EXIT_PASSED)
        self.assertEqual(outcome.verdict, "failed")
        self.assertIn("malformed", outcome.reason)
        self.assertIn("# ktest: 2 case(s) in 2 suite(s)", outcome.reason)
        # A listing is a report too: its 1..0 also belongs right after the version line.
        listing = "KTAP version 1\n1..0\n# ktest: 1 case(s) selected; listing only, nothing runs\n# case fmt.ints (a.cpp:1)"
        self.assertEqual(verdict.classify(report_of(listing), verdict.EXIT_PASSED).verdict, "passed")
        listing_late = "KTAP version 1\n# case fmt.ints (a.cpp:1)\n1..0"
        self.assertEqual(verdict.classify(report_of(listing_late), verdict.EXIT_PASSED).verdict, "failed")

    def test_no_output_fails(self):
        self.assertEqual(verdict.classify(report_of(""), verdict.EXIT_PASSED).verdict, "failed")

    def test_timeout_and_triple_fault_name_the_running_case(self):
        running = report_of(PASSING.split("    # fmt.skipped took")[0])
        outcome = verdict.classify(running, None, timed_out="too long")
        self.assertEqual((outcome.verdict, outcome.culprit), ("timeout", "fmt.skipped"))
        outcome = verdict.classify(running, 0, triple_fault=True)
        self.assertEqual((outcome.verdict, outcome.culprit), ("triple fault", "fmt.skipped"))

    def test_kernel_panic_outside_cases(self):
        text = "KTAP version 1\nPANIC: boom\n  at a.cpp:1 in f()\n  backtrace:\n    #0 0xffffffff80101234"
        outcome = verdict.classify(report_of(text), verdict.EXIT_FAILED)
        self.assertEqual(outcome.verdict, "panic")
        self.assertEqual(len(report_of(text).panic_lines), 4)

    def test_should_panic_binary(self):
        ok = "KTAP version 1\n1..1\n# RUN sp (should panic)\nPANIC: x\n  at a.cpp:1 in f()\n" \
             "# should-panic: panicked as expected\nok 1 sp"
        self.assertEqual(verdict.classify(report_of(ok), verdict.EXIT_PASSED).verdict, "should-panic passed")
        returned = "KTAP version 1\n1..1\n# RUN sp\n# did not panic: sp returned\nnot ok 1 sp"
        self.assertEqual(verdict.classify(report_of(returned), verdict.EXIT_FAILED).verdict, "did not panic")

    def test_expect_exit_needs_the_machine_to_end_by_itself(self):
        matched = report_of("Kestrel\nkestrel:/$ poweroff")
        outcome = verdict.classify(matched, 0, matched=True, expected_exit=0)
        self.assertEqual(outcome.verdict, "output matched")
        self.assertIn("exited by itself with status 0", outcome.reason)
        outcome = verdict.classify(matched, verdict.EXIT_PASSED, matched=True, expected_exit=0)
        self.assertEqual(outcome.verdict, "failed")
        self.assertIn("exited with status 33, not 0", outcome.reason)
        outcome = verdict.classify(matched, None, matched=True, expected_exit=0, timed_out="no verdict after 5 s")
        self.assertEqual(outcome.verdict, "timeout")
        self.assertIn("did not exit by itself", outcome.reason)
        # Without every match, an exit is judged as any other: status 0 is no pass.
        self.assertEqual(verdict.classify(matched, 0, expected_exit=0).verdict, "failed")

    def test_fw_cfg_commas_are_escaped(self):
        self.assertEqual(qemu.qemu_fw_cfg_string("ktest.filter=a.*,b.*"), "ktest.filter=a.*,,b.*")


BUILD_DIR = os.environ.get("KESTREL_BUILD_DIR")


@unittest.skipUnless(BUILD_DIR, "KESTREL_BUILD_DIR is not set (CTest sets it): no real kernel booted")
class RealKernelHeader(unittest.TestCase):
    """What real kernels print first on COM1, booted by the runner: the version
    line, then at once the top-level plan, whatever notes the options add."""

    def com1_lines(self, image: str, *options: str) -> list[str]:
        path = Path(BUILD_DIR) / image
        self.assertTrue(path.exists(), f"{path} is not built")
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "com1.log"
            subprocess.run([sys.executable, str(RUNNER), str(path), "--quiet", "--color", "never",
                            "--log", str(log), *options], capture_output=True, text=True, timeout=120)
            self.assertTrue(log.exists(), f"the runner saved no log of {image}")
            return log.read_text().splitlines()

    def test_unit_kernel_with_filter_shuffle_and_repeat(self):
        lines = self.com1_lines("ktest/ktest-kernel.elf", "--filter", "format.*,intrusive_list.*", "--shuffle",
                                "--seed", "1", "--repeat", "2")
        top_results = [line for line in lines if ktap.RESULT_RE.match(line)]
        self.assertEqual(len(top_results), 4, "2 suites, twice")
        self.assertEqual(lines[:2], ["KTAP version 1", "1..4"])
        notes = [line for line in lines if line.startswith("# ktest:")]
        for note in ("# ktest: filter 'format.*,intrusive_list.*' selects", "# ktest: shuffled with seed 1",
                     "# ktest: repeating 2 times"):
            self.assertTrue(any(line.startswith(note) for line in notes), f"no note {note!r} in {notes}")

    def test_unit_kernel_listing_by_attribute_and_empty_selection(self):
        lines = self.com1_lines("ktest/ktest-kernel.elf", "--attr", "slow", "--list")
        self.assertEqual(lines[:2], ["KTAP version 1", "1..0"])
        cases = [line for line in lines if line.startswith("# case ")]
        self.assertTrue(cases, "the unit kernel has a slow case (ktest_self.slow_cases_are_marked)")
        self.assertTrue(all("[slow]" in line for line in cases), cases)
        lines = self.com1_lines("ktest/ktest-kernel.elf", "--filter", "no_such_suite.*")
        self.assertEqual(lines[:2], ["KTAP version 1", "1..0"])
        self.assertTrue(any(line.startswith("# ktest: no test case to run") for line in lines[2:]))

    def run_runner(self, image: str, *options: str) -> subprocess.CompletedProcess:
        path = Path(BUILD_DIR) / image
        self.assertTrue(path.exists(), f"{path} is not built")
        return subprocess.run([sys.executable, str(RUNNER), str(path), "--quiet", "--color", "never", *options],
                              capture_output=True, text=True, timeout=120)

    def test_expect_exit_waits_for_qemu_to_exit_by_itself(self):
        # A test kernel ends QEMU itself (isa-debug-exit, status 33) after its
        # KTAP header: with --expect-exit 33 that is a pass, with 0 a failure.
        options = ["--filter", "format.*", "--match", "^KTAP version 1$"]
        passed = self.run_runner("ktest/ktest-kernel.elf", *options, "--expect-exit", "33")
        self.assertEqual(passed.returncode, 0, passed.stdout + passed.stderr)
        self.assertIn("exited by itself with status 33", passed.stdout)
        wrong = self.run_runner("ktest/ktest-kernel.elf", *options, "--expect-exit", "0")
        self.assertEqual(wrong.returncode, 1, wrong.stdout + wrong.stderr)
        self.assertIn("exited with status 33, not 0", wrong.stdout)
        # The product never exits by itself: the run ends at the timeout, a failure.
        hung = self.run_runner("kernel.elf", "--timeout", "8", "--match", "^boot: loader", "--expect-exit", "0")
        self.assertEqual(hung.returncode, 1, hung.stdout + hung.stderr)
        self.assertIn("did not exit by itself", hung.stdout)

    # The runs CTest already made (their saved logs and JSON; CTest orders
    # this test after them, see tests/CMakeLists.txt).
    def saved(self, test: str, suffix: str) -> Path:
        path = Path(BUILD_DIR) / "test-logs" / f"{test}.{suffix}"
        self.assertTrue(path.exists(), f"{path}: run CTest's {test} first")
        return path

    def test_unit_kernel_json_in_kunit_shape(self):
        result = json.loads(self.saved("unit.ktest", "json").read_text())
        self.assertEqual(result["name"], "KUnit Test Group")
        self.assertEqual(self.saved("unit.ktest", "log").read_text().splitlines()[0], "KTAP version 1")
        total = sum(len(group["test_cases"]) for group in result["sub_groups"])
        counts = result["kestrel"]["counts"]
        self.assertEqual(total, counts["passed"] + counts["failed"] + counts["skipped"])
        self.assertEqual(result["kestrel"]["verdict"], "passed")
        self.assertIn("format", [group["name"] for group in result["sub_groups"]])

    def test_should_panic_kernel(self):
        lines = self.saved("should_panic.kassert_fails", "log").read_text().splitlines()
        self.assertEqual(lines[:2], ["KTAP version 1", "1..1"])


if __name__ == "__main__":
    unittest.main()

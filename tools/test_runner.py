"""Unit tests of runner.py's KTAP reader and verdicts, on hand-written logs.
Run: python3 -m unittest -q test_runner   (from tools/; CTest: runner.selftest)"""

import unittest

import runner

PASSING = """KTAP version 1
# ktest: 2 case(s) in 1 suite(s)
1..1
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


def report_of(text: str) -> runner.KtapReport:
    report = runner.KtapReport()
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


class Verdicts(unittest.TestCase):
    def test_pass_needs_the_pass_exit_status_and_a_whole_report(self):
        self.assertEqual(runner.classify(report_of(PASSING), runner.EXIT_PASSED).verdict, "passed")
        self.assertEqual(runner.classify(report_of(PASSING), runner.EXIT_FAILED).verdict, "failed")

    def test_exit_status_zero_is_never_a_pass(self):
        self.assertEqual(runner.classify(report_of(PASSING), 0).verdict, "failed")

    def test_cut_short_output_fails(self):
        cut = "\n".join(PASSING.splitlines()[:9])
        outcome = runner.classify(report_of(cut), runner.EXIT_PASSED)
        self.assertEqual(outcome.verdict, "failed")
        self.assertIn("incomplete", outcome.reason)

    def test_no_output_fails(self):
        self.assertEqual(runner.classify(report_of(""), runner.EXIT_PASSED).verdict, "failed")

    def test_timeout_and_triple_fault_name_the_running_case(self):
        running = report_of(PASSING.split("    # fmt.skipped took")[0])
        outcome = runner.classify(running, None, timed_out="too long")
        self.assertEqual((outcome.verdict, outcome.culprit), ("timeout", "fmt.skipped"))
        outcome = runner.classify(running, 0, triple_fault=True)
        self.assertEqual((outcome.verdict, outcome.culprit), ("triple fault", "fmt.skipped"))

    def test_kernel_panic_outside_cases(self):
        text = "KTAP version 1\nPANIC: boom\n  at a.cpp:1 in f()\n  backtrace:\n    #0 0xffffffff80101234"
        outcome = runner.classify(report_of(text), runner.EXIT_FAILED)
        self.assertEqual(outcome.verdict, "panic")
        self.assertEqual(len(report_of(text).panic_lines), 4)

    def test_should_panic_binary(self):
        ok = "KTAP version 1\n1..1\n# RUN sp (should panic)\nPANIC: x\n  at a.cpp:1 in f()\n" \
             "# should-panic: panicked as expected\nok 1 sp"
        self.assertEqual(runner.classify(report_of(ok), runner.EXIT_PASSED).verdict, "should-panic passed")
        returned = "KTAP version 1\n1..1\n# RUN sp\n# did not panic: sp returned\nnot ok 1 sp"
        self.assertEqual(runner.classify(report_of(returned), runner.EXIT_FAILED).verdict, "did not panic")

    def test_fw_cfg_commas_are_escaped(self):
        self.assertEqual(runner.qemu_fw_cfg_string("ktest.filter=a.*,b.*"), "ktest.filter=a.*,,b.*")


if __name__ == "__main__":
    unittest.main()

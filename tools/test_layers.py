"""Unit tests of layers.py on small source trees built in a temporary folder:
they prove the check fires on each kind of violation and passes a clean tree.
Run: python3 -m unittest -q test_layers   (from tools/; CTest: layers.selftest)"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

import layers

LAYERS = """# test layers
lib   # bottom
arch
drivers
kernel  # top
"""

CLEAN = {
    "lib/kstd/format.h": "#pragma once\n",
    "arch/x86_64/cpu.h": '#pragma once\n#include "kstd/format.h"\n#include <stdint.h>\n',
    "arch/x86_64/cpu.cpp": '#include "arch/x86_64/cpu.h"\n#include "cpu.h"\n',
    "arch/x86_64/boot.asm": '%include "arch/x86_64/defs.inc"\n',
    "arch/x86_64/defs.inc": "",
    "drivers/pit.h": '#pragma once\n#include "arch/x86_64/cpu.h"\n',
    "kernel/main.cpp": '#include "drivers/pit.h"\n#include "kstd/format.h"\n',
}


class LayersTest(unittest.TestCase):
    def run_check(self, files, layer_text=LAYERS, *options):
        """Builds <tmp>/src from {path: text}; returns (exit code, output)."""
        with tempfile.TemporaryDirectory() as root:
            src = os.path.join(root, "src")
            for path, text in {"layers.txt": layer_text, **files}.items():
                os.makedirs(os.path.dirname(os.path.join(src, path)), exist_ok=True)
                with open(os.path.join(src, path), "w") as out:
                    out.write(text)
            output = io.StringIO()
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                code = layers.main(["--src", src, *options])
            return code, output.getvalue()

    def test_clean_tree_passes_with_a_summary(self):
        code, output = self.run_check(CLEAN)
        self.assertEqual(code, 0, output)
        self.assertEqual(output, "layers: 6 files, 7 includes, 4 layers, no violations\n")

    def test_upward_include_is_reported_with_file_and_line(self):
        code, output = self.run_check({**CLEAN, "arch/x86_64/tsc.cpp": '#include "arch/x86_64/cpu.h"\n'
                                                                       '\n#include "drivers/pit.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("src/arch/x86_64/tsc.cpp:3: arch (layer 2) includes drivers/pit.h "
                      "from drivers (layer 3), which is above it", output)

    def test_two_folder_cycle_is_reported_as_a_cycle(self):
        code, output = self.run_check({**CLEAN, "arch/x86_64/tsc.cpp": '#include "drivers/pit.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("cycle: 2 folders include each other: arch, drivers", output)
        self.assertIn("\n  arch -> drivers -> arch\n", output)
        self.assertIn("arch -> drivers: src/arch/x86_64/tsc.cpp:1 includes drivers/pit.h", output)
        self.assertIn("drivers -> arch: src/drivers/pit.h:2 includes arch/x86_64/cpu.h", output)

    def test_cycle_pass_works_without_the_order(self):
        graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
        components = sorted(sorted(c) for c in layers.strongly_connected(graph))
        self.assertEqual(components, [["a", "b", "c"], ["d", "e"], ["f"]])
        found = layers.cycles(graph, rank=lambda folder: folder)
        self.assertEqual(found, [(["a", "b", "c"], [["a", "b", "c", "a"]]), (["d", "e"], [["d", "e", "d"]])])
        self.assertEqual(layers.cycles({"a": {"b"}, "b": {"c"}}, rank=lambda folder: folder), [])

    def test_cycle_with_an_unlisted_folder_is_still_found(self):
        code, output = self.run_check({**CLEAN, "extra/x.h": '#include "kernel/k.h"\n',
                                       "kernel/k.h": '#include "extra/x.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("\n  kernel -> extra -> kernel\n", output)

    def test_tests_beside_the_code_may_include_upward(self):
        code, output = self.run_check({**CLEAN, "arch/x86_64/cpu_tests.cpp": '#include "ktest/ktest.h"\n'
                                                                             '#include "kernel/init.h"\n'})
        self.assertEqual(code, 0, output)

    def test_product_code_including_the_test_framework_is_reported(self):
        code, output = self.run_check({**CLEAN, "drivers/pit.cpp": '#include "drivers/pit.h"\n'
                                                                   '#include "ktest/ktest.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("src/drivers/pit.cpp:2: product code includes the test framework (ktest/ktest.h)", output)

    def test_unknown_folder_is_reported(self):
        code, output = self.run_check({**CLEAN, "net/socket.h": '#include "kstd/format.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("src/net/socket.h: folder net is not listed in layers.txt", output)

    def test_kstd_includes_resolve_to_lib(self):
        code, output = self.run_check({"lib/kstd/vector.h": "", "arch/a.h": '#include "kstd/vector.h"\n'})
        self.assertEqual(code, 0, output)
        # ... so kstd is lib, the bottom layer: lib including arch is upward.
        code, output = self.run_check({"lib/kstd/vector.h": '#include "arch/a.h"\n', "arch/a.h": ""})
        self.assertIn("src/lib/kstd/vector.h:1: lib (layer 1) includes arch/a.h", output)

    def test_unresolved_include_needs_a_generated_prefix(self):
        files = {**CLEAN, "kernel/version.cpp": '#include "generated/version.h"\n'}
        code, output = self.run_check(files)
        self.assertEqual(code, 1)
        self.assertIn("src/kernel/version.cpp:1: cannot resolve generated/version.h", output)
        code, output = self.run_check(files, LAYERS, "--generated-prefix", "generated/")
        self.assertEqual(code, 0, output)

    def test_asm_includes_are_checked(self):
        code, output = self.run_check({**CLEAN, "arch/x86_64/boot.asm": '%include "kernel/k.inc"\n',
                                       "kernel/k.inc": ""})
        self.assertIn("src/arch/x86_64/boot.asm:1: arch (layer 2) includes kernel/k.inc", output)

    def test_command_line_exit_code(self):
        with tempfile.TemporaryDirectory() as src:
            for path, text in {"layers.txt": "lib\narch\n", "lib/l.h": '#include "arch/a.h"\n', "arch/a.h": ""}.items():
                os.makedirs(os.path.dirname(os.path.join(src, path)), exist_ok=True)
                with open(os.path.join(src, path), "w") as out:
                    out.write(text)
            tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.py")
            result = subprocess.run([sys.executable, tool, "--src", src], capture_output=True, text=True)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("l.h:1: lib (layer 1) includes arch/a.h from arch (layer 2), which is above it", result.stdout)


if __name__ == "__main__":
    unittest.main()

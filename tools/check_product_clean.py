#!/usr/bin/env python3
"""check_product_clean.py PRODUCT.elf KTEST.elf

Proves the product kernel holds no test code, names or strings, and no
sanitizer (test kernels are built with UBSan and KASAN, the product without:
no __asan_* or __ubsan_* symbol may be in it, defined or called). The tests
beside the kernel code (*_tests.cpp) and ktest/ are compiled into object
libraries of their own that only test kernels link, so nothing of them can
reach the product. Every test name and framework string is first found in
the test kernel, so the check cannot pass by looking for the wrong thing,
then looked for in the product: in the full ELF that gdb loads, debug
information included (DWARF would name any test function, file or type that
was linked), and in its symbol table. Exit 0 when the product is clean.
"""
import os
import re
import subprocess
import sys
import tempfile


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def strings_of(elf: str) -> set[str]:
    return set(run("strings", "-a", "-n", "4", elf).splitlines())


def main(product: str, ktest: str) -> int:
    problems = []
    # KTEST(suite, name) defines a static `ktest_case_<suite>__<name>`.
    test_symbols = re.findall(r"^\S+ \w _ZL\d+ktest_case_(?!pointer_)(\w+?)__(\w+)$", run("nm", ktest), re.M)
    if len(test_symbols) < 5:
        print(f"check is broken: found only {len(test_symbols)} KTEST cases in {ktest}")
        return 1
    # Names of cases and suites, plus strings only the framework and the
    # assertion macros print.
    markers = {"KTAP version 1", "# RUN {}.{}{}{}", "EXPECT_EQ", "ASSERT_TRUE", "EXPECT_STREQ",
               "ktest", "_tests.cpp"}
    markers |= {name for _, name in test_symbols if len(name) >= 8}
    with tempfile.TemporaryDirectory() as tmp:
        shipped = os.path.join(tmp, "ktest.elf")
        run("objcopy", "--strip-debug", ktest, shipped)
        ktest_strings = strings_of(shipped)
    missing = sorted(m for m in markers if not any(m in s for s in ktest_strings))
    if missing:
        print(f"check is broken: not found even in the test kernel: {missing[:5]}")
        return 1
    # The sanitizers' runtimes and the compiler's calls into them: the test
    # kernel has both, or this looks for the wrong names.
    sanitizer = re.compile(r"\b__(asan|ubsan)_\w+")
    for prefix in ("__asan_", "__ubsan_"):
        if not any(prefix in line for line in run("nm", ktest).splitlines()):
            print(f"check is broken: no {prefix}* symbol even in the (sanitized) test kernel")
            return 1

    symbols = [line for line in run("nm", product).splitlines() if "ktest" in line.lower()]
    if symbols:
        problems.append(f"{len(symbols)} ktest symbol(s), e.g. {symbols[0]}")
    sanitizer_symbols = [line for line in run("nm", product).splitlines() if sanitizer.search(line)]
    if sanitizer_symbols:
        problems.append(f"{len(sanitizer_symbols)} sanitizer symbol(s) (__asan_*, __ubsan_*), "
                        f"e.g. {sanitizer_symbols[0].strip()}: the product must be built without sanitizers")
    sections = [line.split()[1] for line in run("objdump", "-h", product).splitlines()
                if re.match(r"\s*\d+ \.ktest", line)]
    if sections:
        problems.append(f"ktest sections: {sections}")
    if ".debug_info" not in run("objdump", "-h", product):
        problems.append("no debug information: the check must read the ELF gdb loads")
    product_strings = strings_of(product)
    leaked = sorted(m for m in markers if any(m in s for s in product_strings))
    if leaked:
        problems.append(f"test strings in the product: {leaked[:10]}")

    if problems:
        print(f"{product} is not a clean product (test code or sanitizers):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"{product} (with its debug information): no ktest symbols or sections, no sanitizer symbols, "
          f"and none of {len(markers)} test names and framework strings (all present in {ktest})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

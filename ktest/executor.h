#pragma once
#include "ktest/options.h"
#include "ktest/qemu_exit.h"
#include "ktest/should_panic.h"

namespace ktest {

// Runs (or lists) the cases registered in this kernel image, printing KTAP.
ExitCode run_registered_cases(const Options& options);

// Runs a should-panic kernel's body; ends QEMU with the verdict.
[[noreturn]] void run_should_panic(const ShouldPanicSpec& spec);

} // namespace ktest

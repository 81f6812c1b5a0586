// Detector: a should-panic kernel whose body returns is reported as "did not
// panic".
// ktest-runner-args: --expect did-not-panic

#include "ktest/should_panic.h"

KTEST_SHOULD_PANIC(returns_normally, "this never happens") {}

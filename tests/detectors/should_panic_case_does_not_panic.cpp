// Detector: a should_panic case that returns fails with "did not panic"; one
// that panics with another message fails too.
// ktest-runner-args: --expect failed --expect-passed 0
// ktest-runner-args: --expect-output "did not panic" --expect-output "does not contain \"the expected words\""

#include "core/panic.h"
#include "ktest/ktest.h"

KTEST(detector, returns_instead_of_panicking, ktest::should_panic()) {}

KTEST(detector, panics_with_the_wrong_message, ktest::should_panic("the expected words"))
{
    core::panic("some other words");
}

#pragma once
// A should-panic kernel (tests/should_panic/*.cpp): the body runs outside any
// test case, so a panic takes the kernel's real panic path (report on every
// console, then the end). It passes only if the body panics with a message
// containing the given text; if the body returns, the kernel reports "did
// not panic" and fails.
//
//   KTEST_SHOULD_PANIC(kassert_fails, "assertion failed: 1 + 1 == 3") {
//       KASSERT(1 + 1 == 3);
//   }

#include <cstdint>
#include "ktest/binary.h"

namespace ktest {

struct ShouldPanicSpec {
    const char* name;
    const char* message_contains;
    void (*body)();
    const char* file;
    uint32_t line;
};

} // namespace ktest

#define KTEST_SHOULD_PANIC(name, message_contains)                                                                \
    static void ktest_should_panic_body();                                                                        \
    extern const ::ktest::ShouldPanicSpec ktest_should_panic_spec;                                                \
    const ::ktest::ShouldPanicSpec ktest_should_panic_spec{#name, message_contains, &ktest_should_panic_body,    \
                                                           __FILE__, __LINE__};                                   \
    static void ktest_should_panic_body()

#pragma once
// Expecting a CPU exception in a test case.
//
//   EXPECT_FAULT(PageFault, *bad_pointer = 1);
//   EXPECT_EQ(ktest::last_fault().cr2, arch::VirtAddr::of(bad_pointer));
//   ASSERT_FAULT(InvalidOpcode, asm volatile("ud2"), "after {} tries", n);
//
// The first argument names an interrupts::Exception. The check passes only
// if the statement raises exactly that exception: execution then continues
// after the check (the statement's remaining work is abandoned, as with
// longjmp; locals it changed keep unspecified values). If the statement
// completes, the check fails like any EXPECT_*/ASSERT_*. If a different
// exception happens, the check fails with that exception's report and the
// case ends.
//
// Any exception in a case outside these checks fails the case with the
// decoded report (as KTAP diagnostics) and the run goes on; #BP is reported
// and execution continues. Outside a case the kernel's own handling applies
// (report, then panic).

#include <cstdint>
#include "interrupts/exceptions.h"
#include "ktest/ktest.h"

namespace ktest {

// The fault the last passing EXPECT_FAULT/ASSERT_FAULT caught: the frame,
// CR2 and where the handler's frame was (which stack it ran on).
const interrupts::Fault& last_fault();

// Prints a fault's report as diagnostics of the running case.
void print_fault(const interrupts::Fault& fault);

// Hides a value from the optimiser, so that a deliberate bad access is
// compiled as written (GCC turns a dereference it can see is null into UD2).
template <typename T>
T opaque(T value)
{
    // An empty asm that claims to change `value` in its register.
    asm volatile("" : "+r"(value));
    return value;
}

namespace internal {

struct FaultSite {
    const char* check;
    const char* arguments; // "Kind, statement" as written
    const char* statement;
    const char* file;
    int line;
    uint8_t vector;
};

enum class FaultOutcome : uint8_t { Faulted, NoFault };

// Runs thunk(context) with the site armed; returns Faulted when the expected
// exception ended it (resumed from the exception handler).
FaultOutcome run_expecting_fault(const FaultSite& site, void (*thunk)(void*), void* context);

// Forgets an armed site whose statement was left another way (ASSERT_*
// inside it, a panic). The executor calls it whenever a phase ends early.
void disarm_fault_expectation();

// Routes CPU exceptions through ktest first (ktest/main.cpp calls it before
// initialising the kernel): EXPECT_FAULT catches its fault, any other fault
// inside a case fails that case.
void install_fault_interceptor();

} // namespace internal
} // namespace ktest

// The statement runs in a lambda so that ktest's saved context lives in
// run_expecting_fault()'s frame, not in the test body's (no -Wclobbered
// trouble with the body's locals).
#define KTEST_FAULT_(severity, check, kind, statement, ...)                                                       \
    do {                                                                                                          \
        static constexpr ::ktest::internal::FaultSite ktest_site_{                                                \
            check, #kind ", " #statement, #statement, __FILE__, __LINE__,                                         \
            ::interrupts::vector_of(::interrupts::Exception::kind)};                                              \
        auto ktest_statement_ = [&]() { statement; };                                                             \
        const auto ktest_outcome_ = ::ktest::internal::run_expecting_fault(                                       \
            ktest_site_, [](void* ktest_context_) { (*static_cast<decltype(ktest_statement_)*>(ktest_context_))(); }, \
            &ktest_statement_);                                                                                   \
        if (ktest_outcome_ == ::ktest::internal::FaultOutcome::NoFault) [[unlikely]] {                            \
            ::ktest::Failure(check, #kind ", " #statement, __FILE__, __LINE__);                                   \
            ::ktest::Failure::text("the statement completed without raising " #kind);                             \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
        }                                                                                                         \
    } while (0)

#define EXPECT_FAULT(kind, statement, ...)                                                                        \
    KTEST_FAULT_(Expect, "EXPECT_FAULT", kind, statement __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_FAULT(kind, statement, ...)                                                                        \
    KTEST_FAULT_(Assert, "ASSERT_FAULT", kind, statement __VA_OPT__(, ) __VA_ARGS__)

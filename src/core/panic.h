#pragma once
// panic(): the kernel found a broken invariant and cannot go on. It prints
// "PANIC: <message>", the source location and a backtrace to every console,
// disables interrupts and halts.
//
//   core::panic("frame {:#x} freed twice", address);
//   KASSERT(index < count);
//   KASSERT(index < count, "index {} of {}", index, count);

#include <cstdint>
#include <source_location>
#include <string_view>
#include <type_traits>
#include "arch/x86_64/address.h"
#include "kstd/format.h"

namespace core {

struct PanicInfo {
    std::string_view message;
    std::source_location location;
    arch::VirtAddr frame_pointer; // where the backtrace starts
    bool message_truncated; // the message did not fit the panic buffer
};

// A harness may watch panics: the test framework uses this to end a failing
// test case and carry on, or to end QEMU with a verdict. The observer runs
// with interrupts off before anything is printed. If it returns, panic()
// prints the report and halts. An observer that leaves panic() by jumping
// away must call panic_recovered() first.
using PanicObserver = void (*)(const PanicInfo&);
void set_panic_observer(PanicObserver observer);
// Stops every other CPU (smp/ installs it once there are others): called
// once, by the CPU whose panic is reported, after the observer and before
// the report, which says how many it stopped.
struct StoppedCpus {
    uint32_t asked;   // other CPUs that were online
    uint32_t stopped; // of them, those that said so in time
};
using PanicStopHook = StoppedCpus (*)();
void set_panic_stop_hook(PanicStopHook hook);
void panic_recovered();
// A panic has begun (and not been recovered from): the console lock lets it
// write past a holder.
bool panic_in_progress();

// Prints the standard report (PANIC line, location, backtrace: see
// core/backtrace.h).
void print_panic_report(const PanicInfo& info);

[[noreturn]] void panic_with_message(std::string_view message, const std::source_location& location);

// A format string that also records where panic() was called.
template <typename... Args>
struct PanicFormat {
    template <typename S>
        requires std::convertible_to<const S&, std::string_view>
    consteval PanicFormat(const S& text, std::source_location loc = std::source_location::current())
        : format(text), location(loc)
    {
    }
    kstd::FormatString<Args...> format;
    std::source_location location;
};

namespace detail {
// Panic messages are formatted into one static buffer; a longer message is
// cut short and says so.
kstd::BufferSink& panic_message_buffer();
} // namespace detail

template <typename... Args>
[[noreturn]] void panic(PanicFormat<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    kstd::BufferSink& buffer = detail::panic_message_buffer();
    kstd::format_to<Args...>(buffer, fmt.format, args...);
    panic_with_message(buffer.view(), fmt.location);
}

[[noreturn]] void assertion_failed(const char* expression, const std::source_location& location);

template <typename... Args>
[[noreturn]] void assertion_failed(const char* expression, const std::source_location& location,
                                   kstd::FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    kstd::BufferSink& buffer = detail::panic_message_buffer();
    kstd::format_to(buffer, "assertion failed: {} (", expression);
    kstd::format_to<Args...>(buffer, fmt, args...);
    buffer.write(")");
    panic_with_message(buffer.view(), location);
}

} // namespace core

// Panics with the failed expression (and an optional formatted message) when
// `condition` is false. Always checked: the kernel has no release mode in
// which invariants silently stop holding.
#define KASSERT(condition, ...)                                                                                    \
    do {                                                                                                           \
        if (!(condition)) [[unlikely]]                                                                             \
            ::core::assertion_failed(#condition, std::source_location::current() __VA_OPT__(, ) __VA_ARGS__);   \
    } while (0)

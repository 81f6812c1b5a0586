#include "core/panic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "core/backtrace.h"
#include "core/print.h"

namespace core {

namespace {
PanicObserver g_observer = nullptr;
PanicStopHook g_stop_others = nullptr;
int g_panic_depth = 0;
uint32_t g_panic_owner = 0; // the CPU whose panic is being reported, id + 1; 0: none (GCC atomics)
char g_message_storage[512];
kstd::BufferSink g_message_buffer{std::span<char>(g_message_storage, sizeof g_message_storage)};

// One panic is reported, the first CPU's: this CPU claims it, or, when
// another CPU's panic is under way, stops here for good (it is being
// stopped anyway), before it formats anything into the one message buffer
// that report is using. A panic while panicking on the claiming CPU goes on
// (to the nested report).
void claim_panic()
{
    arch::disable_interrupts();
    const uint32_t me = arch::this_cpu_data().id + 1;
    uint32_t owner = 0;
    if (__atomic_compare_exchange_n(&g_panic_owner, &owner, me, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
        || owner == me)
        return;
    arch::halt_forever();
}
} // namespace

kstd::BufferSink& detail::panic_message_buffer()
{
    claim_panic();
    g_message_buffer.clear();
    return g_message_buffer;
}

void set_panic_observer(PanicObserver observer)
{
    g_observer = observer;
}

void set_panic_stop_hook(PanicStopHook hook)
{
    __atomic_store_n(&g_stop_others, hook, __ATOMIC_RELEASE);
}

void panic_recovered()
{
    // The panic may have come from inside a console write whose Guard will
    // never be destroyed now.
    console().abandon_lock();
    __atomic_store_n(&g_panic_depth, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g_panic_owner, uint32_t{0}, __ATOMIC_SEQ_CST);
}

bool panic_in_progress()
{
    return __atomic_load_n(&g_panic_depth, __ATOMIC_SEQ_CST) > 0;
}

void print_panic_report(const PanicInfo& info)
{
    if (!console().at_line_start())
        console().write("\n"); // the report starts a line (a panic may come mid-line)
    println("PANIC: {}{}", info.message, info.message_truncated ? " [message truncated]" : "");
    println("  at {}:{} in {}", info.location.file_name(), info.location.line(), info.location.function_name());
    print_backtrace(console(), info.frame_pointer, "  ");
}

void panic_with_message(std::string_view message, const std::source_location& location)
{
    // Another CPU's panic under way: this one stops here, without a word.
    claim_panic();
    const bool truncated = message.data() == g_message_storage && g_message_buffer.truncated();
    const PanicInfo info{message, location, arch::read_frame_pointer(), truncated};
    // A panic while panicking (on this CPU: the claim above) prints the bare
    // minimum and stops.
    if (__atomic_add_fetch(&g_panic_depth, 1, __ATOMIC_SEQ_CST) > 1) {
        console().write("PANIC (nested): ");
        console().write(message);
        console().write("\n");
        arch::halt_forever();
    }
    // A test harness may take the panic as a case's end and carry on (it
    // does not return then): the other CPUs run on with it.
    if (g_observer)
        g_observer(info);
    // Otherwise the machine stops: the other CPUs first (smp/ sends them an
    // NMI that halts them), so nothing else is printed or changed.
    StoppedCpus stopped{0, 0};
    if (PanicStopHook stop = __atomic_load_n(&g_stop_others, __ATOMIC_ACQUIRE))
        stopped = stop();
    print_panic_report(info);
    if (stopped.asked > 0)
        println("  other CPUs: {} of {} stopped", stopped.stopped, stopped.asked);
    arch::halt_forever();
}

void assertion_failed(const char* expression, const std::source_location& location)
{
    kstd::BufferSink& buffer = detail::panic_message_buffer();
    kstd::format_to(buffer, "assertion failed: {}", expression);
    panic_with_message(buffer.view(), location);
}

} // namespace core

// kstd's failure hooks (kstd/expected.h): in the kernel, a wrong access to an
// Expected or a failed MUST is a panic at the caller's line.
namespace kstd {

void expected_failed(std::string_view what, const std::source_location& where)
{
    core::panic_with_message(what, where);
}

void must_failed(const char* expression, std::string_view error, const std::source_location& where)
{
    kstd::BufferSink& buffer = core::detail::panic_message_buffer();
    kstd::format_to(buffer, "MUST({}) failed: {}", expression, error);
    core::panic_with_message(buffer.view(), where);
}

} // namespace kstd

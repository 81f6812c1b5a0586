#include "core/sanitizer_report.h"
#include "arch/x86_64/cpu.h"
#include "core/backtrace.h"
#include "core/panic.h"

namespace core {

namespace {

SanitizerObserver g_observer = nullptr;
bool g_reporting = false;
// Three backtraces and a few lines of values fit.
char g_storage[4096];
kstd::BufferSink g_sink{std::span<char>(g_storage, sizeof g_storage)};

} // namespace

void set_sanitizer_observer(SanitizerObserver observer)
{
    g_observer = observer;
}

bool in_sanitizer_report()
{
    return g_reporting;
}

SanitizerReport::SanitizerReport() : m_active(!g_reporting), m_sink(&g_sink)
{
    if (m_active) {
        g_reporting = true;
        g_sink.clear();
    }
}

SanitizerReport::~SanitizerReport()
{
    if (m_active)
        g_reporting = false;
}

void SanitizerReport::backtrace(arch::VirtAddr frame_pointer)
{
    if (m_active)
        print_backtrace(g_sink, frame_pointer, "  ");
}

void SanitizerReport::finish(const std::source_location& location)
{
    if (!m_active)
        return;
    std::string_view text = g_sink.view();
    if (g_sink.truncated())
        g_sink.write("  [report truncated]\n");
    text = g_sink.view();
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    if (g_observer && g_observer(text)) {
        g_reporting = false;
        m_active = false;
        return;
    }
    // Nobody takes it: the report is the panic message. g_reporting stays
    // set, so the checks of the panic path cannot report again.
    panic_with_message(text, location);
}

void SanitizerReport::finish_fatal(const std::source_location& location)
{
    // The panic may end only the running test case (ktest resumes the
    // executor): reports must work again after it.
    const bool mine = m_active;
    g_reporting = false;
    m_active = false;
    if (!mine)
        panic_with_message("a sanitizer check failed while a report was being written", location);
    std::string_view text = g_sink.view();
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    panic_with_message(text, location);
}

} // namespace core

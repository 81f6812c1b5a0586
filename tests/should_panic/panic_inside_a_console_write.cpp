// A panic raised inside a console's write, with the console lock held on
// this CPU, still prints its report: the panic's own writes nest in the
// lock instead of waiting for it (core/console.h).
// ktest-runner-args: --expect-output "PANIC: a console write panicked"

#include "core/panic.h"
#include "core/print.h"
#include "ktest/should_panic.h"

namespace {

class PanickingConsole final : public core::Console {
public:
    void write(std::string_view) override
    {
        if (m_armed) {
            m_armed = false;
            core::panic("a console write panicked");
        }
    }
    void arm() { m_armed = true; }

private:
    bool m_armed = false;
};

PanickingConsole g_console;

} // namespace

KTEST_SHOULD_PANIC(panic_inside_a_console_write, "a console write panicked")
{
    MUST(core::console().attach(g_console));
    g_console.arm();
    core::println("this line's write panics");
}

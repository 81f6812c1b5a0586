#pragma once
// A console is anything text can be written to. The kernel prints through
// one ConsoleMux that forwards every write to each attached console (COM1
// and the VGA text screen), so all output reaches both.
//
// The mux has a lock, held for each write and, through a Guard, for a whole
// line (core::println), so that lines from different threads and CPUs do not
// interleave. It is taken with interrupts off, and it is re-entrant on the
// CPU holding it: an exception report printed from inside a console's write
// nests instead of deadlocking. A panic never waits for it: the CPU holding
// it may be the one that is dead.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace core {

enum class ConsoleError : uint8_t {
    MuxFull, // every slot of the mux holds a console already
};
std::string_view to_string(ConsoleError error);

class Console : public kstd::Sink {
public:
    // The kernel's own text: '\n' starts a new line (a carriage return and a
    // line feed, as Linux's console driver does for kernel messages).
    void write(std::string_view text) override = 0;
    // Bytes a terminal program sends (fs/terminal.h, after its output
    // processing): '\n' is a bare line feed, escape sequences are meant
    // for whoever shows them. By default the same as write().
    virtual void write_terminal(std::string_view bytes) { write(bytes); }

protected:
    ~Console() = default;
};

class ConsoleMux final : public Console {
public:
    static constexpr size_t max_consoles = 4;

    // The mux's lock for a sequence of writes; see above.
    class Guard {
    public:
        explicit Guard(ConsoleMux& mux);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        ConsoleMux& m_mux;
        bool m_interrupts_were_enabled;
        bool m_held; // false: a panic wrote past another CPU's hold
    };

    // Attaching a console that is attached already does nothing. MuxFull
    // (and nothing attached) when all slots are taken.
    [[nodiscard]] kstd::Expected<void, ConsoleError> attach(Console& console);
    void detach(Console& console);
    void write(std::string_view text) override;
    void write_terminal(std::string_view bytes) override;
    size_t count() const { return m_count; }
    // The CPU holding the lock, if any, and how deep.
    bool is_locked() const { return __atomic_load_n(&m_owner, __ATOMIC_RELAXED) != 0; }
    uint32_t lock_depth() const { return m_depth; }
    // Whether the last text written ended a line (a panic report starts on a
    // line of its own, where the runner looks for it).
    bool at_line_start() const { return m_at_line_start; }
    // Frees the lock whatever holds it: for core::panic_recovered(), when a
    // harness jumps out of a panic that may have happened inside a Guard.
    void abandon_lock()
    {
        m_depth = 0;
        __atomic_store_n(&m_owner, 0, __ATOMIC_RELEASE);
    }

private:
    Console* m_consoles[max_consoles] = {};
    size_t m_count = 0;
    uint32_t m_owner = 0; // the holder's CPU id + 1; 0 while free (GCC atomics: core is below sync)
    uint32_t m_depth = 0; // nested Guards on the holder's CPU
    bool m_at_line_start = true;
};

} // namespace core

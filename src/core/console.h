#pragma once
// A console is anything text can be written to. The kernel prints through
// one ConsoleMux that forwards every write to each attached console (COM1
// and the VGA text screen), so all output reaches both.

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
    void write(std::string_view text) override = 0;

protected:
    ~Console() = default;
};

class ConsoleMux final : public Console {
public:
    static constexpr size_t max_consoles = 4;

    // Attaching a console that is attached already does nothing. MuxFull
    // (and nothing attached) when all slots are taken.
    [[nodiscard]] kstd::Expected<void, ConsoleError> attach(Console& console);
    void detach(Console& console);
    void write(std::string_view text) override;
    size_t count() const { return m_count; }

private:
    Console* m_consoles[max_consoles] = {};
    size_t m_count = 0;
};

} // namespace core

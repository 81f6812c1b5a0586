#pragma once
// A console that keeps what is written to it, up to a fixed capacity: the
// output of early boot, before a screen console that needs memory
// management (the framebuffer console) exists, written to that console once
// it does (kernel/init.cpp). Text past the capacity is counted, not kept.
// No allocation: it is attached before there is a heap.

#include <cstddef>
#include <string_view>
#include "core/console.h"

namespace core {

class ConsoleRecorder final : public Console {
public:
    static constexpr size_t capacity = 4096;

    void write(std::string_view text) override;
    std::string_view text() const { return {m_text, m_size}; }
    size_t dropped() const { return m_dropped; }
    void clear()
    {
        m_size = 0;
        m_dropped = 0;
    }

private:
    char m_text[capacity];
    size_t m_size = 0;
    size_t m_dropped = 0;
};

} // namespace core

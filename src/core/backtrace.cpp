#include "core/backtrace.h"

namespace core {

namespace {

// Written once during init (one CPU, before anything can panic concurrently),
// read by panics.
arch::FrameRecordCheck g_check = nullptr;

void print_frame(kstd::Sink& sink, std::string_view indent, unsigned depth, arch::VirtAddr address)
{
    kstd::format_to(sink, "{}  #{} {:#018x}\n", indent, depth, address);
}

// Frames #first_depth and up, from the chain at `frame_pointer`.
void print_chain(kstd::Sink& sink, std::string_view indent, unsigned first_depth, arch::VirtAddr frame_pointer,
                 arch::FrameRecordCheck check)
{
    arch::FrameChain chain(frame_pointer, check);
    for (unsigned depth = first_depth; depth < max_backtrace_frames; ++depth) {
        const std::optional<arch::VirtAddr> return_address = chain.next();
        if (!return_address)
            return;
        print_frame(sink, indent, depth, *return_address);
    }
}

} // namespace

void set_frame_record_check(arch::FrameRecordCheck check)
{
    g_check = check;
}

arch::FrameRecordCheck frame_record_check()
{
    return g_check;
}

void print_backtrace(kstd::Sink& sink, arch::VirtAddr frame_pointer, std::string_view indent,
                     arch::FrameRecordCheck check)
{
    kstd::format_to(sink, "{}backtrace:\n", indent);
    print_chain(sink, indent, 0, frame_pointer, check);
}

void print_backtrace_from(kstd::Sink& sink, arch::VirtAddr rip, arch::VirtAddr frame_pointer,
                          std::string_view indent, arch::FrameRecordCheck check)
{
    kstd::format_to(sink, "{}backtrace:\n", indent);
    print_frame(sink, indent, 0, rip);
    print_chain(sink, indent, 1, frame_pointer, check);
}

} // namespace core

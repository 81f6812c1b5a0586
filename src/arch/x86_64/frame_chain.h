#pragma once
// The frame-pointer chain, walked without trusting it. The kernel is built
// with -fno-omit-frame-pointer, so every function's prologue pushes RBP and
// points RBP at the push: RBP heads a chain of 16-byte frame records
//
//   [record + 0]  the caller's RBP (the next record up the chain)
//   [record + 8]  the return address into the caller
//
// (System V x86_64 ABI, 3.2.2). The chain ends at a zero RBP (boot.asm clears
// it before kernel_start) and interrupt_stubs.asm links a handler's chain
// into the interrupted code's. One walker serves every backtrace: panic's
// and the exception report's (core/backtrace.h prints them).

#include <cstdint>
#include <optional>
#include "arch/x86_64/address.h"
#include "arch/x86_64/memory_layout.h"

namespace arch {

// May the 16 bytes of the frame record at `record` be read without a fault?
// A caller that knows the page tables passes one (mem::frame_record_mapped);
// without it the walker relies on frame_record_plausible() alone.
using FrameRecordCheck = bool (*)(VirtAddr record);

// What every record must be, whatever else is known: 8-byte aligned and on
// a kernel stack: in the top 2 GiB (the image, the boot and IST stacks) or in
// the thread stack region (a zero RBP fails it, and so do most corrupt ones).
constexpr bool frame_record_plausible(VirtAddr record)
{
    const bool in_image = record >= VirtAddr(layout::kernel_vma);
    const bool in_thread_stacks = record >= VirtAddr(layout::stack_region_base)
        && record.value() - layout::stack_region_base < layout::stack_region_size;
    return (in_image || in_thread_stacks) && record.is_aligned(8);
}

// The return addresses up the chain from `frame_pointer`, innermost first:
//
//   for (FrameChain chain(rbp, check); auto return_address = chain.next();) ...
//
// The walk ends at the first record that fails frame_record_plausible() or
// `check`, at a return address outside the top 2 GiB (no kernel code there),
// or after a record whose saved RBP does not lie above it: frames sit at
// rising addresses, so anything else is a corrupt chain (or a loop).
class FrameChain {
public:
    constexpr FrameChain(VirtAddr frame_pointer, FrameRecordCheck check) : m_record(frame_pointer), m_check(check)
    {
    }

    std::optional<VirtAddr> next()
    {
        if (m_ended || !frame_record_plausible(m_record) || (m_check && !m_check(m_record)))
            return end();
        // The record passed the checks above: aligned, on a kernel stack,
        // and readable as far as `m_check` can tell.
        const auto* words = m_record.as_pointer<const uint64_t>();
        const VirtAddr return_address(words[1]);
        if (return_address < VirtAddr(layout::kernel_vma))
            return end();
        const VirtAddr caller_record(words[0]);
        if (caller_record <= m_record)
            m_ended = true; // this frame is still reported; the walk stops after it
        else
            m_record = caller_record;
        return return_address;
    }

private:
    std::optional<VirtAddr> end()
    {
        m_ended = true;
        return std::nullopt;
    }

    VirtAddr m_record;
    FrameRecordCheck m_check;
    bool m_ended = false;
};

} // namespace arch

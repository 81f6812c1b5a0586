#pragma once
// Backtraces, for panic reports and exception reports alike:
//
//   backtrace:
//     #0 0xffffffff80104c3e
//     #1 0xffffffff80104d10
//
// every line after the caller's indent. The test runner (tools/runner.py)
// turns each "#N 0x..." into function and file:line. The frames come from
// the one frame-pointer walker, arch::FrameChain (arch/x86_64/frame_chain.h).

#include <string_view>
#include "arch/x86_64/address.h"
#include "arch/x86_64/frame_chain.h"
#include "kstd/format.h"

namespace core {

// Lines per backtrace, "#0" included.
inline constexpr unsigned max_backtrace_frames = 16;

// The check a backtrace uses when it is not given one (panic's). core cannot
// tell mapped memory from unmapped, so a layer that can registers it (mem
// does, as its init stage begins: mem::frame_record_mapped); until then, or
// if it is null, arch::frame_record_plausible() alone guards the walk.
void set_frame_record_check(arch::FrameRecordCheck check);
arch::FrameRecordCheck frame_record_check();

// "backtrace:" and the return addresses up the chain from `frame_pointer`,
// as #0, #1, ...
void print_backtrace(kstd::Sink& sink, arch::VirtAddr frame_pointer, std::string_view indent,
                     arch::FrameRecordCheck check = frame_record_check());

// The same for code that was interrupted: `rip`, where it stopped, as #0,
// then the return addresses up the chain from its `frame_pointer` (its RBP)
// as #1, #2, ...
void print_backtrace_from(kstd::Sink& sink, arch::VirtAddr rip, arch::VirtAddr frame_pointer,
                          std::string_view indent, arch::FrameRecordCheck check = frame_record_check());

} // namespace core

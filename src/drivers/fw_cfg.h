#pragma once
// QEMU's firmware configuration device (fw_cfg), legacy I/O port interface
// (QEMU docs/specs/fw_cfg.rst): select an item by writing its 16-bit key to
// port 0x510, then read its bytes one at a time from port 0x511. Named files
// are listed in the directory item 0x19 (big-endian fields).
//
// The test runner passes run-time options this way (`-fw_cfg
// name=opt/ktest/args,string=...`). On hardware without fw_cfg the signature
// check fails and nothing is read.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers::fw_cfg {

enum class Error : uint8_t { NotPresent, NotFound, TooLarge };

std::string_view to_string(Error error);

// Is there a fw_cfg device (its signature reads "QEMU")?
bool present();

// Reads the named file into `buffer`; returns its size.
// How many CPUs QEMU started the machine with (its -smp), for tests.
kstd::Expected<uint16_t, Error> cpu_count();

kstd::Expected<size_t, Error> read_file(std::string_view name, std::span<char> buffer);

} // namespace drivers::fw_cfg

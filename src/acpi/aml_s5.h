#pragma once
// Finding \_S5 (the soft-off sleep state's SLP_TYP values) in the DSDT's AML,
// without an AML interpreter. A careful, bounded byte scan for the one shape
// firmware writes it in (ACPI 6.5, 7.4.2 and 20.2):
//
//   NameOp (0x08) ['\' | '^'...] "_S5_" PackageOp (0x12) PkgLength NumElements
//       SLP_TYPa SLP_TYPb ...
//
// where each value is an integer constant: ZeroOp (0x00), OneOp (0x01),
// BytePrefix (0x0A) b, WordPrefix (0x0B) w, DWordPrefix (0x0C) d or
// QWordPrefix (0x0E) q. A package of one element holds both values packed
// (SLP_TYPa in bits 0-7, SLP_TYPb in bits 8-15), as old firmware did. Each
// value must fit SLP_TYP's 3 bits. The package must lie inside the AML and
// its elements inside the package.
//
// What it cannot see: an _S5 that is a Method, or whose values are computed
// or chosen by If/Else at run time; a byte pattern that only looks like the
// Name (inside a buffer, say) would be taken for it. Real DSDTs (QEMU's,
// OVMF's, most PCs') write the plain Name above. This is not an AML
// interpreter; nothing else in the AML is read.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace acpi {

struct SleepType {
    uint8_t a = 0; // SLP_TYPa: for PM1a_CNT
    uint8_t b = 0; // SLP_TYPb: for PM1b_CNT
};

struct AmlError {
    std::string_view what;
    size_t offset = 0; // in the AML (the table's bytes after its 36-byte header)
    uint64_t value = 0;
};

// "what (at AML offset 0x.., value ..)"
void format_value(kstd::Sink& sink, const AmlError& error, const kstd::FormatSpec& spec);

// The first well-formed Name(_S5_, Package) in `aml`, or the error of the
// first occurrence of "_S5_" that was not one (or "no _S5_ in the AML").
kstd::Expected<SleepType, AmlError> find_s5(std::span<const std::byte> aml);

} // namespace acpi

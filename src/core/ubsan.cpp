// UBSan's runtime for test kernels: the __ubsan_handle_* functions GCC calls
// from code compiled with -fsanitize=undefined (cmake/Sanitizers.cmake says
// which checks and why). Each prints the kind of error, file:line:column and
// the values through core::SanitizerReport (core/sanitizer_report.h), which
// fails the running test case or panics; then the code goes on, as after a
// recoverable check in user space. The product is built without
// -fsanitize=undefined and without this file's contents (KESTREL_UBSAN).
//
// The data layouts are the compiler's ABI, shared by GCC and LLVM
// (compiler-rt lib/ubsan/ubsan_handlers.h, ubsan_value.h): a pointer to a
// static record (source location, type descriptors, ...) and the operands
// as "value handles" (the value itself when it fits in 64 bits).
//
// This file is compiled without UBSan's checks (cmake/Sanitizers.cmake): a
// handler must not call itself.

#ifdef KESTREL_UBSAN

#include <cstdint>
#include <string_view>
#include "arch/x86_64/cpu.h"
#include "core/sanitizer_report.h"
#include "kstd/format.h"

namespace {

struct SourceLocation {
    const char* file;
    uint32_t line;
    uint32_t column;
};

struct TypeDescriptor {
    uint16_t kind; // 0 integer, 1 float, 0xffff anything else
    uint16_t info; // integers: bit 0 signed, bits 1-15 log2 of the width in bits
    char name[1];  // quoted, as the compiler spells the type ('int', 'unsigned int [4]')

    bool is_integer() const { return kind == 0; }
    bool is_signed() const { return is_integer() && (info & 1) != 0; }
    unsigned bit_width() const { return is_integer() ? 1u << (info >> 1) : 0; }
};

using ValueHandle = uintptr_t;

struct OverflowData {
    SourceLocation location;
    const TypeDescriptor* type;
};
struct ShiftOutOfBoundsData {
    SourceLocation location;
    const TypeDescriptor* left_type;
    const TypeDescriptor* right_type;
};
struct OutOfBoundsData {
    SourceLocation location;
    const TypeDescriptor* array_type;
    const TypeDescriptor* index_type;
};
struct TypeMismatchData {
    SourceLocation location;
    const TypeDescriptor* type;
    uint8_t log_alignment;
    uint8_t type_check_kind;
};
struct LocationData {
    SourceLocation location;
};
struct InvalidValueData {
    SourceLocation location;
    const TypeDescriptor* type;
};
struct NonNullArgData {
    SourceLocation location;
    SourceLocation attribute_location;
    int argument_index;
};
struct NonNullReturnData {
    SourceLocation attribute_location;
};
struct InvalidBuiltinData {
    SourceLocation location;
    uint8_t kind; // 0 ctz, 1 clz
};

// A value of `type` as a handle holds it: inline up to 64 bits, else
// through a pointer (128-bit integers).
struct Value {
    const TypeDescriptor* type;
    ValueHandle handle;
};

void format_value(kstd::Sink& sink, const Value& value, const kstd::FormatSpec&)
{
    const TypeDescriptor& type = *value.type;
    const unsigned width = type.bit_width();
    if (!type.is_integer()) {
        kstd::format_to(sink, "(a value of type {})", std::string_view(type.name));
    } else if (width > 64) {
        // The handle points at the 128-bit value (little-endian: low word first).
        const auto* words = reinterpret_cast<const uint64_t*>(value.handle);
        kstd::format_to(sink, "{:#x}{:016x}", words[1], words[0]);
    } else if (type.is_signed()) {
        // Sign-extend from the type's width.
        const unsigned unused = 64 - width;
        const auto signed_value = static_cast<int64_t>(static_cast<uint64_t>(value.handle) << unused) >> unused;
        kstd::format_to(sink, "{}", signed_value);
    } else {
        kstd::format_to(sink, "{}", static_cast<uint64_t>(value.handle));
    }
}

bool is_negative(const Value& value)
{
    if (!value.type->is_signed() || value.type->bit_width() > 64)
        return false;
    const unsigned unused = 64 - value.type->bit_width();
    return (static_cast<int64_t>(static_cast<uint64_t>(value.handle) << unused) >> unused) < 0;
}

std::string_view name_of(const TypeDescriptor* type)
{
    return type->name;
}

// The compiler records the path it was given (absolute, from CMake);
// reports name files relative to the repository, as panics do.
std::string_view relative_path(const char* file)
{
    if (file == nullptr)
        return "(unknown file)";
    const std::string_view path(file);
    const std::string_view root(KESTREL_SOURCE_DIR "/");
    return path.starts_with(root) ? path.substr(root.size()) : path;
}

// Starts a report: "UBSan: <kind> at file:line:column". Null if a report is
// being written already.
kstd::Sink* begin(core::SanitizerReport& report, std::string_view kind, const SourceLocation& where)
{
    kstd::Sink* sink = report.sink();
    if (sink)
        kstd::format_to(*sink, "UBSan: {} at {}:{}:{}\n", kind, relative_path(where.file), where.line, where.column);
    return sink;
}

// The backtrace starts in the instrumented function: this and the helpers
// that call it are inlined into the handler, so the frame pointer read here
// is the handler's, whose return address is into the instrumented code.
[[gnu::always_inline]] inline void finish(core::SanitizerReport& report)
{
    report.backtrace(arch::read_frame_pointer());
    report.finish();
}

[[gnu::always_inline]] inline void report_overflow(const OverflowData* data, ValueHandle left, ValueHandle right,
                                                   char operation)
{
    core::SanitizerReport report;
    const bool is_signed = data->type->is_signed();
    kstd::Sink* sink = begin(report, is_signed ? "signed-integer-overflow" : "unsigned-integer-overflow",
                             data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  {} {} {} cannot be represented in type {}\n", Value{data->type, left}, operation,
                    Value{data->type, right}, name_of(data->type));
    finish(report);
}

constexpr std::string_view type_check_kinds[] = {
    "load of", "store to", "reference binding to", "member access within", "member call on",
    "constructor call on", "downcast of", "downcast of", "upcast of", "cast to virtual base of",
    "_Nonnull binding to", "dynamic operation on",
};

} // namespace

extern "C" {

void __ubsan_handle_add_overflow(const OverflowData* data, ValueHandle left, ValueHandle right)
{
    report_overflow(data, left, right, '+');
}

void __ubsan_handle_sub_overflow(const OverflowData* data, ValueHandle left, ValueHandle right)
{
    report_overflow(data, left, right, '-');
}

void __ubsan_handle_mul_overflow(const OverflowData* data, ValueHandle left, ValueHandle right)
{
    report_overflow(data, left, right, '*');
}

void __ubsan_handle_negate_overflow(const OverflowData* data, ValueHandle old_value)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "signed-integer-overflow", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  negation of {} cannot be represented in type {}\n", Value{data->type, old_value},
                    name_of(data->type));
    finish(report);
}

void __ubsan_handle_divrem_overflow(const OverflowData* data, ValueHandle left, ValueHandle right)
{
    core::SanitizerReport report;
    const Value divisor{data->type, right};
    const bool by_zero = divisor.type->is_integer() && divisor.type->bit_width() <= 64 && right == 0;
    kstd::Sink* sink = begin(report, by_zero ? "integer-divide-by-zero" : "signed-integer-overflow", data->location);
    if (!sink)
        return;
    if (by_zero)
        kstd::format_to(*sink, "  division of {} by zero\n", Value{data->type, left});
    else
        kstd::format_to(*sink, "  division of {} by {} cannot be represented in type {}\n", Value{data->type, left},
                        divisor, name_of(data->type));
    finish(report);
}

void __ubsan_handle_shift_out_of_bounds(const ShiftOutOfBoundsData* data, ValueHandle left, ValueHandle right)
{
    core::SanitizerReport report;
    const Value base{data->left_type, left};
    const Value exponent{data->right_type, right};
    kstd::Sink* sink = begin(report, "shift-out-of-bounds", data->location);
    if (!sink)
        return;
    const unsigned width = data->left_type->bit_width();
    if (is_negative(exponent))
        kstd::format_to(*sink, "  shift exponent {} is negative\n", exponent);
    else if (exponent.type->bit_width() <= 64 && static_cast<uint64_t>(right) >= width)
        kstd::format_to(*sink, "  shift exponent {} is too large for {}-bit type {}\n", exponent, width,
                        name_of(data->left_type));
    else if (is_negative(base))
        kstd::format_to(*sink, "  left shift of negative value {}\n", base);
    else
        kstd::format_to(*sink, "  left shift of {} by {} places cannot be represented in type {}\n", base, exponent,
                        name_of(data->left_type));
    finish(report);
}

void __ubsan_handle_out_of_bounds(const OutOfBoundsData* data, ValueHandle index)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "array-index-out-of-bounds", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  index {} is out of range for type {}\n", Value{data->index_type, index},
                    name_of(data->array_type));
    finish(report);
}

void __ubsan_handle_type_mismatch_v1(const TypeMismatchData* data, ValueHandle pointer)
{
    core::SanitizerReport report;
    const uint64_t alignment = uint64_t{1} << data->log_alignment;
    const std::string_view what = data->type_check_kind < sizeof type_check_kinds / sizeof type_check_kinds[0]
                                      ? type_check_kinds[data->type_check_kind]
                                      : "access to";
    const char* kind = pointer == 0                         ? "null-pointer-use"
                       : (pointer & (alignment - 1)) != 0 ? "misaligned-access"
                                                           : "object-size";
    kstd::Sink* sink = begin(report, kind, data->location);
    if (!sink)
        return;
    if (pointer == 0)
        kstd::format_to(*sink, "  {} null pointer of type {}\n", what, name_of(data->type));
    else if ((pointer & (alignment - 1)) != 0)
        kstd::format_to(*sink, "  {} misaligned address {:#x} for type {}, which requires {} byte alignment\n", what,
                        pointer, name_of(data->type), alignment);
    else
        kstd::format_to(*sink, "  {} address {:#x} with insufficient space for an object of type {}\n", what,
                        pointer, name_of(data->type));
    finish(report);
}

void __ubsan_handle_pointer_overflow(const LocationData* data, ValueHandle base, ValueHandle result)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "pointer-overflow", data->location);
    if (!sink)
        return;
    if (base == 0 || result == 0)
        kstd::format_to(*sink, "  applying an offset to {:#x} gave {:#x} (null pointer arithmetic)\n", base, result);
    else
        kstd::format_to(*sink, "  pointer index expression with base {:#x} overflowed to {:#x}\n", base, result);
    finish(report);
}

void __ubsan_handle_load_invalid_value(const InvalidValueData* data, ValueHandle value)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "invalid-value-load", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  load of value {} is not a valid value for type {}\n", Value{data->type, value},
                    name_of(data->type));
    finish(report);
}

void __ubsan_handle_vla_bound_not_positive(const InvalidValueData* data, ValueHandle bound)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "vla-bound-not-positive", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  variable length array bound evaluates to non-positive value {}\n",
                    Value{data->type, bound});
    finish(report);
}

void __ubsan_handle_invalid_builtin(const InvalidBuiltinData* data)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "invalid-builtin-use", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  passing zero to {}, which is not a valid argument\n",
                    data->kind == 0 ? "ctz()" : "clz()");
    finish(report);
}

void __ubsan_handle_nonnull_arg(const NonNullArgData* data)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "nonnull-attribute", data->location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  null pointer passed as argument {}, which is declared to never be null\n",
                    data->argument_index);
    finish(report);
}

void __ubsan_handle_nonnull_return_v1(const NonNullReturnData* data, const SourceLocation* location)
{
    core::SanitizerReport report;
    kstd::Sink* sink = begin(report, "returns-nonnull-attribute", *location);
    if (!sink)
        return;
    kstd::format_to(*sink, "  null pointer returned from a function declared to never return null ({}:{})\n",
                    data->attribute_location.file, data->attribute_location.line);
    finish(report);
}

// The two checks after which the code cannot go on: the report is a panic
// (which ktest turns into the running case's failure).
[[noreturn]] void __ubsan_handle_builtin_unreachable(const LocationData* data)
{
    core::SanitizerReport report;
    if (kstd::Sink* sink = begin(report, "unreachable", data->location))
        kstd::format_to(*sink, "  execution reached an unreachable program point\n");
    report.finish_fatal();
}

[[noreturn]] void __ubsan_handle_missing_return(const LocationData* data)
{
    core::SanitizerReport report;
    if (kstd::Sink* sink = begin(report, "missing-return", data->location))
        kstd::format_to(*sink, "  execution reached the end of a value-returning function without returning a value\n");
    report.finish_fatal();
}

} // extern "C"

#endif // KESTREL_UBSAN

#pragma once
// ktest: kernel unit tests written beside the code they test.
//
//   #include "ktest/ktest.h"
//
//   KTEST(vga, scrolls_at_bottom) {
//       ...
//       EXPECT_EQ(console.cursor_row(), 24u);         // records a failure, goes on
//       ASSERT_NOT_NULL(buffer, "after {} writes", n); // ends the case on failure
//   }
//   KTEST(heap, fills_all_memory, ktest::slow) { ... }
//   KTEST(frames, double_free_panics, ktest::should_panic("freed twice")) { ... }
//
// Cases register themselves through a linker section (.ktest_cases): no list
// to maintain. The product kernel's link discards that section and, with
// --gc-sections, everything only it referenced, so test code and strings
// never reach kernel.elf (a CTest check proves it). See docs/testing.md.

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>
#include "kstd/format.h"

namespace ktest {

// --- Case attributes -----------------------------------------------------------

struct CaseAttributes {
    bool slow = false;          // longer timeout; skipped with ktest.skip_slow
    bool should_panic = false;  // passes only if the case panics
    const char* panic_message = nullptr; // ... with a message containing this
    bool on_boot_thread = false; // runs on the executor's boot thread, not a case thread
};

struct SlowTag {};
inline constexpr SlowTag slow{};
// For the few cases about the boot stack itself: they run on the boot
// thread, without a case thread, its watchdog or its leftover-thread check.
struct BootThreadTag {};
inline constexpr BootThreadTag on_boot_thread{};

struct ShouldPanicTag {
    const char* message;
};
constexpr ShouldPanicTag should_panic(const char* message_contains = nullptr)
{
    return {message_contains};
}

constexpr void apply(CaseAttributes& attributes, SlowTag)
{
    attributes.slow = true;
}
constexpr void apply(CaseAttributes& attributes, BootThreadTag)
{
    attributes.on_boot_thread = true;
}
constexpr void apply(CaseAttributes& attributes, ShouldPanicTag tag)
{
    attributes.should_panic = true;
    attributes.panic_message = tag.message;
}
template <typename... Tags>
constexpr CaseAttributes make_attributes(Tags... tags)
{
    CaseAttributes attributes;
    (apply(attributes, tags), ...);
    return attributes;
}

// --- Registration records --------------------------------------------------------

// How a parameterised case or a fixture case runs (KTEST_P, KTEST_F,
// KTEST_FP below); a plain KTEST has none and calls CaseInfo::body.
struct CaseRunner {
    // Parameters: the case runs once per value, each run its own KTAP result
    // named `name[value]`. 0 for a case without parameters.
    uint32_t param_count;
    void (*write_param_name)(kstd::Sink& sink, uint32_t index); // the value's name, unsanitised
    // Fixture: the executor constructs it in storage of its own (outside the
    // frames an ASSERT abandons), then calls set_up, the body, tear_down and
    // the destructor; tear_down and the destructor run however the body
    // ended. Without a fixture, construct is null and body gets a null object.
    void (*construct)(void* storage, uint32_t index);
    void (*set_up)(void* fixture);      // null if the fixture has none
    void (*body)(void* fixture, uint32_t index);
    void (*tear_down)(void* fixture);   // null if the fixture has none
    void (*destroy)(void* fixture);
};

struct CaseInfo {
    const char* suite;
    const char* name;
    const char* file;
    uint32_t line;
    CaseAttributes attributes;
    void (*body)();            // a plain KTEST; null when `runner` is set
    const CaseRunner* runner;  // KTEST_P, KTEST_F, KTEST_FP; null for a plain KTEST
};

enum class HookKind : uint32_t { SuiteSetup, SuiteTeardown, CaseSetup, CaseTeardown };

struct HookInfo {
    const char* suite;
    HookKind kind;
    void (*function)();
};

// --- Failure reporting (used by the assertion macros) -----------------------------

enum class Severity : bool { Expect, Assert };

// One failed check. The constructor prints the headline at once (so a later
// hang still shows it); values and the message follow; finish() records the
// failure and, for ASSERT_*, ends the case.
class Failure {
public:
    Failure(const char* check, const char* arguments, const char* file, int line);

    template <typename T>
    static void value(const char* expression, const T& value)
    {
        begin_value(expression);
        print_value(value);
        end_line();
    }
    static void string_value(const char* expression, std::string_view value, bool is_null);
    static void text(std::string_view line);

    template <typename... Args>
    static void note(kstd::FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
    {
        begin_message();
        kstd::format_to<Args...>(output(), fmt, args...);
        end_line();
    }

    static void finish(Severity severity);

private:
    template <typename T>
    static void print_value(const T& v)
    {
        using U = std::remove_cvref_t<T>;
        if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool> && !std::is_same_v<U, char>) {
            if constexpr (std::is_signed_v<U>)
                kstd::format_to(output(), "{} ({:#x})", v, static_cast<std::make_unsigned_t<U>>(v));
            else
                kstd::format_to(output(), "{} ({:#x})", v, v);
        } else if constexpr (std::is_enum_v<U> && kstd::Formattable<U>) {
            // An error code: its text, then its number.
            kstd::format_to(output(), "{} (enumerator value {})", v, static_cast<std::underlying_type_t<U>>(v));
        } else if constexpr (std::is_enum_v<U>) {
            kstd::format_to(output(), "{} (enumerator value)", static_cast<std::underlying_type_t<U>>(v));
        } else if constexpr (kstd::Formattable<U>) {
            kstd::format_to(output(), "{}", v);
        } else {
            output().write("(a value of a type without format_value)");
        }
    }
    static void begin_value(const char* expression);
    static void begin_message();
    static void end_line();
    static kstd::Sink& output();
};

// Comparisons that do what the reader means: mixed signed/unsigned integers
// compare by value (as std::cmp_equal does), everything else with its operator.
enum class Op { Eq, Ne, Lt, Le, Gt, Ge };

// The integer types std::cmp_equal accepts (no bool, no character types).
template <typename T>
concept StandardInteger = std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>
    && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>
    && !std::is_same_v<T, wchar_t>;

template <typename A, typename B>
constexpr bool compare(Op op, const A& a, const B& b)
{
    using UA = std::remove_cvref_t<A>;
    using UB = std::remove_cvref_t<B>;
    if constexpr (StandardInteger<UA> && StandardInteger<UB>) {
        switch (op) {
        case Op::Eq: return std::cmp_equal(a, b);
        case Op::Ne: return std::cmp_not_equal(a, b);
        case Op::Lt: return std::cmp_less(a, b);
        case Op::Le: return std::cmp_less_equal(a, b);
        case Op::Gt: return std::cmp_greater(a, b);
        case Op::Ge: return std::cmp_greater_equal(a, b);
        }
        return false;
    } else {
        switch (op) {
        case Op::Eq: return a == b;
        case Op::Ne: return a != b;
        case Op::Lt: return a < b;
        case Op::Le: return a <= b;
        case Op::Gt: return a > b;
        case Op::Ge: return a >= b;
        }
        return false;
    }
}

inline std::string_view as_string(const char* s) { return s ? std::string_view(s) : std::string_view(); }
inline std::string_view as_string(std::string_view s) { return s; }

// The checks. Each takes its operands as function arguments, so temporaries
// in them (`f().error().what`) live until the check has compared and printed
// them, and returns true if the check failed (after printing the headline and
// the values).
template <typename A, typename B>
[[nodiscard]] bool compare_failed(Op op, const A& a, const B& b, const char* check, const char* arguments,
                                  const char* a_text, const char* b_text, const char* file, int line)
{
    if (compare(op, a, b)) [[likely]]
        return false;
    Failure(check, arguments, file, line);
    Failure::value(a_text, a);
    Failure::value(b_text, b);
    return true;
}

[[nodiscard]] bool strings_differ(std::string_view a, bool a_null, std::string_view b, bool b_null,
                                  const char* check, const char* arguments, const char* a_text, const char* b_text,
                                  const char* file, int line);

template <typename A, typename B>
[[nodiscard]] bool streq_failed(const A& a, const B& b, const char* check, const char* arguments, const char* a_text,
                                const char* b_text, const char* file, int line)
{
    const std::string_view sa = as_string(a), sb = as_string(b);
    return strings_differ(sa, sa.data() == nullptr, sb, sb.data() == nullptr, check, arguments, a_text, b_text, file,
                          line);
}

[[nodiscard]] bool bool_failed(bool value, bool expected, const char* check, const char* expression, const char* file,
                               int line);
[[nodiscard]] bool null_failed(const volatile void* pointer, bool want_null, const char* check,
                               const char* expression, const char* file, int line);
// MEMEQ: reports the first differing byte and a window of both buffers.
[[nodiscard]] bool memory_differs(const void* a, const void* b, size_t size, const char* check,
                                  const char* arguments, const char* file, int line);

// ASSERT_OK / EXPECT_OK: `result` (a kstd::Expected) holds a value; if not,
// the report prints its error as text.
template <typename R>
[[nodiscard]] bool ok_failed(const R& result, const char* check, const char* expression, const char* file, int line)
{
    if (result.has_value()) [[likely]]
        return false;
    Failure(check, expression, file, line);
    Failure::value("error", result.error());
    return true;
}

// EXPECT_ERROR / ASSERT_ERROR: `result` holds exactly the error `code`.
template <typename R, typename C>
[[nodiscard]] bool error_failed(const R& result, const C& code, const char* check, const char* arguments,
                                const char* code_text, const char* file, int line)
{
    if (!result.has_value() && result.error() == code) [[likely]]
        return false;
    Failure(check, arguments, file, line);
    if (result.has_value())
        Failure::text("a value, not an error");
    else
        Failure::value("error", result.error());
    Failure::value(code_text, code);
    return true;
}

// --- Parameters and fixtures (used by KTEST_P, KTEST_F, KTEST_FP) -------------------

// A fixture lives in the executor's storage: this much, at most this aligned.
inline constexpr size_t max_fixture_bytes = 16 * 1024;
inline constexpr size_t max_fixture_alignment = 64;

// Writes `text` as one KTAP name token: letters, digits, '_', '-' and '+'
// stay, anything else (spaces, '.', '#', ',', '[') becomes '_'.
void write_name_token(kstd::Sink& sink, std::string_view text);

template <typename Values>
constexpr uint32_t param_count(const Values& values)
{
    if constexpr (std::is_array_v<Values>)
        return static_cast<uint32_t>(std::extent_v<Values>);
    else
        return static_cast<uint32_t>(values.size());
}

template <typename Values>
using ParamType = std::remove_cvref_t<decltype(std::declval<const Values&>()[0])>;

// A value's readable name: its `name` member if it has one, else the text
// kstd's formatter gives it (integers, enums with to_string, format_value).
template <typename T>
void write_param_name(kstd::Sink& sink, const T& value)
{
    if constexpr (requires { std::string_view(value.name); }) {
        sink.write(std::string_view(value.name));
    } else {
        static_assert(kstd::Formattable<T>, "a KTEST_P value needs a `name` member or a format_value");
        kstd::format_to(sink, "{}", value);
    }
}

template <typename F>
concept HasSetUp = requires(F& fixture) { fixture.set_up(); };
template <typename F>
concept HasTearDown = requires(F& fixture) { fixture.tear_down(); };

// The type-erased steps of a fixture case. `object` is always the storage
// the executor constructed an F in (construct_fixture below), so the casts
// from void* give back the object that was made there.
template <typename F>
void fixture_set_up(void* object)
{
    static_cast<F*>(object)->set_up();
}
template <typename F>
void fixture_tear_down(void* object)
{
    static_cast<F*>(object)->tear_down();
}
template <typename F>
void fixture_destroy(void* object)
{
    static_cast<F*>(object)->~F();
}

template <typename F>
constexpr void check_fixture_fits()
{
    static_assert(sizeof(F) <= max_fixture_bytes, "the fixture is larger than ktest::max_fixture_bytes");
    static_assert(alignof(F) <= max_fixture_alignment, "the fixture is aligned more than ktest allows");
}

template <typename F>
constexpr auto set_up_of() -> void (*)(void*)
{
    if constexpr (HasSetUp<F>)
        return &fixture_set_up<F>;
    else
        return nullptr;
}
template <typename F>
constexpr auto tear_down_of() -> void (*)(void*)
{
    if constexpr (HasTearDown<F>)
        return &fixture_tear_down<F>;
    else
        return nullptr;
}

// Constructs the fixture from the case's value if it takes one, else by default.
template <typename F, typename P>
void construct_fixture(void* storage, const P* param)
{
    check_fixture_fits<F>();
    if constexpr (std::is_same_v<P, void>) {
        ::new (storage) F();
    } else if constexpr (std::is_constructible_v<F, const P&>) {
        ::new (storage) F(*param);
    } else {
        ::new (storage) F();
    }
}

// KTEST_SKIP and ASSERT_* leave the running case through these.
[[noreturn]] void skip_current_case(std::string_view reason);
[[noreturn]] void end_current_case();

// --- Cleanup actions -------------------------------------------------------------
//
//   sched::Mutex lock{"shared"};
//   lock.lock();
//   ktest::defer([&] { lock.unlock(); });   // runs however the case ends
//   ASSERT_TRUE(...);
//
// Like KUnit's kunit_add_action: actions run last in, first out, once each,
// in the case's own thread: at the end of the case after its tear-down, or at
// once where an ASSERT_* or KTEST_SKIP ends a phase (the body's locals are
// still alive there). After a panic they run at the end of the case, when
// the panicking frames are gone: an action must then not rely on them. A
// case has room for max_deferred actions of up to max_deferred_bytes each.
inline constexpr size_t max_deferred = 16;
inline constexpr size_t max_deferred_bytes = 64;

using DeferredCall = void (*)(void* storage);
// Stores `bytes` of an action object (copied in by `place`) and its call.
void* defer_slot(DeferredCall call, DeferredCall destroy, size_t bytes);

template <typename F>
void defer(F&& action)
{
    using Action = std::decay_t<F>;
    static_assert(sizeof(Action) <= max_deferred_bytes, "a deferred action holds at most max_deferred_bytes");
    static_assert(alignof(Action) <= 16, "a deferred action is at most 16-byte aligned");
    void* storage = defer_slot([](void* object) { (*static_cast<Action*>(object))(); },
                               [](void* object) { static_cast<Action*>(object)->~Action(); }, sizeof(Action));
    new (storage) Action(std::forward<F>(action));
}

} // namespace ktest

// --- Registration macros -----------------------------------------------------------

// Files in tests/ are each their own kernel and register in a section of their
// own (CMake defines KTEST_BINARY_LOCAL for them), so a test binary runs just
// its own cases.
#ifdef KTEST_BINARY_LOCAL
#define KTEST_CASES_SECTION_ ".ktest_local_cases"
#define KTEST_HOOKS_SECTION_ ".ktest_local_hooks"
#else
#define KTEST_CASES_SECTION_ ".ktest_cases"
#define KTEST_HOOKS_SECTION_ ".ktest_hooks"
#endif

// The section holds pointers (8 bytes, 8-aligned: a gap-free array), not the
// records, whose alignment the compiler may raise.
#define KTEST_REGISTER_(registry, suite, name, body, runner, ...)                                                  \
    [[gnu::section(".ktest_strings")]] static const char ktest_suite_##suite##__##name[] = #suite;                \
    [[gnu::section(".ktest_strings")]] static const char ktest_name_##suite##__##name[] = #name;                  \
    static const ::ktest::CaseInfo ktest_case_##suite##__##name{ktest_suite_##suite##__##name,                    \
        ktest_name_##suite##__##name, __FILE__, __LINE__, ::ktest::make_attributes(__VA_ARGS__), body, runner};   \
    [[gnu::used, gnu::section(registry)]] static const ::ktest::CaseInfo* const                                    \
        ktest_case_pointer_##suite##__##name = &ktest_case_##suite##__##name;

#define KTEST(suite, name, ...)                                                                                   \
    static void ktest_body_##suite##__##name();                                                                   \
    KTEST_REGISTER_(KTEST_CASES_SECTION_, suite, name, &ktest_body_##suite##__##name, nullptr, __VA_ARGS__)       \
    static void ktest_body_##suite##__##name()

// One body over a list of values (a constexpr array or std::array); the body
// sees the value as `param`, and each value is a case of its own, reported
// as `name[value]`:
//
//   constexpr size_t sizes[] = {16, 64, 4096};
//   KTEST_P(heap, allocates_every_size, sizes) { EXPECT_OK(heap.allocate(param)); }
#define KTEST_P(suite, name, values, ...)                                                                         \
    KTEST_P_IN_(KTEST_CASES_SECTION_, suite, name, values, __VA_ARGS__)
#define KTEST_P_IN_(registry, suite, name, values, ...)                                                            \
    using ktest_param_##suite##__##name = ::ktest::ParamType<decltype(values)>;                                   \
    static void ktest_body_##suite##__##name([[maybe_unused]] const ktest_param_##suite##__##name& param);                         \
    static const ::ktest::CaseRunner ktest_runner_##suite##__##name{::ktest::param_count(values),                 \
        [](::kstd::Sink& sink, uint32_t index) { ::ktest::write_param_name(sink, (values)[index]); }, nullptr,     \
        nullptr, [](void*, uint32_t index) { ktest_body_##suite##__##name((values)[index]); }, nullptr, nullptr};  \
    KTEST_REGISTER_(registry, suite, name, nullptr, &ktest_runner_##suite##__##name, __VA_ARGS__)                  \
    static void ktest_body_##suite##__##name([[maybe_unused]] const ktest_param_##suite##__##name& param)

// A case in a fixture: a struct (or class with public members) whose
// constructor and set_up() run before the body and whose tear_down() and
// destructor run after it, however it ends (pass, failure, ASSERT_*,
// KTEST_SKIP, a panic). The body is a member function of a struct derived
// from the fixture, so it reads the fixture's members by name. The suite is
// the fixture's name.
//
//   struct scratch_page { arch::VirtAddr page; void set_up(); void tear_down(); };
//   KTEST_F(scratch_page, is_writable) { *page.as<uint64_t*>() = 1; }
#define KTEST_F(fixture, name, ...)                                                                               \
    namespace {                                                                                                   \
    struct ktest_fixture_##fixture##__##name final : fixture {                                                    \
        void ktest_body();                                                                                        \
    };                                                                                                            \
    }                                                                                                             \
    static const ::ktest::CaseRunner ktest_runner_##fixture##__##name{0, nullptr,                                 \
        [](void* storage, uint32_t) {                                                                             \
            ::ktest::construct_fixture<ktest_fixture_##fixture##__##name, void>(storage, nullptr);                \
        },                                                                                                        \
        ::ktest::set_up_of<ktest_fixture_##fixture##__##name>(),                                                  \
        /* the executor passes the object construct made */                                                       \
        [](void* object, uint32_t) { static_cast<ktest_fixture_##fixture##__##name*>(object)->ktest_body(); },   \
        ::ktest::tear_down_of<ktest_fixture_##fixture##__##name>(),                                               \
        &::ktest::fixture_destroy<ktest_fixture_##fixture##__##name>};                                            \
    KTEST_REGISTER_(KTEST_CASES_SECTION_, fixture, name, nullptr, &ktest_runner_##fixture##__##name, __VA_ARGS__) \
    void ktest_fixture_##fixture##__##name::ktest_body()

// A fixture case over a list of values: the fixture is constructed from the
// value if it has such a constructor (else by default), and the body sees
// the value as `param`.
#define KTEST_FP(fixture, name, values, ...)                                                                      \
    using ktest_param_##fixture##__##name = ::ktest::ParamType<decltype(values)>;                                 \
    namespace {                                                                                                   \
    struct ktest_fixture_##fixture##__##name final : fixture {                                                    \
        using fixture::fixture;                                                                                   \
        void ktest_body([[maybe_unused]] const ktest_param_##fixture##__##name& param);                                            \
    };                                                                                                            \
    }                                                                                                             \
    static const ::ktest::CaseRunner ktest_runner_##fixture##__##name{::ktest::param_count(values),               \
        [](::kstd::Sink& sink, uint32_t index) { ::ktest::write_param_name(sink, (values)[index]); },             \
        [](void* storage, uint32_t index) {                                                                       \
            ::ktest::construct_fixture<ktest_fixture_##fixture##__##name>(storage, &(values)[index]);             \
        },                                                                                                        \
        ::ktest::set_up_of<ktest_fixture_##fixture##__##name>(),                                                  \
        /* the executor passes the object construct made */                                                       \
        [](void* object, uint32_t index) {                                                                        \
            static_cast<ktest_fixture_##fixture##__##name*>(object)->ktest_body((values)[index]);                 \
        },                                                                                                        \
        ::ktest::tear_down_of<ktest_fixture_##fixture##__##name>(),                                               \
        &::ktest::fixture_destroy<ktest_fixture_##fixture##__##name>};                                            \
    KTEST_REGISTER_(KTEST_CASES_SECTION_, fixture, name, nullptr, &ktest_runner_##fixture##__##name, __VA_ARGS__) \
    void ktest_fixture_##fixture##__##name::ktest_body([[maybe_unused]] const ktest_param_##fixture##__##name& param)

#define KTEST_HOOK_(suite, kind, tag)                                                                             \
    static void ktest_hook_##suite##__##tag();                                                                    \
    [[gnu::section(".ktest_strings")]] static const char ktest_hook_suite_##suite##__##tag[] = #suite;            \
    static const ::ktest::HookInfo ktest_hook_info_##suite##__##tag{ktest_hook_suite_##suite##__##tag,           \
        ::ktest::HookKind::kind, &ktest_hook_##suite##__##tag};                                                   \
    [[gnu::used, gnu::section(KTEST_HOOKS_SECTION_)]] static const ::ktest::HookInfo* const                       \
        ktest_hook_pointer_##suite##__##tag = &ktest_hook_info_##suite##__##tag;                                  \
    static void ktest_hook_##suite##__##tag()

// Run once before the first / after the last selected case of the suite.
#define KTEST_SUITE_SETUP(suite) KTEST_HOOK_(suite, SuiteSetup, suite_setup)
#define KTEST_SUITE_TEARDOWN(suite) KTEST_HOOK_(suite, SuiteTeardown, suite_teardown)
// Run before / after every case of the suite (teardown also after a failure).
#define KTEST_SETUP(suite) KTEST_HOOK_(suite, CaseSetup, case_setup)
#define KTEST_TEARDOWN(suite) KTEST_HOOK_(suite, CaseTeardown, case_teardown)

// --- Assertions ------------------------------------------------------------------------
// EXPECT_* record a failure and continue; ASSERT_* end the case. Each takes an
// optional format string and arguments: EXPECT_EQ(a, b, "entry {}", i).

#define KTEST_FINISH_(severity, ...)                                                                              \
    do {                                                                                                          \
        __VA_OPT__(::ktest::Failure::note(__VA_ARGS__);)                                                          \
        ::ktest::Failure::finish(::ktest::Severity::severity);                                                    \
    } while (0)

#define KTEST_COMPARE_(severity, check, op, a, b, ...)                                                            \
    do {                                                                                                          \
        if (::ktest::compare_failed(::ktest::Op::op, (a), (b), check, #a ", " #b, #a, #b, __FILE__, __LINE__))    \
            [[unlikely]]                                                                                          \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_BOOL_(severity, check, expected, condition, ...)                                                    \
    do {                                                                                                          \
        if (::ktest::bool_failed(static_cast<bool>(condition), expected, check, #condition, __FILE__, __LINE__))  \
            [[unlikely]]                                                                                          \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_NULL_(severity, check, want_null, pointer, ...)                                                     \
    do {                                                                                                          \
        if (::ktest::null_failed((pointer), want_null, check, #pointer, __FILE__, __LINE__)) [[unlikely]]         \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_STREQ_(severity, check, a, b, ...)                                                                  \
    do {                                                                                                          \
        if (::ktest::streq_failed((a), (b), check, #a ", " #b, #a, #b, __FILE__, __LINE__)) [[unlikely]]          \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_MEMEQ_(severity, check, a, b, size, ...)                                                            \
    do {                                                                                                          \
        if (::ktest::memory_differs((a), (b), (size), check, #a ", " #b ", " #size, __FILE__, __LINE__))          \
            [[unlikely]]                                                                                          \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_OK_(severity, check, result, ...)                                                                   \
    do {                                                                                                          \
        if (::ktest::ok_failed((result), check, #result, __FILE__, __LINE__)) [[unlikely]]                        \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define KTEST_ERROR_(severity, check, result, code, ...)                                                          \
    do {                                                                                                          \
        if (::ktest::error_failed((result), (code), check, #result ", " #code, #code, __FILE__, __LINE__))        \
            [[unlikely]]                                                                                          \
            KTEST_FINISH_(severity __VA_OPT__(, ) __VA_ARGS__);                                                   \
    } while (0)

#define EXPECT_EQ(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_EQ", Eq, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_NE(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_NE", Ne, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_LT(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_LT", Lt, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_LE(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_LE", Le, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_GT(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_GT", Gt, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_GE(a, b, ...) KTEST_COMPARE_(Expect, "EXPECT_GE", Ge, a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_TRUE(c, ...) KTEST_BOOL_(Expect, "EXPECT_TRUE", true, c __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_FALSE(c, ...) KTEST_BOOL_(Expect, "EXPECT_FALSE", false, c __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_NULL(p, ...) KTEST_NULL_(Expect, "EXPECT_NULL", true, p __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_NOT_NULL(p, ...) KTEST_NULL_(Expect, "EXPECT_NOT_NULL", false, p __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_STREQ(a, b, ...) KTEST_STREQ_(Expect, "EXPECT_STREQ", a, b __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_MEMEQ(a, b, n, ...) KTEST_MEMEQ_(Expect, "EXPECT_MEMEQ", a, b, n __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_OK(r, ...) KTEST_OK_(Expect, "EXPECT_OK", r __VA_OPT__(, ) __VA_ARGS__)
#define EXPECT_ERROR(r, code, ...) KTEST_ERROR_(Expect, "EXPECT_ERROR", r, code __VA_OPT__(, ) __VA_ARGS__)

#define ASSERT_EQ(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_EQ", Eq, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_NE(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_NE", Ne, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_LT(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_LT", Lt, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_LE(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_LE", Le, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_GT(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_GT", Gt, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_GE(a, b, ...) KTEST_COMPARE_(Assert, "ASSERT_GE", Ge, a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_TRUE(c, ...) KTEST_BOOL_(Assert, "ASSERT_TRUE", true, c __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_FALSE(c, ...) KTEST_BOOL_(Assert, "ASSERT_FALSE", false, c __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_NULL(p, ...) KTEST_NULL_(Assert, "ASSERT_NULL", true, p __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_NOT_NULL(p, ...) KTEST_NULL_(Assert, "ASSERT_NOT_NULL", false, p __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_STREQ(a, b, ...) KTEST_STREQ_(Assert, "ASSERT_STREQ", a, b __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_MEMEQ(a, b, n, ...) KTEST_MEMEQ_(Assert, "ASSERT_MEMEQ", a, b, n __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_OK(r, ...) KTEST_OK_(Assert, "ASSERT_OK", r __VA_OPT__(, ) __VA_ARGS__)
#define ASSERT_ERROR(r, code, ...) KTEST_ERROR_(Assert, "ASSERT_ERROR", r, code __VA_OPT__(, ) __VA_ARGS__)

// Ends the case as skipped: KTEST_SKIP("no PS/2 controller").
#define KTEST_SKIP(reason) ::ktest::skip_current_case(reason)

// memcpy, memmove, memset, memcmp, memchr and strlen: the compiler (and
// std::char_traits, behind std::string_view) emits calls to these for
// struct copies and large initialisers even in freestanding code.
//
// They are written with `rep movsq`/`rep stosq` for the whole quadwords and
// `rep movsb`/`rep stosb` for the rest, or plain byte loops. On hardware with
// ERMSB the byte forms alone would be as fast; QEMU's TCG, where the tests and
// benchmarks run, executes a REP string instruction one element at a time,
// so quadwords are 8 times fewer steps (loading an 80 KB program: 3.5 ms
// with byte steps, 0.6 ms with quadwords; docs/performance.md). This file is compiled with
// -fno-tree-loop-distribute-patterns (see CMakeLists.txt) so GCC cannot turn a
// loop back into a call to the function being defined.

#include <cstddef>
#include <cstdint>

// In test kernels KASAN checks each call's whole ranges once (this file is
// not instrumented: a check per byte would be slow); src/mem/kasan/shadow.cpp.
#ifdef KESTREL_KASAN
extern "C" void __asan_loadN_noabort(void* address, size_t size);
extern "C" void __asan_storeN_noabort(void* address, size_t size);
// The check only reads the address (GCC's signature has no const).
#define KASAN_READS(pointer, size) __asan_loadN_noabort(const_cast<void*>(static_cast<const void*>(pointer)), size)
#define KASAN_WRITES(pointer, size) __asan_storeN_noabort(pointer, size)
#else
#define KASAN_READS(pointer, size) static_cast<void>(0)
#define KASAN_WRITES(pointer, size) static_cast<void>(0)
#endif

extern "C" {

void* memcpy(void* __restrict destination, const void* __restrict source, size_t count)
{
    KASAN_READS(source, count);
    KASAN_WRITES(destination, count);
    void* result = destination;
    size_t quadwords = count / 8, rest = count % 8;
    // REP MOVSQ copies RCX quadwords, then REP MOVSB RCX bytes, from [RSI]
    // to [RDI] upwards (DF=0 per the ABI); each reads a unit before writing
    // it, so memmove may use this for a destination below its source.
    asm volatile("rep movsq\n\tmov %[rest], %%rcx\n\trep movsb"
                 : "+D"(destination), "+S"(source), "+c"(quadwords)
                 : [rest] "r"(rest)
                 : "memory");
    return result;
}

void* memset(void* destination, int value, size_t count)
{
    KASAN_WRITES(destination, count);
    void* result = destination;
    size_t quadwords = count / 8, rest = count % 8;
    const uint64_t pattern = 0x0101'0101'0101'0101ull * static_cast<unsigned char>(value);
    // REP STOSQ stores RAX into RCX quadwords, then REP STOSB AL into RCX
    // bytes, at [RDI] upwards.
    asm volatile("rep stosq\n\tmov %[rest], %%rcx\n\trep stosb"
                 : "+D"(destination), "+c"(quadwords)
                 : "a"(pattern), [rest] "r"(rest)
                 : "memory");
    return result;
}

void* memmove(void* destination, const void* source, size_t count)
{
    auto* d = static_cast<unsigned char*>(destination);
    const auto* s = static_cast<const unsigned char*>(source);
    if (d <= s || d >= s + count)
        return memcpy(destination, source, count);
    KASAN_READS(source, count);
    KASAN_WRITES(destination, count);
    // Overlap with the destination above the source: copy from the end down.
    for (size_t i = count; i > 0; --i)
        d[i - 1] = s[i - 1];
    return destination;
}

int memcmp(const void* left, const void* right, size_t count)
{
    const auto* a = static_cast<const unsigned char*>(left);
    const auto* b = static_cast<const unsigned char*>(right);
    KASAN_READS(left, count);
    KASAN_READS(right, count);
    for (size_t i = 0; i < count; ++i) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

void* memchr(const void* memory, int value, size_t count)
{
    const auto* bytes = static_cast<const unsigned char*>(memory);
    for (size_t i = 0; i < count; ++i) {
        if (bytes[i] == static_cast<unsigned char>(value)) {
            KASAN_READS(memory, i + 1);
            return const_cast<unsigned char*>(bytes + i);
        }
    }
    KASAN_READS(memory, count);
    return nullptr;
}

size_t strlen(const char* text)
{
    size_t length = 0;
    while (text[length] != '\0')
        ++length;
    KASAN_READS(text, length + 1);
    return length;
}

} // extern "C"

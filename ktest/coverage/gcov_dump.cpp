// Coverage builds only (cmake/Coverage.cmake, -DKESTREL_COVERAGE=ON): at the end
// of a test run, just before QEMU exits (ktest/qemu_exit.cpp), stream every
// object's coverage counters out of the debugcon port. tools/coverage.py reads
// the stream on the host, merges the runs of all kernels and writes .gcda files.
//
// GCC's freestanding scheme ("Profiling and Test Coverage in Freestanding
// Environments" in the GCC manual): -fprofile-info-section puts a pointer to
// each object's gcov_info into the section .gcov_info, which the linker script
// gathers between __gcov_info_start and __gcov_info_end; libgcov's
// __gcov_info_to_gcda turns one gcov_info into the bytes of its .gcda file.
//
// The one object used from libgcov.a, _gcov_info_to_gcda.o (GCC 12.2, Debian),
// was checked with objdump: no SSE or x87 instruction, no access below RSP (no
// red zone), only RIP-relative relocations (so -mcmodel=kernel addresses are
// fine), no libc call on the paths taken for -fprofile-arcs counters. It
// references mmap and abort on the path for value-profile (top-N) counters,
// which -fprofile-arcs never creates; abort is the kernel's own
// (src/runtime), mmap is defined below and panics. Interrupts are off during
// the dump, so even a red zone would be safe, and the counters stay still.
//
// The stream on port 0xe9 (QEMU -debugcon file:PATH), little-endian:
//   "KGCOV\0\0\1"                       magic and version 1
//   'F' u32 size, size bytes            the .gcda file name, as compiled in
//   'D' u32 size, size bytes            .gcda bytes of the file named last
//   'E' u32 count                       end: count file names were sent
// A stream without the end record was cut short.

// GCC 12's <gcov.h> declares C functions without extern "C" of its own.
extern "C" {
#include <gcov.h>
}
#include <cstddef>
#include <cstdint>
#include <string_view>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "core/panic.h"

// Linker-script symbols (cmake/KernelImage.cmake): the array of pointers that
// -fprofile-info-section emits, one per instrumented object.
extern "C" const gcov_info* const __gcov_info_start[];
extern "C" const gcov_info* const __gcov_info_end[];

namespace {

// QEMU's debugcon (isa-debugcon) at its default port; it reads back 0xe9, so
// its presence can be tested (without it, a read returns 0xff).
constexpr arch::Port8 debugcon(0xE9);
constexpr uint8_t debugcon_readback = 0xE9;

void put_byte(uint8_t byte)
{
    debugcon.write(byte);
}

void put_u32(uint32_t value)
{
    for (int shift = 0; shift < 32; shift += 8)
        put_byte(static_cast<uint8_t>(value >> shift));
}

void put_record(char kind, const uint8_t* data, uint32_t size)
{
    put_byte(static_cast<uint8_t>(kind));
    put_u32(size);
    for (uint32_t i = 0; i < size; ++i)
        put_byte(data[i]);
}

// libgcov hands the data over four or eight bytes at a time; they go out in
// 'D' records of up to a buffer's worth.
uint8_t g_buffer[4096];
uint32_t g_buffered = 0;
uint32_t g_files = 0;

void flush()
{
    if (g_buffered == 0)
        return;
    put_record('D', g_buffer, g_buffered);
    g_buffered = 0;
}

void on_filename(const char* name, void*)
{
    flush();
    const std::string_view text = name ? std::string_view(name) : std::string_view();
    // The string's bytes, as bytes: unsigned char may alias any object.
    put_record('F', reinterpret_cast<const uint8_t*>(text.data()), static_cast<uint32_t>(text.size()));
    ++g_files;
}

void on_data(const void* data, unsigned size, void*)
{
    // libgcov's chunk, read as bytes (unsigned char may alias any object).
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (unsigned i = 0; i < size; ++i) {
        if (g_buffered == sizeof g_buffer)
            flush();
        g_buffer[g_buffered++] = bytes[i];
    }
}

void* on_allocate(unsigned size, void*)
{
    core::panic("coverage: libgcov asked for {} bytes, for value-profile counters (only -fprofile-arcs is used)", size);
}

} // namespace

// Called by ktest::qemu_exit (weak there: defined in coverage builds only).
extern "C" void ktest_coverage_dump()
{
    // A panic inside the dump would come back here through qemu_exit.
    static bool dumping = false;
    if (dumping)
        return;
    dumping = true;
    // QEMU is about to exit: no interrupt may run (and count) from here on.
    arch::disable_interrupts();
    if (debugcon.read() != debugcon_readback)
        return; // no -debugcon: this run's counters are not wanted
    static constexpr uint8_t magic[] = {'K', 'G', 'C', 'O', 'V', 0, 0, 1};
    for (uint8_t byte : magic)
        put_byte(byte);
    for (const gcov_info* const* info = __gcov_info_start; info != __gcov_info_end; ++info) {
        __gcov_info_to_gcda(*info, on_filename, on_data, on_allocate, nullptr);
        flush();
    }
    put_byte('E');
    put_u32(g_files);
}

// Referenced by every gcov_info as the merge function of the arc counters;
// libgcov calls it only when it merges into an existing .gcda file, which the
// kernel never does (the host merges).
extern "C" void __gcov_merge_add(int64_t*, unsigned) // gcov_type is a 64-bit integer on x86_64
{
    core::panic("coverage: __gcov_merge_add called in the kernel");
}

// Referenced by _gcov_info_to_gcda.o on the value-profile path only (above).
extern "C" void* mmap(void*, size_t, int, int, int, long)
{
    core::panic("coverage: libgcov called mmap (value-profile counters?)");
}

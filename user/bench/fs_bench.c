// fs_bench: file-system throughput and cached-operation costs through the
// VFS, on a mounted FAT disk (issue 11, part 10). bench/fs_bench.cpp boots
// with a disk image, measures the raw floor (sector reads by the driver) in
// the kernel, mounts the disk at /disk0 and runs `/bench/fs_bench /disk0`;
// tools/bench_fs.py reads the lines on COM1 (`make bench`, docs/performance.md).
//
//   fs_bench DIR [quick]
//
// Each figure is one line, `BENCH <name> <median> min=.. max=.. n=.. reps=..`,
// the median of REPS repetitions (MB = 10^6 bytes):
//   vfs_write_mb_s       a FILE_MIB MiB file written in 64 KiB write()s, then
//                        fsync() (the buffer cache is write-back: fsync puts
//                        the dirty blocks on the disk), from open to fsync
//   vfs_read_mb_s        the same file read in 64 KiB read()s. The buffer cache
//                        holds 256 blocks of 512 bytes (128 KiB) per disk, so
//                        of an 8 MiB file at most 1.6% can come from it: the
//                        read goes to the disk, as a first read would
//   stat_cached_ns       stat() of that file, again and again (its directory
//                        entry's block stays cached)
//   pread_4k_cached_ns   pread() of its first 4 KiB, again and again (8 blocks,
//                        cached after the first)
// Only clock_gettime(CLOCK_MONOTONIC) times them: Kestrel's clock counts 1 ms
// ticks, so the cached loops are sized to last about TARGET_NS each. With
// `quick`: a 256 KiB file, one repetition, short loops (the CTest smoke test;
// no figure means anything then).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REPS 3
#define FILE_MIB 8
#define CHUNK (64u * 1024u)
#define TARGET_NS 50000000ull

static int g_quick;
static char g_path[256];
static unsigned char g_buffer[CHUNK];

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void fail(const char* name, const char* what)
{
    printf("BENCH_ERROR %s: %s: %s\n", name, what, strerror(errno));
    fflush(stdout);
    exit(1);
}

static int compare(const void* a, const void* b)
{
    const double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static void report(const char* name, double* values, int reps, uint64_t n)
{
    qsort(values, (size_t)reps, sizeof *values, compare);
    const double median = reps % 2 ? values[reps / 2] : (values[reps / 2 - 1] + values[reps / 2]) / 2;
    printf("BENCH %s %.3f min=%.3f max=%.3f n=%llu reps=%d\n", name, median, values[0], values[reps - 1],
           (unsigned long long)n, reps);
    fflush(stdout);
}

static double mb_per_s(uint64_t bytes, uint64_t ns)
{
    return ns ? (double)bytes * 1000.0 / (double)ns : 0.0; // bytes/ns * 1000 = MB/s
}

static uint64_t write_file(uint64_t bytes)
{
    const uint64_t start = now_ns();
    const int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail("vfs_write_mb_s", "open");
    for (uint64_t done = 0; done < bytes; done += CHUNK) {
        g_buffer[0] = (unsigned char)(done >> 16); // a different chunk each time
        if (write(fd, g_buffer, CHUNK) != (ssize_t)CHUNK)
            fail("vfs_write_mb_s", "write");
    }
    if (fsync(fd) != 0)
        fail("vfs_write_mb_s", "fsync");
    const uint64_t elapsed = now_ns() - start;
    close(fd);
    return elapsed;
}

static uint64_t read_file(uint64_t bytes)
{
    const uint64_t start = now_ns();
    const int fd = open(g_path, O_RDONLY);
    if (fd < 0)
        fail("vfs_read_mb_s", "open");
    uint64_t total = 0;
    for (;;) {
        const ssize_t got = read(fd, g_buffer, CHUNK);
        if (got < 0)
            fail("vfs_read_mb_s", "read");
        if (got == 0)
            break;
        total += (uint64_t)got;
    }
    const uint64_t elapsed = now_ns() - start;
    close(fd);
    if (total != bytes) {
        errno = EIO;
        fail("vfs_read_mb_s", "the file's size is not what was written");
    }
    return elapsed;
}

static uint64_t run_stat(uint64_t n)
{
    struct stat st;
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        if (stat(g_path, &st) != 0)
            fail("stat_cached_ns", "stat");
    return now_ns() - start;
}

static int g_fd = -1;

static uint64_t run_pread(uint64_t n)
{
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        if (pread(g_fd, g_buffer, 4096, 0) != 4096)
            fail("pread_4k_cached_ns", "pread");
    return now_ns() - start;
}

// A cached operation: a warm-up, then n doubled until a loop lasts about
// TARGET_NS, then REPS loops of that n; ns per operation.
static void timed_loop(const char* name, uint64_t (*run)(uint64_t))
{
    const int reps = g_quick ? 1 : REPS;
    uint64_t n = g_quick ? 16 : 64;
    run(n);
    if (!g_quick) {
        for (;;) {
            const uint64_t took = run(n);
            if (took >= TARGET_NS / 4 || n >= (1ull << 26)) {
                if (took > 0)
                    n = n * TARGET_NS / took;
                break;
            }
            n *= 4;
        }
        if (n == 0)
            n = 1;
    }
    double values[REPS];
    for (int r = 0; r < reps; ++r)
        values[r] = (double)run(n) / (double)n;
    report(name, values, reps, n);
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fs_bench DIR [quick]\n");
        return 2;
    }
    g_quick = argc > 2 && strcmp(argv[2], "quick") == 0;
    snprintf(g_path, sizeof g_path, "%s/fsbench.bin", argv[1]);
    for (size_t i = 0; i < sizeof g_buffer; ++i)
        g_buffer[i] = (unsigned char)(i * 7 + i / 251);
    const uint64_t bytes = g_quick ? 256ull * 1024 : (uint64_t)FILE_MIB << 20;
    const int reps = g_quick ? 1 : REPS;
    const uint64_t started = now_ns();
    printf("# fs_bench: %s, %llu bytes in %u-byte requests, %d repetitions\n", g_path, (unsigned long long)bytes,
           CHUNK, reps);
    fflush(stdout);

    double writes[REPS], reads[REPS];
    for (int r = 0; r < reps; ++r) {
        // Write then read, so that every read starts from the cache the
        // write left (its last 128 KiB, the end of the file: the read's
        // beginning is not there).
        writes[r] = mb_per_s(bytes, write_file(bytes));
        reads[r] = mb_per_s(bytes, read_file(bytes));
    }
    report("vfs_write_mb_s", writes, reps, bytes);
    report("vfs_read_mb_s", reads, reps, bytes);

    timed_loop("stat_cached_ns", run_stat);
    g_fd = open(g_path, O_RDONLY);
    if (g_fd < 0)
        fail("pread_4k_cached_ns", "open");
    timed_loop("pread_4k_cached_ns", run_pread);
    close(g_fd);
    if (unlink(g_path) != 0)
        fail("unlink", "unlink");
    printf("BENCH_DONE %llu ms\n", (unsigned long long)((now_ns() - started) / 1000000));
    fflush(stdout);
    return 0;
}

// usermode_bench: the costs a program sees of its kernel, in nanoseconds per
// operation, the same static binary on Kestrel (/bench/usermode_bench) and on
// Linux (as /init of an initramfs): tools/bench_user.py boots both and
// compares (`make bench`, docs/performance.md).
//
// Each figure is one line, `BENCH <name> <median ns/op> min=.. max=.. n=.. reps=..`:
// the median of REPS timed loops of n operations. Only clock_gettime
// (CLOCK_MONOTONIC) times them: Kestrel's clock counts 1 ms timer ticks, so
// after a warm-up run, calibration runs choose n to make each loop last
// about TARGET_NS. With the argument `quick`: a few operations,
// one repetition (the CTest smoke test; no figure means anything then).

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 5
#define TARGET_NS 50000000ull // per timed loop: 50 ticks of Kestrel's clock
#define PAGE 4096ull

static int g_quick;

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

// Keeps the compiler from dropping work whose result nobody reads (GCC
// removes a malloc+free pair otherwise).
static inline void keep(void* p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

// --- getppid: a real call with next to no work ---

static uint64_t run_getppid(uint64_t n)
{
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        if (getppid() < 0) // musl's getppid is the bare system call, never cached
            fail("getppid_ns", "getppid");
    return now_ns() - start;
}

// --- a system call that does nothing: entry and exit alone ---
//
// Number 1000 is no call on either kernel (ENOSYS at once, and Kestrel logs
// only numbers below 512), which leaves the way in and out; getppid minus
// this is the call's own work.

static uint64_t run_enosys(uint64_t n)
{
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i) {
        long result = 1000;
        __asm__ volatile("syscall" : "+a"(result) : : "rcx", "r11", "memory");
        if (result != -ENOSYS)
            fail("syscall_enosys_ns", "system call 1000 did not answer ENOSYS");
    }
    return now_ns() - start;
}

// --- first touch of anonymous memory: one page fault per page ---

static uint64_t run_page_fault(uint64_t n)
{
    // A fresh region each run, so every page faults; only the touches are timed.
    volatile char* region = mmap(0, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        fail("page_fault_ns", "mmap");
    // Debian's Linux has transparent huge pages on "always": without this a
    // touch could map 2 MiB at once. (Kestrel: ENOSYS, and 4 KiB pages anyway.)
    madvise((void*)region, n * PAGE, MADV_NOHUGEPAGE);
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        region[i * PAGE] = 1;
    const uint64_t elapsed = now_ns() - start;
    if (munmap((void*)region, n * PAGE) != 0)
        fail("page_fault_ns", "munmap");
    return elapsed;
}

// --- pipe ping-pong between two processes: two switches per round trip ---

static int g_to_child = -1, g_from_child = -1;
static pid_t g_child = -1;

static void setup_ping_pong(void)
{
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0)
        fail("pipe_switch_ns", "pipe");
    fflush(stdout);
    g_child = fork();
    if (g_child < 0)
        fail("pipe_switch_ns", "fork");
    if (g_child == 0) {
        close(down[1]);
        close(up[0]);
        char byte;
        while (read(down[0], &byte, 1) == 1)
            if (write(up[1], &byte, 1) != 1)
                _exit(2);
        _exit(0); // end of file: the parent is done
    }
    close(down[0]);
    close(up[1]);
    g_to_child = down[1];
    g_from_child = up[0];
}

static uint64_t run_ping_pong(uint64_t n)
{
    char byte = 'x';
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        if (write(g_to_child, &byte, 1) != 1 || read(g_from_child, &byte, 1) != 1)
            fail("pipe_switch_ns", "ping-pong");
    return now_ns() - start;
}

static void reap_child(const char* name)
{
    int status;
    if (waitpid(g_child, &status, 0) != g_child)
        fail(name, "waitpid");
    g_child = -1;
}

static void teardown_ping_pong(void)
{
    close(g_to_child);
    reap_child("pipe_switch_ns");
    close(g_from_child);
}

// --- sched_yield between two processes ---
//
// The child yields forever and writes a byte per YIELDS_PER_MARK yields to
// a pipe, so that the parent can tell afterwards that the two alternated
// (a yield with nobody else to run would return at once and look cheap).
// A pipe holds 4 KiB: 4 million yields, far more than a run makes.

#define YIELDS_PER_MARK 1024
static int g_marks = -1;
static uint64_t g_parent_yields;

static void setup_yield(void)
{
    int marks[2];
    if (pipe(marks) != 0)
        fail("sched_yield_ns", "pipe");
    fflush(stdout);
    g_child = fork();
    if (g_child < 0)
        fail("sched_yield_ns", "fork");
    if (g_child == 0) {
        close(marks[0]);
        for (uint64_t i = 1;; ++i) {
            sched_yield();
            if (i % YIELDS_PER_MARK == 0 && write(marks[1], "y", 1) != 1)
                _exit(2);
        }
    }
    close(marks[1]);
    g_marks = marks[0];
    g_parent_yields = 0;
}

static uint64_t run_yield(uint64_t n)
{
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i)
        sched_yield();
    const uint64_t elapsed = now_ns() - start;
    g_parent_yields += n;
    return elapsed;
}

static void teardown_yield(void)
{
    kill(g_child, SIGKILL);
    reap_child("sched_yield_ns");
    uint64_t marks = 0;
    char buffer[256];
    ssize_t got;
    while ((got = read(g_marks, buffer, sizeof buffer)) > 0)
        marks += (uint64_t)got;
    close(g_marks);
    printf("# sched_yield_ns: the parent yielded %llu times, the child %llu to %llu\n",
           (unsigned long long)g_parent_yields, (unsigned long long)(marks * YIELDS_PER_MARK),
           (unsigned long long)((marks + 1) * YIELDS_PER_MARK - 1));
}

// --- fork + exit + wait ---

static uint64_t run_fork(uint64_t n)
{
    fflush(stdout);
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i) {
        const pid_t child = fork();
        if (child < 0)
            fail("fork_exit_wait_ns", "fork");
        if (child == 0)
            _exit(0);
        int status;
        if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail("fork_exit_wait_ns", "waitpid");
    }
    return now_ns() - start;
}

// --- fork + execve + wait ---
//
// Of this very program, told to exit at once (a small static musl binary),
// and of Debian's static glibc busybox as `busybox true` (2 MB; where there
// is a /bin/busybox): what starting a program costs.

static const char* g_self; // argv[0], its path: /bench/usermode_bench on Kestrel, /init on Linux

static uint64_t run_exec(uint64_t n, const char* name, const char* path, char* const argv[])
{
    fflush(stdout);
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i) {
        const pid_t child = fork();
        if (child < 0)
            fail(name, "fork");
        if (child == 0) {
            execv(path, argv);
            _exit(127);
        }
        int status;
        if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail(name, "the program did not exit with 0");
    }
    return now_ns() - start;
}

static uint64_t run_exec_musl(uint64_t n)
{
    char* const argv[] = {(char*)g_self, "exit", NULL};
    return run_exec(n, "exec_musl_ns", g_self, argv);
}

static uint64_t run_exec_busybox(uint64_t n)
{
    char* const argv[] = {"true", NULL};
    return run_exec(n, "exec_busybox_ns", "/bin/busybox", argv);
}

// --- malloc(64) + free ---
//
// Alone, musl's allocator (mallocng, musl 1.2.3) gives a group back once its
// last slot is free: each pair is an mmap, a page fault and a munmap. With
// one block kept live beside it ("warm") the pair stays in user space, which
// makes it the control: user code alone, which should cost the same on
// both kernels.

static uint64_t malloc_pairs(uint64_t n)
{
    const uint64_t start = now_ns();
    for (uint64_t i = 0; i < n; ++i) {
        char* p = malloc(64);
        if (!p)
            fail("malloc_free_ns", "malloc");
        keep(p);
        free(p);
    }
    return now_ns() - start;
}

static uint64_t run_malloc(uint64_t n)
{
    return malloc_pairs(n);
}

static void* g_neighbour;

static void setup_malloc_warm(void)
{
    g_neighbour = malloc(64);
    if (!g_neighbour)
        fail("malloc_free_warm_ns", "malloc");
    keep(g_neighbour);
}

static void teardown_malloc_warm(void)
{
    free(g_neighbour);
}

// --- the driver ---

struct bench {
    const char* name;
    uint64_t first_n, max_n, quick_n;
    uint64_t ops_per_n; // operations reported per unit of n (2: a round trip is two switches)
    void (*setup)(void);
    uint64_t (*run)(uint64_t n); // ns of the timed part of n units
    void (*teardown)(void);
};

static const struct bench g_benches[] = {
    {"getppid_ns", 1000, 10000000, 100, 1, 0, run_getppid, 0},
    {"syscall_enosys_ns", 1000, 10000000, 100, 1, 0, run_enosys, 0},
    {"page_fault_ns", 64, 8192, 16, 1, 0, run_page_fault, 0}, // at most 32 MiB per region
    {"pipe_switch_ns", 100, 1000000, 10, 2, setup_ping_pong, run_ping_pong, teardown_ping_pong},
    {"sched_yield_ns", 100, 1000000, 10, 2, setup_yield, run_yield, teardown_yield},
    {"fork_exit_wait_ns", 10, 100000, 3, 1, 0, run_fork, 0},
    {"exec_musl_ns", 4, 10000, 2, 1, 0, run_exec_musl, 0},
    {"exec_busybox_ns", 2, 10000, 2, 1, 0, run_exec_busybox, 0},
    {"malloc_free_ns", 1000, 10000000, 100, 1, 0, run_malloc, 0},
    {"malloc_free_warm_ns", 10000, 100000000, 100, 1, setup_malloc_warm, malloc_pairs, teardown_malloc_warm},
};

static int by_value(const void* a, const void* b)
{
    const uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

static void print_tenths(uint64_t tenths)
{
    printf("%llu.%llu", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

static void measure(const struct bench* b)
{
    if (b->setup)
        b->setup();
    uint64_t n = g_quick ? b->quick_n : b->first_n;
    const int reps = g_quick ? 1 : REPS;
    if (!g_quick) {
        // A warm-up run (first touches, the allocator's first group), then
        // calibration: grow n until a run lasts at least half of
        // TARGET_NS, scaling by what the last run took.
        b->run(n);
        for (;;) {
            const uint64_t t = b->run(n);
            if (t >= TARGET_NS / 2 || n >= b->max_n)
                break;
            const uint64_t next = t < TARGET_NS / 8 ? n * 4 : n * TARGET_NS / t + 1;
            n = next < b->max_n ? next : b->max_n;
        }
    }
    uint64_t tenths[REPS];
    for (int i = 0; i < reps; ++i)
        tenths[i] = b->run(n) * 10 / (n * b->ops_per_n); // integers: no FPU state needed
    if (b->teardown)
        b->teardown();
    qsort(tenths, reps, sizeof tenths[0], by_value);
    printf("BENCH %s ", b->name);
    print_tenths(tenths[reps / 2]);
    printf(" min=");
    print_tenths(tenths[0]);
    printf(" max=");
    print_tenths(tenths[reps - 1]);
    printf(" n=%llu reps=%d\n", (unsigned long long)n, reps);
    fflush(stdout);
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return 0; // exec_musl_ns's child
    g_self = argv[0];
    g_quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    struct utsname name;
    if (uname(&name) == 0)
        printf("# usermode_bench on %s %s%s\n", name.sysname, name.release, g_quick ? " (quick)" : "");
    const uint64_t start = now_ns();
    for (size_t i = 0; i < sizeof g_benches / sizeof g_benches[0]; ++i) {
        if (g_benches[i].run == run_exec_busybox && access("/bin/busybox", X_OK) != 0) {
            printf("# exec_busybox_ns: no /bin/busybox here\n");
            continue;
        }
        measure(&g_benches[i]);
    }
    printf("BENCH_DONE %llu ms\n", (unsigned long long)((now_ns() - start) / 1000000));
    fflush(stdout);
    return 0;
}

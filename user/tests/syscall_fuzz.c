// A system-call fuzzer: random numbers (mostly Linux's range, some far
// outside it) with random arguments, a fixed number of calls from a fixed
// seed, so a failure repeats. `syscall_fuzz [CALLS] [SEED]`; exit 0 when done.
// Calls that may wait as long as an argument says (sleeps, poll and
// select, wait4, sigsuspend) are left out: waiting is an answer, a slow one.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t state;
static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint64_t random_argument(void)
{
    switch (next_random() % 6) {
    case 0: return next_random();                          // anything
    case 1: return next_random() % 64;                     // a small number: a descriptor, a flag
    case 2: return 0xFFFF800000000000ull | next_random();  // the kernel's half
    case 3: return next_random() & 0x00007FFFFFFFFFFFull;  // somewhere in user space
    case 4: return (uint64_t)-(int64_t)(next_random() % 4096);
    default: return 0;
    }
}

int main(int argc, char** argv)
{
    const long calls = argc > 1 ? atol(argv[1]) : 20000;
    state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x2545F4914F6CDD1Dull;
    const pid_t self = getpid();
    for (long i = 0; i < calls; ++i) {
        long number = (long)(next_random() % 8 == 0 ? next_random() : next_random() % 460);
        if (number == SYS_exit || number == SYS_exit_group || number == SYS_rt_sigreturn || number == SYS_kill
            || number == SYS_pause || number == SYS_tkill || number == SYS_tgkill || number == SYS_nanosleep
            || number == SYS_clock_nanosleep || number == SYS_wait4 || number == SYS_reboot || number == SYS_poll
            || number == SYS_ppoll || number == SYS_select || number == SYS_pselect6 || number == SYS_rt_sigsuspend
           || number == SYS_munmap || number == SYS_mprotect || number == SYS_mremap || number == SYS_mmap
           || number == SYS_madvise)
            continue;
        uint64_t a[6];
        for (int j = 0; j < 6; ++j)
            a[j] = random_argument();
        (void)syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (getpid() != self)
            _exit(0);
        if (i % 256 == 0)
            while (waitpid(-1, NULL, WNOHANG) > 0) {
            }
    }
    while (wait(NULL) > 0) {
    }
    printf("syscall_fuzz: %ld calls, the program and the kernel still here\n", calls);
    return 0;
}

// Every system call number Linux has, and some beyond, with garbage
// arguments: kernel addresses, unmapped and unaligned user addresses,
// huge sizes, negative descriptors. Any answer is fine; a crash of the
// kernel is not. Left out are the calls whose very meaning ends this
// program whatever the arguments (exit, exit_group, rt_sigreturn, kill,
// pause, reboot), and those that would take this program's own memory away
// (munmap, mprotect, mremap, mmap over it, madvise; usertests checks them
// with sane arguments). Fork-like calls run, and their children leave at once.
// `syscall_garbage [ROUNDS]`; exit 0 when done.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const uint64_t garbage[] = {
    0,
    1,
    (uint64_t)-1,
    0xFFFFFFFF80000000ull, // the kernel's image
    0xFFFF888000000000ull, // the direct map
    0x0000800000000000ull, // the first non-canonical address
    0x00007FFFFFFFF000ull, // the last user page (unmapped)
    4096,                  // unmapped user page
    0x7FFFFFFFFFFFFFFFull,
    0x1000000000ull,
    3,
    0xDEADBEEF,
};
enum { garbage_count = sizeof garbage / sizeof garbage[0] };

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int skipped(long number)
{
    return number == SYS_exit || number == SYS_exit_group || number == SYS_rt_sigreturn || number == SYS_kill
           || number == SYS_pause || number == SYS_tkill || number == SYS_tgkill || number == SYS_vhangup
           || number == SYS_reboot
           || number == SYS_munmap || number == SYS_mprotect || number == SYS_mremap || number == SYS_mmap
           || number == SYS_madvise;
}

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 3;
    const pid_t self = getpid();
    long calls = 0;
    for (int round = 0; round < rounds; ++round) {
        for (long number = 0; number < 460; ++number) {
            if (skipped(number))
                continue;
            uint64_t a[6];
            for (int i = 0; i < 6; ++i)
                a[i] = garbage[next_random() % garbage_count];
            if (number == SYS_nanosleep || number == SYS_clock_nanosleep)
                a[0] = a[1] = 0; // a long sleep is an answer too, but a slow one
            // The same for waits on descriptors: garbage descriptors, but no waiting.
            static const uint64_t no_time[2] = {0, 0};
            if (number == SYS_poll)
                a[2] = 0;
            if (number == SYS_ppoll)
                a[2] = (uint64_t)no_time;
            if (number == SYS_select || number == SYS_pselect6)
                a[4] = (uint64_t)no_time;
            long result = syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
            if (getpid() != self)
                _exit(0); // a fork-like call made a child: it leaves
            (void)result;
            ++calls;
        }
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
    }
    while (wait(NULL) > 0) {
    }
    printf("syscall_garbage: %ld calls, the program and the kernel still here\n", calls);
    return 0;
}

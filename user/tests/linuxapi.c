// The Linux interfaces a C library and Debian's busybox need beyond
// usertests' basics (issue 14): symbolic links, /proc's links and command
// lines, poll and select, random bytes, limits, the process name,
// sysinfo, the auxiliary vector, clone as glibc's fork calls it, and int
// arguments with garbage in the upper half of the register. Each test
// prints "ok NAME" or "not ok NAME"; the exit status is the failure count.

#define _GNU_SOURCE // ppoll
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static void symbolic_links_are_made_read_and_followed(void)
{
    CHECK(mkdir("/links", 0755) == 0);
    CHECK(mkdir("/links/real", 0755) == 0);
    int fd = open("/links/real/file.txt", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "through a link\n", 15) == 15);
    close(fd);
    CHECK(symlink("real/file.txt", "/links/relative") == 0);      // relative to the link's folder
    CHECK(symlink("/links/real", "/links/absolute") == 0);        // to a directory
    CHECK(symlink("/links/nowhere", "/links/dangling") == 0);     // a link may dangle
    CHECK(symlink("loop-b", "/links/loop-a") == 0 && symlink("loop-a", "/links/loop-b") == 0);
    CHECK(symlink("x", "/links/relative") == -1 && errno == EEXIST);

    char text[64] = {0};
    CHECK(readlink("/links/relative", text, sizeof text) == 13 && memcmp(text, "real/file.txt", 13) == 0);
    CHECK(readlink("/links/relative", text, 4) == 4); // cut at the buffer, no NUL
    CHECK(readlink("/links/real", text, sizeof text) == -1 && errno == EINVAL); // not a link

    char buffer[32] = {0};
    fd = open("/links/relative", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buffer, sizeof buffer) == 15 && memcmp(buffer, "through a link\n", 15) == 0);
    close(fd);
    fd = open("/links/absolute/file.txt", O_RDONLY); // a link in the middle of a path
    CHECK(fd >= 0);
    close(fd);
    CHECK(open("/links/dangling", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("/links/loop-a", O_RDONLY) == -1 && errno == ELOOP);
    CHECK(open("/links/relative", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);

    struct stat status;
    CHECK(lstat("/links/relative", &status) == 0 && S_ISLNK(status.st_mode) && status.st_size == 13);
    CHECK(stat("/links/relative", &status) == 0 && S_ISREG(status.st_mode) && status.st_size == 15);
    CHECK(stat("/links/absolute", &status) == 0 && S_ISDIR(status.st_mode));
    CHECK(fstatat(AT_FDCWD, "/links/absolute", &status, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(status.st_mode));

    CHECK(unlink("/links/relative") == 0); // the link goes, the file stays
    CHECK(access("/links/real/file.txt", F_OK) == 0);
    CHECK(unlink("/links/absolute") == 0 && unlink("/links/dangling") == 0);
    CHECK(unlink("/links/loop-a") == 0 && unlink("/links/loop-b") == 0);
    CHECK(unlink("/links/real/file.txt") == 0 && rmdir("/links/real") == 0 && rmdir("/links") == 0);
}

static void busybox_applets_are_links_to_busybox(void)
{
    char text[64] = {0};
    CHECK(readlink("/usr/bin/wc", text, sizeof text) == 12 && memcmp(text, "/bin/busybox", 12) == 0);
    struct stat link, target;
    CHECK(stat("/usr/bin/wc", &link) == 0 && stat("/bin/busybox", &target) == 0);
    CHECK(link.st_ino == target.st_ino && S_ISREG(link.st_mode));
}

static void proc_self_names_the_program_and_its_arguments(void)
{
    char text[256] = {0};
    const ssize_t length = readlink("/proc/self/exe", text, sizeof text);
    CHECK(length == 15 && memcmp(text, "/tests/linuxapi", 15) == 0);
    char pid[16];
    const int digits = snprintf(pid, sizeof pid, "%d", (int)getpid());
    CHECK(readlink("/proc/self", text, sizeof text) == digits && memcmp(text, pid, (size_t)digits) == 0);
    struct stat status;
    CHECK(lstat("/proc/self/exe", &status) == 0 && S_ISLNK(status.st_mode));
    CHECK(stat("/proc/self/exe", &status) == 0 && S_ISREG(status.st_mode) && status.st_size > 0);

    int fd = open("/proc/self/cmdline", O_RDONLY);
    CHECK(fd >= 0);
    char line[128] = {0};
    const ssize_t got = read(fd, line, sizeof line);
    close(fd);
    CHECK(got == 21 && memcmp(line, "linuxapi\0two words\0x\0", 21) == 0);
}

static void poll_and_select_see_pipes_become_ready(void)
{
    int ends[2];
    CHECK(pipe(ends) == 0);
    struct pollfd polled[2] = {{ends[0], POLLIN, 0}, {ends[1], POLLOUT, 0}};
    CHECK(poll(polled, 2, 0) == 1 && polled[0].revents == 0 && polled[1].revents == POLLOUT);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK(poll(polled, 1, 30) == 0); // nothing to read: the timeout
    clock_gettime(CLOCK_MONOTONIC, &after);
    const long waited_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
    CHECK(waited_ms >= 29);

    const pid_t child = fork();
    if (child == 0) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        (void)!write(ends[1], "x", 1);
        _exit(0);
    }
    polled[0].revents = 0;
    CHECK(poll(polled, 1, -1) == 1 && (polled[0].revents & POLLIN)); // woken by the child's write
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(ends[0], &readable);
    struct timeval none = {0, 0};
    CHECK(select(ends[0] + 1, &readable, NULL, NULL, &none) == 1 && FD_ISSET(ends[0], &readable));
    char byte;
    CHECK(read(ends[0], &byte, 1) == 1 && byte == 'x');
    CHECK(waitpid(child, NULL, 0) == child);

    close(ends[1]); // no writer left: the reader hangs up
    CHECK(poll(polled, 1, 0) == 1 && (polled[0].revents & POLLHUP));
    close(ends[0]);
    struct pollfd closed = {ends[0], POLLIN, 0};
    CHECK(poll(&closed, 1, 0) == 1 && closed.revents == POLLNVAL);
}

static void random_bytes_limits_name_and_system(void)
{
    unsigned char first[32] = {0}, second[32] = {0};
    CHECK(syscall(SYS_getrandom, first, sizeof first, 0) == 32);
    CHECK(syscall(SYS_getrandom, second, sizeof second, 1 /* GRND_NONBLOCK */) == 32);
    CHECK(memcmp(first, second, sizeof first) != 0);
    CHECK(syscall(SYS_getrandom, first, sizeof first, 0x80) == -1 && errno == EINVAL);

    struct rlimit limit;
    CHECK(getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur == 8 * 1024 * 1024);
    CHECK(getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur == 64);
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == 0); // the same: fine
    limit.rlim_cur = 10;
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == -1 && errno == EPERM); // fixed: said in docs/syscalls.md
    CHECK(getrlimit(99, &limit) == -1 && errno == EINVAL);

    char name[16] = {0};
    CHECK(prctl(PR_SET_NAME, "renamed-for-a-test-longer", 0, 0, 0) == 0);
    CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && strcmp(name, "renamed-for-a-t") == 0);
    CHECK(prctl(PR_SET_NAME, "linuxapi", 0, 0, 0) == 0);

    struct sysinfo info;
    CHECK(sysinfo(&info) == 0 && info.totalram > 0 && info.freeram <= info.totalram && info.mem_unit == 4096);
    CHECK(info.procs >= 1);

    const mode_t old = umask(077);
    CHECK(old == 022 && umask(old) == 077);
}

static void the_time_of_day_comes_from_the_real_time_clock(void)
{
    struct timespec real, boot;
    CHECK(clock_gettime(CLOCK_REALTIME, &real) == 0 && clock_gettime(CLOCK_MONOTONIC, &boot) == 0);
    CHECK(real.tv_sec > 1700000000); // QEMU's CMOS clock is its host's: after November 2023
    CHECK(real.tv_sec - boot.tv_sec > 1700000000); // not a count from boot
    struct timeval now;
    CHECK(gettimeofday(&now, NULL) == 0 && now.tv_sec >= real.tv_sec && now.tv_sec - real.tv_sec < 5);
    CHECK(time(NULL) >= real.tv_sec);
}

static void the_auxiliary_vector_is_linuxs(void)
{
    CHECK(getauxval(AT_PAGESZ) == 4096);
    CHECK(getauxval(AT_HWCAP) != 0); // CPUID 1's EDX: at least FPU and TSC
    const char* platform = (const char*)getauxval(AT_PLATFORM);
    CHECK(platform != NULL && strcmp(platform, "x86_64") == 0);
    const char* executable = (const char*)getauxval(AT_EXECFN);
    CHECK(executable != NULL && strcmp(executable, "/tests/linuxapi") == 0);
    CHECK(getauxval(AT_RANDOM) != 0 && getauxval(AT_CLKTCK) == 100 && getauxval(AT_SECURE) == 0);
}

static void clone_as_glibcs_fork_stores_the_childs_id(void)
{
    // glibc's fork: clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, &tid, 0).
    static volatile int32_t child_tid = -1, parent_tid = -1;
    const long flags = 0x01000000 | 0x00200000 | 0x00100000 /* CLONE_PARENT_SETTID */ | SIGCHLD;
    const long pid = syscall(SYS_clone, flags, 0, &parent_tid, &child_tid, 0);
    if (pid == 0)
        _exit(child_tid == (int32_t)getpid() ? 7 : 1); // stored in the child's memory
    CHECK(pid > 0);
    CHECK(parent_tid == (int32_t)pid);
    CHECK(child_tid == -1); // the parent's copy is untouched
    int status = 0;
    CHECK(waitpid((pid_t)pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

static void int_arguments_ignore_the_upper_half(void)
{
    // wait4(-1) as glibc passes it: 0x00000000FFFFFFFF; close(fd) with junk above.
    const pid_t child = fork();
    if (child == 0)
        _exit(3);
    int status = 0;
    CHECK(syscall(SYS_wait4, 0xFFFFFFFFul, &status, 0, 0) == child && WEXITSTATUS(status) == 3);
    const int fd = dup(1);
    CHECK(fd > 2 && syscall(SYS_close, 0xABCD000000000000ul | (unsigned long)fd) == 0);
    // waitpid with WUNTRACED, as a shell with job control calls it.
    const pid_t other = fork();
    if (other == 0)
        _exit(4);
    CHECK(waitpid(other, &status, WUNTRACED) == other && WEXITSTATUS(status) == 4);
    // A child of the caller's own group (pid 0).
    const pid_t third = fork();
    if (third == 0)
        _exit(5);
    CHECK(waitpid(0, &status, 0) == third && WEXITSTATUS(status) == 5);
}

static void status_flags_and_nonblocking_descriptors(void)
{
    int fd = open("/flags.txt", O_CREAT | O_WRONLY | O_APPEND, 0644);
    CHECK(fd >= 0);
    CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) == (O_WRONLY | O_APPEND));
    CHECK(write(fd, "one\n", 4) == 4);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "two\n", 4) == 4); // O_APPEND: at the end all the same
    CHECK(fcntl(fd, F_SETFL, 0) == 0);   // append off; the access mode stays
    CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND)) == O_WRONLY);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "ONE\n", 4) == 4); // now it overwrites
    const int shared = dup(fd);
    CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(shared, F_GETFL) & O_APPEND)); // one description
    close(shared);
    close(fd);
    char text[16] = {0};
    fd = open("/flags.txt", O_RDONLY);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK(read(fd, text, sizeof text) == 8 && memcmp(text, "ONE\ntwo\n", 8) == 0);
    close(fd);
    CHECK(unlink("/flags.txt") == 0);

    int ends[2];
    CHECK(pipe2(ends, O_NONBLOCK) == 0);
    CHECK((fcntl(ends[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDONLY | O_NONBLOCK));
    CHECK((fcntl(ends[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
    char byte;
    CHECK(read(ends[0], &byte, 1) == -1 && errno == EAGAIN); // empty: no wait
    static char block[1024];
    long written = 0;
    for (int i = 0; i < 64; ++i) {
        const ssize_t wrote = write(ends[1], block, sizeof block);
        if (wrote < 0) {
            CHECK(errno == EAGAIN); // full: no wait
            break;
        }
        written += wrote;
    }
    CHECK(written > 0 && written < 64 * 1024);
    CHECK(fcntl(ends[0], F_SETFL, 0) == 0 && read(ends[0], &byte, 1) == 1); // blocking again, and data there
    close(ends[0]);
    close(ends[1]);
}

static volatile sig_atomic_t usr1_seen;
static void on_usr1(int signal)
{
    (void)signal;
    usr1_seen = 1;
}

static void ppoll_waits_under_its_own_signal_mask(void)
{
    struct sigaction action = {.sa_handler = on_usr1};
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
    sigset_t blocked, during;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &blocked, NULL) == 0);
    int ends[2];
    CHECK(pipe(ends) == 0);
    const pid_t parent = getpid();
    const pid_t child = fork();
    if (child == 0) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        kill(parent, SIGUSR1); // blocked outside ppoll: it arrives only through ppoll's mask
        _exit(0);
    }
    sigemptyset(&during);
    struct pollfd polled = {ends[0], POLLIN, 0};
    usr1_seen = 0;
    CHECK(ppoll(&polled, 1, NULL, &during) == -1 && errno == EINTR); // nothing to read: only the signal ends it
    CHECK(usr1_seen == 1);
    sigset_t now;
    CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && sigismember(&now, SIGUSR1)); // the old mask is back
    CHECK(waitpid(child, NULL, 0) == child);
    // A signal that comes outside the call waits, blocked, for the next one.
    kill(parent, SIGUSR1);
    usr1_seen = 0;
    struct timespec none = {0, 0};
    CHECK(ppoll(&polled, 1, &none, &blocked) == 0 && usr1_seen == 0); // still blocked during this one
    CHECK(ppoll(&polled, 1, &none, &during) == -1 && errno == EINTR && usr1_seen == 1);
    CHECK(sigprocmask(SIG_UNBLOCK, &blocked, NULL) == 0);
    close(ends[0]);
    close(ends[1]);
    signal(SIGUSR1, SIG_DFL);
}

static void permissions_owners_and_groups(void)
{
    const int fd = open("/mode.txt", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    struct stat status;
    CHECK(chmod("/mode.txt", 0600) == 0 && stat("/mode.txt", &status) == 0 && (status.st_mode & 07777) == 0600);
    CHECK(fchmod(fd, 04711) == 0 && fstat(fd, &status) == 0 && (status.st_mode & 07777) == 04711);
    CHECK(S_ISREG(status.st_mode)); // the type stays
    CHECK(fchmodat(AT_FDCWD, "/mode.txt", 0644, 0) == 0 && stat("/mode.txt", &status) == 0
          && (status.st_mode & 07777) == 0644);
    CHECK(chmod("/proc/uptime", 0600) == -1 && errno == EPERM);
    CHECK(chmod("/missing", 0600) == -1 && errno == ENOENT);
    CHECK(chown("/mode.txt", 0, 0) == 0 && fchown(fd, (uid_t)-1, 0) == 0 && lchown("/mode.txt", 0, (gid_t)-1) == 0);
    CHECK(chown("/mode.txt", 1000, 1000) == -1 && errno == EPERM); // only root exists
    close(fd);
    CHECK(unlink("/mode.txt") == 0);
    gid_t groups[4];
    CHECK(getgroups(4, groups) == 0 && getgroups(0, NULL) == 0);
    const gid_t root_only[] = {0}, other[] = {5};
    CHECK(setgroups(1, root_only) == 0 && setgroups(0, NULL) == 0);
    CHECK(setgroups(1, other) == -1 && errno == EPERM);
}

static void execve_takes_hundreds_of_arguments_and_long_ones(void)
{
    // As many as a shell's glob gives ("ls /usr/bin/*": 270), one of 20,000
    // bytes, through to the new program; past the limit, E2BIG.
    static char* argv[400];
    static char long_one[20001];
    memset(long_one, 'y', sizeof long_one - 1);
    argv[0] = "linuxapi";
    argv[1] = "count";
    for (int i = 2; i < 302; ++i)
        argv[i] = "arg";
    argv[302] = long_one;
    argv[303] = NULL;
    int ends[2];
    CHECK(pipe(ends) == 0);
    const pid_t child = fork();
    if (child == 0) {
        dup2(ends[1], 1);
        execv("/tests/linuxapi", argv);
        _exit(errno);
    }
    close(ends[1]);
    char line[64] = {0};
    size_t got = 0;
    for (ssize_t n; got < sizeof line - 1 && (n = read(ends[0], line + got, sizeof line - 1 - got)) > 0;)
        got += (size_t)n;
    close(ends[0]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strcmp(line, "303 20913\n") == 0); // 303 arguments of 8 + 5 + 300 * 3 + 20,000 bytes

    static char too_long[300 * 1024];
    memset(too_long, 'z', sizeof too_long - 1);
    char* const big[] = {"linuxapi", too_long, NULL};
    const pid_t other = fork();
    if (other == 0) {
        execv("/tests/linuxapi", big);
        _exit(errno == E2BIG ? 42 : 1);
    }
    CHECK(waitpid(other, &status, 0) == other && WIFEXITED(status) && WEXITSTATUS(status) == 42);
}

// Read-only data of this program: when it runs by execve, its page is one
// shared by every process that runs it (user/program_page_cache.h).
static const char shared_text[] = "read-only text, the same in every run";

static int run_and_read(const char* mode, char* out, size_t size)
{
    int ends[2];
    if (pipe(ends) != 0)
        return -1;
    const pid_t child = fork();
    if (child == 0) {
        dup2(ends[1], 1);
        execl("/tests/linuxapi", "linuxapi", mode, (char*)NULL);
        _exit(127);
    }
    close(ends[1]);
    size_t got = 0;
    for (ssize_t n; got < size - 1 && (n = read(ends[0], out + got, size - 1 - got)) > 0;)
        got += (size_t)n;
    out[got] = '\0';
    close(ends[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void a_shared_read_only_page_made_writable_is_copied_on_write(void)
{
    // One run makes the shared page writable and writes to it; the next
    // run must still read the program's own bytes.
    char output[128];
    CHECK(run_and_read("write-text", output, sizeof output) == 0);
    CHECK(strcmp(output, "Xead-only text, the same in every run\n") == 0); // its own copy changed
    CHECK(run_and_read("read-text", output, sizeof output) == 0);
    CHECK(strcmp(output, "read-only text, the same in every run\n") == 0); // the shared page did not
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "write-text") == 0) { // a_shared_read_only_page_made_writable's children
        const uintptr_t page = (uintptr_t)shared_text & ~(uintptr_t)4095;
        (void)*(volatile const char*)shared_text; // touched first: mapped from the shared page
        if (mprotect((void*)page, 4096, PROT_READ | PROT_WRITE) != 0)
            return 1;
        *(volatile char*)shared_text = 'X';
        printf("%s\n", shared_text);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "read-text") == 0) {
        printf("%s\n", shared_text);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "count") == 0) { // execve_takes_hundreds_of_arguments's child
        size_t bytes = 0;
        for (int i = 0; i < argc; ++i)
            bytes += strlen(argv[i]);
        printf("%d %zu\n", argc, bytes);
        return 0;
    }
    RUN(symbolic_links_are_made_read_and_followed);
    RUN(busybox_applets_are_links_to_busybox);
    RUN(proc_self_names_the_program_and_its_arguments);
    RUN(poll_and_select_see_pipes_become_ready);
    RUN(random_bytes_limits_name_and_system);
    RUN(the_auxiliary_vector_is_linuxs);
    RUN(the_time_of_day_comes_from_the_real_time_clock);
    RUN(clone_as_glibcs_fork_stores_the_childs_id);
    RUN(int_arguments_ignore_the_upper_half);
    RUN(status_flags_and_nonblocking_descriptors);
    RUN(ppoll_waits_under_its_own_signal_mask);
    RUN(execve_takes_hundreds_of_arguments_and_long_ones);
    RUN(permissions_owners_and_groups);
    RUN(a_shared_read_only_page_made_writable_is_copied_on_write);
    printf("linuxapi: %d failure(s)\n", check_failures);
    return check_failures;
}

// Process behaviour checked from user space, in the spirit of xv6's
// usertests: fork, exec, wait and exit statuses, pipes, sbrk and mmap,
// copy-on-write isolation, descriptors, files of the initial ramdisk, the
// FPU and thread-local storage across switches. Each test prints "ok NAME"
// or "not ok NAME"; the exit status is the number of failed checks.

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static int global_value = 1;

static int wait_status(pid_t pid)
{
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid);
    return status;
}

static void exit_status_reaches_the_parent(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    CHECK(pid > 0);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
}

static void wait_without_children_is_echild(void)
{
    errno = 0;
    CHECK(wait(NULL) == -1 && errno == ECHILD);
    int status;
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
}

static void wnohang_returns_0_while_the_child_runs(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1); // until the parent closes its end
        _exit(3);
    }
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, WNOHANG) == 0);
    close(fds[1]);
    status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

static void fork_gives_the_child_its_own_memory(void)
{
    enum { size = 256 * 1024 };
    unsigned char* block = malloc(size);
    CHECK(block != NULL);
    memset(block, 0x5A, size);
    global_value = 1;
    pid_t pid = fork();
    if (pid == 0) {
        global_value = 2;
        memset(block, 0xA5, size);
        _exit(global_value == 2 && block[size - 1] == 0xA5 ? 0 : 1);
    }
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(global_value == 1);
    int intact = 1;
    for (int i = 0; i < size; ++i)
        intact &= block[i] == 0x5A;
    CHECK(intact);
    free(block);
}

// Free memory as /proc/meminfo tells it, in KiB.
static long free_kib(void)
{
    FILE* file = fopen("/proc/meminfo", "r");
    long value = -1;
    char line[128];
    while (file && fgets(line, sizeof line, file))
        sscanf(line, "MemFree: %ld kB", &value);
    if (file)
        fclose(file);
    return value;
}

static void fork_shares_memory_until_it_is_written(void)
{
    // 2 MiB touched in the parent; a child that has not written them costs
    // its page tables and kernel stack only, and one that writes them all
    // costs the 2 MiB (the frame counters, through /proc/meminfo).
    enum { size = 2 << 20 };
    unsigned char* block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(block != MAP_FAILED);
    memset(block, 1, size);
    int go[2], done[2];
    CHECK(pipe(go) == 0 && pipe(done) == 0);
    const long before = free_kib();
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        memset(block, 2, size); // every page copied now
        write(done[1], "w", 1);
        read(go[0], &c, 1);
        _exit(block[size - 1] == 2 ? 0 : 1);
    }
    const long forked = free_kib();
    write(go[1], "1", 1);
    char c;
    read(done[0], &c, 1);
    const long written = free_kib();
    write(go[1], "2", 1);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("  fork: %ld KiB for the child, %ld KiB more once it wrote 2048 KiB\n", before - forked, forked - written);
    CHECK(before - forked < 256);        // tables and a stack, not 2 MiB of copies
    CHECK(forked - written >= 2048);     // each written page was copied
    CHECK(block[0] == 1 && block[size - 1] == 1); // the parent's pages untouched
    munmap(block, size);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
}

static void parent_and_child_ids(void)
{
    pid_t parent = getpid();
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t seen[2] = {getpid(), getppid()};
        write(fds[1], seen, sizeof seen);
        _exit(0);
    }
    pid_t seen[2] = {0, 0};
    CHECK(read(fds[0], seen, sizeof seen) == sizeof seen);
    CHECK(seen[0] == pid);
    CHECK(seen[1] == parent);
    wait_status(pid);
    close(fds[0]);
    close(fds[1]);
}

static void pipe_carries_bytes_and_ends_when_writers_close(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        unsigned char buffer[1000];
        for (int round = 0; round < 20; ++round) { // 20,000 bytes: more than the pipe holds
            for (int i = 0; i < 1000; ++i)
                buffer[i] = (unsigned char)(round * 1000 + i);
            if (write(fds[1], buffer, sizeof buffer) != sizeof buffer)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    unsigned char buffer[777];
    long total = 0;
    int in_order = 1;
    ssize_t got;
    while ((got = read(fds[0], buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < got; ++i)
            in_order &= buffer[i] == (unsigned char)(total + i);
        total += got;
    }
    CHECK(got == 0);
    CHECK(total == 20000);
    CHECK(in_order);
    close(fds[0]);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void write_to_a_pipe_without_readers_is_epipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN); // else SIGPIPE ends the writer first (signals.c checks that)
    errno = 0;
    CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE);
    signal(SIGPIPE, SIG_DFL);
    close(fds[1]);
}

static void dup2_redirects_a_childs_output(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        printf("through the pipe\n");
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    char buffer[64] = {0};
    ssize_t total = 0, got;
    while ((got = read(fds[0], buffer + total, sizeof buffer - 1 - total)) > 0)
        total += got;
    CHECK(strcmp(buffer, "through the pipe\n") == 0);
    close(fds[0]);
    wait_status(pid);
}

static void exec_runs_another_program(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {"hello", "from-exec", NULL};
        char* envp[] = {"A=1", NULL};
        execve("/bin/hello", argv, envp);
        _exit(99); // exec failed
    }
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void exec_of_a_missing_or_bad_file_fails_and_returns(void)
{
    char* argv[] = {"x", NULL};
    errno = 0;
    CHECK(execve("/bin/no-such-program", argv, NULL) == -1 && errno == ENOENT);
    CHECK(execve("/bin", argv, NULL) == -1 && errno == EACCES);
    CHECK(execve((char*)0xFFFF800000000000ull, argv, NULL) == -1 && errno == EFAULT);
}

// musl's sbrk() refuses to move the break (its malloc owns it), so the
// system call itself: brk(address) returns the new break, or the old one
// when it cannot move.
static char* brk_to(char* address)
{
    return (char*)syscall(SYS_brk, address);
}

static void brk_grows_and_shrinks_the_heap(void)
{
    char* start = brk_to(0);
    CHECK(brk_to(start + (1 << 20)) == start + (1 << 20));
    for (int i = 0; i < (1 << 20); i += 4096)
        start[i] = (char)i; // each page on first touch
    CHECK(start[4096 * 7] == (char)(4096 * 7));
    CHECK(brk_to(start) == start);
    CHECK(brk_to(start + ((intptr_t)1 << 46)) == start); // 64 TiB: far beyond memory, refused
    pid_t pid = fork();
    if (pid == 0) {
        start[0] = 1; // given back: SIGSEGV
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static void mmap_gives_zeroed_memory_and_munmap_takes_it_back(void)
{
    enum { size = 16 * 4096 };
    unsigned char* block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(block != MAP_FAILED);
    int zero = 1;
    for (int i = 0; i < size; ++i)
        zero &= block[i] == 0;
    CHECK(zero);
    block[size - 1] = 7;
    CHECK(munmap(block, size) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        block[0] = 1; // unmapped now: SIGSEGV
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    errno = 0;
    CHECK(mmap(NULL, (size_t)1 << 46, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM);
    CHECK(mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EACCES);
}

static void mprotect_makes_memory_read_only(void)
{
    char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    page[0] = 'k';
    CHECK(mprotect(page, 4096, PROT_READ) == 0);
    CHECK(page[0] == 'k');
    pid_t pid = fork();
    if (pid == 0) {
        page[0] = 'x'; // read-only: SIGSEGV
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(mprotect(page, 4096, PROT_READ | PROT_WRITE) == 0);
    page[0] = 'w';
    CHECK(page[0] == 'w');
    munmap(page, 4096);
}

static void a_hundred_forks_and_waits(void)
{
    for (int i = 0; i < 100; ++i) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(i % 256);
        int status = wait_status(pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != i % 256) {
            CHECK(!"the status of each child comes back");
            return;
        }
    }
}

static void kill_ends_a_running_child(void)
{
    pid_t pid = fork();
    if (pid == 0)
        for (;;) {
        }
    CHECK(kill(pid, SIGKILL) == 0);
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    errno = 0;
    CHECK(kill(pid, SIGKILL) == -1 && errno == ESRCH);
}

static void kill_ends_a_child_blocked_in_a_pipe_read(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(fds[0], &c, 1); // nobody writes; the parent keeps the write end open
        _exit(0);
    }
    sched_yield(); // let it block (if it has not, the kill finds it before its read)
    CHECK(kill(pid, SIGTERM) == 0);
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    close(fds[0]);
    close(fds[1]);
}

static __thread int thread_local_value = 7;

static void floating_point_and_tls_survive_switches(void)
{
    pid_t pid = fork();
    // Both processes compute the same series with different factors while
    // yielding to each other: a register state leaking between them would
    // show in the sums.
    const double factor = pid == 0 ? 1.5 : 0.25;
    thread_local_value = pid == 0 ? 100 : 200;
    double sum = 0;
    for (int i = 1; i <= 2000; ++i) {
        sum += factor / i;
        if (i % 100 == 0)
            sched_yield();
    }
    double expected = 0;
    for (int i = 1; i <= 2000; ++i)
        expected += factor / i;
    const int good = sum == expected && thread_local_value == (pid == 0 ? 100 : 200);
    if (pid == 0)
        _exit(good ? 0 : 1);
    CHECK(good);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void files_of_the_initial_ramdisk(void)
{
    int fd = open("/bin/hello", O_RDONLY);
    CHECK(fd >= 0);
    char magic[4];
    CHECK(read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 1000);
    CHECK(lseek(fd, 1, SEEK_SET) == 1);
    CHECK(read(fd, magic, 3) == 3 && memcmp(magic, "ELF", 3) == 0);
    CHECK(close(fd) == 0);
    CHECK(close(fd) == -1 && errno == EBADF);
    CHECK(open("/bin/nothing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(stat("/bin", &st) == 0 && S_ISDIR(st.st_mode));

    DIR* dir = opendir("/bin");
    CHECK(dir != NULL);
    int found = 0;
    struct dirent* entry;
    while (dir && (entry = readdir(dir)) != NULL)
        found |= strcmp(entry->d_name, "hello") == 0;
    CHECK(found);
    if (dir)
        closedir(dir);
}

static void files_are_made_written_renamed_and_removed(void)
{
    CHECK(mkdir("/scratch", 0755) == 0);
    CHECK(mkdir("/scratch", 0755) == -1 && errno == EEXIST);
    int fd = open("/scratch/a file", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "abc", 3) == 3);
    close(fd);
    CHECK(open("/scratch/a file", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
    fd = open("/scratch/a file", O_WRONLY | O_APPEND);
    CHECK(write(fd, "def", 3) == 3);
    close(fd);
    char buffer[16] = {0};
    fd = open("/scratch/a file", O_RDONLY);
    CHECK(read(fd, buffer, sizeof buffer) == 6 && memcmp(buffer, "abcdef", 6) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 6 && S_ISREG(st.st_mode));
    close(fd);
    CHECK(rename("/scratch/a file", "/scratch/b") == 0);
    CHECK(stat("/scratch/a file", &st) == -1 && errno == ENOENT);
    CHECK(truncate("/scratch/b", 2) == 0 && stat("/scratch/b", &st) == 0 && st.st_size == 2);
    fd = open("/scratch/b", O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK(lseek(fd, 10, SEEK_SET) == 10 && write(fd, "z", 1) == 1); // a gap reads as zeros
    CHECK(pread(fd, buffer, 11, 0) == 11 && buffer[0] == 0 && buffer[10] == 'z');
    close(fd);
    CHECK(rmdir("/scratch") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("/scratch") == -1 && errno == EISDIR);
    CHECK(unlink("/scratch/b") == 0);
    CHECK(rmdir("/scratch") == 0);
    CHECK(open("/scratch/x", O_WRONLY | O_CREAT, 0644) == -1 && errno == ENOENT);
    // A program written, then run: execve reads what the file system holds.
    int from = open("/bin/hello", O_RDONLY), to = open("/hello-copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    CHECK(from >= 0 && to >= 0);
    char chunk[4096];
    ssize_t got;
    while ((got = read(from, chunk, sizeof chunk)) > 0)
        CHECK(write(to, chunk, (size_t)got) == got);
    close(from);
    close(to);
    pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {"hello-copy", NULL};
        execve("/hello-copy", argv, NULL);
        _exit(99);
    }
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(unlink("/hello-copy") == 0);
}

static void dev_null_and_dev_zero(void)
{
    int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDONLY);
    CHECK(null >= 0 && zero >= 0);
    char buffer[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(write(null, "gone", 4) == 4);
    CHECK(read(null, buffer, sizeof buffer) == 0);
    CHECK(read(zero, buffer, sizeof buffer) == 8 && buffer[0] == 0 && buffer[7] == 0);
    close(null);
    close(zero);
}

static void working_directory_and_uname(void)
{
    char buffer[64];
    CHECK(getcwd(buffer, sizeof buffer) && strcmp(buffer, "/") == 0);
    CHECK(chdir("bin") == 0);
    CHECK(getcwd(buffer, sizeof buffer) && strcmp(buffer, "/bin") == 0);
    CHECK(access("hello", R_OK) == 0);
    CHECK(chdir("/bin/hello") == -1 && errno == ENOTDIR);
    CHECK(chdir("..") == 0);
    struct utsname name;
    CHECK(uname(&name) == 0 && strcmp(name.sysname, "Kestrel") == 0 && strcmp(name.machine, "x86_64") == 0);
}

static void bad_pointers_are_efault(void)
{
    errno = 0;
    CHECK(write(1, (void*)0xFFFFFFFF80000000ull, 10) == -1 && errno == EFAULT);
    int fds[2];
    CHECK(pipe((int*)0xFFFF888000000000ull) == -1 && errno == EFAULT);
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], (void*)4096, 1) == -1 && errno == EFAULT); // unmapped user page
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(read(fds[0], (void*)16, 1) == -1 && errno == EFAULT);     // page zero: never mapped
    close(fds[0]);
    close(fds[1]);
}

// reboot(2) refuses wrong magic numbers and unknown commands (EINVAL) and
// the commands not done yet (ENOSYS); the power-off itself is
// product.poweroff_turns_the_machine_off's (a mistake here would end the run).
static void reboot_refuses_what_it_does_not_do(void)
{
    const long magic1 = 0xfee1dead, magic2 = 672274793, power_off = 0x4321fedc, restart = 0x01234567;
    CHECK(syscall(SYS_reboot, 0x12345678, magic2, power_off, 0) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_reboot, magic1, 1, power_off, 0) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_reboot, magic1, magic2, 0x12345, 0) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_reboot, magic1, magic2, restart, 0) == -1 && errno == ENOSYS);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    RUN(exit_status_reaches_the_parent);
    RUN(wait_without_children_is_echild);
    RUN(wnohang_returns_0_while_the_child_runs);
    RUN(fork_gives_the_child_its_own_memory);
    RUN(fork_shares_memory_until_it_is_written);
    RUN(parent_and_child_ids);
    RUN(pipe_carries_bytes_and_ends_when_writers_close);
    RUN(write_to_a_pipe_without_readers_is_epipe);
    RUN(dup2_redirects_a_childs_output);
    RUN(exec_runs_another_program);
    RUN(exec_of_a_missing_or_bad_file_fails_and_returns);
    RUN(brk_grows_and_shrinks_the_heap);
    RUN(mmap_gives_zeroed_memory_and_munmap_takes_it_back);
    RUN(mprotect_makes_memory_read_only);
    RUN(a_hundred_forks_and_waits);
    RUN(kill_ends_a_running_child);
    RUN(kill_ends_a_child_blocked_in_a_pipe_read);
    RUN(floating_point_and_tls_survive_switches);
    RUN(files_of_the_initial_ramdisk);
    RUN(files_are_made_written_renamed_and_removed);
    RUN(dev_null_and_dev_zero);
    RUN(working_directory_and_uname);
    RUN(bad_pointers_are_efault);
    RUN(reboot_refuses_what_it_does_not_do);
    printf("usertests: %d failure(s)\n", check_failures);
    return check_failures;
}

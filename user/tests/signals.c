// Signals from user space, through musl's own functions (which call
// rt_sigaction with SA_RESTORER, as glibc does): handlers and rt_sigreturn
// with every register, siginfo and the frame's layout, masks, SA_RESETHAND,
// SA_RESTART against EINTR, SIGCHLD and its auto-reap, faults caught,
// SIGPIPE, the alternate stack, groups, stop and continue, sessions.
// Each test prints "ok NAME" or "not ok NAME"; the exit status is the
// number of failed checks. `signals after-exec` is the half of one test
// that runs in an execve'd image.

#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static volatile sig_atomic_t handled;
static volatile int handled_signal;
static siginfo_t last_info;
static sigset_t mask_in_handler;
static uintptr_t frame_rsp; // the handler's RSP at entry, derived from its siginfo pointer

static void count_handler(int signal)
{
    handled_signal = signal;
    ++handled;
    sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void info_handler(int signal, siginfo_t* info, void* context)
{
    (void)context;
    handled_signal = signal;
    last_info = *info;
    // Linux's frame: return address at RSP, ucontext at +8, siginfo at +312.
    frame_rsp = (uintptr_t)info - 312;
    ++handled;
    sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void set_handler(int signal, void (*handler)(int), int flags)
{
    struct sigaction action = {.sa_handler = handler, .sa_flags = flags};
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(signal, &action, NULL) == 0);
}

static void set_info_handler(int signal, int flags)
{
    struct sigaction action = {.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO | flags};
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(signal, &action, NULL) == 0);
}

static int wait_status(pid_t pid)
{
    int status = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

static void sleep_ms(long ms)
{
    struct timespec time = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&time, &time) != 0 && errno == EINTR) {
    }
}

// --- every register across a handler -------------------------------------

// Values for RAX, RBX, RCX, RDX, RSI, RDI, R8-R15, then XMM0 and XMM1.
static uint64_t want[18], seen[18];
static volatile int spin_done;
static uint64_t frame_rcx, frame_r11, frame_xmm0;
static int interrupted_in_loop;
extern char spin_loop[], spin_loop_end[];

// Loads every register but RSP and RBP with a pattern, spins until the
// handler has run, then stores what the registers hold.
__attribute__((noinline)) static void spin_with_known_registers(void)
{
    __asm__ volatile("mov 0+%[want], %%rax\n\t"
                     "mov 8+%[want], %%rbx\n\t"
                     "mov 16+%[want], %%rcx\n\t"
                     "mov 24+%[want], %%rdx\n\t"
                     "mov 32+%[want], %%rsi\n\t"
                     "mov 40+%[want], %%rdi\n\t"
                     "mov 48+%[want], %%r8\n\t"
                     "mov 56+%[want], %%r9\n\t"
                     "mov 64+%[want], %%r10\n\t"
                     "mov 72+%[want], %%r11\n\t"
                     "mov 80+%[want], %%r12\n\t"
                     "mov 88+%[want], %%r13\n\t"
                     "mov 96+%[want], %%r14\n\t"
                     "mov 104+%[want], %%r15\n\t"
                     "movdqu 112+%[want], %%xmm0\n\t"
                     "movdqu 128+%[want], %%xmm1\n\t"
                     ".globl spin_loop\n"
                     "spin_loop:\n\t"
                     "cmpl $0, %[done]\n\t"
                     "je spin_loop\n\t"
                     ".globl spin_loop_end\n"
                     "spin_loop_end:\n\t"
                     "mov %%rax, 0+%[seen]\n\t"
                     "mov %%rbx, 8+%[seen]\n\t"
                     "mov %%rcx, 16+%[seen]\n\t"
                     "mov %%rdx, 24+%[seen]\n\t"
                     "mov %%rsi, 32+%[seen]\n\t"
                     "mov %%rdi, 40+%[seen]\n\t"
                     "mov %%r8, 48+%[seen]\n\t"
                     "mov %%r9, 56+%[seen]\n\t"
                     "mov %%r10, 64+%[seen]\n\t"
                     "mov %%r11, 72+%[seen]\n\t"
                     "mov %%r12, 80+%[seen]\n\t"
                     "mov %%r13, 88+%[seen]\n\t"
                     "mov %%r14, 96+%[seen]\n\t"
                     "mov %%r15, 104+%[seen]\n\t"
                     "movdqu %%xmm0, 112+%[seen]\n\t"
                     "movdqu %%xmm1, 128+%[seen]\n\t"
                     : [seen] "=m"(seen)
                     : [want] "m"(want), [done] "m"(spin_done)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                       "r15", "xmm0", "xmm1", "cc", "memory");
}

static void clobbering_handler(int signal, siginfo_t* info, void* context)
{
    (void)signal;
    (void)info;
    ucontext_t* uc = context;
    const uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    interrupted_in_loop = rip >= (uintptr_t)spin_loop && rip <= (uintptr_t)spin_loop_end;
    frame_rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
    frame_r11 = (uint64_t)uc->uc_mcontext.gregs[REG_R11];
    __builtin_memcpy(&frame_xmm0, &uc->uc_mcontext.fpregs->_xmm[0], sizeof frame_xmm0);
    // What SYSRET would leave in RCX and R11, and other values in the rest.
    __asm__ volatile("mov $1, %%rcx\n\txor %%r11, %%r11\n\tpxor %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1"
                     :
                     :
                     : "rcx", "r11", "xmm0", "xmm1");
    spin_done = 1;
}

static void every_register_survives_a_handler(void)
{
    for (int i = 0; i < 18; ++i)
        want[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ 0x8000000000000000ull;
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction action = {.sa_sigaction = clobbering_handler, .sa_flags = SA_SIGINFO};
        sigaction(SIGUSR1, &action, NULL);
        write(ready[1], "r", 1);
        spin_with_known_registers();
        int failures = 0;
        for (int i = 0; i < 18; ++i)
            failures += seen[i] != want[i];
        failures += !interrupted_in_loop;                          // struck by the timer, in the loop
        failures += frame_rcx != want[2] || frame_r11 != want[9];  // the frame holds them
        failures += frame_xmm0 != want[14];                        // and the FXSAVE image XMM0
        _exit(failures);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    sleep_ms(30); // into the loop
    CHECK(kill(pid, SIGUSR1) == 0);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    close(ready[1]);
}

// A fault's handler moves RIP past the instruction through the ucontext.
static void skip_instruction(int signal, siginfo_t* info, void* context)
{
    handled_signal = signal;
    last_info = *info;
    ((ucontext_t*)context)->uc_mcontext.gregs[REG_RIP] += 2; // ud2 is 2 bytes
}

static void sigill_handler_can_step_over_the_instruction(void)
{
    struct sigaction action = {.sa_sigaction = skip_instruction, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGILL, &action, NULL) == 0);
    handled_signal = 0;
    register uint64_t r11 __asm__("r11") = 0x1122334455667788ull;
    register uint64_t rcx __asm__("rcx") = 0x99AABBCCDDEEFF00ull;
    __asm__ volatile("ud2" : "+r"(r11), "+r"(rcx));
    CHECK(handled_signal == SIGILL);
    CHECK(last_info.si_code == ILL_ILLOPN);
    CHECK(r11 == 0x1122334455667788ull && rcx == 0x99AABBCCDDEEFF00ull);
    signal(SIGILL, SIG_DFL);
}

// --- siginfo, masks, flags ------------------------------------------------

static void siginfo_and_the_frame_are_linuxs(void)
{
    struct sigaction action = {.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO};
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGHUP);
    CHECK(sigaction(SIGUSR2, &action, NULL) == 0);
    handled = 0;
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(handled == 1 && handled_signal == SIGUSR2);
    CHECK(last_info.si_signo == SIGUSR2 && last_info.si_code == SI_USER && last_info.si_pid == getpid());
    CHECK((frame_rsp + 8) % 16 == 0); // as after a call: the ABI's alignment at entry
    // Blocked in the handler: the signal itself and sa_mask; not after.
    CHECK(sigismember(&mask_in_handler, SIGUSR2) && sigismember(&mask_in_handler, SIGHUP));
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGUSR2) && !sigismember(&now, SIGHUP));
    // raise() is tkill: SI_TKILL.
    CHECK(raise(SIGUSR2) == 0 && handled == 2 && last_info.si_code == SI_TKILL);
    signal(SIGUSR2, SIG_DFL);
}

static void a_blocked_signal_waits_for_its_unblocking(void)
{
    set_handler(SIGUSR1, count_handler, 0);
    handled = 0;
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0);
    CHECK(handled == 0);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
    CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
    CHECK(handled == 1); // once: a standard signal does not queue twice
    CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR1));
    signal(SIGUSR1, SIG_DFL);
}

static void resethand_runs_the_handler_once(void)
{
    set_handler(SIGUSR1, count_handler, SA_RESETHAND);
    handled = 0;
    raise(SIGUSR1);
    CHECK(handled == 1);
    struct sigaction now;
    CHECK(sigaction(SIGUSR1, NULL, &now) == 0 && now.sa_handler == SIG_DFL);
}

static void nodefer_lets_the_signal_in_again(void)
{
    set_handler(SIGUSR1, count_handler, SA_NODEFER);
    raise(SIGUSR1);
    CHECK(!sigismember(&mask_in_handler, SIGUSR1));
    signal(SIGUSR1, SIG_DFL);
}

static void sigkill_and_sigstop_cannot_be_caught_or_blocked(void)
{
    struct sigaction action = {.sa_handler = SIG_IGN};
    errno = 0;
    CHECK(sigaction(SIGKILL, &action, NULL) == -1 && errno == EINVAL);
    CHECK(sigaction(SIGSTOP, &action, NULL) == -1 && errno == EINVAL);
    sigset_t all, now;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP));
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    // The kernel's sigset is 8 bytes: any other size is EINVAL.
    uint64_t set = 0;
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8) == -1 && errno == EINVAL);
}

// --- interrupted calls ---------------------------------------------------

// A child that signals its parent after a while, then maybe writes to `fd`.
static pid_t signal_parent_later(int signal, int fd)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(50);
        kill(parent, signal);
        if (fd >= 0) {
            sleep_ms(50);
            write(fd, "x", 1);
        }
        _exit(0);
    }
    return pid;
}

static void a_signal_cuts_a_pipe_read_short_without_sa_restart(void)
{
    set_handler(SIGUSR1, count_handler, 0);
    handled = 0;
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = signal_parent_later(SIGUSR1, -1);
    char c;
    errno = 0;
    CHECK(read(fds[0], &c, 1) == -1 && errno == EINTR);
    CHECK(handled == 1);
    wait_status(pid);
    close(fds[0]);
    close(fds[1]);
    signal(SIGUSR1, SIG_DFL);
}

static void sa_restart_restarts_the_read(void)
{
    set_handler(SIGUSR1, count_handler, SA_RESTART);
    handled = 0;
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = signal_parent_later(SIGUSR1, fds[1]);
    char c = 0;
    CHECK(read(fds[0], &c, 1) == 1 && c == 'x');
    CHECK(handled == 1);
    wait_status(pid);
    close(fds[0]);
    close(fds[1]);
    signal(SIGUSR1, SIG_DFL);
}

static void nanosleep_interrupted_says_what_is_left(void)
{
    set_handler(SIGUSR1, count_handler, SA_RESTART); // nanosleep never restarts under a handler
    pid_t pid = signal_parent_later(SIGUSR1, -1);
    struct timespec time = {5, 0}, left = {0, 0};
    errno = 0;
    CHECK(nanosleep(&time, &left) == -1 && errno == EINTR);
    CHECK(left.tv_sec >= 3 && left.tv_sec <= 5);
    wait_status(pid);
    signal(SIGUSR1, SIG_DFL);
}

static void sigsuspend_waits_with_a_mask_and_restores_it(void)
{
    set_handler(SIGUSR1, count_handler, 0);
    handled = 0;
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    pid_t pid = signal_parent_later(SIGUSR1, -1);
    CHECK(sigsuspend(&empty) == -1 && errno == EINTR);
    CHECK(handled == 1);
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(sigismember(&now, SIGUSR1)); // the mask from before the call
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    wait_status(pid);
    signal(SIGUSR1, SIG_DFL);
}

// --- children ------------------------------------------------------------

static void a_child_s_end_sends_sigchld(void)
{
    set_info_handler(SIGCHLD, 0);
    handled = 0;
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    while (handled == 0)
        sigsuspend(&empty);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    CHECK(handled_signal == SIGCHLD && last_info.si_code == CLD_EXITED);
    CHECK(last_info.si_pid == pid && last_info.si_status == 7);
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    signal(SIGCHLD, SIG_DFL);
}

static void ignoring_sigchld_reaps_children(void)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0);
    errno = 0;
    CHECK(wait(NULL) == -1 && errno == ECHILD); // waits until it is gone, then: no child
    signal(SIGCHLD, SIG_DFL);
}

static void sigpipe_ends_the_writer_by_default(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fds[2];
        pipe(fds);
        close(fds[0]);
        write(fds[1], "x", 1);
        _exit(0); // not reached
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
}

static void kill_reaches_every_process_of_a_group(void)
{
    pid_t first = fork();
    if (first == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(first, first);
    pid_t second = fork();
    if (second == 0) {
        setpgid(0, first);
        for (;;)
            pause();
    }
    setpgid(second, first);
    sleep_ms(20);
    CHECK(getpgid(second) == first);
    CHECK(kill(-first, SIGTERM) == 0);
    int status = wait_status(first);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    status = wait_status(second);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void sigint_ends_a_process_unless_ignored_or_caught(void)
{
    pid_t plain = fork();
    if (plain == 0) {
        raise(SIGINT);
        _exit(0);
    }
    int status = wait_status(plain);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    pid_t ignoring = fork();
    if (ignoring == 0) {
        signal(SIGINT, SIG_IGN);
        raise(SIGINT);
        _exit(5);
    }
    status = wait_status(ignoring);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
    pid_t catching = fork();
    if (catching == 0) {
        handled = 0;
        signal(SIGINT, count_handler);
        raise(SIGINT);
        _exit(handled == 1 ? 6 : 1);
    }
    status = wait_status(catching);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 6);
}

static void stop_and_continue_are_reported(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(pid, SIGSTOP) == 0);
    int status = 0;
    CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    CHECK(kill(pid, SIGCONT) == 0);
    CHECK(waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status));
    CHECK(kill(pid, SIGTERM) == 0);
    status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

// --- faults --------------------------------------------------------------

static sigjmp_buf fault_jump;
static volatile uintptr_t unmapped_address = 0x10; // through a variable: GCC rejects a constant null-page pointer
static void jump_back(int signal, siginfo_t* info, void* context)
{
    (void)context;
    handled_signal = signal;
    last_info = *info;
    siglongjmp(fault_jump, 1);
}

static void segv_handler_can_jump_out(void)
{
    struct sigaction action = {.sa_sigaction = jump_back, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGSEGV, &action, NULL) == 0);
    handled_signal = 0;
    static volatile int went_on;
    went_on = 0;
    if (sigsetjmp(fault_jump, 1) == 0) {
        *(volatile int*)unmapped_address = 1;
        went_on = 1; // not reached
    }
    CHECK(!went_on && handled_signal == SIGSEGV);
    CHECK(last_info.si_code == SEGV_MAPERR && last_info.si_addr == (void*)0x10);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGSEGV)); // siglongjmp put the mask back
    signal(SIGSEGV, SIG_DFL);
}

static char* read_only_page;
static void make_writable(int signal, siginfo_t* info, void* context)
{
    (void)context;
    handled_signal = signal;
    last_info = *info;
    mprotect(read_only_page, 4096, PROT_READ | PROT_WRITE);
}

static void segv_handler_can_fix_the_fault_and_return(void)
{
    read_only_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(read_only_page != MAP_FAILED);
    struct sigaction action = {.sa_sigaction = make_writable, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGSEGV, &action, NULL) == 0);
    handled_signal = 0;
    (void)*(volatile char*)read_only_page; // mapped now, read-only
    *(volatile char*)(read_only_page + 5) = 42;
    CHECK(handled_signal == SIGSEGV && last_info.si_code == SEGV_ACCERR);
    CHECK(last_info.si_addr == read_only_page + 5);
    CHECK(read_only_page[5] == 42);
    signal(SIGSEGV, SIG_DFL);
    munmap(read_only_page, 4096);
}

static void a_fault_with_its_signal_blocked_ends_the_process(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction action = {.sa_sigaction = jump_back, .sa_flags = SA_SIGINFO};
        sigaction(SIGSEGV, &action, NULL);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGSEGV);
        sigprocmask(SIG_BLOCK, &block, NULL);
        *(volatile int*)unmapped_address = 1;
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static void a_bad_sigreturn_frame_ends_the_process(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        syscall(SYS_rt_sigreturn); // no frame at RSP: garbage CS and SS
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static void a_handler_without_a_restorer_ends_the_process(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        // The kernel's struct sigaction, without SA_RESTORER: nowhere to return.
        struct {
            void (*handler)(int);
            unsigned long flags;
            void (*restorer)(void);
            uint64_t mask;
        } action = {count_handler, 0, NULL, 0};
        syscall(SYS_rt_sigaction, SIGUSR1, &action, NULL, 8);
        raise(SIGUSR1);
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

// --- the alternate stack -------------------------------------------------

static char* alternate_base;
static size_t alternate_size = 16384;
static int on_alternate, flags_in_handler;
static void alternate_handler(int signal)
{
    (void)signal;
    char local;
    on_alternate = &local > alternate_base && &local < alternate_base + alternate_size;
    stack_t now;
    sigaltstack(NULL, &now);
    flags_in_handler = now.ss_flags;
}

static void sa_onstack_runs_on_the_alternate_stack(void)
{
    alternate_base = malloc(alternate_size);
    stack_t stack = {.ss_sp = alternate_base, .ss_size = alternate_size, .ss_flags = 0}, old;
    CHECK(sigaltstack(&stack, &old) == 0 && (old.ss_flags & SS_DISABLE));
    set_handler(SIGUSR1, alternate_handler, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK(on_alternate && (flags_in_handler & SS_ONSTACK));
    stack_t now;
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_flags == 0 && now.ss_sp == alternate_base);
    stack_t tiny = {.ss_sp = alternate_base, .ss_size = 100};
    CHECK(sigaltstack(&tiny, NULL) == -1 && errno == ENOMEM);
    stack_t off = {.ss_flags = SS_DISABLE};
    CHECK(sigaltstack(&off, NULL) == 0);
    signal(SIGUSR1, SIG_DFL);
    free(alternate_base);
}

// --- execve, sessions ----------------------------------------------------

static void execve_resets_caught_signals_and_keeps_ignored_ones(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        set_handler(SIGUSR1, count_handler, 0);
        signal(SIGUSR2, SIG_IGN);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, NULL);
        execl("/tests/signals", "signals", "after-exec", (char*)NULL);
        _exit(99);
    }
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int after_exec(void)
{
    struct sigaction usr1, usr2;
    sigaction(SIGUSR1, NULL, &usr1);
    sigaction(SIGUSR2, NULL, &usr2);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    return (usr1.sa_handler != SIG_DFL) + (usr2.sa_handler != SIG_IGN) * 2 + !sigismember(&mask, SIGHUP) * 4;
}

static void setsid_makes_a_session(void)
{
    CHECK(getsid(0) > 0);
    pid_t pid = fork();
    if (pid == 0) {
        const pid_t session = getsid(0);
        if (session != getsid(getppid()))
            _exit(1);
        if (setsid() != getpid() || getsid(0) != getpid() || getpgrp() != getpid())
            _exit(2);
        if (setsid() != -1 || errno != EPERM) // a group leader now
            _exit(3);
        _exit(0);
    }
    int status = wait_status(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(setsid() == -1 && errno == EPERM); // spawned: a session and group leader already
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0)
        return after_exec();
    setvbuf(stdout, NULL, _IONBF, 0);
    RUN(every_register_survives_a_handler);
    RUN(sigill_handler_can_step_over_the_instruction);
    RUN(siginfo_and_the_frame_are_linuxs);
    RUN(a_blocked_signal_waits_for_its_unblocking);
    RUN(resethand_runs_the_handler_once);
    RUN(nodefer_lets_the_signal_in_again);
    RUN(sigkill_and_sigstop_cannot_be_caught_or_blocked);
    RUN(a_signal_cuts_a_pipe_read_short_without_sa_restart);
    RUN(sa_restart_restarts_the_read);
    RUN(nanosleep_interrupted_says_what_is_left);
    RUN(sigsuspend_waits_with_a_mask_and_restores_it);
    RUN(a_child_s_end_sends_sigchld);
    RUN(ignoring_sigchld_reaps_children);
    RUN(sigpipe_ends_the_writer_by_default);
    RUN(kill_reaches_every_process_of_a_group);
    RUN(sigint_ends_a_process_unless_ignored_or_caught);
    RUN(stop_and_continue_are_reported);
    RUN(segv_handler_can_jump_out);
    RUN(segv_handler_can_fix_the_fault_and_return);
    RUN(a_fault_with_its_signal_blocked_ends_the_process);
    RUN(a_bad_sigreturn_frame_ends_the_process);
    RUN(a_handler_without_a_restorer_ends_the_process);
    RUN(sa_onstack_runs_on_the_alternate_stack);
    RUN(execve_resets_caught_signals_and_keeps_ignored_ones);
    RUN(setsid_makes_a_session);
    printf("signals: %d failure(s)\n", check_failures);
    return check_failures;
}

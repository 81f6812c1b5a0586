// crash WAY: a program that does what user code must not, in one of many
// ways (`crash help` lists them). It must end only itself, with the signal
// Linux would send, while the kernel reports it and goes on: the demo at
// the shell, and the adversarial tests' program (tests/user/adversarial.cpp).

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int recurse(int depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (depth < 0) // never: the stack runs out first
        return 0;
    return recurse(depth + 1) + frame[0]; // not a tail call: every frame stays
}

static void return_to(uintptr_t address)
{
    ((void (*)(void))address)();
}

int main(int argc, char** argv)
{
    static const char* const ways =
        "cli hlt in out mov-cr3 lgdt wrmsr jump-to-kernel read-kernel read-direct-map write-own-code "
        "execute-stack execute-heap null (page-fault) non-canonical sysret-non-canonical stack-overflow ud2 "
        "divide-by-zero int3 (breakpoint) huge-brk out-of-memory";
    if (argc != 2 || strcmp(argv[1], "help") == 0) {
        printf("usage: crash WAY, one of: %s\n", ways);
        return 2;
    }
    const char* what = argv[1];
    if (strcmp(what, "page-fault") == 0)
        what = "null";
    else if (strcmp(what, "breakpoint") == 0)
        what = "int3";
    printf("crash: %s\n", what);
    fflush(stdout);
    if (strcmp(what, "cli") == 0)
        __asm__ volatile("cli");
    else if (strcmp(what, "hlt") == 0)
        __asm__ volatile("hlt");
    else if (strcmp(what, "in") == 0)
        __asm__ volatile("inb $0x60, %%al" ::: "eax");
    else if (strcmp(what, "out") == 0)
        __asm__ volatile("outb %%al, $0xf4" ::"a"(0)); // isa-debug-exit: would end QEMU
    else if (strcmp(what, "mov-cr3") == 0)
        __asm__ volatile("mov %0, %%cr3" ::"r"(0ul));
    else if (strcmp(what, "lgdt") == 0) {
        struct __attribute__((packed)) {
            uint16_t limit;
            uint64_t base;
        } pointer = {0, 0};
        __asm__ volatile("lgdt %0" ::"m"(pointer));
    } else if (strcmp(what, "wrmsr") == 0)
        __asm__ volatile("wrmsr" ::"c"(0xC0000080), "a"(0), "d"(0));
    else if (strcmp(what, "jump-to-kernel") == 0)
        return_to(0xFFFFFFFF80100000ul);
    else if (strcmp(what, "read-kernel") == 0)
        printf("%d\n", *(volatile int*)0xFFFFFFFF80100000ul);
    else if (strcmp(what, "read-direct-map") == 0)
        printf("%d\n", *(volatile int*)0xFFFF888000100000ul);
    else if (strcmp(what, "write-own-code") == 0)
        *(volatile uint8_t*)(uintptr_t)&main = 0xC3;
    else if (strcmp(what, "execute-stack") == 0) {
        volatile uint8_t code[16] = {0xC3}; // ret
        return_to((uintptr_t)code);
    } else if (strcmp(what, "execute-heap") == 0) {
        uint8_t* code = malloc(64);
        code[0] = 0xC3;
        return_to((uintptr_t)code);
    } else if (strcmp(what, "null") == 0)
        printf("%d\n", *(volatile int*)0);
    else if (strcmp(what, "non-canonical") == 0)
        printf("%d\n", *(volatile int*)0x0000900000000000ul);
    else if (strcmp(what, "ud2") == 0)
        __asm__ volatile("ud2");
    else if (strcmp(what, "divide-by-zero") == 0) // in assembly: C's 1/0 is undefined, the compiler may drop it
        __asm__ volatile("xor %%edx, %%edx\n mov $1, %%eax\n divl %0" ::"r"(0u) : "eax", "edx"); else if (strcmp(what, "int3") == 0)
        __asm__ volatile("int3");
    else if (strcmp(what, "stack-overflow") == 0)
        printf("%d\n", recurse(0));
    else if (strcmp(what, "sysret-non-canonical") == 0) {
        // A system call whose return address is not canonical: the kernel
        // must return through IRETQ, which faults here in ring 3.
        __asm__ volatile("mov $0x0000800000000000, %%rcx\n"
                         "lea 1f(%%rip), %%rax\n"
                         "push %%rax\n"
                         "mov $39, %%eax\n" // getpid
                         "mov $0x0000800000000000, %%r11\n"
                         "jmp *%%r11\n"
                         "1:\n" ::: "rax", "rcx", "r11", "memory");
    } else if (strcmp(what, "huge-brk") == 0) {
        // Far beyond memory: refused, the program goes on (exit 0).
        char* start = (char*)syscall(SYS_brk, 0);
        const int refused = (char*)syscall(SYS_brk, start + (1ul << 40)) == start;
        void* map = mmap(NULL, 1ul << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return refused && map == MAP_FAILED ? 0 : 1;
    } else if (strcmp(what, "out-of-memory") == 0) {
        // Each allocation within memory, together more than there is: the
        // kernel ends this program when it runs out of frames.
        for (;;) {
            char* block = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (block == MAP_FAILED)
                return 3; // refused instead: not what this test wants to see
            for (long i = 0; i < (16 << 20); i += 4096)
                block[i] = 1;
        }
    } else {
        return 2;
    }
    printf("crash: %s survived\n", what);
    return 1;
}

// A tiny test harness for user programs: CHECK(condition) counts and
// reports, and the program's exit status is the number of failures, which
// the kernel-side test reads. Each failure names its line.
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static const char* check_test = "";

#define CHECK(condition)                                                                          \
    do {                                                                                          \
        if (!(condition)) {                                                                       \
            ++check_failures;                                                                     \
            printf("FAIL %s: %s (line %d, errno %d %s)\n", check_test, #condition, __LINE__, errno, \
                   strerror(errno));                                                              \
        }                                                                                         \
    } while (0)

#define RUN(test)                                        \
    do {                                                 \
        check_test = #test;                              \
        const int before = check_failures;               \
        test();                                          \
        printf("%s %s\n", check_failures == before ? "ok" : "not ok", #test); \
        fflush(stdout);                                  \
    } while (0)

// kill [-SIGNAL] PID...: ends each process (SIGTERM unless a number says
// otherwise; every signal ends a process for now).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv)
{
    int signal = SIGTERM, first = 1;
    if (argc > 1 && argv[1][0] == '-') {
        signal = atoi(argv[1] + 1);
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: kill [-SIGNAL] PID...\n");
        return 2;
    }
    int status = 0;
    for (int i = first; i < argc; ++i) {
        if (kill(atoi(argv[i]), signal) != 0) {
            fprintf(stderr, "kill: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}

// A fork bomb: every process forks as long as fork succeeds. The kernel's
// process limit stops it (fork fails with EAGAIN); each process then waits
// for its children and exits, so the whole tree ends. Exit status 0 when
// the limit was met.

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int refused = 0;
    for (int round = 0; round < 8; ++round) {
        pid_t pid = fork();
        if (pid < 0) {
            refused = errno == EAGAIN;
            break;
        }
    }
    int status;
    int children_refused = 0;
    while (wait(&status) > 0)
        children_refused |= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    // 2^8 processes would be wanted; far fewer fit: somewhere the limit hit.
    return refused || children_refused ? 0 : 1;
}

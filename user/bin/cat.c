// cat [FILE...]: each file's bytes to standard output; standard input
// without arguments.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd)
{
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0) {
        for (ssize_t done = 0; done < got;) {
            ssize_t wrote = write(1, buffer + done, (size_t)(got - done));
            if (wrote <= 0)
                return 1;
            done += wrote;
        }
    }
    return got < 0;
}

int main(int argc, char** argv)
{
    if (argc == 1)
        return copy(0);
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (copy(fd) != 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
        close(fd);
    }
    return status;
}

// cp FROM TO: copies a file (into TO when TO is a directory).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "target_path.h"

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cp FROM TO\n");
        return 2;
    }
    char target[1024];
    target_path(argv[1], argv[2], target, sizeof target);
    int in = open(argv[1], O_RDONLY);
    if (in < 0) {
        fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    int out = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        fprintf(stderr, "cp: %s: %s\n", target, strerror(errno));
        return 1;
    }
    char buffer[4096];
    ssize_t got;
    while ((got = read(in, buffer, sizeof buffer)) > 0) {
        if (write(out, buffer, (size_t)got) != got) {
            fprintf(stderr, "cp: %s: %s\n", target, strerror(errno));
            return 1;
        }
    }
    close(in);
    close(out);
    return got < 0;
}

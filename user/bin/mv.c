// mv FROM TO: renames FROM (into TO when TO is a directory).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "target_path.h"

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mv FROM TO\n");
        return 2;
    }
    char target[1024];
    target_path(argv[1], argv[2], target, sizeof target);
    if (rename(argv[1], target) != 0) {
        fprintf(stderr, "mv: %s to %s: %s\n", argv[1], target, strerror(errno));
        return 1;
    }
    return 0;
}

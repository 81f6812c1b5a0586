// mv FROM TO: renames FROM (into TO when TO is a directory).
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mv FROM TO\n");
        return 2;
    }
    char target[512];
    struct stat st;
    if (stat(argv[2], &st) == 0 && S_ISDIR(st.st_mode)) {
        char from[512];
        snprintf(from, sizeof from, "%s", argv[1]);
        snprintf(target, sizeof target, "%s/%s", argv[2], basename(from));
    } else {
        snprintf(target, sizeof target, "%s", argv[2]);
    }
    if (rename(argv[1], target) != 0) {
        fprintf(stderr, "mv: %s to %s: %s\n", argv[1], target, strerror(errno));
        return 1;
    }
    return 0;
}

// rm [-d] PATH...: removes each file (with -d, empty directories too).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    int directories = 0, first = 1;
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        directories = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: rm [-d] PATH...\n");
        return 2;
    }
    int status = 0;
    for (int i = first; i < argc; ++i) {
        struct stat st;
        const int is_directory = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);
        const int failed = is_directory && directories ? rmdir(argv[i]) : unlink(argv[i]);
        if (failed != 0) {
            fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}

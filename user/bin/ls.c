// ls [DIR...]: the names in each directory (the working directory without
// arguments), a / after directories, sizes of files.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int list(const char* path, int title)
{
    DIR* dir = opendir(path);
    if (dir == NULL) {
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
            printf("%s  %lld\n", path, (long long)st.st_size);
            return 0;
        }
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (title)
        printf("%s:\n", path);
    struct dirent* entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", path, entry->d_name);
        struct stat st;
        if (entry->d_type == DT_DIR)
            printf("%s/\n", entry->d_name);
        else if (stat(full, &st) == 0)
            printf("%-24s %8lld\n", entry->d_name, (long long)st.st_size);
        else
            printf("%s\n", entry->d_name);
    }
    closedir(dir);
    return 0;
}

int main(int argc, char** argv)
{
    if (argc == 1)
        return list(".", 0);
    int status = 0;
    for (int i = 1; i < argc; ++i)
        status |= list(argv[i], argc > 2);
    return status;
}

// df: each mounted file system's size, use and free space (statfs over
// the mount points /proc/mounts lists).
#include <stdio.h>
#include <sys/statfs.h>

int main(void)
{
    FILE* mounts = fopen("/proc/mounts", "r");
    if (mounts == NULL) {
        perror("df: /proc/mounts");
        return 1;
    }
    printf("%-12s %10s %10s %10s  %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Mounted on");
    char source[64], path[256], type[32];
    int status = 0;
    while (fscanf(mounts, "%63s %255s %31s %*[^\n]", source, path, type) == 3) {
        struct statfs st;
        if (statfs(path, &st) != 0) {
            perror(path);
            status = 1;
            continue;
        }
        const unsigned long long unit = (unsigned long long)st.f_bsize;
        const unsigned long long total = st.f_blocks * unit / 1024, free_kib = st.f_bfree * unit / 1024;
        printf("%-12s %10llu %10llu %10llu  %s (%s)\n", source, total, total - free_kib, free_kib, path, type);
    }
    fclose(mounts);
    return status;
}

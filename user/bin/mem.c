// mem: physical memory in use and free, from /proc/meminfo.
#include <stdio.h>

int main(void)
{
    FILE* file = fopen("/proc/meminfo", "r");
    if (file == NULL) {
        perror("mem: /proc/meminfo");
        return 1;
    }
    long total = 0, free_kb = 0;
    char line[128];
    while (fgets(line, sizeof line, file)) {
        sscanf(line, "MemTotal: %ld kB", &total);
        sscanf(line, "MemFree: %ld kB", &free_kb);
    }
    fclose(file);
    printf("memory: %ld KiB in all, %ld KiB used, %ld KiB free\n", total, total - free_kb, free_kb);
    return 0;
}

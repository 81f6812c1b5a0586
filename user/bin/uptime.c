// uptime: how long since boot, from /proc/uptime.
#include <stdio.h>

int main(void)
{
    FILE* file = fopen("/proc/uptime", "r");
    double seconds = 0;
    if (file == NULL || fscanf(file, "%lf", &seconds) != 1) {
        perror("uptime: /proc/uptime");
        return 1;
    }
    fclose(file);
    const long whole = (long)seconds;
    printf("up %ld:%02ld:%02ld (%.2f s)\n", whole / 3600, whole / 60 % 60, whole % 60, seconds);
    return 0;
}

// ps: every process, from /proc/<pid>/stat: its id, its parent's, its
// group, its state and its name.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    DIR* proc = opendir("/proc");
    if (proc == NULL) {
        perror("ps: /proc");
        return 1;
    }
    printf("  PID  PPID  PGID S COMMAND\n");
    struct dirent* entry;
    while ((entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        FILE* file = fopen(path, "r");
        if (file == NULL)
            continue; // it ended meanwhile
        int pid, parent, group;
        char name[64], state;
        if (fscanf(file, "%d (%63[^)]) %c %d %d", &pid, name, &state, &parent, &group) == 5)
            printf("%5d %5d %5d %c %s\n", pid, parent, group, state, name);
        fclose(file);
    }
    closedir(proc);
    return 0;
}

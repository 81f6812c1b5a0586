// mount [DEVICE DIRECTORY]: mounts the FAT file system on a block device
// (/dev/ata0p1, ...) at a directory; without arguments, lists the mounts.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(int argc, char** argv)
{
    if (argc == 1) {
        FILE* mounts = fopen("/proc/mounts", "r");
        char line[512];
        while (mounts && fgets(line, sizeof line, mounts))
            fputs(line, stdout);
        return mounts == NULL;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: mount [DEVICE DIRECTORY]\n");
        return 2;
    }
    if (mount(argv[1], argv[2], "vfat", 0, NULL) != 0) {
        fprintf(stderr, "mount: %s on %s: %s\n", argv[1], argv[2], strerror(errno));
        return 1;
    }
    return 0;
}

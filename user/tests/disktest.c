// What the kernel must see on a FAT disk the host made (tools/fat_roundtrip.py
// fills it with mkfs.fat and mtools), and what it then writes there for the
// host's fsck.fat and mtools to check. `disktest MOUNT-POINT`; the exit
// status is the number of failed checks.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static const char* root;

static const char* at(const char* relative)
{
    static char paths[4][512];
    static int next;
    char* path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", root, relative);
    return path;
}

// The big files' contents, byte i of file `seed`.
static unsigned char pattern(long i, int seed)
{
    return (unsigned char)((i * 7 + seed * 13 + i / 251) % 256);
}

static long read_all(const char* path, char* buffer, long capacity)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long total = 0, got;
    while (total < capacity && (got = read(fd, buffer + total, (size_t)(capacity - total))) > 0)
        total += got;
    close(fd);
    return total;
}

static int has_entry(const char* directory, const char* name)
{
    DIR* dir = opendir(directory);
    struct dirent* entry;
    int found = 0;
    while (dir && (entry = readdir(dir)) != NULL)
        found |= strcmp(entry->d_name, name) == 0;
    if (dir)
        closedir(dir);
    return found;
}

static void sees_what_the_host_wrote(void)
{
    static char buffer[300 * 1024];
    CHECK(read_all(at("docs/A long file name.txt"), buffer, sizeof buffer) == 17
          && memcmp(buffer, "hello long names\n", 17) == 0);
    CHECK(read_all(at("a/b/c/deep.txt"), buffer, sizeof buffer) == 5 && memcmp(buffer, "deep\n", 5) == 0);
    CHECK(read_all(at("empty"), buffer, sizeof buffer) == 0);
    const long big = read_all(at("big.bin"), buffer, sizeof buffer);
    CHECK(big == 200 * 1024);
    int same = 1;
    for (long i = 0; i < big; ++i)
        same &= (unsigned char)buffer[i] == pattern(i, 1);
    CHECK(same);
    CHECK(has_entry(at("docs"), "A long file name.txt"));
    CHECK(has_entry(root, "a") && has_entry(at("a/b"), "c"));
    struct stat st;
    CHECK(stat(at("a/b"), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat(at("big.bin"), &st) == 0 && st.st_size == 200 * 1024);
}

static void writes_for_the_host_to_check(void)
{
    CHECK(mkdir(at("new dir"), 0755) == 0);
    int fd = open(at("new dir/created by kestrel.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0 && write(fd, "written by kestrel\n", 19) == 19);
    close(fd);
    fd = open(at("docs/A long file name.txt"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "appended\n", 9) == 9);
    close(fd);
    CHECK(rename(at("a/b/c/deep.txt"), at("moved.txt")) == 0);
    CHECK(unlink(at("empty")) == 0);
    CHECK(rmdir(at("a/b/c")) == 0);
    static char buffer[100 * 1024];
    for (long i = 0; i < (long)sizeof buffer; ++i)
        buffer[i] = (char)pattern(i, 2);
    fd = open(at("big2.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long done = 0;
    while (fd >= 0 && done < (long)sizeof buffer) { // in odd-sized pieces, across cluster edges
        const long piece = sizeof buffer - done < 3000 ? (long)sizeof buffer - done : 3000;
        CHECK(write(fd, buffer + done, (size_t)piece) == piece);
        done += piece;
    }
    close(fd);
    CHECK(truncate(at("big.bin"), 50000) == 0);
    sync();
}

// tools/fat_roundtrip.py --damage loop: big.bin's cluster chain loops.
// Reading it must fail (EIO, the kernel names the loop in its log), and
// the other files must read as before.
static void a_looping_chain_is_an_error_and_the_rest_reads_on(void)
{
    static char buffer[300 * 1024];
    errno = 0;
    CHECK(read_all(at("big.bin"), buffer, sizeof buffer) < 200 * 1024);
    int fd = open(at("big.bin"), O_RDONLY);
    long got = 0, total = 0;
    while (fd >= 0 && (got = read(fd, buffer, sizeof buffer)) > 0)
        total += got;
    CHECK(got == -1 && errno == EIO);
    close(fd);
    CHECK(read_all(at("docs/A long file name.txt"), buffer, sizeof buffer) == 17
          && memcmp(buffer, "hello long names\n", 17) == 0);
    CHECK(read_all(at("a/b/c/deep.txt"), buffer, sizeof buffer) == 5);
}

// tools/fat_roundtrip.py --power-loss: a file written and synced, then a
// long write that the host cuts by killing QEMU.
static void write_until_the_power_goes(void)
{
    static char buffer[64 * 1024];
    for (long i = 0; i < (long)sizeof buffer; ++i)
        buffer[i] = (char)pattern(i, 3);
    int fd = open(at("synced.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, buffer, sizeof buffer) == sizeof buffer);
    CHECK(fsync(fd) == 0);
    close(fd);
    printf("disktest: synced.bin is on the disk\n");
    fd = open(at("long write.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (int round = 1; fd >= 0 && round <= 4096; ++round) { // 256 MiB: far more than the disk holds
        if (write(fd, buffer, sizeof buffer) != sizeof buffer)
            break;
        printf("disktest: long write at %d KiB\n", round * 64); // the host cuts the power after a few
    }
    printf("disktest: the long write ended before the power did\n");
}

// After the power loss: the synced file is intact.
static void the_synced_file_survived(void)
{
    static char buffer[128 * 1024];
    CHECK(read_all(at("synced.bin"), buffer, sizeof buffer) == 64 * 1024);
    int same = 1;
    for (long i = 0; i < 64 * 1024; ++i)
        same &= (unsigned char)buffer[i] == pattern(i, 3);
    CHECK(same);
    CHECK(read_all(at("docs/A long file name.txt"), buffer, sizeof buffer) == 17);
}

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    root = argc > 1 ? argv[1] : "/disk0";
    if (argc > 2 && strcmp(argv[2], "power-loss") == 0) {
        write_until_the_power_goes();
        return check_failures;
    }
    if (argc > 2 && strcmp(argv[2], "after-power-loss") == 0) {
        RUN(the_synced_file_survived);
        printf("disktest: %d failure(s)\n", check_failures);
        return check_failures;
    }
    if (argc > 2 && strcmp(argv[2], "damaged") == 0) {
        RUN(a_looping_chain_is_an_error_and_the_rest_reads_on);
        printf("disktest: %d failure(s)\n", check_failures);
        return check_failures;
    }
    RUN(sees_what_the_host_wrote);
    RUN(writes_for_the_host_to_check);
    printf("disktest: %d failure(s)\n", check_failures);
    return check_failures;
}

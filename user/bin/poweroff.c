// poweroff: writes every file system's pending data, then turns the machine
// off (reboot(2) with RB_POWER_OFF, which Kestrel does through ACPI). It
// returns only if the kernel could not, and says why.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
    sync();
    reboot(RB_POWER_OFF);
    fprintf(stderr, "poweroff: the kernel cannot power this machine off: %s\n", strerror(errno));
    return 1;
}

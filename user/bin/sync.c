// sync: every file system's pending writes to its disk.
#include <unistd.h>

int main(void)
{
    sync();
    return 0;
}

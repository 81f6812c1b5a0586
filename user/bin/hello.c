// The smallest real program: musl's printf, its stdio buffering and exit.
#include <stdio.h>

int main(int argc, char** argv)
{
    printf("hello from %s, a musl program in ring 3 (argc %d)\n", argv[0], argc);
    for (int i = 1; i < argc; ++i)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    return 0;
}

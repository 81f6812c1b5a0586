// lspci: the PCI devices the kernel found at boot (/proc/pci).
#include <stdio.h>

int main(void)
{
    FILE* file = fopen("/proc/pci", "r");
    if (file == NULL) {
        perror("lspci: /proc/pci");
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, file))
        fputs(line, stdout);
    fclose(file);
    return 0;
}

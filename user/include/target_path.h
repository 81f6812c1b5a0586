// cp and mv: where FROM goes when TO is given: into TO when it is a
// directory (keeping FROM's name), else TO itself.
#pragma once
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

static void target_path(const char* from, const char* to, char* out, size_t size)
{
    struct stat st;
    if (stat(to, &st) == 0 && S_ISDIR(st.st_mode)) {
        char name[512];
        snprintf(name, sizeof name, "%s", from); // basename may change its argument
        snprintf(out, size, "%s/%s", to, basename(name));
    } else {
        snprintf(out, size, "%s", to);
    }
}

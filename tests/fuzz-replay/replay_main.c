/* Runs a libFuzzer harness's entry point over files and folders without libFuzzer, so that
 * every saved crash and seed is replayed by ctest in every build (normal and sanitizer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        perror(path);
        return 1;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || (n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n)) {
        fprintf(stderr, "%s: read error\n", path);
        fclose(fp);
        free(buf);
        return 1;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;   /* an absent folder (no crashes saved yet) is fine */
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (d == NULL)
        return 1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *sub = malloc(len);
        if (sub == NULL)
            break;
        snprintf(sub, len, "%s/%s", path, e->d_name);
        rc |= run_path(sub, count);
        free(sub);
    }
    closedir(d);
    return rc;
}

/* usage: replay SEEDS [MORE...]: the first folder is the harness's seed corpus, which must
 * hold at least one input (every harness has seeds in the tree); the others may be absent. */
int main(int argc, char **argv)
{
    int rc = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        rc |= run_path(argv[i], &count);
        if (i == 1 && count == 0) {
            fprintf(stderr, "%s: no seed inputs (every fuzz harness needs a seed corpus)\n", argv[1]);
            rc = 1;
        }
    }
    printf("replayed %d inputs\n", count);
    return rc;
}

/*
 * replay_main.c - a plain main for any libFuzzer target: calls LLVMFuzzerTestOneInput on
 * every regular file of one directory, in name order, so `make test` replays fuzz corpora
 * without clang.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the whole file at path into *data (malloc'ed, *size bytes). Returns 0 or -1. */
static int read_file(const char *path, unsigned char **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL, *tmp;
    size_t len = 0, cap = 0, n;
    int rc = -1;

    if (!f)
        return -1;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            tmp = realloc(buf, cap);
            if (!tmp)
                goto done;
            buf = tmp;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        goto done;
    *data = buf;
    *size = len;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir;
    DIR *d;
    struct dirent *e;
    char **names = NULL, **tmp;
    size_t n = 0, cap = 0, i;
    int status = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot read '%s': %s\n", argv[0], dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        path = malloc(len);
        if (!path) {
            status = 1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            tmp = realloc(names, cap * sizeof *names);
            if (!tmp) {
                free(path);
                status = 1;
                break;
            }
            names = tmp;
        }
        names[n++] = path;
    }
    closedir(d);
    if (status) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        goto done;
    }
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (i = 0; i < n; i++) {
        unsigned char *data = NULL;
        size_t size = 0;
        if (read_file(names[i], &data, &size) != 0) {
            fprintf(stderr, "%s: cannot read '%s'\n", argv[0], names[i]);
            status = 1;
            goto done;
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
    }
    printf("replayed %zu inputs from %s\n", n, dir);
done:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return status;
}

/*
 * inputs.c - the outputs a command reads: files, folders (recursively, names sorted bytewise
 * so the order is the same on every machine), "-" for standard input, and --files-from FILE
 * (one path per line). Expanded into a list of paths walked with a small iterator.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"

struct pv_cli_inputs {
    char **paths;
    size_t n, cap, next;
};

static int push(pv_cli_inputs *in, const char *p)
{
    if (in->n == in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 16;
        char **np = realloc(in->paths, ncap * sizeof *np);
        if (!np)
            return -1;
        in->paths = np;
        in->cap = ncap;
    }
    if (!(in->paths[in->n] = strdup(p)))
        return -1;
    in->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(pv_cli_inputs *in, const char *p, char *msg, size_t msgsz)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t nn = 0, cap = 0, i;
    int rc = 0;

    if (strcmp(p, "-") == 0)
        return push(in, p) ? (snprintf(msg, msgsz, "out of memory"), -1) : 0;
    if (stat(p, &st) != 0) {
        snprintf(msg, msgsz, "cannot read '%s': %s", p, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return push(in, p) ? (snprintf(msg, msgsz, "out of memory"), -1) : 0;
    if (!(d = opendir(p))) {
        snprintf(msg, msgsz, "cannot read '%s': %s", p, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (nn == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **np = realloc(names, ncap * sizeof *np);
            if (!np) {
                rc = -1;
                break;
            }
            names = np;
            cap = ncap;
        }
        if (!(names[nn] = strdup(de->d_name))) {
            rc = -1;
            break;
        }
        nn++;
    }
    closedir(d);
    if (rc)
        snprintf(msg, msgsz, "out of memory");
    else
        qsort(names, nn, sizeof *names, cmp_str);
    for (i = 0; i < nn; i++) {
        if (!rc) {
            size_t len = strlen(p) + strlen(names[i]) + 2;
            char *full = malloc(len);
            if (!full) {
                snprintf(msg, msgsz, "out of memory");
                rc = -1;
            } else {
                snprintf(full, len, "%s%s%s", p, p[strlen(p) - 1] == '/' ? "" : "/", names[i]);
                rc = add_path(in, full, msg, msgsz);
                free(full);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int pv_cli__inputs_new(char *const *args, size_t nargs, const char *files_from, pv_cli_inputs **out,
                       char *msg, size_t msgsz)
{
    pv_cli_inputs *in = calloc(1, sizeof *in);
    size_t i;

    *out = NULL;
    if (!in) {
        snprintf(msg, msgsz, "out of memory");
        return -1;
    }
    for (i = 0; i < nargs; i++)
        if (add_path(in, args[i], msg, msgsz)) {
            pv_cli__inputs_free(in);
            return -1;
        }
    if (files_from) {
        FILE *f = strcmp(files_from, "-") == 0 ? stdin : fopen(files_from, "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int rc = 0;
        if (!f) {
            snprintf(msg, msgsz, "cannot read '%s': %s", files_from, strerror(errno));
            pv_cli__inputs_free(in);
            return -1;
        }
        while (!rc && (n = getline(&line, &cap, f)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (n > 0)
                rc = add_path(in, line, msg, msgsz);
        }
        free(line);
        if (f != stdin)
            fclose(f);
        if (rc) {
            pv_cli__inputs_free(in);
            return -1;
        }
    }
    *out = in;
    return 0;
}

const char *pv_cli__inputs_next(pv_cli_inputs *in)
{
    return in->next < in->n ? in->paths[in->next++] : NULL;
}

size_t pv_cli__inputs_count(const pv_cli_inputs *in)
{
    return in->n;
}

void pv_cli__inputs_free(pv_cli_inputs *in)
{
    size_t i;

    if (!in)
        return;
    for (i = 0; i < in->n; i++)
        free(in->paths[i]);
    free(in->paths);
    free(in);
}

/*
 * inputs.c - the outputs a command reads: files, folders (recursively, names sorted bytewise
 * so the order is the same on every machine), "-" for standard input, and --files-from FILE
 * (one path per line). Expanded into a list of paths walked with a small iterator.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_int.h"
/* the decompressing reader of scanner/ (plain, gzip, zstd), so JSON lines of outputs read as
 * the corpus readers do */
#include "source.h"

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

/* ---- JSON lines of outputs ---- */

struct pv_cli_jsonl {
    pv_input *in;
    pv_buf line;
    char *path;
    uint64_t lineno;
    char *text_field, *id_field;
    cJSON *rec;
    char id[4200];
};

/* Member path "a.b.c" of object o, or NULL. */
static cJSON *member(cJSON *o, const char *path)
{
    char part[256];
    const char *p = path, *dot;

    while (o && *p) {
        size_t n;
        dot = strchr(p, '.');
        n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, part) : NULL;
        p += n + (dot ? 1 : 0);
    }
    return o;
}

int pv_cli__jsonl_open(const char *path, const char *fields, pv_cli_jsonl **out, char *msg,
                       size_t msgsz)
{
    pv_cli_jsonl *j = calloc(1, sizeof *j);
    pv_err err = {0, ""};
    const char *p = fields;

    *out = NULL;
    if (!j || !(j->path = strdup(path)) || !(j->text_field = strdup("text")) ||
        !(j->id_field = strdup("id"))) {
        snprintf(msg, msgsz, "out of memory");
        pv_cli__jsonl_close(j);
        return -1;
    }
    /* --field text=completion,id=request_id */
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        char **slot = NULL;
        if (eq && (size_t)(eq - p) == 4 && strncmp(p, "text", 4) == 0)
            slot = &j->text_field;
        else if (eq && (size_t)(eq - p) == 2 && strncmp(p, "id", 2) == 0)
            slot = &j->id_field;
        if (!slot || eq + 1 == p + n) {
            snprintf(msg, msgsz, "--field: expected text=NAME or id=NAME, got '%.*s'", (int)n, p);
            pv_cli__jsonl_close(j);
            return -2;
        }
        free(*slot);
        if (!(*slot = strndup(eq + 1, (size_t)(p + n - eq - 1)))) {
            snprintf(msg, msgsz, "out of memory");
            pv_cli__jsonl_close(j);
            return -1;
        }
        p = comma ? comma + 1 : NULL;
    }
    j->line = (pv_buf)PV_BUF_INIT((size_t)64 << 20);
    if (pv_input__open(path, &j->in, &err) < 0) {
        snprintf(msg, msgsz, "%s", err.msg);
        pv_cli__jsonl_close(j);
        return -1;
    }
    *out = j;
    return 0;
}

int pv_cli__jsonl_next(pv_cli_jsonl *j, const char **id, const char **text, size_t *len, char *msg,
                       size_t msgsz)
{
    pv_err err = {0, ""};
    cJSON *t, *i;
    int r;

    cJSON_Delete(j->rec);
    j->rec = NULL;
    r = pv_input__getline(j->in, &j->line, &err);
    j->lineno++;
    if (r == 0)
        return 0;
    if (r < 0) {
        snprintf(msg, msgsz, "%s:%" PRIu64 ": %s", j->path, j->lineno, err.msg);
        return r == PV_ELIMIT ? -2 : -1;
    }
    if (!(j->rec = cJSON_ParseWithLength(j->line.data, j->line.len)) || !cJSON_IsObject(j->rec)) {
        snprintf(msg, msgsz, "%s:%" PRIu64 ": not a JSON object", j->path, j->lineno);
        return -2;
    }
    t = member(j->rec, j->text_field);
    if (!cJSON_IsString(t)) {
        snprintf(msg, msgsz, "%s:%" PRIu64 ": no string field '%s'", j->path, j->lineno,
                 j->text_field);
        return -2;
    }
    i = member(j->rec, j->id_field);
    if (cJSON_IsString(i)) {
        *id = i->valuestring;
    } else if (cJSON_IsNumber(i)) {
        snprintf(j->id, sizeof j->id, "%.17g", i->valuedouble);
        *id = j->id;
    } else {
        /* no id: the record is named by its file and line */
        snprintf(j->id, sizeof j->id, "%.4000s:%" PRIu64, j->path, j->lineno);
        *id = j->id;
    }
    *text = t->valuestring;
    *len = strlen(t->valuestring);
    return 1;
}

void pv_cli__jsonl_close(pv_cli_jsonl *j)
{
    if (!j)
        return;
    pv_input__close(j->in);
    pv_buf__free(&j->line);
    cJSON_Delete(j->rec);
    free(j->path);
    free(j->text_field);
    free(j->id_field);
    free(j);
}

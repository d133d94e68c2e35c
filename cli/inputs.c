/*
 * inputs.c - the outputs a command reads: files, folders (recursively, names sorted bytewise
 * so the order is the same on every machine), "-" for standard input, and --files-from FILE
 * (one path per line). Expanded into a list of paths walked with a small iterator; the
 * outputs are then read from them one at a time: a file whole, or with --jsonl every record of
 * JSON lines (plain, .gz, .zst) through provscan.h's line reader.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <stdarg.h>
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

/* Adds path p: a file (or "-", or a path that cannot be read, named when it is read), or
 * every file under folder p in name order. A path given by the user is followed when it is a
 * symbolic link; one met inside a folder is not (a link back to a parent would never end),
 * and is named on stderr. */
static int add_path(pv_cli_inputs *in, const char *p, int given, char *msg, size_t msgsz)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t nn = 0, cap = 0, i;
    int rc = 0;

    if (strcmp(p, "-") == 0)
        return push(in, p) ? (snprintf(msg, msgsz, "out of memory"), -1) : 0;
    if (!given && lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
        fprintf(stderr, "provscan: note: '%s' is a symbolic link inside a folder: not followed\n",
                p);
        return 0;
    }
    /* a path that cannot be read stays in its place: reading it names the failure there */
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
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
                rc = add_path(in, full, 0, msg, msgsz);
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
        if (add_path(in, args[i], 1, msg, msgsz)) {
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
                rc = add_path(in, line, 1, msg, msgsz);
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

/* ---- the outputs: files read whole, or JSON lines records ---- */

#define INPUT_LIMIT ((size_t)64 << 20) /* bytes of one output, and of one JSON line */

struct pv_cli_outputs {
    pv_cli_inputs *paths;
    int jsonl, strict, ended;
    char *text_field, *id_field;
    pv_lines *lines; /* the JSON lines file being read, or NULL */
    const char *path;
    uint64_t bad;
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

/* --field text=completion,id=request_id; 0 or -2 with msg. */
static int parse_fields(pv_cli_outputs *o, const char *fields, char *msg, size_t msgsz)
{
    const char *p = fields;

    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        char **slot = NULL;
        if (eq && (size_t)(eq - p) == 4 && strncmp(p, "text", 4) == 0)
            slot = &o->text_field;
        else if (eq && (size_t)(eq - p) == 2 && strncmp(p, "id", 2) == 0)
            slot = &o->id_field;
        if (!slot || eq + 1 == p + n) {
            snprintf(msg, msgsz, "--field: expected text=NAME or id=NAME, got '%.*s'", (int)n, p);
            return -2;
        }
        free(*slot);
        if (!(*slot = strndup(eq + 1, (size_t)(p + n - eq - 1)))) {
            snprintf(msg, msgsz, "out of memory");
            return -1;
        }
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

pv_cli_outputs_opts pv_cli__outputs_opts_of(const pv_cli_args *a, size_t first)
{
    pv_cli_outputs_opts o;

    o.args = a->pos;
    o.nargs = a->npos;
    o.files_from = a->vals[first].str;
    o.jsonl = a->vals[first + 1].count > 0;
    o.fields = a->vals[first + 2].str;
    o.strict = a->vals[first + 3].count > 0;
    return o;
}

int pv_cli__outputs_open(const pv_cli_outputs_opts *o, pv_cli_outputs **out, char *msg,
                         size_t msgsz)
{
    static char stdin_name[] = "-";
    char *stdin_only[1] = {stdin_name};
    pv_cli_outputs *in = calloc(1, sizeof *in);
    int none = o->nargs == 0 && !o->files_from, r;

    *out = NULL;
    if (!in || !(in->text_field = strdup("text")) || !(in->id_field = strdup("id"))) {
        snprintf(msg, msgsz, "out of memory");
        pv_cli__outputs_free(in);
        return -1;
    }
    in->jsonl = o->jsonl;
    in->strict = o->strict;
    if ((r = parse_fields(in, o->fields, msg, msgsz)) != 0 ||
        (r = pv_cli__inputs_new(none ? stdin_only : o->args, none ? 1 : o->nargs, o->files_from,
                                &in->paths, msg, msgsz)) != 0) {
        pv_cli__outputs_free(in);
        return r;
    }
    *out = in;
    return 0;
}

static int fail(pv_cli_output *it, pv_cli_output_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(pv_cli_output *it, pv_cli_output_status st, const char *fmt, ...)
{
    va_list ap;
    it->status = st;
    va_start(ap, fmt);
    vsnprintf(it->msg, sizeof it->msg, fmt, ap);
    va_end(ap);
    return 1;
}

/* The next record of the open JSON lines file into it: 1, or 0 at its end. */
static int next_record(pv_cli_outputs *in, pv_cli_output *it)
{
    pv_err err = {0, ""};
    const char *line;
    size_t len;
    uint64_t lineno;
    cJSON *rec, *t, *i;
    char idbuf[64];
    int r = pv_lines_next(in->lines, &line, &len, &lineno, &err);

    if (r == 0)
        return 0;
    if (r < 0 && r != PV_ELIMIT) {
        /* the rest of the file cannot be read */
        pv_lines_free(in->lines);
        in->lines = NULL;
        return fail(it, PV_CLI_OUTPUT_UNREADABLE, "%s:%" PRIu64 ": %s", in->path, lineno, err.msg);
    }
    if (r < 0) {
        fail(it, PV_CLI_OUTPUT_BAD_RECORD, "%s", err.msg);
        goto bad;
    }
    rec = cJSON_ParseWithLength(line, len);
    pv_lines_shrink(in->lines);
    if (!rec || !cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        fail(it, PV_CLI_OUTPUT_BAD_RECORD, "%s:%" PRIu64 ": not a JSON object", in->path, lineno);
        goto bad;
    }
    t = member(rec, in->text_field);
    if (!cJSON_IsString(t)) {
        cJSON_Delete(rec);
        fail(it, PV_CLI_OUTPUT_BAD_RECORD, "%s:%" PRIu64 ": no string field '%s'", in->path, lineno,
             in->text_field);
        goto bad;
    }
    i = member(rec, in->id_field);
    if (cJSON_IsString(i)) {
        it->name = strdup(i->valuestring);
    } else if (cJSON_IsNumber(i)) {
        snprintf(idbuf, sizeof idbuf, "%.17g", i->valuedouble);
        it->name = strdup(idbuf);
    } else {
        /* no id: the record is named by its file and line */
        size_t n = strlen(in->path) + 24;
        if ((it->name = malloc(n)))
            snprintf(it->name, n, "%s:%" PRIu64, in->path, lineno);
    }
    /* the text is taken from the tree, not copied: a record can be 64 MiB */
    it->text = t->valuestring;
    it->len = strlen(t->valuestring);
    t->valuestring = NULL;
    cJSON_Delete(rec);
    if (!it->name)
        return fail(it, PV_CLI_OUTPUT_UNREADABLE, "%s:%" PRIu64 ": out of memory", in->path,
                    lineno);
    it->status = PV_CLI_OUTPUT_OK;
    return 1;
bad:
    in->bad++;
    if (in->strict)
        in->ended = 1;
    if (!it->name) {
        size_t n = strlen(in->path) + 24;
        if ((it->name = malloc(n)))
            snprintf(it->name, n, "%s:%" PRIu64, in->path, lineno);
    }
    return 1;
}

int pv_cli__outputs_next(pv_cli_outputs *in, pv_cli_output *it)
{
    pv_err err = {0, ""};

    memset(it, 0, sizeof *it);
    for (;;) {
        if (in->ended)
            return 0;
        if (in->lines) {
            if (next_record(in, it))
                return 1;
            pv_lines_free(in->lines);
            in->lines = NULL;
        }
        if (!(in->path = pv_cli__inputs_next(in->paths)))
            return 0;
        if (!in->jsonl) {
            it->name = strdup(in->path);
            if (!it->name)
                return fail(it, PV_CLI_OUTPUT_UNREADABLE, "out of memory");
            if (pv_cli__read_input(in->path, INPUT_LIMIT, &it->text, &it->len, it->msg,
                                   sizeof it->msg) != 0)
                it->status = PV_CLI_OUTPUT_UNREADABLE;
            return 1;
        }
        if (pv_lines_open(in->path, INPUT_LIMIT, &in->lines, &err) < 0) {
            it->name = strdup(in->path);
            return fail(it, PV_CLI_OUTPUT_UNREADABLE, "%s", err.msg);
        }
    }
}

uint64_t pv_cli__outputs_bad(const pv_cli_outputs *in)
{
    return in->bad;
}

int pv_cli__outputs_stopped(const pv_cli_outputs *in)
{
    return in->ended;
}

void pv_cli__outputs_free(pv_cli_outputs *in)
{
    if (!in)
        return;
    pv_lines_free(in->lines);
    pv_cli__inputs_free(in->paths);
    free(in->text_field);
    free(in->id_field);
    free(in);
}

void pv_cli__output_clear(pv_cli_output *it)
{
    free(it->name);
    free(it->text);
    it->name = it->text = NULL;
    it->len = 0;
}

/*
 * source.c - picks the reader for a SOURCE argument: a "KIND:" prefix forces one; otherwise
 * what the path is (a git repository's root, a Stack Exchange dump folder), its file name
 * and its first decompressed bytes decide, and anything else is the files source.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"

typedef struct reader {
    const char *name;
    pv_reader_fn fn;
} reader;

static const reader readers[] = {
    {"files", pv_files__read}, {"git", pv_git__read},
    {"jsonl", pv_jsonl__read}, {"stackexchange", pv_stackexchange__read},
    {"warc", pv_warc__read},   {"feed", pv_feed__read},
};

/* Other names a KIND: prefix may use. */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"file", "files"}, {"dir", "files"}, {"ndjson", "jsonl"}, {"se", "stackexchange"},
    {"wet", "warc"},   {"rss", "feed"},  {"atom", "feed"},    {"wxr", "feed"},
};

static const reader *by_name(const char *name, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strlen(aliases[i].alias) == n && strncmp(aliases[i].alias, name, n) == 0) {
            name = aliases[i].name;
            n = strlen(name);
            break;
        }
    for (i = 0; i < sizeof readers / sizeof readers[0]; i++)
        if (strlen(readers[i].name) == n && strncmp(readers[i].name, name, n) == 0)
            return &readers[i];
    return NULL;
}

static int exists(const char *dir, const char *name, int want_dir)
{
    char p[4096];
    struct stat st;
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, name) >= sizeof p || stat(p, &st) != 0)
        return 0;
    return want_dir < 0 || (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* 1 when name ends with suffix (ASCII case-insensitive). */
static int ends_with(const char *name, size_t n, const char *suffix)
{
    size_t s = strlen(suffix);
    return n >= s && strncasecmp(name + n - s, suffix, s) == 0;
}

/* The reader a regular file's name points to, or NULL (then its content decides). */
static const reader *by_file_name(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;
    base = base ? base + 1 : path;
    n = strlen(base);
    if (ends_with(base, n, ".gz"))
        n -= 3;
    else if (ends_with(base, n, ".zst"))
        n -= 4;
    if (ends_with(base, n, ".7z"))
        return by_name("stackexchange", 13);
    if (ends_with(base, n, ".warc") || ends_with(base, n, ".wet") || ends_with(base, n, ".wat"))
        return by_name("warc", 4);
    if (ends_with(base, n, ".jsonl") || ends_with(base, n, ".ndjson") ||
        ends_with(base, n, ".json"))
        return by_name("jsonl", 5);
    return NULL;
}

int pv_source__dataset_file(const char *path)
{
    const reader *r = by_file_name(path);
    size_t n = strlen(path);
    if (!r || strcmp(r->name, "files") == 0)
        return 0;
    /* a plain .json file is a JSON document (package.json, a dataset's card) unless its
     * first line is a whole object */
    if (n >= 5 && strcmp(path + n - 5, ".json") == 0) {
        pv_input *in = NULL;
        char head[4096];
        ptrdiff_t got = 0;
        pv_err ierr;
        if (pv_input__open(path, &in, &ierr) != 0)
            return 0;
        got = pv_input__read(in, head, sizeof head, &ierr);
        pv_input__close(in);
        return got > 0 && pv_jsonl__sniff(head, (size_t)got);
    }
    return 1;
}

/* Splits a "KIND:" prefix off spec: *path after it (or spec), *r the forced reader or NULL.
 * Returns 0 or PV_EINVAL for an unknown KIND. */
static int split_kind(const char *spec, const char **path, const reader **r, pv_err *err)
{
    const char *colon = strchr(spec, ':');
    *path = spec;
    *r = NULL;
    if (colon && colon > spec) {
        size_t i, n = (size_t)(colon - spec);
        for (i = 0; i < n && ((spec[i] >= 'a' && spec[i] <= 'z') || spec[i] == '-'); i++)
            ;
        if (i == n) {
            *r = by_name(spec, n);
            if (!*r)
                return pv_err__set(err, PV_EINVAL,
                                   "unknown source kind '%.*s' in '%s' (use files, git, jsonl, "
                                   "stackexchange, warc or feed)",
                                   (int)n, spec, spec);
            *path = colon + 1;
        }
    }
    return 0;
}

int pv_source__pick(const char *spec, const char **path, pv_reader_fn *fn, const char **kind,
                    pv_err *err)
{
    const reader *r = NULL;
    struct stat st;
    int rc;

    if ((rc = split_kind(spec, path, &r, err)) != 0)
        return rc;
    if (stat(*path, &st) != 0)
        return pv_err__set(err, PV_EIO, "cannot open '%s': %s", *path, strerror(errno));
    if (!r && S_ISDIR(st.st_mode)) {
        if (exists(*path, ".git", -1) ||
            (exists(*path, "HEAD", 0) && exists(*path, "objects", 1) && exists(*path, "refs", 1)))
            r = by_name("git", 3);
        else if (exists(*path, "Posts.xml", 0))
            r = by_name("stackexchange", 13);
        else
            r = by_name("files", 5);
    }
    if (!r && S_ISREG(st.st_mode) && !(r = by_file_name(*path))) {
        /* the first decompressed bytes decide between a WARC, a feed, a Posts.xml and text */
        pv_input *in = NULL;
        char head[65536];
        ptrdiff_t n = 0;
        pv_err ierr;
        if (pv_input__open(*path, &in, &ierr) == 0) {
            n = pv_input__read(in, head, sizeof head, &ierr);
            if (n > 0 && pv_warc__sniff(head, (size_t)n))
                r = by_name("warc", 4);
            else if (n > 0 && pv_stackexchange__sniff(head, (size_t)n))
                r = by_name("stackexchange", 13);
            else if (n > 0 && pv_feed__sniff(head, (size_t)n))
                r = by_name("feed", 4);
            else if (n > 0 && strcmp(pv_input__codec(in), "plain") != 0 &&
                     pv_jsonl__sniff(head, (size_t)n))
                r = by_name("jsonl", 5);
            pv_input__close(in);
        }
    }
    if (!r)
        r = by_name("files", 5);
    *fn = r->fn;
    *kind = r->name;
    return 0;
}

void pv_source__diag(const pv_reader_opts *o, pv_severity sev, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!o->diag)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->diag(o->ctx, sev, msg);
}

int pv_source__bad(const pv_reader_opts *o, pv_reader_stats *st, pv_err *err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->bad++;
    if (o->strict)
        return pv_err__set(err, PV_EFORMAT, "%s", msg);
    if (o->diag)
        o->diag(o->ctx, PV_WARNING, msg);
    return 0;
}

void pv_source__skip(const pv_reader_opts *o, pv_reader_stats *st, uint64_t *reason,
                     const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    st->skipped++;
    if (reason)
        ++*reason;
    if (!o->diag)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->diag(o->ctx, PV_NOTE, msg);
}

int pv_sources_check(const char *const *sources, size_t nsources, const char *preset, pv_err *err)
{
    char **real = NULL;
    size_t i, j;
    int rc = 0;

    if (preset && !pv_jsonl__preset_known(preset))
        return pv_err__set(err, PV_EINVAL, "--preset: " PV_JSONL_UNKNOWN_PRESET, preset);
    if (nsources && !(real = calloc(nsources, sizeof *real)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < nsources && !rc; i++) {
        const char *path;
        const reader *r;
        if ((rc = split_kind(sources[i], &path, &r, err)) != 0)
            break;
        /* a path that cannot be resolved is left for its reader to report */
        if (!(real[i] = realpath(path, NULL)))
            continue;
        for (j = 0; j < i; j++)
            if (real[j] && strcmp(real[j], real[i]) == 0) {
                rc = pv_err__set(err, PV_EINVAL,
                                 "the same source is given twice: '%s' and '%s' are both '%s'",
                                 sources[j], sources[i], real[i]);
                break;
            }
    }
    for (i = 0; i < nsources && real; i++)
        free(real[i]);
    free(real);
    return rc;
}

void pv_source__read_opts(pv_reader_opts *ro, const pv_read_opts *r)
{
    ro->preset = r->preset;
    ro->fields = r->fields;
    ro->comments = r->comments;
    ro->site = r->site;
    ro->includes = r->includes;
    ro->nincludes = r->nincludes;
    ro->rev = r->rev;
    ro->all_refs = r->all_refs;
    ro->since = r->since;
    ro->origin_name = r->origin_name;
    ro->ignore_revs = r->ignore_revs;
    ro->nignore_revs = r->nignore_revs;
    ro->ignore_revs_file = r->ignore_revs_file;
}

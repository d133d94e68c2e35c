/*
 * bench_util.c - helpers shared by bench_query.c and bench_params.c (see bench_util.h):
 * clock, generator, parsing, file reading and corpus walk by the indexer's rules, word edits,
 * layout-free text. Compiled into both programs by bench/run.sh.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strdup, lstat, fileno */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_util.h"

/* ---- small helpers --------------------------------------------------------------------- */

double bench_now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t bench_rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t bench_rng_below(uint64_t *s, uint64_t n)
{
    return bench_rng_next(s) % n;
}

int bench_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int bench_is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* ---- files ----------------------------------------------------------------------------- */

/* Read at most cap bytes of a file into a malloc'ed NUL-terminated buffer. With whole, a
 * file longer than cap is an error, else it is cut at cap; with text, an empty or binary
 * file is an error. The file's size is only the first guess of the buffer: reading goes on
 * to the end of the file or to cap + 1 bytes. */
static int read_bytes(const char *path, size_t cap, int whole, int text, char **buf, size_t *len)
{
    int rc = -1;
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *b = NULL;
    size_t n = 0, sz;
    if (!f)
        goto done;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0)
        sz = ((uint64_t)st.st_size < cap ? (size_t)st.st_size : cap) + 1;
    else
        sz = cap < 65536 ? cap + 1 : 65536;
    b = malloc(sz + 1);
    if (!b)
        goto done;
    for (;;) {
        if (n == sz) {
            size_t nsz = sz * 2;
            char *nb;
            if (sz >= cap + 1)
                break;
            if (nsz > cap + 1)
                nsz = cap + 1;
            nb = realloc(b, nsz + 1);
            if (!nb)
                goto done;
            b = nb;
            sz = nsz;
        }
        size_t got = fread(b + n, 1, sz - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f) || (whole && n > cap))
        goto done;
    if (n > cap)
        n = cap;
    if (text && (n == 0 || memchr(b, 0, n < BENCH_BINARY_PROBE ? n : BENCH_BINARY_PROBE)))
        goto done;
    b[n] = '\0';
    *buf = b;
    *len = n;
    b = NULL;
    rc = 0;
done:
    if (f)
        fclose(f);
    free(b);
    return rc;
}

int bench_read_file(const char *path, size_t cap, char **buf, size_t *len)
{
    return read_bytes(path, cap, 1, 0, buf, len);
}

int bench_read_text(const char *path, size_t cap, char **buf, size_t *len)
{
    return read_bytes(path, cap, 0, 1, buf, len);
}

/* ---- document sets --------------------------------------------------------------------- */

int bench_docset_add(bench_docset *s, const char *path, const char *rel, size_t size)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        bench_doc *nv = realloc(s->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = ncap;
    }
    bench_doc *d = &s->v[s->n];
    memset(d, 0, sizeof *d);
    d->rel = strdup(rel);
    d->path = strdup(path);
    d->size = size;
    if (!d->rel || !d->path) {
        free(d->rel);
        free(d->path);
        return -1;
    }
    s->n++;
    return 0;
}

/* Walk dir (rel is its path below the root, "" for the root) as bench_docset_load says. */
static int walk(bench_docset *s, const char *dir, const char *rel, const char *const *skip,
                size_t nskip, const char *prog)
{
    int rc = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) {
        fprintf(stderr, "%s: cannot open '%s': %s\n", prog, dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char path[PATH_MAX], sub[PATH_MAX];
        struct stat st;
        int skipped = 0;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
            continue;
        for (size_t i = 0; !*rel && skip && i < nskip; i++)
            skipped |= !strcmp(e->d_name, skip[i]);
        if (skipped)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof sub)
            continue;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(s, path, sub, skip, nskip, prog);
        else if (S_ISREG(st.st_mode) && st.st_size > 0 &&
                 (uint64_t)st.st_size <= BENCH_MAX_FILE_SIZE)
            rc = bench_docset_add(s, path, sub, (size_t)st.st_size);
    }
    closedir(d);
    return rc;
}

static int cmp_doc(const void *a, const void *b)
{
    return strcmp(((const bench_doc *)a)->rel, ((const bench_doc *)b)->rel);
}

int bench_docset_load(bench_docset *s, const char *root, const char *const *skip, size_t nskip,
                      const char *prog)
{
    if (walk(s, root, "", skip, nskip, prog) != 0)
        return -1;
    qsort(s->v, s->n, sizeof *s->v, cmp_doc);
    return 0;
}

const bench_doc *bench_docset_find(const bench_docset *s, const char *rel)
{
    bench_doc key = {0};
    key.rel = (char *)rel;
    return bsearch(&key, s->v, s->n, sizeof *s->v, cmp_doc);
}

void bench_docset_free(bench_docset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].rel);
        free(s->v[i].path);
        free(s->v[i].text);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

int bench_doc_is_text(bench_doc *d)
{
    if (d->state == 0) {
        char buf[BENCH_BINARY_PROBE];
        FILE *f = fopen(d->path, "rb");
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        d->state = (f && n > 0 && !memchr(buf, 0, n)) ? 1 : 2;
    }
    return d->state == 1;
}

/* ---- queries and results --------------------------------------------------------------- */

void bench_apply_edits(char *t, size_t len, size_t every, uint64_t *rng)
{
    if (every == 0)
        return;
    for (size_t base = 0; base < len; base += every) {
        size_t end = base + every < len ? base + every : len;
        size_t p = base + (size_t)bench_rng_below(rng, end - base);
        while (p < len && !bench_is_word((unsigned char)t[p]))
            p++;
        while (p > 0 && bench_is_word((unsigned char)t[p - 1]))
            p--;
        for (; p < len && bench_is_word((unsigned char)t[p]); p++) {
            char ch = t[p];
            unsigned r = 1 + (unsigned)bench_rng_below(rng, 9);
            if (ch >= 'a' && ch <= 'z')
                t[p] = (char)('a' + (ch - 'a' + r) % 26);
            else if (ch >= 'A' && ch <= 'Z')
                t[p] = (char)('A' + (ch - 'A' + r) % 26);
            else if (ch >= '0' && ch <= '9')
                t[p] = (char)('0' + (ch - '0' + r) % 10);
            else
                t[p] = 'q';
        }
    }
}

char *bench_token_text(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 3), *w = out;
    int in_word = 0;
    if (!out)
        return NULL;
    *w++ = ' ';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (bench_is_word(ch) || ch >= 0x80) {
            *w++ = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            in_word = 1;
        } else if (in_word) {
            *w++ = ' ';
            in_word = 0;
        }
    }
    if (in_word)
        *w++ = ' ';
    *w = '\0';
    *outlen = (size_t)(w - out);
    return out;
}

/* Row i of span sp: its sources, then its listed copies. */
const pv_source_ref *bench_span_row(const pv_span *sp, size_t i)
{
    return i < sp->nsources ? &sp->sources[i] : &sp->copies[i - sp->nsources];
}

int bench_result_names(const pv_result *res, const char *rel)
{
    for (size_t i = 0; i < res->nspans; i++)
        for (size_t j = 0; j < res->spans[i].nsources + res->spans[i].ncopies; j++) {
            const pv_source_ref *r = bench_span_row(&res->spans[i], j);
            if (r->locator && !strcmp(r->locator, rel))
                return 1;
        }
    return 0;
}

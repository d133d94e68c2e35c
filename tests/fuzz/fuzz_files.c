/*
 * fuzz_files.c - libFuzzer target for the folder reader (scanner/source_files.c,
 * pv_files__read): the input describes a small tree that is made in a fresh temporary folder,
 * read, checked and removed. Every document must be a regular file reached without a
 * symbolic link, with exactly that file's bytes, in locator order, once; every regular file
 * must be read or skipped as binary; nothing may hang on a loop, a FIFO or a dangling link.
 *
 * Input: a first byte of options, then entries separated by "\n--8<--\n". Options: bit 0
 * strict, bit 1 a max_doc_size of 64 bytes, bit 2 an exclude pattern, bit 3 the root given
 * through a symbolic link, bit 4 the root given with a trailing "/", bit 5 the first file
 * given as the root. An entry is a kind byte, a name up to the first "\n", and a body:
 *   f NAME\nBYTES    a file holding BYTES        d NAME      a folder
 *   l NAME\nTARGET   a symbolic link to TARGET    p NAME      a FIFO
 *   h NAME\nOTHER    a hard link to the entry OTHER
 * A name is a path below the root ("/" separates folders, made as needed; "", "." and ".."
 * parts are dropped; byte 0x01 stands for a line end). A link target stays relative and
 * climbs no higher than the tree's root, so that the tree holds everything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n--8<--\n"
#define MAX_ENTRIES 64
#define MAX_DEPTH 6
#define NAME_MAX_BYTES 64

enum {
    OPT_STRICT = 1,
    OPT_MAX_SIZE = 2,
    OPT_EXCLUDE = 4,
    OPT_ROOT_LINK = 8,
    OPT_SLASH = 16,
    OPT_ROOT_FILE = 32
};

typedef struct tree {
    char base[256];      /* the temporary folder; the tree is base/t */
    char root[PATH_MAX]; /* what the reader is given */
    char real[PATH_MAX]; /* realpath of the tree's root folder (or of the root file) */
    int root_is_file;
    uint64_t regular; /* regular files in the tree, outside .git folders */
    char *prev;       /* the last locator seen */
    uint64_t docs;
    int strict;
} tree;

/* The relative path of an entry's name into out: parts joined by "/", "", "." and ".."
 * dropped, 0x01 made a line end, NUL bytes dropped, each part and the depth bounded.
 * Returns the depth (number of parts), 0 when nothing is left. */
static int clean_name(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    int depth = 0;
    while (i < n && depth < MAX_DEPTH) {
        size_t start = o, len = 0;
        while (i < n && s[i] == '/')
            i++;
        if (i >= n)
            break;
        if (depth > 0 && o + 1 < cap)
            out[o++] = '/';
        start = o;
        while (i < n && s[i] != '/') {
            char c = s[i++] == '\x01' ? '\n' : s[i - 1];
            if (c && len < NAME_MAX_BYTES && o + 1 < cap) {
                out[o++] = c;
                len++;
            }
        }
        if (len == 0 || (len == 1 && out[start] == '.') ||
            (len == 2 && out[start] == '.' && out[start + 1] == '.')) {
            o = start > 0 ? start - 1 : 0; /* drop the part and its "/" */
            continue;
        }
        depth++;
    }
    out[o] = '\0';
    return o ? depth : 0;
}

/* Makes the folders above rel (inside t). Returns 0 or -1. */
static int make_parents(const char *t, const char *rel)
{
    char path[PATH_MAX];
    char *slash;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", t, rel) >= sizeof path)
        return -1;
    for (slash = path + strlen(t) + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
        *slash = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            *slash = '/';
            return -1;
        }
        *slash = '/';
    }
    return 0;
}

/* A link target kept inside the tree: no leading "/", at most depth - 1 ".." parts, no NUL. */
static void clean_target(const char *s, size_t n, int depth, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    int ups = 0;
    while (i < n && s[i] == '/')
        i++;
    while (i < n && o + 1 < cap) {
        if (s[i] == '\n' || s[i] == '\0')
            break;
        if ((i == 0 || s[i - 1] == '/') && s[i] == '.' && i + 1 < n && s[i + 1] == '.' &&
            (i + 2 == n || s[i + 2] == '/' || s[i + 2] == '\n')) {
            if (++ups > depth - 1)
                break;
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
}

/* Makes one entry of the tree at t. Entries that cannot be made are left out. */
static void make_entry(tree *tr, const char *t, const char *e, size_t n)
{
    /* the name starts after the kind byte, which may itself be a line end */
    const char *nl = n > 1 ? memchr(e + 1, '\n', n - 1) : NULL;
    const char *body = nl ? nl + 1 : e + n;
    size_t name_len, body_len = (size_t)(e + n - body);
    char rel[PATH_MAX / 2], path[PATH_MAX], other[PATH_MAX / 2], opath[PATH_MAX];
    int depth;

    if (n == 0)
        return;
    name_len = (size_t)((nl ? nl : e + n) - (e + 1));
    depth = clean_name(e + 1, name_len, rel, sizeof rel);
    if (depth == 0 || make_parents(t, rel) != 0)
        return;
    snprintf(path, sizeof path, "%s/%s", t, rel);
    switch (e[0]) {
    case 'f':
        if (pv_fuzz_write_file(path, body, body_len) == 0 && tr->root[0] == '\0') {
            /* the first file is the root of OPT_ROOT_FILE */
            snprintf(tr->root, sizeof tr->root, "%s", path);
        }
        break;
    case 'd':
        (void)mkdir(path, 0755);
        break;
    case 'l':
        clean_target(body, body_len, depth, other, sizeof other);
        (void)symlink(other, path);
        break;
    case 'p':
        (void)mkfifo(path, 0644);
        break;
    case 'h':
        if (clean_name(body, body_len, other, sizeof other) > 0) {
            snprintf(opath, sizeof opath, "%s/%s", t, other);
            (void)link(opath, path);
        }
        break;
    default:
        break;
    }
}

static uint64_t regular_count;

/* Counts the regular files outside .git folders (the reader skips those whole). */
static int count_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D && !strcmp(path + ftw->base, ".git"))
        return FTW_SKIP_SUBTREE;
    if (flag == FTW_F && S_ISREG(sb->st_mode))
        regular_count++;
    return FTW_CONTINUE;
}

/* The file's bytes must be the document's text, exactly. */
static void check_bytes(const char *path, const pv_doc_in *d)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(d->len + 1);
    size_t got;
    PV_FUZZ_CHECK(f && buf);
    got = fread(buf, 1, d->len + 1, f);
    PV_FUZZ_CHECK(got == d->len && !memcmp(buf, d->text, d->len));
    fclose(f);
    free(buf);
}

static int on_doc(void *ctx, const pv_doc_in *d)
{
    tree *tr = ctx;
    char path[PATH_MAX * 2], real[PATH_MAX], want[PATH_MAX * 2];
    struct stat sb;

    PV_FUZZ_CHECK(d->text != NULL && !strcmp(d->kind, "file"));
    PV_FUZZ_CHECK(d->locator && d->locator[0] != '\0');
    PV_FUZZ_CHECK(memchr(d->text, '\0', d->len < 8192 ? d->len : 8192) == NULL);
    /* locators come sorted, each once */
    PV_FUZZ_CHECK(!tr->prev || strcmp(tr->prev, d->locator) < 0);
    free(tr->prev);
    tr->prev = strdup(d->locator);
    PV_FUZZ_CHECK(tr->prev != NULL);
    /* a regular file of the tree, reached through folders only */
    if (tr->root_is_file) {
        snprintf(path, sizeof path, "%s", tr->root);
        snprintf(want, sizeof want, "%s", tr->real);
        PV_FUZZ_CHECK(!strcmp(strrchr(tr->real, '/') + 1, d->locator));
    } else {
        snprintf(path, sizeof path, "%s/%s", tr->real, d->locator);
        snprintf(want, sizeof want, "%s/%s", tr->real, d->locator);
    }
    PV_FUZZ_CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode));
    PV_FUZZ_CHECK(realpath(path, real) != NULL);
    if (strcmp(real, want) != 0) {
        fprintf(stderr, "document '%s' is reached through a link: '%s'\n", d->locator, real);
        abort();
    }
    check_bytes(path, d);
    tr->docs++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const excludes[] = {"(^|/)skip[^/]*$|^ex/"};
    const char *p = (const char *)data, *end = p + size;
    char t[PATH_MAX];
    unsigned opts = 0;
    int entries = 0, rc;
    tree tr;
    pv_reader_opts o;
    pv_reader_stats st;
    pv_sink sink = {0};
    pv_err err;

    memset(&tr, 0, sizeof tr);
    if (size > 0) {
        opts = (unsigned char)*p++;
    }
    pv_fuzz_temp_dir(tr.base, sizeof tr.base, "pv_fuzz_files");
    snprintf(t, sizeof t, "%s/t", tr.base);
    PV_FUZZ_CHECK(mkdir(t, 0755) == 0);

    while (p < end && entries < MAX_ENTRIES) {
        const char *next = memmem(p, (size_t)(end - p), SEP, sizeof SEP - 1);
        const char *e_end = next ? next : end;
        make_entry(&tr, t, p, (size_t)(e_end - p));
        entries++;
        p = next ? next + sizeof SEP - 1 : end;
    }

    /* the root the reader is given */
    if ((opts & OPT_ROOT_FILE) && tr.root[0]) {
        tr.root_is_file = 1;
        PV_FUZZ_CHECK(realpath(tr.root, tr.real) != NULL);
    } else {
        PV_FUZZ_CHECK(realpath(t, tr.real) != NULL);
        if (opts & OPT_ROOT_LINK) {
            snprintf(tr.root, sizeof tr.root, "%s/link", tr.base);
            PV_FUZZ_CHECK(symlink("t", tr.root) == 0);
        } else {
            snprintf(tr.root, sizeof tr.root, "%s", t);
        }
        if (opts & OPT_SLASH)
            strcat(tr.root, "/");
    }
    regular_count = 0;
    if (tr.root_is_file)
        regular_count = 1;
    else
        PV_FUZZ_CHECK(nftw(t, count_one, 16, FTW_PHYS | FTW_ACTIONRETVAL) == 0);
    tr.regular = regular_count;

    memset(&o, 0, sizeof o);
    o.strict = (opts & OPT_STRICT) != 0;
    o.max_doc_size = (opts & OPT_MAX_SIZE) ? 64 : 0;
    if (opts & OPT_EXCLUDE) {
        o.excludes = excludes;
        o.nexcludes = 1;
    }
    o.diag = pv_fuzz_check_diag;
    sink.doc = on_doc;
    sink.ctx = &tr;
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    rc = pv_files__read(tr.root, &o, &sink, &st, &err);
    pv_fuzz_check_read(rc, &st, &err);
    if (getenv("PV_FUZZ_VERBOSE"))
        fprintf(stderr, "rc %d (%s): %llu regular files, %llu records, %llu documents\n", rc,
                err.msg, (unsigned long long)tr.regular, (unsigned long long)st.records,
                (unsigned long long)st.documents);
    PV_FUZZ_CHECK(tr.docs == st.documents);
    PV_FUZZ_CHECK(st.documents <= tr.regular);
    if (rc == 0 && !(opts & (OPT_EXCLUDE | OPT_MAX_SIZE))) {
        /* every regular file is read or skipped as binary, none twice */
        if (st.documents + st.skipped_binary != tr.regular) {
            fprintf(stderr, "%llu regular files, %llu documents, %llu binary\n",
                    (unsigned long long)tr.regular, (unsigned long long)st.documents,
                    (unsigned long long)st.skipped_binary);
            abort();
        }
        PV_FUZZ_CHECK(st.records >= tr.regular);
    }

    free(tr.prev);
    pv_fuzz_remove_tree(tr.base);
    return 0;
}

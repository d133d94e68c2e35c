/*
 * tombstone.c - removal: the tombstone file beside an index (INDEX.tomb: format.h,
 * docs/index-format.md "Tombstones"), read with the index and resolved against its tables
 * into what the matcher applies (index_int.h, pv_tombs), and `provscan remove` recording one.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common_int.h"
#include "format.h"
#include "index_int.h"

/* ---- hashing the entries' names: author names fold ASCII case, the others do not ---- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int name_eq(const char *a, const char *b, int fold)
{
    if (!fold)
        return strcmp(a, b) == 0;
    for (; *a && lower((unsigned char)*a) == lower((unsigned char)*b); a++, b++)
        ;
    return *a == 0 && *b == 0;
}

static uint64_t name_hash(pv_tomb_kind kind, const char *s, int fold)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ (uint64_t)kind;
    for (; *s; s++)
        h = (h ^ (uint64_t)(fold ? lower((unsigned char)*s) : (unsigned char)*s)) *
            UINT64_C(0x100000001b3);
    return pv_mix64(h);
}

/* Open addressing: slot = entry + 1, 0 empty. */
typedef struct name_table {
    uint64_t *hash;
    uint32_t *slot;
    size_t mask;
} name_table;

static int table_make(name_table *t, const pv_tombstone *v, size_t n)
{
    size_t cap = 16, i;
    while (cap < 2 * n)
        cap *= 2;
    t->mask = cap - 1;
    t->hash = calloc(cap, sizeof *t->hash);
    t->slot = calloc(cap, sizeof *t->slot);
    if (!t->hash || !t->slot)
        return PV_ENOMEM;
    for (i = 0; i < n; i++) {
        uint64_t h = name_hash(v[i].kind, v[i].id, v[i].kind == PV_TOMB_AUTHOR);
        size_t s = (size_t)h & t->mask;
        while (t->slot[s])
            s = (s + 1) & t->mask;
        t->hash[s] = h;
        t->slot[s] = (uint32_t)i + 1;
    }
    return 0;
}

static void table_free(name_table *t)
{
    free(t->hash);
    free(t->slot);
}

/* Calls fn(ctx, entry) for every entry of kind named s. */
static void table_each(const name_table *t, const pv_tombstone *v, pv_tomb_kind kind, const char *s,
                       void (*fn)(void *ctx, size_t e), void *ctx)
{
    int fold = kind == PV_TOMB_AUTHOR;
    uint64_t h = name_hash(kind, s, fold);
    size_t i = (size_t)h & t->mask;
    for (; t->slot[i]; i = (i + 1) & t->mask) {
        const pv_tombstone *e = &v[t->slot[i] - 1];
        if (t->hash[i] == h && e->kind == kind && name_eq(e->id, s, fold))
            fn(ctx, t->slot[i] - 1);
    }
}

/* ---- resolving: which documents and authors the tombstones remove ---- */

typedef struct resolve_ctx {
    pv_tombstone *v;
    const char *source; /* the document's source root */
    int gone;
    uint32_t author; /* the author whose forms are looked up */
    uint32_t *last;  /* per entry: the last author counted + 1 */
} resolve_ctx;

static void on_source(void *vctx, size_t e)
{
    resolve_ctx *c = vctx;
    c->v[e].documents++;
    c->gone = 1;
}

static void on_document(void *vctx, size_t e)
{
    resolve_ctx *c = vctx;
    if (c->v[e].source && (!c->source || strcmp(c->v[e].source, c->source) != 0))
        return;
    c->v[e].documents++;
    c->gone = 1;
}

static void on_author(void *vctx, size_t e)
{
    resolve_ctx *c = vctx;
    if (c->last[e] != c->author + 1) { /* one person may match one entry by two forms */
        c->last[e] = c->author + 1;
        c->v[e].authors++;
    }
    c->gone = 1;
}

/* Does an author tombstone name this person? The forms a report prints a person in:
 * "Name <email> (id ID)" and its parts (pv_cli__put_person), "<email>" too. */
static int author_gone(const name_table *t, resolve_ctx *c, const pv_origin_view *ov)
{
    char buf[3 * 1024];
    const char *name = ov->author_name, *email = ov->author_email, *id = ov->author_id;
    c->gone = 0;
    if (name)
        table_each(t, c->v, PV_TOMB_AUTHOR, name, on_author, c);
    if (email) {
        table_each(t, c->v, PV_TOMB_AUTHOR, email, on_author, c);
        snprintf(buf, sizeof buf, "<%s>", email);
        table_each(t, c->v, PV_TOMB_AUTHOR, buf, on_author, c);
    }
    if (id)
        table_each(t, c->v, PV_TOMB_AUTHOR, id, on_author, c);
    if (name && email) {
        snprintf(buf, sizeof buf, "%s <%s>", name, email);
        table_each(t, c->v, PV_TOMB_AUTHOR, buf, on_author, c);
    }
    if (name && id) {
        if (email)
            snprintf(buf, sizeof buf, "%s <%s> (id %s)", name, email, id);
        else
            snprintf(buf, sizeof buf, "%s (id %s)", name, id);
        table_each(t, c->v, PV_TOMB_AUTHOR, buf, on_author, c);
    }
    return c->gone;
}

/* Fills t->doc_gone, t->shown and the entries' counts from ix's tables. */
static int resolve(const pv_index *ix, pv_tombs *t, pv_err *err)
{
    pv_index_info info;
    name_table nt = {NULL, NULL, 0};
    resolve_ctx c;
    uint8_t *astate = NULL; /* per author: 0 not looked at, 1 kept, 2 removed */
    uint32_t *last = NULL;
    size_t i, nauthor_t = 0, ndoc_t = 0;
    int rc = PV_ENOMEM;

    pv_index_get_info(ix, &info);
    for (i = 0; i < t->n; i++) {
        t->v[i].documents = t->v[i].authors = 0;
        nauthor_t += t->v[i].kind == PV_TOMB_AUTHOR;
        ndoc_t += t->v[i].kind != PV_TOMB_AUTHOR;
    }
    memset(&c, 0, sizeof c);
    c.v = t->v;
    if (table_make(&nt, t->v, t->n))
        goto done;
    if (ndoc_t) {
        uint64_t d, ngone = 0;
        if (!(t->doc_gone = calloc((size_t)(info.documents + 63) / 64 + 1, sizeof *t->doc_gone)))
            goto done;
        for (d = 0; d < info.documents; d++) {
            pv_doc_view dv;
            pv_index__doc(ix, (uint32_t)d, &dv);
            c.gone = 0;
            c.source = dv.source;
            if (dv.source)
                table_each(&nt, t->v, PV_TOMB_SOURCE, dv.source, on_source, &c);
            if (dv.locator)
                table_each(&nt, t->v, PV_TOMB_DOCUMENT, dv.locator, on_document, &c);
            if (c.gone) {
                t->doc_gone[d / 64] |= UINT64_C(1) << (d % 64);
                ngone++;
            }
        }
        if (ngone == 0) {
            free(t->doc_gone);
            t->doc_gone = NULL;
        }
    }
    if (nauthor_t && info.origins) {
        uint64_t o;
        int any = 0;
        if (!(astate = calloc((size_t)info.authors + 1, 1)) ||
            !(last = calloc(t->n, sizeof *last)) ||
            !(t->shown = malloc((size_t)info.origins * sizeof *t->shown)))
            goto done;
        c.last = last;
        for (o = 0; o < info.origins; o++) {
            pv_origin_view ov;
            pv_index__origin(ix, (uint32_t)o, &ov);
            if (ov.author == PV_NONE || ov.author >= info.authors || astate[ov.author])
                continue;
            c.author = ov.author;
            astate[ov.author] = author_gone(&nt, &c, &ov) ? 2 : 1;
            any |= astate[ov.author] == 2;
        }
        /* the origin shown: the first along the co-author chain whose author is not removed */
        for (o = 0; any && o < info.origins; o++) {
            uint32_t id = (uint32_t)o, steps = 0;
            pv_origin_view ov;
            t->shown[o] = UINT32_MAX;
            for (; id != UINT32_MAX && id < info.origins && steps < 1u << 20; steps++) {
                pv_index__origin(ix, id, &ov);
                if (ov.author == PV_NONE || ov.author >= info.authors || astate[ov.author] != 2) {
                    t->shown[o] = id;
                    break;
                }
                id = ov.next;
            }
        }
        if (!any) {
            free(t->shown);
            t->shown = NULL;
        }
    }
    rc = 0;
done:
    table_free(&nt);
    free(astate);
    free(last);
    if (rc)
        pv_err__set(err, rc, "out of memory");
    return rc;
}

/* ---- the file ---- */

#define TOMB_MAX_BYTES ((size_t)256 << 20)

/* INDEX.tomb beside a one-file index, DIR/TOMB inside a folder of segments. */
static char *tomb_path(const char *index_path)
{
    struct stat st;
    int dir = stat(index_path, &st) == 0 && S_ISDIR(st.st_mode);
    const char *suffix = dir ? "/" PV_SEG_TOMB : PV_TOMB_SUFFIX;
    size_t n = strlen(index_path), sn = strlen(suffix);
    char *p = malloc(n + sn + 1);
    if (p) {
        memcpy(p, index_path, n);
        memcpy(p + n, suffix, sn + 1);
    }
    return p;
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static int bad(pv_err *err, const char *path, const char *what)
{
    return pv_err__set(err, PV_ECORRUPT,
                       "corrupt tombstone file '%s': %s (removed work would come back: "
                       "restore it from a backup, or delete it to undo every removal)",
                       path, what);
}

/* Parses the file's bytes m[0, n) into t (entries and their strings). */
static int parse(const unsigned char *m, size_t n, const char *path, uint64_t ident, uint64_t size,
                 pv_tombs *t, pv_err *err)
{
    size_t count, i, off, strbytes = 0;
    char *sp;
    if (n < PV_TOMB_HDR_SIZE + 8 || memcmp(m, PV_TOMB_MAGIC, PV_MAGIC_LEN) != 0)
        return n < PV_TOMB_HDR_SIZE + 8 ? bad(err, path, "too short") : bad(err, path, "bad magic");
    if (pv_load64(m + n - 8) != pv_hash64(m, n - 8, 0))
        return bad(err, path, "checksum mismatch");
    if (pv_load32(m + PV_TOMB_VERSION) != PV_TOMB_FORMAT_VERSION)
        return pv_err__set(err, PV_EVERSION,
                           "tombstone file '%s' has version %u; this provscan reads version %u",
                           path, pv_load32(m + PV_TOMB_VERSION), PV_TOMB_FORMAT_VERSION);
    if (pv_load64(m + PV_TOMB_INDEX_CHECKSUM) != ident || pv_load64(m + PV_TOMB_INDEX_SIZE) != size)
        return pv_err__set(err, PV_ECORRUPT,
                           "tombstone file '%s' belongs to another index (the index was rebuilt "
                           "or replaced): remove the work again from the new index, then "
                           "delete this file",
                           path);
    count = pv_load32(m + PV_TOMB_COUNT);
    /* first pass: validate every entry, count the string bytes */
    for (i = 0, off = PV_TOMB_HDR_SIZE; i < count; i++) {
        const unsigned char *e = m + off;
        uint32_t kind, slen, ilen;
        if (off + PV_TOMB_ENTRY > n - 8)
            return bad(err, path, "entry past the end");
        kind = pv_load32(e + PV_TOMB_KIND);
        slen = pv_load32(e + PV_TOMB_SOURCE_LEN);
        ilen = pv_load32(e + PV_TOMB_ID_LEN);
        if (kind < PV_TOMB_AUTHOR || kind > PV_TOMB_SOURCE || pv_load32(e + PV_TOMB_FLAGS))
            return bad(err, path, "unknown entry kind or flags");
        if (ilen == 0 || ilen > PV_TOMB_MAX_NAME ||
            (slen != PV_NONE && (slen == 0 || slen > PV_TOMB_MAX_NAME)) ||
            (slen != PV_NONE && kind != PV_TOMB_DOCUMENT))
            return bad(err, path, "bad name length");
        off += PV_TOMB_ENTRY;
        if (slen != PV_NONE) {
            if (off + slen > n - 8 || memchr(m + off, 0, slen))
                return bad(err, path, "bad source name");
            off += slen;
            strbytes += slen + 1;
        }
        if (off + ilen > n - 8 || memchr(m + off, 0, ilen))
            return bad(err, path, "bad name");
        off = pad8(off + ilen);
        strbytes += ilen + 1;
    }
    if (off != n - 8)
        return bad(err, path, "bytes after the last entry");
    t->n = count;
    t->v = calloc(count ? count : 1, sizeof *t->v);
    t->strings = malloc(strbytes ? strbytes : 1);
    if (!t->v || !t->strings)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    sp = t->strings;
    for (i = 0, off = PV_TOMB_HDR_SIZE; i < count; i++) {
        const unsigned char *e = m + off;
        uint32_t slen = pv_load32(e + PV_TOMB_SOURCE_LEN), ilen = pv_load32(e + PV_TOMB_ID_LEN);
        t->v[i].kind = (pv_tomb_kind)pv_load32(e + PV_TOMB_KIND);
        t->v[i].date = (int64_t)pv_load64(e + PV_TOMB_DATE);
        off += PV_TOMB_ENTRY;
        if (slen != PV_NONE) {
            memcpy(sp, m + off, slen);
            sp[slen] = 0;
            t->v[i].source = sp;
            sp += slen + 1;
            off += slen;
        }
        memcpy(sp, m + off, ilen);
        sp[ilen] = 0;
        t->v[i].id = sp;
        sp += ilen + 1;
        off = pad8(off + ilen);
    }
    return 0;
}

/* The whole file at path into *buf (malloc'ed), or PV_ENOTFOUND when it does not exist. */
static int read_all(const char *path, unsigned char **buf, size_t *n, pv_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    int rc = 0;
    *buf = NULL;
    *n = 0;
    if (!f)
        return errno == ENOENT ? PV_ENOTFOUND
                               : pv_err__set(err, PV_EIO, "cannot open tombstone file '%s': %s",
                                             path, strerror(errno));
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = pv_err__set(err, PV_EIO, "cannot read tombstone file '%s': not a regular file", path);
        goto done;
    }
    if ((uint64_t)st.st_size > TOMB_MAX_BYTES) {
        rc = bad(err, path, "larger than 256 MiB");
        goto done;
    }
    *n = (size_t)st.st_size;
    if (!(*buf = malloc(*n ? *n : 1))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if (fread(*buf, 1, *n, f) != *n) {
        rc = pv_err__set(err, PV_EIO, "cannot read tombstone file '%s'", path);
        goto done;
    }
done:
    fclose(f);
    if (rc) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

void pv_index__tombs_free(pv_tombs *t)
{
    if (!t)
        return;
    free(t->v);
    free(t->doc_gone);
    free(t->shown);
    free(t->strings);
    free(t);
}

int pv_index__tombs_load(const pv_index *ix, uint64_t ident, uint64_t size, pv_tombs **out,
                         pv_err *err)
{
    char *path = tomb_path(pv_index__path(ix));
    unsigned char *buf = NULL;
    size_t n;
    pv_tombs *t = NULL;
    int rc;
    *out = NULL;
    if (!path)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if ((rc = read_all(path, &buf, &n, err)) != 0) {
        if (rc == PV_ENOTFOUND)
            rc = 0; /* no removals */
        goto done;
    }
    if (!(t = calloc(1, sizeof *t))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = parse(buf, n, path, ident, size, t, err)) != 0 || (rc = resolve(ix, t, err)) != 0)
        goto done;
    if (t->n) {
        *out = t;
        t = NULL;
    }
done:
    pv_index__tombs_free(t);
    free(buf);
    free(path);
    return rc;
}

void pv_index_tombstones(const pv_index *ix, const pv_tombstone **out, size_t *n)
{
    const pv_tombs *t = pv_index__tombs(ix);
    *out = t ? t->v : NULL;
    *n = t ? t->n : 0;
}

/* ---- recording a removal ---- */

/* The file's bytes for entries v[0, n) of the index (ident, size), malloc'ed. */
static unsigned char *serialize(const pv_tombstone *v, size_t n, uint64_t ident, uint64_t size,
                                size_t *len)
{
    size_t total = PV_TOMB_HDR_SIZE + 8, i, off;
    unsigned char *m;
    for (i = 0; i < n; i++)
        total += PV_TOMB_ENTRY + pad8((v[i].source ? strlen(v[i].source) : 0) + strlen(v[i].id));
    if (!(m = calloc(1, total)))
        return NULL;
    memcpy(m, PV_TOMB_MAGIC, PV_MAGIC_LEN);
    pv_store32(m + PV_TOMB_VERSION, PV_TOMB_FORMAT_VERSION);
    pv_store32(m + PV_TOMB_COUNT, (uint32_t)n);
    pv_store64(m + PV_TOMB_INDEX_CHECKSUM, ident);
    pv_store64(m + PV_TOMB_INDEX_SIZE, size);
    for (i = 0, off = PV_TOMB_HDR_SIZE; i < n; i++) {
        unsigned char *e = m + off;
        size_t slen = v[i].source ? strlen(v[i].source) : 0, ilen = strlen(v[i].id);
        pv_store32(e + PV_TOMB_KIND, (uint32_t)v[i].kind);
        pv_store32(e + PV_TOMB_FLAGS, 0);
        pv_store32(e + PV_TOMB_SOURCE_LEN, v[i].source ? (uint32_t)slen : PV_NONE);
        pv_store32(e + PV_TOMB_ID_LEN, (uint32_t)ilen);
        pv_store64(e + PV_TOMB_DATE, (uint64_t)v[i].date);
        off += PV_TOMB_ENTRY;
        memcpy(m + off, v[i].source ? v[i].source : "", slen);
        memcpy(m + off + slen, v[i].id, ilen);
        off = pad8(off + slen + ilen);
    }
    pv_store64(m + off, pv_hash64(m, off, 0));
    *len = total;
    return m;
}

/* Writes data[0, n) to path through path.tmp.PID: write, fsync, rename, fsync the folder. */
int pv_index__write_atomic(const char *path, const void *vdata, size_t n, pv_err *err)
{
    const unsigned char *data = vdata;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32), *dir = NULL, *slash;
    int fd = -1, rc = 0;
    size_t done = 0;
    if (!tmp)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot create '%s': %s", tmp, strerror(errno));
        goto done;
    }
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", tmp,
                             w < 0 ? strerror(errno) : "no space");
            goto done;
        }
        done += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        goto done;
    }
    /* the rename itself is durable once the folder is synced */
    if ((dir = strdup(path)) != NULL) {
        int dfd;
        slash = strrchr(dir, '/');
        if (slash)
            slash[slash == dir] = 0;
        dfd = open(slash ? dir : ".", O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

int pv_index__tombs_write(const char *path, const pv_tombstone *v, size_t n, uint64_t ident,
                          uint64_t size, pv_err *err)
{
    size_t len = 0;
    unsigned char *bytes = serialize(v, n, ident, size, &len);
    int rc;
    if (!bytes)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    rc = pv_index__write_atomic(path, bytes, len, err);
    free(bytes);
    return rc;
}

static const char *kind_word(pv_tomb_kind kind)
{
    return kind == PV_TOMB_AUTHOR ? "author" : kind == PV_TOMB_DOCUMENT ? "document" : "source";
}

/* For a document entry named without a source: the number of distinct sources holding a
 * document with that locator (2 is enough to be ambiguous). */
static int locator_sources(const pv_index *ix, const char *locator, const char **first)
{
    pv_index_info info;
    uint64_t d;
    int n = 0;
    pv_index_get_info(ix, &info);
    *first = NULL;
    for (d = 0; d < info.documents && n < 2; d++) {
        pv_doc_view dv;
        pv_index__doc(ix, (uint32_t)d, &dv);
        if (!dv.locator || strcmp(dv.locator, locator) != 0)
            continue;
        if (!*first)
            *first = dv.source, n = 1;
        else if (dv.source && strcmp(dv.source, *first) != 0)
            n = 2;
    }
    return n;
}

int pv_index_remove(const char *path, pv_tomb_kind kind, const char *id, const char *source,
                    uint64_t *matched, int *already, pv_err *err)
{
    pv_index *ix = NULL;
    pv_tombs t;
    const pv_tombstone *old;
    size_t nold = 0, i, len = 0;
    unsigned char hdr[PV_HDR_SIZE], *bytes = NULL;
    char *tpath = NULL;
    struct stat st;
    uint64_t count;
    int fd = -1, rc;

    memset(&t, 0, sizeof t);
    if (matched)
        *matched = 0;
    if (already)
        *already = 0;
    if (kind < PV_TOMB_AUTHOR || kind > PV_TOMB_SOURCE || !id || !*id ||
        strlen(id) > PV_TOMB_MAX_NAME || (source && kind != PV_TOMB_DOCUMENT) ||
        (source && (!*source || strlen(source) > PV_TOMB_MAX_NAME)))
        return pv_err__set(err, PV_EINVAL, "bad removal: a %s and a name of 1 to %u bytes",
                           "kind (author, document, source)", PV_TOMB_MAX_NAME);
    /* the lock is on the index file: two removals at once both land, one after the other */
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
        goto done;
    }
    if (flock(fd, LOCK_EX) < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot lock index '%s': %s", path, strerror(errno));
        goto done;
    }
    if ((rc = pv_index_open(&ix, path, err)) != 0)
        goto done;
    if (fstat(fd, &st) < 0 ||
        (S_ISDIR(st.st_mode) ? (memset(hdr, 0, sizeof hdr), st.st_size = 0, 0)
                             : pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)) {
        rc = pv_err__set(err, PV_EIO, "cannot read index '%s'", path);
        goto done;
    }
    pv_index_tombstones(ix, &old, &nold);
    for (i = 0; i < nold; i++)
        if (old[i].kind == kind && strcmp(old[i].id, id) == 0 &&
            ((!old[i].source && !source) ||
             (old[i].source && source && strcmp(old[i].source, source) == 0))) {
            if (already)
                *already = 1;
            if (matched)
                *matched = kind == PV_TOMB_AUTHOR ? old[i].authors : old[i].documents;
            rc = 0;
            goto done;
        }
    /* the new entry resolved alone: what it names in this index */
    t.n = 1;
    if (!(t.v = calloc(1, sizeof *t.v))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    t.v[0].kind = kind;
    t.v[0].id = id;
    t.v[0].source = source;
    t.v[0].date = (int64_t)time(NULL);
    if ((rc = resolve(ix, &t, err)) != 0)
        goto done;
    count = kind == PV_TOMB_AUTHOR ? t.v[0].authors : t.v[0].documents;
    if (count == 0) {
        if (source)
            rc = pv_err__set(err, PV_ENOTFOUND, "no document '%s' of source '%s' in index '%s'", id,
                             source, path);
        else
            rc = pv_err__set(err, PV_ENOTFOUND, "no %s '%s' in index '%s'", kind_word(kind), id,
                             path);
        goto done;
    }
    if (kind == PV_TOMB_AUTHOR && count > 1) {
        rc = pv_err__set(err, PV_EINVAL,
                         "author '%s' names %llu persons in index '%s': give the email too "
                         "(\"Name <email>\")",
                         id, (unsigned long long)count, path);
        goto done;
    }
    if (kind == PV_TOMB_DOCUMENT && !source) {
        const char *first;
        if (locator_sources(ix, id, &first) > 1) {
            rc = pv_err__set(err, PV_EINVAL,
                             "document '%s' is in several sources of index '%s': name one "
                             "with --source",
                             id, path);
            goto done;
        }
    }
    if (matched)
        *matched = count;
    {
        /* every entry kept, the new one last */
        pv_tombstone *all = malloc((nold + 1) * sizeof *all);
        if (!all) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        if (nold)
            memcpy(all, old, nold * sizeof *all);
        all[nold] = t.v[0];
        bytes =
            serialize(all, nold + 1, pv_load64(hdr + PV_HDR_CHECKSUM), (uint64_t)st.st_size, &len);
        free(all);
    }
    if (!bytes || !(tpath = tomb_path(path))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    rc = pv_index__write_atomic(tpath, bytes, len, err);
done:
    free(t.v);
    free(t.doc_gone);
    free(t.shown);
    free(bytes);
    free(tpath);
    pv_index_free(ix);
    if (fd >= 0)
        close(fd); /* releases the lock */
    return rc;
}

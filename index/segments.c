/*
 * segments.c - an index that is a folder of segments: the manifest (format.h, "a folder of
 * segments"), merging segments into one through the segment writer (the view a query reads,
 * and `provscan merge`, which drops removed work for good), and `provscan index --add`, which
 * builds a new segment and appends it. Sits beside the reader: opens segments with it and
 * writes with segment_writer.c.
 */
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "common_int.h"
#include "format.h"
#include "index_int.h"
#include "segment_writer.h"

/* ---- the manifest ---- */

void pv_index__segments_free(pv_segment_info *segs, size_t n)
{
    size_t i;
    for (i = 0; segs && i < n; i++)
        free(segs[i].name);
    free(segs);
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

static int bad_manifest(pv_err *err, const char *dir, const char *what)
{
    return pv_err__set(err, PV_ECORRUPT, "corrupt manifest '%s/%s': %s", dir, PV_SEG_MANIFEST,
                       what);
}

/* A segment name is a plain file name: no slash, no leading dot, printable. */
static int name_ok(const char *s)
{
    size_t i;
    if (!*s || *s == '.' || strlen(s) > 255)
        return 0;
    for (i = 0; s[i]; i++)
        if (s[i] == '/' || (unsigned char)s[i] <= ' ')
            return 0;
    return 1;
}

int pv_index__manifest_parse(const char *dir, const char *data, size_t len, pv_segment_info **segs,
                             size_t *n, uint64_t *gen, uint64_t *sum, pv_err *err)
{
    char *buf = NULL, *line, *next, *endline;
    size_t cap = 0;
    pv_segment_info *v = NULL;
    size_t nv = 0;
    int rc = 0, ended = 0;
    uint64_t g = 0;

    *segs = NULL;
    *n = 0;
    if (len > PV_SEG_MAX_MANIFEST)
        return bad_manifest(err, dir, "larger than 16 MiB");
    if (memchr(data, 0, len))
        return bad_manifest(err, dir, "a NUL byte");
    if (!(buf = malloc(len + 1)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    memcpy(buf, data, len);
    buf[len] = 0;
    for (line = buf; *line && !ended; line = next) {
        char name[256], l[600];
        unsigned long long a, b, c;
        int used = 0;
        endline = strchr(line, '\n');
        if (!endline || (size_t)(endline - line) >= sizeof l) {
            rc =
                bad_manifest(err, dir, !endline ? "truncated (no final newline)" : "line too long");
            goto done;
        }
        memcpy(l, line, (size_t)(endline - line));
        l[endline - line] = 0;
        next = endline + 1;
        if (line == buf) {
            if (strcmp(l, PV_SEG_MAGIC) != 0) {
                rc = bad_manifest(err, dir, "bad first line");
                goto done;
            }
        } else if (sscanf(l, "generation %llu%n", &a, &used) == 1 && !l[used]) {
            g = a;
        } else if (sscanf(l, "segment %255s %llu %llx %llu%n", name, &a, &b, &c, &used) == 4 &&
                   !l[used]) {
            if (!name_ok(name) || nv >= PV_SEG_MAX) {
                rc = bad_manifest(err, dir, "bad segment name");
                goto done;
            }
            if (pv_array__grow((void **)&v, &cap, nv + 1, sizeof *v) ||
                !(v[nv].name = strdup(name))) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
            v[nv].bytes = a;
            v[nv].checksum = b;
            v[nv++].documents = c;
        } else if (sscanf(l, "end %llx%n", &a, &used) == 1 && !l[used]) {
            if (sum)
                *sum = a;
            if (pv_hash64(buf, (size_t)(line - buf), 0) != a) {
                rc = bad_manifest(err, dir, "checksum mismatch");
                goto done;
            }
            ended = 1;
        } else {
            rc = bad_manifest(err, dir, "bad line");
            goto done;
        }
    }
    if (!ended || *line || nv == 0) {
        rc = bad_manifest(err, dir,
                          !ended  ? "truncated (no end line)"
                          : *line ? "bytes after the end line"
                                  : "no segment");
        goto done;
    }
    *segs = v;
    *n = nv;
    *gen = g;
    v = NULL;
done:
    pv_index__segments_free(v, nv);
    free(buf);
    return rc;
}

/* Reads DIR/MANIFEST into *segs (n of them), its generation and its checksum. */
static int manifest_read(const char *dir, pv_segment_info **segs, size_t *n, uint64_t *gen,
                         uint64_t *sum, pv_err *err)
{
    char *path = join(dir, PV_SEG_MANIFEST), *buf = NULL;
    FILE *f = NULL;
    size_t len;
    int rc;

    *segs = NULL;
    *n = 0;
    if (!path)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if (!(f = fopen(path, "rb"))) {
        rc = errno == ENOENT
                 ? pv_err__set(err, PV_EIO,
                               "cannot open index '%s': a folder without a %s (not an index)", dir,
                               PV_SEG_MANIFEST)
                 : pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
        goto done;
    }
    if (!(buf = malloc(PV_SEG_MAX_MANIFEST + 1))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    len = fread(buf, 1, PV_SEG_MAX_MANIFEST + 1, f);
    if (ferror(f))
        rc = pv_err__set(err, PV_EIO, "cannot read '%s'", path);
    else
        rc = pv_index__manifest_parse(dir, buf, len, segs, n, gen, sum, err);
done:
    if (f)
        fclose(f);
    free(buf);
    free(path);
    return rc;
}

int pv_index__manifest_format(const pv_segment_info *v, size_t n, uint64_t gen, pv_buf *b)
{
    char line[400];
    size_t i;
    int rc;
    snprintf(line, sizeof line, "%s\ngeneration %" PRIu64 "\n", PV_SEG_MAGIC, gen);
    rc = pv_buf__append(b, line, strlen(line));
    for (i = 0; i < n && rc == 0; i++) {
        snprintf(line, sizeof line, "segment %s %" PRIu64 " %016" PRIx64 " %" PRIu64 "\n",
                 v[i].name, v[i].bytes, v[i].checksum, v[i].documents);
        rc = pv_buf__append(b, line, strlen(line));
    }
    if (rc == 0) {
        snprintf(line, sizeof line, "end %016" PRIx64 "\n", pv_hash64(b->data, b->len, 0));
        rc = pv_buf__append(b, line, strlen(line));
    }
    return rc;
}

static int manifest_write(const char *dir, const pv_segment_info *v, size_t n, uint64_t gen,
                          pv_err *err)
{
    pv_buf b = PV_BUF_INIT(PV_SEG_MAX_MANIFEST);
    char *path = join(dir, PV_SEG_MANIFEST);
    int rc = path ? pv_index__manifest_format(v, n, gen, &b) : PV_ENOMEM;
    if (rc)
        rc = pv_err__set(err, rc, "out of memory");
    else
        rc = pv_index__write_atomic(path, b.data, b.len, err);
    pv_buf__free(&b);
    free(path);
    return rc;
}

/* ---- merging segments into one ---- */

/* One input of a merge. */
typedef struct mseg {
    pv_index *ix;
    pv_index_raw raw;
    pv_index_info info;
    uint32_t *doc_new; /* per document: its id in the output, PV_NONE when removed */
    uint32_t *auth_new;
    uint32_t *orig_new; /* per origin: its id in the output, PV_NONE when nothing uses it */
    uint32_t src_base;
    /* a removed author (docs/attribution.md, "Removed work"): per origin, the first along
       its chain whose author is not removed (pv_tombs.shown), and the next co-author's
       origin along the chain with the removed ones skipped; NULL when nobody is removed */
    const uint32_t *shown;
    uint32_t *next_eff;
    uint64_t *gone; /* bit d: document d is dropped (removed, or wholly removed authors') */
    /* the token ranges [start, end) of kept documents that only removed authors wrote:
       document d's are the pairs cuts[2 * i], cuts[2 * i + 1] for i in [cut_at[d],
       cut_at[d + 1]), ascending; cut_at NULL when nobody is removed */
    uint32_t *cut_at, *cuts;
    size_t ncuts, cuts_cap;
    uint64_t loc_start, loc_base; /* exact: where its locator region starts in its STRS, and
                                     where it goes in the output's regions */
    int remap; /* some origin moves: line tables with authorship runs are encoded again */
    pv_index_cursor *cur;
    uint64_t block;
    const uint64_t *fp;
    const pv_posting *post;
    uint32_t count, at;
} mseg;

typedef struct merger {
    mseg *in;
    size_t n;
    pv_buf pool; /* STRS (exact: before the locator regions) */
    pv_idtab strtab;
    uint32_t *str_off;
    size_t nstr, str_cap;
    uint32_t *auths; /* name, email, id */
    size_t nauths, auth_cap;
    pv_idtab authtab;    /* authors by (name, email, id); not used once persons are merged */
    uint32_t *auth_uses; /* per author: the origins naming it in the inputs (merge_persons) */
    size_t nuses, uses_cap;
    uint32_t *srcs; /* name, kind */
    size_t nsrcs;
    pv_seg_origin *origs;
    size_t norigs;
    pv_idtab grouptab;  /* co-author chains written, by their rows (dedup_group) */
    uint32_t *group_in; /* per origin written: the input that wrote it + 1, at a chain's head */
    size_t group_cap;
    int exact;          /* no document removed: STRS laid out as a build lays it out */
    uint64_t loc_bytes; /* exact: the inputs' locator regions, copied after the pool */
    uint32_t *loc_rel;  /* exact: per document, its locator's offset in those regions */
    pv_seg_doc *docs;
    uint32_t *doc_in, *doc_old;
    int64_t *dates;
    size_t ndocs;
    pv_seg_blob *blobs;
    size_t nblobs;
    pv_seg_posting *g;
    size_t gcap;
    uint64_t tokens, bytes;
    ZSTD_CCtx *cctx;
    uint32_t k; /* tokens per k-gram: a posting's text is tokens [pos, pos + k) */
    /* the origin of text cut from a removed author (no author, commit or date: credited to no
       person), PV_NONE until a document has a cut */
    uint32_t nobody;
    int oom;
} merger;

static int same_str(const void *ctx, uint32_t id, const void *key)
{
    const merger *m = ctx;
    return strcmp(m->pool.data + m->str_off[id], key) == 0;
}

/* The output's offset of string s (NULL: PV_NONE), each string once in the pool. */
static uint32_t intern(merger *m, const char *s)
{
    uint64_t h;
    uint32_t id;
    size_t len;
    if (!s)
        return PV_NONE;
    len = strlen(s);
    h = pv_hash64(s, len, 0);
    if (pv_idtab__get(&m->strtab, h, same_str, m, s, &id))
        return m->str_off[id];
    if (pv_array__grow((void **)&m->str_off, &m->str_cap, m->nstr + 1, sizeof *m->str_off) ||
        m->pool.len + len + 1 > UINT32_MAX || pv_idtab__add(&m->strtab, h, (uint32_t)m->nstr) ||
        pv_buf__append(&m->pool, s, len + 1)) {
        m->oom = 1;
        return 0;
    }
    m->str_off[m->nstr++] = (uint32_t)(m->pool.len - len - 1);
    return m->str_off[m->nstr - 1];
}

static const char *str_of(const pv_index_raw *r, uint32_t off)
{
    return off == PV_NONE ? NULL : (const char *)r->strs + off;
}

static int same_auth(const void *ctx, uint32_t id, const void *key)
{
    const merger *m = ctx;
    return memcmp(m->auths + 3 * (size_t)id, key, 3 * sizeof(uint32_t)) == 0;
}

/* An author of the output: one entry per (name, email, id); merge_persons then makes one
 * person of the authors a build would merge. */
static uint32_t author_of(merger *m, const uint32_t key[3])
{
    uint64_t h = pv_mix64(key[0] ^ pv_mix64(key[1] ^ pv_mix64(key[2])));
    uint32_t id;
    if (pv_idtab__get(&m->authtab, h, same_auth, m, key, &id))
        return id;
    if (pv_array__grow((void **)&m->auths, &m->auth_cap, 3 * (m->nauths + 1), sizeof *m->auths) ||
        pv_idtab__add(&m->authtab, h, (uint32_t)m->nauths)) {
        m->oom = 1;
        return 0;
    }
    memcpy(m->auths + 3 * m->nauths, key, 3 * sizeof *key);
    return (uint32_t)m->nauths++;
}

/* One person, one payee across segments: each segment merged its identities into persons
 * when it was built, and a person met in two segments may be written there under two
 * spellings ("Ada <ada@x>", "ada w. <ADA@x>"). The build's rules (common/identity.c) merge
 * the authors of the output as they merge a build's: the same email (ASCII case aside) is one
 * person, shown under its most used name, each author's vote being the origins naming it
 * (m->auth_uses). Persons are numbered in the order of their first author, as a build
 * numbers them; s->auth_new is re-pointed. Two persons of one segment have different emails
 * (or none), so they never become one here, and a co-author chain never names one person
 * twice. The aliases file is the build's: persons it joined are already one in their
 * segment, and its other lines are not known here. */
static int merge_persons(merger *m, pv_err *err)
{
    const size_t n = m->nauths;
    pv_identity *v = malloc((n ? n : 1) * sizeof *v);
    uint32_t *person = malloc((n ? n : 1) * sizeof *person);
    uint32_t *shown = malloc((n ? n : 1) * sizeof *shown);
    uint32_t *persons = NULL;
    size_t i, a, np = 0;
    int rc = 0;

    if (!v || !person || !shown) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        const uint32_t *k = m->auths + 3 * i;
        v[i].name = k[0] == PV_NONE ? "" : m->pool.data + k[0];
        v[i].email = k[1] == PV_NONE ? NULL : m->pool.data + k[1];
        v[i].id = k[2] == PV_NONE ? NULL : m->pool.data + k[2];
        v[i].uses = m->auth_uses[i];
    }
    if ((rc = pv_identities__merge(v, n, NULL, person, shown, &np, err)) != 0 || np == n)
        goto done; /* nobody met twice: the authors stay as they are */
    if (!(persons = malloc(3 * np * sizeof *persons))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < np; i++)
        memcpy(persons + 3 * i, m->auths + 3 * (size_t)shown[i], 3 * sizeof *persons);
    free(m->auths);
    m->auths = persons;
    m->auth_cap = 3 * np;
    m->nauths = np;
    for (i = 0; i < m->n; i++)
        for (a = 0; a < m->in[i].info.authors; a++)
            if (m->in[i].auth_new[a] != PV_NONE)
                m->in[i].auth_new[a] = person[m->in[i].auth_new[a]];
done:
    free(v);
    free(person);
    free(shown);
    return rc;
}

/* The next co-author's origin after o along its chain, removed authors skipped. */
static uint32_t orig_next(const mseg *s, uint64_t o)
{
    return s->next_eff ? s->next_eff[o] : pv_load32(s->raw.orig + o * PV_ORIG_ENTRY + PV_ORIG_NEXT);
}

static int doc_dropped(const mseg *s, uint64_t d)
{
    return s->gone && (s->gone[d / 64] >> (d % 64) & 1);
}

/* Whether tokens [a, b) of document d of s hold a token only removed authors wrote. */
static int cut_overlaps(const mseg *s, uint64_t d, uint32_t a, uint32_t b)
{
    uint32_t lo, hi;
    if (!s->cut_at)
        return 0;
    lo = s->cut_at[d];
    hi = s->cut_at[d + 1];
    while (lo < hi) { /* the first cut ending after a */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->cuts[2 * (size_t)mid + 1] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->cut_at[d + 1] && s->cuts[2 * (size_t)lo] < b;
}

/* Adds tokens [a, b) of the document being scanned to its cuts (joined to the last when they
 * meet). */
static int add_cut(mseg *s, size_t first, uint32_t a, uint32_t b)
{
    if (s->ncuts > first && s->cuts[2 * (s->ncuts - 1) + 1] == a) {
        s->cuts[2 * (s->ncuts - 1) + 1] = b;
        return 0;
    }
    if (s->ncuts >= UINT32_MAX - 1 ||
        pv_array__grow((void **)&s->cuts, &s->cuts_cap, 2 * (s->ncuts + 1), sizeof *s->cuts))
        return PV_ENOMEM;
    s->cuts[2 * s->ncuts] = a;
    s->cuts[2 * s->ncuts++ + 1] = b;
    return 0;
}

/* Which documents and origins input s keeps when its tombstones tb are dropped for good. The
 * documents tb removes are dropped; with a removed author, the token ranges of each document
 * that only removed authors wrote (authorship runs whose co-authors are all removed) become its
 * cuts, and a document wholly theirs is dropped like a removed one. Marks in s->orig_new (0
 * used, PV_NONE not) the origins the kept documents name: their own, their runs', the
 * co-authors along those chains; an origin whose author is removed is not kept, and its first
 * co-author who is not stands for it. Without tombstones every origin is kept. */
static int scan_documents(mseg *s, const pv_tombs *tb, pv_err *err)
{
    const uint64_t ndoc = s->info.documents, norig = s->info.origins;
    const uint32_t *shown = tb ? tb->shown : NULL;
    uint64_t d, o;
    int rc;
    if (!tb || (!tb->doc_gone && !shown)) {
        memset(s->orig_new, 0, (norig + 1) * sizeof *s->orig_new);
        return 0;
    }
    if (!(s->gone = calloc((size_t)(ndoc / 64 + 1), sizeof *s->gone)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if (shown) {
        s->shown = shown;
        if (!(s->cut_at = malloc((size_t)(ndoc + 1) * sizeof *s->cut_at)) ||
            !(s->next_eff = malloc((size_t)(norig + 1) * sizeof *s->next_eff)))
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        for (o = 0; o < norig; o++) {
            uint32_t nx = pv_load32(s->raw.orig + o * PV_ORIG_ENTRY + PV_ORIG_NEXT);
            s->next_eff[o] = nx == PV_NONE || nx >= norig ? PV_NONE : shown[nx];
        }
    }
    for (o = 0; o < norig; o++)
        s->orig_new[o] = PV_NONE;
    for (d = 0; d < ndoc; d++) {
        const unsigned char *e = s->raw.docs + d * PV_DOC_ENTRY;
        uint32_t org = pv_load32(e + PV_DOC_ORIGIN), ntok = pv_load32(e + PV_DOC_NTOKENS), r;
        pv_line_table lt;
        if (s->cut_at)
            s->cut_at[d] = (uint32_t)s->ncuts;
        if (pv_tombs__doc_gone(tb, (uint32_t)d)) {
            s->gone[d / 64] |= UINT64_C(1) << (d % 64);
            continue;
        }
        if ((rc = pv_index__lines(s->cur, (uint32_t)d, &lt, err)) != 0)
            return rc;
        if (shown) {
            /* the document's origin holds the tokens before its first run */
            size_t first = s->ncuts;
            uint64_t kept = 0;
            long k;
            for (k = -1; k < (long)lt.nruns; k++) {
                uint32_t a = k < 0 ? 0 : lt.run_tok[k], o2 = k < 0 ? org : lt.run_origin[k];
                uint32_t b = k + 1 < (long)lt.nruns ? lt.run_tok[k + 1] : ntok;
                if (b > ntok)
                    b = ntok;
                if (b <= a)
                    continue;
                if (shown[o2] != UINT32_MAX)
                    kept += b - a;
                else if (add_cut(s, first, a, b)) {
                    pv_index__lines_free(&lt);
                    return pv_err__set(err, PV_ENOMEM, "out of memory");
                }
            }
            if (ntok ? kept == 0 : shown[org] == UINT32_MAX) { /* wholly theirs */
                s->ncuts = first;
                s->gone[d / 64] |= UINT64_C(1) << (d % 64);
                pv_index__lines_free(&lt);
                continue;
            }
        }
        s->orig_new[org] = 0;
        for (r = 0; r < lt.nruns; r++)
            s->orig_new[lt.run_origin[r]] = 0;
        pv_index__lines_free(&lt);
    }
    if (s->cut_at)
        s->cut_at[ndoc] = (uint32_t)s->ncuts;
    /* a chain's next is a later entry, and so is the co-author standing for a removed one:
       one pass forward reaches the chain's end */
    for (o = 0; o < norig; o++) {
        uint32_t nx;
        if (s->orig_new[o] != 0)
            continue;
        if (shown && shown[o] != o) {
            s->orig_new[o] = PV_NONE;
            if (shown[o] != UINT32_MAX && shown[o] < norig)
                s->orig_new[shown[o]] = 0;
            continue;
        }
        nx = orig_next(s, o);
        if (nx != PV_NONE && nx < norig)
            s->orig_new[nx] = 0;
    }
    return 0;
}

/* ---- origins: co-author chains met in two segments are written once, as one build
 * writes them once ---- */

typedef struct group_key {
    const pv_seg_origin *rows;
    size_t n;
} group_key;

static uint64_t group_hash(const pv_seg_origin *rows, size_t n)
{
    uint64_t h = n;
    size_t j;
    for (j = 0; j < n; j++)
        h = pv_mix64(h ^ (((uint64_t)rows[j].author << 32) | rows[j].commit) ^
                     (uint64_t)rows[j].date ^ rows[j].flags);
    return h;
}

static int same_group(const void *ctx, uint32_t head, const void *key)
{
    const merger *m = ctx;
    const group_key *k = key;
    size_t j;
    if (head + k->n > m->norigs)
        return 0;
    for (j = 0; j < k->n; j++) {
        const pv_seg_origin *a = &m->origs[head + j], *b = &k->rows[j];
        if (a->author != b->author || a->commit != b->commit || a->date != b->date ||
            a->flags != b->flags || a->next != (j + 1 < k->n ? head + j + 1 : PV_NONE))
            return 0;
    }
    return 1;
}

/* Assigns output ids to the origins of input i that s->orig_new marks used (0), in order:
 * a chain of consecutive rows (next = the following row, the last PV_NONE) equal to one an
 * earlier input wrote gets that chain's rows; other rows are written anew. */
static int assign_origins(merger *m, size_t i, size_t *cap_o)
{
    mseg *s = &m->in[i];
    const pv_index_raw *r = &s->raw;
    uint64_t o = 0, j, norig = s->info.origins;
    if (pv_array__grow((void **)&m->origs, cap_o, m->norigs + norig + 1, sizeof *m->origs) ||
        pv_array__grow((void **)&m->group_in, &m->group_cap, m->norigs + norig + 1,
                       sizeof *m->group_in))
        return PV_ENOMEM;
    while (o < norig) {
        uint64_t e = o, h;
        int chain;
        uint32_t head;
        group_key k;
        if (s->orig_new[o] == PV_NONE) {
            o++;
            continue;
        }
        /* the rows of one chain, when they lie in a row */
        while (e + 1 < norig && s->orig_new[e + 1] != PV_NONE && orig_next(s, e) == e + 1)
            e++;
        chain = orig_next(s, e) == PV_NONE;
        for (j = o; j <= e; j++) {
            const unsigned char *x = r->orig + j * PV_ORIG_ENTRY;
            pv_seg_origin *no = &m->origs[m->norigs + (j - o)];
            uint32_t au = pv_load32(x + PV_ORIG_AUTHOR);
            no->author = au == PV_NONE ? PV_NONE : s->auth_new[au];
            no->commit = intern(m, str_of(r, pv_load32(x + PV_ORIG_COMMIT)));
            no->date = (int64_t)pv_load64(x + PV_ORIG_DATE);
            no->flags = pv_load32(x + PV_ORIG_FLAGS);
            no->next = PV_NONE; /* set by the caller once every row has its id */
        }
        k.rows = &m->origs[m->norigs];
        k.n = (size_t)(e - o + 1);
        h = group_hash(k.rows, k.n);
        if (chain && pv_idtab__get(&m->grouptab, h, same_group, m, &k, &head) &&
            m->group_in[head] - 1 < i) {
            for (j = o; j <= e; j++)
                s->orig_new[j] = (head + (uint32_t)(j - o)) | 0x80000000u;
        } else {
            head = (uint32_t)m->norigs;
            for (j = o; j <= e; j++) {
                m->group_in[m->norigs] = 0;
                s->orig_new[j] = (uint32_t)m->norigs++;
            }
            m->group_in[head] = (uint32_t)i + 1;
            /* the chain's next links, so that a later input compares whole chains */
            for (j = 0; j + 1 < k.n; j++)
                m->origs[head + j].next = head + (uint32_t)j + 1;
            if (chain && pv_idtab__add(&m->grouptab, h, head))
                return PV_ENOMEM;
        }
        o = e + 1;
    }
    /* next links of the rows written anew; a row mapped to an earlier chain is marked by its
       top bit until here */
    for (o = 0; o < norig; o++) {
        uint32_t nx = orig_next(s, o);
        if (s->orig_new[o] == PV_NONE || (s->orig_new[o] & 0x80000000u))
            continue;
        m->origs[s->orig_new[o]].next = nx == PV_NONE ? PV_NONE : s->orig_new[nx] & 0x7FFFFFFFu;
    }
    for (o = 0; o < norig; o++)
        if (s->orig_new[o] != PV_NONE) {
            s->orig_new[o] &= 0x7FFFFFFFu;
            s->remap |= s->orig_new[o] != o;
        }
    /* an origin of a removed author stands for its first co-author who is not, or for no one
       (its text is cut): its runs are encoded again */
    for (o = 0; s->shown && o < norig; o++)
        if (s->shown[o] != o)
            s->orig_new[o] = s->shown[o] < norig ? s->orig_new[s->shown[o]] : PV_NONE;
    s->remap |= s->shown != NULL;
    return 0;
}

/* exact: the strings of input s's pool (before its locators), in their order, so that the
 * output's pool is the one a build of all the inputs makes (its strings in the order first
 * met, then the locators). */
static void walk_pool(merger *m, mseg *s)
{
    const pv_index_raw *r = &s->raw;
    uint64_t d, off = 0, end = UINT64_MAX;
    for (d = 0; d < s->info.documents; d++) {
        uint32_t l = pv_load32(r->docs + d * PV_DOC_ENTRY + PV_DOC_LOCATOR);
        if (l < end)
            end = l;
    }
    if (end > r->strs_size)
        end = r->strs_size;
    s->loc_start = end;
    while (off < end) {
        const char *str = (const char *)r->strs + off;
        off += strlen(str) + 1;
        intern(m, str);
    }
}

/* The output's tables, before anything is written: strings, authors, sources, origins,
 * documents and blob ids of every input under their new ids. */
static int prepare(merger *m, int drop, pv_err *err)
{
    size_t i, cap_d = 0, cap_o = 0, cap_s = 0, cap_b = 0;
    uint64_t d, o, a;
    int rc;
    m->pool.limit = (size_t)UINT32_MAX;
    if (pv_buf__append(&m->pool, "", 1) ||
        pv_array__grow((void **)&m->str_off, &m->str_cap, 1, sizeof *m->str_off))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    m->str_off[m->nstr++] = 0;
    if (pv_idtab__add(&m->strtab, pv_hash64("", 0, 0), 0))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    m->exact = 1;
    for (i = 0; i < m->n; i++) {
        const pv_tombs *tb = drop ? pv_index__tombs(m->in[i].ix) : NULL;
        if (tb && (tb->doc_gone || tb->shown))
            m->exact = 0;
    }
    for (i = 0; i < m->n; i++) {
        mseg *s = &m->in[i];
        const pv_index_raw *r = &s->raw;
        const pv_tombs *tb = drop ? pv_index__tombs(s->ix) : NULL;
        s->doc_new = malloc((s->info.documents + 1) * sizeof *s->doc_new);
        s->auth_new = malloc((s->info.authors + 1) * sizeof *s->auth_new);
        s->orig_new = malloc((s->info.origins + 1) * sizeof *s->orig_new);
        if (!s->doc_new || !s->auth_new || !s->orig_new)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        if ((rc = scan_documents(s, tb, err)) != 0)
            return rc;
        if (m->exact) {
            walk_pool(m, s);
            s->loc_base = m->loc_bytes;
            m->loc_bytes += s->raw.strs_size - s->loc_start;
        }
        /* authors in their order, those no origin kept names left out */
        for (a = 0; a < s->info.authors; a++)
            s->auth_new[a] = PV_NONE;
        for (o = 0; o < s->info.origins; o++) {
            uint32_t au = pv_load32(r->orig + o * PV_ORIG_ENTRY + PV_ORIG_AUTHOR);
            if (s->orig_new[o] != PV_NONE && au != PV_NONE)
                s->auth_new[au] = 0;
        }
        for (a = 0; a < s->info.authors; a++) {
            const unsigned char *e = r->auth + a * PV_AUTH_ENTRY;
            uint32_t key[3];
            if (s->auth_new[a] == PV_NONE)
                continue;
            key[0] = intern(m, str_of(r, pv_load32(e + PV_AUTH_NAME)));
            key[1] = intern(m, str_of(r, pv_load32(e + PV_AUTH_EMAIL)));
            key[2] = intern(m, str_of(r, pv_load32(e + PV_AUTH_ID)));
            s->auth_new[a] = author_of(m, key);
        }
        if (m->oom || pv_array__grow((void **)&m->auth_uses, &m->uses_cap, m->nauths + 1,
                                     sizeof *m->auth_uses))
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        for (a = m->nuses; a < m->nauths; a++)
            m->auth_uses[a] = 0;
        m->nuses = m->nauths;
        /* the vote of each author: the origins naming it (a chain names a person once) */
        for (o = 0; o < s->info.origins; o++) {
            uint32_t au = pv_load32(r->orig + o * PV_ORIG_ENTRY + PV_ORIG_AUTHOR);
            if (s->orig_new[o] != PV_NONE && au != PV_NONE &&
                m->auth_uses[s->auth_new[au]] < UINT32_MAX)
                m->auth_uses[s->auth_new[au]]++;
        }
    }
    if ((rc = merge_persons(m, err)) != 0)
        return rc;
    for (i = 0; i < m->n; i++) {
        mseg *s = &m->in[i];
        const pv_index_raw *r = &s->raw;
        s->src_base = (uint32_t)m->nsrcs;
        if (m->norigs + s->info.origins >= 0x7FFFFFFFu || m->ndocs + s->info.documents >= PV_NONE)
            return pv_err__set(err, PV_ELIMIT, "too many documents or origins to merge");
        if (pv_array__grow((void **)&m->srcs, &cap_s, 2 * (m->nsrcs + s->info.sources),
                           sizeof *m->srcs))
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        for (a = 0; a < s->info.sources; a++, m->nsrcs++) {
            const unsigned char *e = r->srcs + a * PV_SRC_ENTRY;
            m->srcs[2 * m->nsrcs] = intern(m, str_of(r, pv_load32(e + PV_SRC_NAME)));
            m->srcs[2 * m->nsrcs + 1] = intern(m, str_of(r, pv_load32(e + PV_SRC_KIND)));
        }
        if ((rc = assign_origins(m, i, &cap_o)) != 0)
            return pv_err__set(err, rc, "out of memory");
        if (s->ncuts && m->nobody == PV_NONE) {
            if (pv_array__grow((void **)&m->origs, &cap_o, m->norigs + 1, sizeof *m->origs))
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            m->origs[m->norigs].author = m->origs[m->norigs].commit = PV_NONE;
            m->origs[m->norigs].next = PV_NONE;
            m->origs[m->norigs].flags = 0;
            m->origs[m->norigs].date = PV_DATE_UNKNOWN;
            m->nobody = (uint32_t)m->norigs++;
        }
        m->tokens += s->info.tokens;
        m->bytes += s->info.input_bytes;
        for (d = 0; d < s->info.documents; d++) {
            const unsigned char *e = r->docs + d * PV_DOC_ENTRY;
            pv_seg_doc *nd;
            if (doc_dropped(s, d)) {
                s->doc_new[d] = PV_NONE;
                m->tokens -= pv_load32(e + PV_DOC_NTOKENS);
                m->bytes -= pv_load64(e + PV_DOC_BYTES);
                continue;
            }
            if (pv_array__grow((void **)&m->docs, &cap_d, m->ndocs + 1, sizeof *m->docs) ||
                !(m->doc_in = realloc(m->doc_in, cap_d * sizeof *m->doc_in)) ||
                !(m->doc_old = realloc(m->doc_old, cap_d * sizeof *m->doc_old)) ||
                !(m->dates = realloc(m->dates, cap_d * sizeof *m->dates)))
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            s->doc_new[d] = (uint32_t)m->ndocs;
            m->doc_in[m->ndocs] = (uint32_t)i;
            m->doc_old[m->ndocs] = (uint32_t)d;
            nd = &m->docs[m->ndocs++];
            nd->source = pv_load32(e + PV_DOC_SOURCE) + s->src_base;
            nd->kind = intern(m, str_of(r, pv_load32(e + PV_DOC_KIND)));
            if (m->exact) {
                if (!(m->loc_rel = realloc(m->loc_rel, cap_d * sizeof *m->loc_rel)))
                    return pv_err__set(err, PV_ENOMEM, "out of memory");
                m->loc_rel[m->ndocs - 1] =
                    (uint32_t)(s->loc_base + pv_load32(e + PV_DOC_LOCATOR) - s->loc_start);
                nd->locator = 0;
            } else {
                nd->locator = intern(m, str_of(r, pv_load32(e + PV_DOC_LOCATOR)));
            }
            nd->commit = intern(m, str_of(r, pv_load32(e + PV_DOC_COMMIT)));
            nd->license = intern(m, str_of(r, pv_load32(e + PV_DOC_LICENSE)));
            nd->origin = s->orig_new[pv_load32(e + PV_DOC_ORIGIN)];
            nd->date = (int64_t)pv_load64(e + PV_DOC_DATE);
            nd->lines_off = pv_load64(e + PV_DOC_LINES_OFF);
            nd->lines_size = pv_load32(e + PV_DOC_LINES_SIZE);
            nd->lines_raw = pv_load32(e + PV_DOC_LINES_RAW);
            nd->nlines = pv_load32(e + PV_DOC_NLINES);
            nd->ntokens = pv_load32(e + PV_DOC_NTOKENS);
            nd->bytes = pv_load64(e + PV_DOC_BYTES);
            m->dates[m->ndocs - 1] = nd->date;
        }
        for (a = 0; a < r->nblob; a++) {
            const unsigned char *e = r->blob + a * PV_BLOB_ENTRY;
            uint32_t old = pv_load32(e + PV_BLOB_DOC), doc = s->doc_new[old];
            /* a version holding text cut from the document is no exact copy of what is left */
            if (doc == PV_NONE || (s->cut_at && s->cut_at[old] != s->cut_at[old + 1]))
                continue;
            if (pv_array__grow((void **)&m->blobs, &cap_b, m->nblobs + 1, sizeof *m->blobs))
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            memcpy(m->blobs[m->nblobs].id, e + PV_BLOB_ID, PV_BLOB_ID_LEN);
            m->blobs[m->nblobs++].doc = doc;
        }
        if (m->oom)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
    }
    return 0;
}

static int put_authors(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const merger *m = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < m->nauths; i++)
        pv_seg__put_author(sw, m->auths[3 * i], m->auths[3 * i + 1], m->auths[3 * i + 2]);
    return 0;
}

static int put_sources(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const merger *m = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < m->nsrcs; i++)
        pv_seg__put_source(sw, m->srcs[2 * i], m->srcs[2 * i + 1]);
    return 0;
}

static int put_origins(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const merger *m = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < m->norigs; i++)
        pv_seg__put_origin(sw, &m->origs[i]);
    return 0;
}

/* Appends the authorship run (tok, origin) to runs (format.h, LINE: the token delta from the
 * run before, *prev, and the origin); *last is the origin, *n counts the runs. */
static int put_run(pv_buf *runs, uint32_t tok, uint32_t origin, uint32_t *prev, uint32_t *last,
                   uint32_t *n)
{
    unsigned char tmp[24];
    size_t k = pv_varint_put(tmp, tok - *prev);
    k += pv_varint_put(tmp + k, origin);
    *prev = tok;
    *last = origin;
    (*n)++;
    return pv_buf__append(runs, tmp, k);
}

/* A line table whose authorship runs name origins moved by the merge: its first part encoded
 * again with the output's origins (format.h, LINE; compressed at level 1 when that is
 * smaller, as the build's workers do), its token checks as they were. With a removed author
 * (s->shown), the runs of text only removed authors wrote name m->nobody (credited to no
 * person), a document's origin that is theirs gives way to its first run that is not (the cut
 * text before that run becoming a run of m->nobody), a run that repeats the origin before it
 * is left out, and the checks of their tokens, and of the lines that start at one or right
 * after one, are zeroed: the index keeps nothing of that text, and a query holding it agrees
 * there only by chance, as with any other text. */
static int reencode_lines(merger *m, mseg *s, uint32_t old, pv_seg_doc *nd, pv_seg_writer *sw,
                          pv_err *err)
{
    pv_line_table lt;
    pv_buf b = PV_BUF_INIT((size_t)UINT32_MAX), runs = PV_BUF_INIT((size_t)UINT32_MAX);
    unsigned char tmp[24], *cut_checks = NULL;
    void *z = NULL;
    size_t zcap = 0;
    uint32_t nchecks = (uint32_t)(((uint64_t)nd->ntokens + 1) / 2), l, r, prev = 0, nruns = 0;
    uint32_t doc_org = pv_load32(s->raw.docs + (uint64_t)old * PV_DOC_ENTRY + PV_DOC_ORIGIN);
    uint32_t org = s->orig_new[doc_org], last;
    int cut = s->cut_at && s->cut_at[old] != s->cut_at[old + 1];
    const unsigned char *checks;
    size_t head, outsz;
    const void *out;
    int rc;
    if ((rc = pv_index__lines(s->cur, old, &lt, err)) != 0)
        return rc;
    checks = lt.checks;
    if (lt.nruns == 0) {
        pv_index__lines_free(&lt);
        nd->lines_off = pv_seg__put_shared(sw, s->raw.line + nd->lines_off, nd->lines_size);
        return 0;
    }
    /* the document's origin, or when it is cut its first run that is not; then the runs, the
       cut text before that run one of its own */
    last = org;
    if (org == PV_NONE && lt.run_tok[0] > 0)
        rc = put_run(&runs, 0, m->nobody, &prev, &last, &nruns);
    for (r = 0; org == PV_NONE && r < lt.nruns; r++)
        org = s->orig_new[lt.run_origin[r]];
    nd->origin = org;
    if (last == PV_NONE)
        last = org;
    for (r = 0; r < lt.nruns && rc == 0; r++) {
        uint32_t o = s->orig_new[lt.run_origin[r]];
        if (o == PV_NONE)
            o = m->nobody; /* PV_NONE still: a run without tokens, left out */
        if (o != PV_NONE && (!s->shown || o != last))
            rc = put_run(&runs, lt.run_tok[r], o, &prev, &last, &nruns);
    }
    if (cut) {
        if (!(cut_checks = malloc(nchecks ? nchecks : 1))) {
            rc = PV_ENOMEM;
            goto done;
        }
        memcpy(cut_checks, checks, nchecks);
        for (r = s->cut_at[old]; r < s->cut_at[old + 1]; r++) {
            uint32_t t;
            for (t = s->cuts[2 * (size_t)r]; t < s->cuts[2 * (size_t)r + 1]; t++)
                cut_checks[t >> 1] &= (unsigned char)(t & 1 ? 0x0F : 0xF0);
        }
        checks = cut_checks;
    }
    for (l = 0; l < lt.nlines && rc == 0; l++) {
        uint32_t t = lt.line_tok[l], n = lt.line_tok[l + 1] - t;
        uint64_t v = (uint64_t)n << PV_LINE_CHECK_BITS;
        if (!(cut && n && cut_overlaps(s, old, t ? t - 1 : 0, t + 1)))
            v |= lt.line_check[l];
        rc = pv_buf__append(&b, tmp, pv_varint_put(tmp, v));
    }
    if (rc == 0)
        rc = pv_buf__append(&b, tmp, pv_varint_put(tmp, nruns));
    if (rc == 0 && runs.len)
        rc = pv_buf__append(&b, runs.data, runs.len);
    head = b.len;
    out = b.data;
    outsz = head;
    if (rc == 0)
        rc = pv_seg__pack_lines_head(m->cctx, b.data, head, &z, &zcap, &out, &outsz);
    if (rc == 0 && (rc = pv_buf__append(&b, checks, nchecks)) == 0) {
        /* the token checks follow the first part, stored or compressed (b may have moved) */
        if (out != z) {
            nd->lines_off = pv_seg__put_shared(sw, b.data, head + nchecks);
            nd->lines_size = (uint32_t)(head + nchecks);
        } else {
            unsigned char *all = malloc(outsz + nchecks);
            if (!all) {
                rc = PV_ENOMEM;
            } else {
                memcpy(all, out, outsz);
                memcpy(all + outsz, checks, nchecks);
                nd->lines_off = pv_seg__put_shared(sw, all, outsz + nchecks);
                nd->lines_size = (uint32_t)(outsz + nchecks);
                free(all);
            }
        }
        nd->lines_raw = (uint32_t)(head + nchecks);
    }
done:
    pv_index__lines_free(&lt);
    free(cut_checks);
    free(z);
    pv_buf__free(&b);
    pv_buf__free(&runs);
    return rc ? pv_err__set(err, rc, "out of memory") : 0;
}

static int put_lines(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    merger *m = ctx;
    size_t i;
    int rc;
    for (i = 0; i < m->ndocs && !pv_seg__failed(sw); i++) {
        mseg *s = &m->in[m->doc_in[i]];
        pv_seg_doc *nd = &m->docs[i];
        if (!s->remap)
            nd->lines_off = pv_seg__put_shared(sw, s->raw.line + nd->lines_off, nd->lines_size);
        else if ((rc = reencode_lines(m, s, m->doc_old[i], nd, sw, err)) != 0)
            return rc;
    }
    return 0;
}

static int put_docs(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const merger *m = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < m->ndocs; i++) {
        if (m->exact)
            m->docs[i].locator = (uint32_t)(m->pool.len + m->loc_rel[i]);
        pv_seg__put_doc(sw, &m->docs[i]);
    }
    return 0;
}

static int put_strings(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const merger *m = ctx;
    size_t i;
    (void)err;
    pv_seg__put_bytes(sw, m->pool.data, m->pool.len);
    for (i = 0; m->exact && i < m->n; i++) {
        const mseg *s = &m->in[i];
        pv_seg__put_bytes(sw, s->raw.strs + s->loc_start, s->raw.strs_size - s->loc_start);
    }
    return 0;
}

/* Moves input s to its next posting; 0 at the end, 1 when there is one, or a pv_error. */
static int advance(mseg *s, pv_err *err)
{
    int rc;
    if (s->at < s->count)
        s->at++;
    while (s->at >= s->count) {
        if (s->block + 1 >= s->info.blocks)
            return 0;
        s->block++;
        if ((rc = pv_index__block(s->cur, s->block, &s->fp, &s->post, &s->count, err)) != 0)
            return rc;
        s->at = 0;
    }
    return 1;
}

/* PSTG: the inputs' postings merged by fingerprint, documents renumbered, removed ones
 * dropped, capped as a build caps them (pv_seg__keep_earliest). */
static int put_postings(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    merger *m = ctx;
    uint32_t cap = m->in[0].info.posting_cap;
    size_t i;
    int rc;
    for (i = 0; i < m->n; i++) {
        mseg *s = &m->in[i];
        s->block = UINT64_MAX;
        s->count = s->at = 0;
        if ((rc = advance(s, err)) < 0)
            return rc;
        if (rc == 0)
            s->at = s->count = 1, s->fp = NULL; /* empty */
    }
    for (;;) {
        uint64_t fp = UINT64_MAX;
        size_t gn = 0;
        for (i = 0; i < m->n; i++)
            if (m->in[i].fp && m->in[i].fp[m->in[i].at] < fp)
                fp = m->in[i].fp[m->in[i].at];
        if (fp == UINT64_MAX)
            return 0;
        for (i = 0; i < m->n; i++) {
            mseg *s = &m->in[i];
            while (s->fp && s->fp[s->at] == fp) {
                uint32_t doc = s->doc_new[s->post[s->at].doc], pos = s->post[s->at].pos;
                /* a k-gram holding a token cut from its document is text a removed author
                   wrote: a build without that text never makes it */
                if (doc != PV_NONE && !cut_overlaps(s, s->post[s->at].doc, pos, pos + m->k)) {
                    if (pv_array__grow((void **)&m->g, &m->gcap, gn + 1, sizeof *m->g))
                        return pv_err__set(err, PV_ENOMEM, "out of memory");
                    m->g[gn].fp = fp;
                    m->g[gn].doc = doc;
                    m->g[gn++].pos = pos;
                }
                if ((rc = advance(s, err)) < 0)
                    return rc;
                if (rc == 0)
                    s->fp = NULL;
            }
        }
        if (gn > cap && (gn = pv_seg__keep_earliest(m->g, gn, cap, m->dates)) == 0)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        if (gn && (rc = pv_seg__put_postings(sw, m->g, gn, err)) != 0)
            return rc;
        if (pv_seg__failed(sw))
            return 0;
    }
}

/* Merges the open indexes in[0, n) (same parameters) into one segment written to out_path
 * through tmp_path; with drop, the documents their tombstones remove are left out. */
static int merge_write(pv_index *const *in, size_t n, int drop, const char *out_path,
                       const char *tmp_path, pv_seg_result *res, pv_err *err)
{
    merger m;
    pv_seg_content c;
    size_t i;
    int rc = 0;
    int64_t created = INT64_MIN;

    memset(&m, 0, sizeof m);
    if (!(m.in = calloc(n, sizeof *m.in)) || !(m.cctx = ZSTD_createCCtx())) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    m.n = n;
    for (i = 0; i < n; i++) {
        mseg *s = &m.in[i];
        s->ix = in[i];
        pv_index__raw(in[i], &s->raw);
        pv_index_get_info(in[i], &s->info);
        if (s->info.k != m.in[0].info.k || s->info.w != m.in[0].info.w ||
            s->info.seed != m.in[0].info.seed || s->info.posting_cap != m.in[0].info.posting_cap ||
            s->info.norm_version != m.in[0].info.norm_version) {
            rc = pv_err__set(err, PV_EINVAL,
                             "segment '%s' was built with other parameters (k, w, seed, posting "
                             "cap) than '%s': segments of one index share them",
                             pv_index__path(in[i]), pv_index__path(in[0]));
            goto done;
        }
        if (s->info.created > created)
            created = s->info.created;
        if ((rc = pv_index__cursor_new(in[i], &s->cur, err)) != 0)
            goto done;
    }
    m.k = m.in[0].info.k;
    m.nobody = PV_NONE;
    if ((rc = prepare(&m, drop, err)) != 0)
        goto done;
    memset(&c, 0, sizeof c);
    c.k = m.in[0].info.k;
    c.w = m.in[0].info.w;
    c.posting_cap = m.in[0].info.posting_cap;
    c.seed = m.in[0].info.seed;
    c.ctx = &m;
    c.postings = put_postings;
    c.authors = put_authors;
    c.sources = put_sources;
    c.origins = put_origins;
    c.lines = put_lines;
    c.docs = put_docs;
    c.strings = put_strings;
    c.blobs = m.blobs;
    c.nblobs = m.nblobs;
    c.tokens = m.tokens;
    c.input_bytes = m.bytes;
    c.created = created;
    rc = pv_seg__write(out_path, tmp_path, &c, res, err);
done:
    for (i = 0; m.in && i < n; i++) {
        free(m.in[i].doc_new);
        free(m.in[i].auth_new);
        free(m.in[i].orig_new);
        free(m.in[i].next_eff);
        free(m.in[i].gone);
        free(m.in[i].cut_at);
        free(m.in[i].cuts);
        pv_index__cursor_free(m.in[i].cur);
    }
    free(m.in);
    pv_buf__free(&m.pool);
    pv_idtab__free(&m.strtab);
    pv_idtab__free(&m.authtab);
    free(m.str_off);
    free(m.loc_rel);
    free(m.group_in);
    pv_idtab__free(&m.grouptab);
    free(m.auths);
    free(m.auth_uses);
    free(m.srcs);
    free(m.origs);
    free(m.docs);
    free(m.doc_in);
    free(m.doc_old);
    free(m.dates);
    free(m.blobs);
    free(m.g);
    ZSTD_freeCCtx(m.cctx);
    return rc;
}

/* ---- opening a folder ---- */

/* Opens the segments the manifest lists, each checked against it. */
static int open_segments(const char *dir, const pv_segment_info *v, size_t n, pv_index **ixs,
                         pv_err *err)
{
    size_t i;
    int rc;
    for (i = 0; i < n; i++) {
        char *p = join(dir, v[i].name);
        pv_index_raw raw;
        pv_index_info info;
        if (!p)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        rc = pv_index__open_file(&ixs[i], p, err);
        if (rc == 0) {
            pv_index__raw(ixs[i], &raw);
            pv_index_get_info(ixs[i], &info);
            if (raw.header_checksum != v[i].checksum || info.file_bytes != v[i].bytes)
                rc = pv_err__set(err, PV_ECORRUPT,
                                 "corrupt index '%s': segment '%s' is not the one its manifest "
                                 "lists (size or checksum differs)",
                                 dir, p);
            else
                ((pv_segment_info *)v)[i].documents = info.documents;
        }
        free(p);
        if (rc)
            return rc;
    }
    return 0;
}

static void close_segments(pv_index **ixs, size_t n)
{
    size_t i;
    for (i = 0; ixs && i < n; i++)
        pv_index_free(ixs[i]);
    free(ixs);
}

/* The view of a folder of several segments: all of them merged into one index. It is kept
 * as DIR/.view-SUM.pvx (SUM: the manifest's checksum, which names every segment), made by the
 * first reader of that manifest and opened by the next ones; a folder that is not writable
 * gets a temporary one in $TMPDIR (or /tmp), mapped then unlinked. */
static int open_view(const char *dir, uint64_t sum, pv_index **ixs, size_t n, pv_index **view,
                     pv_err *err)
{
    char out[PV_OUT_PATH_MAX + 64], tmp[PV_OUT_PATH_MAX + 96];
    pv_index_info info;
    pv_seg_result res;
    uint64_t docs = 0;
    size_t i;
    int rc, keep = access(dir, W_OK) == 0;
    const char *tdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    for (i = 0; i < n; i++) {
        pv_index_get_info(ixs[i], &info);
        docs += info.documents;
    }
    snprintf(out, sizeof out, "%s/.view-%016" PRIx64 ".pvx", dir, sum);
    if (keep && pv_index__open_file(view, out, NULL) == 0) {
        pv_index_get_info(*view, &info);
        if (info.documents == docs)
            return 0;
        pv_index_free(*view); /* not the view of these segments: made again */
        *view = NULL;
    }
    if (!keep)
        snprintf(out, sizeof out, "%s/provscan-view.%ld.pvx", tdir, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    rc = merge_write(ixs, n, 0, out, tmp, &res, err);
    if (rc == 0)
        rc = pv_index__open_file(view, out, err);
    if (!keep)
        unlink(out); /* mapped: it lives until the index is freed */
    return rc;
}

/* Removes the views of dir (.view-*.pvx): after its manifest changed they are stale. */
static void remove_views(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, ".view-", 6) == 0 && !strstr(e->d_name, ".tmp.")) {
            char *p = join(dir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    closedir(d);
}

int pv_index__open_dir(pv_index **out, const char *path, pv_err *err)
{
    pv_segment_info *segs = NULL;
    pv_index **ixs = NULL, *view = NULL;
    size_t n = 0;
    uint64_t gen = 0, sum = 0;
    int rc, attempt;

    *out = NULL;
    /* a merge may remove the segments of the manifest just read: read it again then */
    for (attempt = 0; attempt < 3; attempt++) {
        if ((rc = manifest_read(path, &segs, &n, &gen, &sum, err)) != 0)
            return rc;
        if (!(ixs = calloc(n, sizeof *ixs))) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        rc = open_segments(path, segs, n, ixs, err);
        if (rc != PV_EIO)
            break;
        close_segments(ixs, n);
        pv_index__segments_free(segs, n);
        ixs = NULL;
        segs = NULL;
        n = 0;
    }
    if (rc)
        goto done;
    if (n == 1) {
        view = ixs[0];
        ixs[0] = NULL;
    } else if ((rc = open_view(path, sum, ixs, n, &view, err)) != 0) {
        goto done;
    }
    if ((rc = pv_index__set_segments(view, path, segs, n)) != 0) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    segs = NULL;
    *out = view;
    view = NULL;
done:
    close_segments(ixs, n);
    pv_index__segments_free(segs, n);
    pv_index_free(view);
    return rc;
}

/* ---- index --add ---- */

/* Locks the folder dir (the lock `remove` takes too); returns the descriptor or -1. */
static int lock_dir(const char *dir, pv_err *err)
{
    int fd = open(dir, O_RDONLY);
    if (fd < 0) {
        pv_err__set(err, PV_EIO, "cannot open index '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX) < 0) {
        pv_err__set(err, PV_EIO, "cannot lock index '%s': %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void segment_name(char *out, size_t n, uint64_t gen)
{
    snprintf(out, n, "seg-%06" PRIu64 ".pvx", gen);
}

/* The segment entry of the index file at path, under name. */
static int describe(const char *path, const char *name, pv_segment_info *out, pv_err *err)
{
    pv_index *ix = NULL;
    pv_index_raw raw;
    pv_index_info info;
    int rc = pv_index__open_file(&ix, path, err);
    if (rc)
        return rc;
    pv_index__raw(ix, &raw);
    pv_index_get_info(ix, &info);
    out->bytes = info.file_bytes;
    out->checksum = raw.header_checksum;
    out->documents = info.documents;
    out->name = strdup(name);
    pv_index_free(ix);
    return out->name ? 0 : pv_err__set(err, PV_ENOMEM, "out of memory");
}

/* Removes what a conversion of path killed on the way left: PATH.seg.tmp.PID of a process
 * that is gone, a folder before the swap (the file is untouched then) or, after it, the old
 * file's second name. */
static void clean_conversions(const char *path)
{
    char dir[PV_OUT_PATH_MAX + 8], prefix[PV_OUT_PATH_MAX + 16];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    DIR *d;
    struct dirent *e;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + (slash == path)), path);
    else
        snprintf(dir, sizeof dir, ".");
    snprintf(prefix, sizeof prefix, "%s.seg.tmp.", base);
    if (!(d = opendir(dir)))
        return;
    while ((e = readdir(d)) != NULL) {
        char *p;
        long pid;
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        pid = atol(e->d_name + strlen(prefix));
        if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH || !(p = join(dir, e->d_name)))
            continue;
        if (unlink(p) != 0) { /* a folder: the few files a conversion puts in it */
            static const char *const names[] = {"seg-000001.pvx", PV_SEG_MANIFEST, PV_SEG_TOMB};
            size_t i;
            for (i = 0; i < sizeof names / sizeof *names; i++) {
                char *f = join(p, names[i]);
                if (f)
                    unlink(f);
                free(f);
            }
            rmdir(p);
        }
        free(p);
    }
    closedir(d);
}

/* Turns the one-file index path into a folder whose first segment is that file: the folder
 * is made under a temporary name (the file linked in, its manifest, its tombstones) and
 * swapped with the file in one rename, so a crash leaves the file or the folder. */
static int make_dir(const char *path, pv_err *err)
{
    char tmpdir[PV_OUT_PATH_MAX + 64], name[64], *seg = NULL, *tomb = NULL;
    pv_segment_info info = {NULL, 0, 0, 0};
    pv_index *ix = NULL;
    const pv_tombstone *tv;
    size_t nt;
    int rc;

    if (strlen(path) > PV_OUT_PATH_MAX)
        return pv_err__set(err, PV_EINVAL, "index path too long");
    clean_conversions(path);
    snprintf(tmpdir, sizeof tmpdir, "%s.seg.tmp.%ld", path, (long)getpid());
    segment_name(name, sizeof name, 1);
    if (mkdir(tmpdir, 0755) < 0)
        return pv_err__set(err, PV_EIO, "cannot create '%s': %s", tmpdir, strerror(errno));
    if (!(seg = join(tmpdir, name)) || !(tomb = join(tmpdir, PV_SEG_TOMB))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if (link(path, seg) < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot link '%s' into '%s': %s", path, tmpdir,
                         strerror(errno));
        goto done;
    }
    /* the file's tombstones (bound to the file) become the folder's */
    if ((rc = pv_index_open(&ix, path, err)) != 0 || (rc = describe(seg, name, &info, err)) != 0)
        goto done;
    pv_index_tombstones(ix, &tv, &nt);
    if (nt && (rc = pv_index__tombs_write(tomb, tv, nt, 0, 0, err)) != 0)
        goto done;
    if ((rc = manifest_write(tmpdir, &info, 1, 1, err)) != 0)
        goto done;
    if (renameat2(AT_FDCWD, tmpdir, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
        rc = pv_err__set(err, PV_EIO, "cannot turn index '%s' into a folder of segments: %s", path,
                         strerror(errno));
        goto done;
    }
    /* tmpdir now names the old file, a second link to the first segment */
    unlink(tmpdir);
    {
        char old_tomb[PV_OUT_PATH_MAX + 16];
        snprintf(old_tomb, sizeof old_tomb, "%s%s", path, PV_TOMB_SUFFIX);
        unlink(old_tomb);
    }
    rc = 0;
    tmpdir[0] = 0;
done:
    pv_index_free(ix);
    free(info.name);
    if (tmpdir[0]) { /* failed before the swap: the file is untouched */
        if (seg)
            unlink(seg);
        if (tomb)
            unlink(tomb);
        char mpath[PV_OUT_PATH_MAX + 96];
        snprintf(mpath, sizeof mpath, "%s/%s", tmpdir, PV_SEG_MANIFEST);
        unlink(mpath);
        rmdir(tmpdir);
    }
    free(seg);
    free(tomb);
    return rc;
}

void pv_index__add_end(pv_seg_add *a)
{
    if (a->seg_path && !a->committed)
        unlink(a->seg_path);
    pv_index__segments_free(a->segs, a->nsegs);
    free(a->seg_path);
    free(a->dir);
    if (a->lock_fd >= 0)
        close(a->lock_fd);
    memset(a, 0, sizeof *a);
    a->lock_fd = -1;
}

int pv_index__add_begin(const char *path, pv_seg_add *a, pv_err *err)
{
    pv_index *first = NULL;
    pv_index_info info;
    char name[64], *fpath = NULL;
    struct stat st;
    int rc;

    memset(a, 0, sizeof *a);
    a->lock_fd = -1;
    if (stat(path, &st) < 0)
        return pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return pv_err__set(err, PV_EIO, "cannot open index '%s': not a regular file", path);
    if (S_ISREG(st.st_mode) && (rc = make_dir(path, err)) != 0)
        return rc;
    if (!(a->dir = strdup(path)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if ((a->lock_fd = lock_dir(path, err)) < 0)
        return PV_EIO;
    if ((rc = manifest_read(path, &a->segs, &a->nsegs, &a->gen, NULL, err)) != 0)
        return rc;
    if (!(fpath = join(path, a->segs[0].name)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    /* the new segment is built with the index's parameters */
    rc = pv_index__open_file(&first, fpath, err);
    free(fpath);
    if (rc)
        return rc;
    pv_index_get_info(first, &info);
    pv_index_free(first);
    a->k = info.k;
    a->w = info.w;
    a->seed = info.seed;
    a->posting_cap = info.posting_cap;
    segment_name(name, sizeof name, a->gen + 1);
    if (!(a->seg_path = join(path, name)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    return 0;
}

int pv_index__add_commit(pv_seg_add *a, pv_err *err)
{
    pv_segment_info *nv = realloc(a->segs, (a->nsegs + 1) * sizeof *a->segs);
    const char *name = strrchr(a->seg_path, '/') + 1;
    int rc;
    if (!nv)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    a->segs = nv;
    if ((rc = describe(a->seg_path, name, &a->segs[a->nsegs], err)) != 0)
        return rc;
    a->nsegs++;
    if ((rc = manifest_write(a->dir, a->segs, a->nsegs, a->gen + 1, err)) != 0)
        return rc;
    a->committed = 1;
    remove_views(a->dir);
    return 0;
}

/* ---- merge ---- */

/* Removes the files of dir that its manifest (v[0, n)) does not list: old segments, views,
 * and the temporary files of processes that are gone. */
static void clean_dir(const char *dir, const pv_segment_info *v, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t i;
        const char *dot;
        int listed = 0;
        if (strncmp(e->d_name, "seg-", 4) != 0 && strncmp(e->d_name, ".view-", 6) != 0)
            continue;
        for (i = 0; i < n && !listed; i++)
            listed = strcmp(v[i].name, e->d_name) == 0;
        /* SEG.tmp.PID and SEG.lock of a build still running are kept */
        dot = strstr(e->d_name, ".tmp.");
        if (!listed && dot && kill((pid_t)atol(dot + 5), 0) == 0)
            listed = 1;
        if (!listed && strstr(e->d_name, ".lock"))
            listed = 1;
        if (!listed) {
            char *p = join(dir, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    }
    closedir(d);
}

/* Removes the tombstone file tomb_path of an index whose merge dropped everything its
 * tombstones removed (documents, sources and authors): they would name nothing in it. */
static int drop_tombs(const char *tomb_path, pv_err *err)
{
    return unlink(tomb_path) < 0 && errno != ENOENT
               ? pv_err__set(err, PV_EIO, "cannot remove '%s': %s", tomb_path, strerror(errno))
               : 0;
}

int pv_index_merge(const char *path, const char *out_path, pv_index_info *result, pv_err *err)
{
    pv_index *ix = NULL, *done_ix = NULL;
    pv_segment_info *segs = NULL, entry = {NULL, 0, 0, 0};
    pv_seg_result res;
    pv_outfile of = PV_OUTFILE_INIT;
    size_t n = 0;
    uint64_t gen = 0;
    char name[64], *seg = NULL, *tomb = NULL, tmp[PV_OUT_PATH_MAX + 64];
    struct stat st;
    pv_err local;
    int rc, fd = -1, is_dir;

    if (!err)
        err = &local;
    if (stat(path, &st) < 0)
        return pv_err__set(err, PV_EIO, "cannot open index '%s': %s", path, strerror(errno));
    is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !out_path)
        return pv_err__set(err, PV_EINVAL,
                           "index '%s' is one file, already one segment: give -o OUT to write "
                           "it without its removed work",
                           path);
    if (is_dir && (fd = lock_dir(path, err)) < 0)
        return PV_EIO;
    /* OUT as a build writes it: a folder refused and OUT.lock taken before any work, so that
       two writers of OUT never replace each other's index */
    if (out_path && (rc = pv_index__out_begin(&of, out_path, NULL, NULL, err)) != 0)
        goto done;
    if ((rc = pv_index_open(&ix, path, err)) != 0)
        goto done;
    if (out_path) {
        char tp[PV_OUT_PATH_MAX + 16];
        if ((rc = merge_write(&ix, 1, 1, out_path, of.tmp_path, &res, err)) != 0 ||
            (rc = pv_index__open_file(&done_ix, out_path, err)) != 0)
            goto done;
        snprintf(tp, sizeof tp, "%s%s", out_path, PV_TOMB_SUFFIX);
        rc = drop_tombs(tp, err);
        goto done;
    }
    if ((rc = manifest_read(path, &segs, &n, &gen, NULL, err)) != 0)
        goto done;
    segment_name(name, sizeof name, gen + 1);
    if (!(seg = join(path, name)) || !(tomb = join(path, PV_SEG_TOMB))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", seg, (long)getpid());
    if ((rc = merge_write(&ix, 1, 1, seg, tmp, &res, err)) != 0 ||
        (rc = describe(seg, name, &entry, err)) != 0 ||
        (rc = manifest_write(path, &entry, 1, gen + 1, err)) != 0) {
        unlink(seg);
        goto done;
    }
    /* from here the folder is the merged segment; left-over tombstones of dropped work
       would match nothing in it */
    rc = drop_tombs(tomb, err);
    clean_dir(path, &entry, 1);
    remove_views(path);
    if (rc == 0)
        rc = pv_index__open_file(&done_ix, seg, err);
done:
    if (rc == 0 && result && done_ix) {
        pv_index_get_info(done_ix, result);
        result->chunks = NULL; /* they go with done_ix */
        result->nchunks = 0;
    }
    pv_index_free(done_ix);
    pv_index_free(ix);
    pv_index__segments_free(segs, n);
    free(entry.name);
    free(seg);
    free(tomb);
    pv_index__out_end(&of);
    if (fd >= 0)
        close(fd);
    return rc;
}

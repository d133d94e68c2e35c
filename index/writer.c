/*
 * writer.c - builds an index file from sources in bounded memory on all cores.
 * Workers read, tokenize, fingerprint and winnow documents into per-thread posting buffers
 * that are radix-sorted and spilled as runs when full; the runs are merged into zstd
 * blocks; tables follow; the file is written under a temporary name and renamed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "common_int.h"
#include "format.h"
#include "scanner_int.h"

/* One posting while building: top 48 bits of the fingerprint, document, position. */
typedef struct rec {
    uint64_t fp;
    uint32_t doc;
    uint32_t pos;
} rec;

typedef struct docmeta {
    size_t list, entry; /* which file list, which entry */
    int64_t date;
    uint64_t bytes;
    uint64_t lines_off; /* in the worker's line spill file */
    uint32_t lines_size, lines_raw, nlines, ntokens;
    uint32_t worker;
    uint32_t new_id;
    int status;    /* 0 pending, 1 indexed, 2 skipped */
    char *license; /* owned */
} docmeta;

typedef struct run {
    FILE *f;  /* spilled run (unlinked temp file), or NULL for an in-memory run */
    rec *mem; /* in-memory run */
    uint64_t n, next;
    rec *buf; /* read buffer for spilled runs */
    size_t buf_n, buf_pos, buf_cap;
} run;

typedef struct builder builder;

typedef struct worker {
    builder *b;
    unsigned id;
    rec *recs;
    size_t nrecs, cap_recs, max_recs;
    FILE *lines; /* spill file of line tables */
    uint64_t lines_off;
    pv_tokens tokens;
    uint64_t *fps;
    size_t fps_cap;
    uint32_t *sel;
    size_t sel_cap;
    pv_buf linebuf;
    void *zbuf;
    size_t zcap;
    ZSTD_CCtx *cctx;
    run *runs;
    size_t nruns, runs_cap;
    int rc;
    pv_err err;
} worker;

struct builder {
    const pv_build_opts *o;
    pv_build_stats st;
    pv_file_list *lists;
    size_t nlists;
    docmeta *docs;
    size_t ndocs;
    uint64_t total_bytes;
    atomic_size_t next;
    atomic_uint_fast64_t done_bytes, done_docs;
    atomic_int abort;
    pthread_mutex_t lock; /* serializes diag calls and stats updates */
    worker *workers;
    unsigned njobs;
    char tmpdir[PATH_MAX];
    double last_progress;
};

static void diag(builder *b, pv_severity sev, const char *fmt, ...) PV_PRINTF(3, 4);
static void diag(builder *b, pv_severity sev, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    if (!b->o->diag)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&b->lock);
    b->o->diag(b->o->ctx, sev, msg);
    pthread_mutex_unlock(&b->lock);
}

/* An unlinked temporary file in dir, opened for reading and writing. */
static FILE *temp_file(const char *dir, pv_err *err)
{
    char path[PATH_MAX + 32];
    int fd;
    FILE *f;
    snprintf(path, sizeof path, "%s/.provscan-tmp-XXXXXX", dir);
    fd = mkstemp(path);
    if (fd < 0) {
        pv_err__set(err, PV_EIO, "cannot create a temporary file in '%s': %s", dir,
                    strerror(errno));
        return NULL;
    }
    unlink(path);
    f = fdopen(fd, "w+b");
    if (!f) {
        close(fd);
        pv_err__set(err, PV_EIO, "cannot open a temporary file: %s", strerror(errno));
    }
    return f;
}

/* Stable LSD radix sort of n records by the 48-bit fingerprint, 16 bits a pass.
 * Stability keeps each worker's (document, position) order inside a fingerprint.
 * Returns 0 or PV_ENOMEM. */
static int radix_sort(rec *a, rec *tmp, size_t n)
{
    static const unsigned shifts[3] = {0, 16, 32};
    size_t *count = calloc(65536, sizeof *count);
    unsigned p;
    if (!count)
        return PV_ENOMEM;
    for (p = 0; p < 3; p++) {
        size_t i, sum = 0;
        unsigned sh = shifts[p];
        memset(count, 0, 65536 * sizeof *count);
        for (i = 0; i < n; i++)
            count[(a[i].fp >> sh) & 0xffff]++;
        if (count[(a[0].fp >> sh) & 0xffff] == n)
            continue; /* every key has the same digit: nothing to do */
        for (i = 0; i < 65536; i++) {
            size_t c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            tmp[count[(a[i].fp >> sh) & 0xffff]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
    free(count);
    return 0;
}

static int add_run(worker *w, run r)
{
    if (pv_array__grow((void **)&w->runs, &w->runs_cap, w->nruns + 1, sizeof *w->runs))
        return PV_ENOMEM;
    w->runs[w->nruns++] = r;
    return 0;
}

/* Sort the worker's buffer; spill it to a temporary file unless keep_in_memory. */
static int finish_run(worker *w, int keep_in_memory)
{
    rec *tmp;
    run r;
    if (w->nrecs == 0)
        return 0;
    tmp = malloc(w->nrecs * sizeof *tmp);
    if (!tmp || radix_sort(w->recs, tmp, w->nrecs) != 0) {
        free(tmp);
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory sorting %zu postings", w->nrecs);
    }
    free(tmp);
    memset(&r, 0, sizeof r);
    r.n = w->nrecs;
    if (keep_in_memory) {
        r.mem = w->recs;
        w->recs = NULL;
        w->cap_recs = 0;
    } else {
        r.f = temp_file(w->b->tmpdir, &w->err);
        if (!r.f)
            return w->err.code;
        if (fwrite(w->recs, sizeof(rec), w->nrecs, r.f) != w->nrecs || fflush(r.f) != 0) {
            fclose(r.f);
            return pv_err__set(&w->err, PV_EIO, "cannot write a sorted run in '%s': %s",
                               w->b->tmpdir, strerror(errno));
        }
        rewind(r.f);
        pthread_mutex_lock(&w->b->lock);
        w->b->st.runs++;
        pthread_mutex_unlock(&w->b->lock);
    }
    w->nrecs = 0;
    if (add_run(w, r)) {
        if (r.f)
            fclose(r.f);
        free(r.mem);
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    }
    return 0;
}

static int push_rec(worker *w, uint64_t fp, uint32_t doc, uint32_t pos)
{
    if (w->nrecs == w->cap_recs) {
        int rc;
        if (w->cap_recs >= w->max_recs) {
            if ((rc = finish_run(w, 0)) != 0)
                return rc;
        } else {
            size_t ncap = w->cap_recs ? w->cap_recs * 2 : 65536;
            rec *n;
            if (ncap > w->max_recs)
                ncap = w->max_recs;
            n = realloc(w->recs, ncap * sizeof *n);
            if (!n)
                return pv_err__set(&w->err, PV_ENOMEM, "out of memory for postings");
            w->recs = n;
            w->cap_recs = ncap;
        }
    }
    w->recs[w->nrecs].fp = fp;
    w->recs[w->nrecs].doc = doc;
    w->recs[w->nrecs].pos = pos;
    w->nrecs++;
    return 0;
}

/* Serialize a document's line table (token counts per line, then check bytes),
 * compress it when that helps, and append it to the worker's spill file. */
static int write_lines(worker *w, docmeta *dm, const char *text, size_t len)
{
    uint32_t *starts = NULL;
    size_t nlines = 0, l, t = 0;
    const pv_token *tok = w->tokens.v;
    size_t ntok = w->tokens.n;
    unsigned char *checks;
    size_t nchecks = 0, vmax;
    const void *out;
    size_t outsz;
    int rc;

    if ((rc = pv_scanner__line_starts(text, len, &starts, &nlines)) != 0)
        return pv_err__set(&w->err, rc, "out of memory");
    /* The varints (at most 5 bytes each: counts fit in 32 bits) go at the front of linebuf;
     * the checks are staged after the varints' largest possible end and moved down. */
    vmax = nlines * 5;
    w->linebuf.len = 0;
    if (pv_buf__reserve(&w->linebuf, vmax + 2 * nlines)) {
        free(starts);
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    }
    checks = (unsigned char *)w->linebuf.data + vmax;
    for (l = 0; l < nlines; l++) {
        uint64_t end = l + 1 < nlines ? starts[l + 1] : (uint64_t)len + 1;
        size_t first = t;
        while (t < ntok && tok[t].start < end)
            t++;
        w->linebuf.len +=
            pv_varint_put((unsigned char *)w->linebuf.data + w->linebuf.len, t - first);
        if (t > first) {
            uint16_t c = pv_scanner__line_hash(tok + first, t - first);
            checks[nchecks++] = (unsigned char)c;
            checks[nchecks++] = (unsigned char)(c >> 8);
        }
    }
    memmove(w->linebuf.data + w->linebuf.len, checks, nchecks);
    w->linebuf.len += nchecks;
    free(starts);

    out = w->linebuf.data;
    outsz = w->linebuf.len;
    if (outsz >= 64) {
        size_t bound = ZSTD_compressBound(outsz), z;
        if (bound > w->zcap) {
            void *nz = realloc(w->zbuf, bound);
            if (!nz)
                return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
            w->zbuf = nz;
            w->zcap = bound;
        }
        z = ZSTD_compressCCtx(w->cctx, w->zbuf, w->zcap, w->linebuf.data, outsz, 1);
        if (!ZSTD_isError(z) && z < outsz) {
            out = w->zbuf;
            outsz = z;
        }
    }
    if (nlines > UINT32_MAX || w->linebuf.len > UINT32_MAX)
        return pv_err__set(&w->err, PV_ELIMIT, "document too large");
    if (fwrite(out, 1, outsz, w->lines) != outsz)
        return pv_err__set(&w->err, PV_EIO, "cannot write line tables in '%s': %s", w->b->tmpdir,
                           strerror(errno));
    dm->lines_off = w->lines_off;
    dm->lines_size = (uint32_t)outsz;
    dm->lines_raw = (uint32_t)w->linebuf.len;
    dm->nlines = (uint32_t)nlines;
    w->lines_off += outsz;
    return 0;
}

static int index_document(worker *w, size_t id)
{
    builder *b = w->b;
    docmeta *dm = &b->docs[id];
    const pv_file_entry *e = &b->lists[dm->list].v[dm->entry];
    const pv_build_opts *o = b->o;
    char *text = NULL;
    size_t len = 0, nk, ns, i;
    char tag[256];
    pv_err lerr;
    int rc;

    rc = pv_files__load(e, &text, &len, &lerr);
    if (rc == PV_ESKIP) {
        dm->status = 2;
        pthread_mutex_lock(&b->lock);
        b->st.skipped_binary++;
        pthread_mutex_unlock(&b->lock);
        diag(b, PV_NOTE, "%s", lerr.msg);
        return 0;
    }
    if (rc != 0) {
        dm->status = 2;
        pthread_mutex_lock(&b->lock);
        b->st.skipped_unreadable++;
        pthread_mutex_unlock(&b->lock);
        if (o->strict) {
            w->err = lerr;
            return rc;
        }
        diag(b, PV_WARNING, "%s", lerr.msg);
        return 0;
    }
    w->tokens.n = 0;
    w->tokens.invalid_utf8 = 0;
    rc = pv_scanner__tokenize(text, len, o->seed, &w->tokens);
    if (rc != 0) {
        free(text);
        return pv_err__set(&w->err, rc, "%s: cannot tokenize: %s", e->path, pv_strerror(rc));
    }
    if (w->tokens.n == 0) {
        dm->status = 2;
        pthread_mutex_lock(&b->lock);
        b->st.skipped_empty++;
        pthread_mutex_unlock(&b->lock);
        free(text);
        return 0;
    }
    if (w->tokens.n > UINT32_MAX - 1) {
        free(text);
        return pv_err__set(&w->err, PV_ELIMIT, "%s: too many tokens", e->path);
    }
    if (pv_array__grow((void **)&w->fps, &w->fps_cap, w->tokens.n, sizeof *w->fps) ||
        pv_array__grow((void **)&w->sel, &w->sel_cap, w->tokens.n, sizeof *w->sel)) {
        free(text);
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    }
    nk = pv_scanner__kgrams(w->tokens.v, w->tokens.n, o->k, o->seed, w->fps);
    ns = pv_scanner__winnow(w->fps, nk, o->w, w->sel);
    for (i = 0; i < ns; i++)
        if ((rc = push_rec(w, w->fps[w->sel[i]] >> PV_FP_SHIFT, (uint32_t)id, w->sel[i])) != 0) {
            free(text);
            return rc;
        }
    if ((rc = write_lines(w, dm, text, len)) != 0) {
        free(text);
        return rc;
    }
    if (o->license)
        dm->license = strdup(o->license);
    else if (pv_scanner__spdx_tag(text, len, tag, sizeof tag))
        dm->license = strdup(tag);
    else if (e->dir_license)
        dm->license = strdup(e->dir_license);
    dm->date = e->mtime;
    dm->bytes = len;
    dm->ntokens = (uint32_t)w->tokens.n;
    dm->worker = w->id;
    dm->status = 1;
    pthread_mutex_lock(&b->lock);
    b->st.documents++;
    b->st.bytes += len;
    b->st.tokens += w->tokens.n;
    b->st.invalid_utf8 += w->tokens.invalid_utf8;
    pthread_mutex_unlock(&b->lock);
    if (w->tokens.invalid_utf8)
        diag(b, PV_NOTE, "%s: %llu invalid UTF-8 sequences replaced", e->path,
             (unsigned long long)w->tokens.invalid_utf8);
    free(text);
    return 0;
}

static void report_progress(builder *b, int force)
{
    double now;
    if (!b->o->progress)
        return;
    now = pv_now();
    if (!force && now - b->last_progress < 0.1)
        return;
    b->last_progress = now;
    b->o->progress(b->o->ctx, atomic_load(&b->done_bytes), b->total_bytes,
                   atomic_load(&b->done_docs), b->ndocs);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    builder *b = w->b;
    for (;;) {
        size_t id;
        if (atomic_load(&b->abort))
            break;
        id = atomic_fetch_add(&b->next, 1);
        if (id >= b->ndocs)
            break;
        w->rc = index_document(w, id);
        atomic_fetch_add(&b->done_docs, 1);
        atomic_fetch_add(&b->done_bytes, b->lists[b->docs[id].list].v[b->docs[id].entry].size);
        if (w->rc) {
            atomic_store(&b->abort, 1);
            break;
        }
        if (w->id == 0)
            report_progress(b, 0);
    }
    if (w->rc == 0 && !atomic_load(&b->abort))
        w->rc = finish_run(w, 1);
    return NULL;
}

/* ---- merging runs into posting blocks ---- */

static int run_peek(run *r, rec *out, pv_err *err)
{
    if (r->next >= r->n)
        return 0;
    if (r->mem) {
        *out = r->mem[r->next];
        return 1;
    }
    if (r->buf_pos == r->buf_n) {
        size_t want = r->buf_cap;
        if (want > r->n - r->next)
            want = (size_t)(r->n - r->next);
        r->buf_n = fread(r->buf, sizeof(rec), want, r->f);
        r->buf_pos = 0;
        if (r->buf_n != want) {
            pv_err__set(err, PV_EIO, "cannot read back a sorted run: %s",
                        ferror(r->f) ? strerror(errno) : "short file");
            return -1;
        }
    }
    *out = r->buf[r->buf_pos];
    return 1;
}

static void run_advance(run *r)
{
    r->next++;
    if (!r->mem)
        r->buf_pos++;
}

typedef struct out_file {
    FILE *f;
    uint64_t off;
    XXH3_state_t *xs;
    int failed;
} out_file;

static void out_write(out_file *o, const void *p, size_t n)
{
    if (n == 0 || o->failed)
        return;
    if (fwrite(p, 1, n, o->f) != n)
        o->failed = errno ? errno : EIO;
    XXH3_64bits_update(o->xs, p, n);
    o->off += n;
}

typedef struct chunk_rec {
    char id[4];
    uint64_t off, size, sum;
} chunk_rec;

static void chunk_begin(out_file *o, chunk_rec *c, const char *id)
{
    static const unsigned char zero[PV_CHUNK_ALIGN] = {0};
    size_t pad = (size_t)((PV_CHUNK_ALIGN - o->off % PV_CHUNK_ALIGN) % PV_CHUNK_ALIGN);
    if (pad && !o->failed) {
        if (fwrite(zero, 1, pad, o->f) != pad)
            o->failed = errno ? errno : EIO;
        o->off += pad;
    }
    memcpy(c->id, id, 4);
    c->off = o->off;
    XXH3_64bits_reset_withSeed(o->xs, 0);
}

static void chunk_end(out_file *o, chunk_rec *c)
{
    c->size = o->off - c->off;
    c->sum = XXH3_64bits_digest(o->xs);
}

typedef struct posting_out {
    uint64_t fp;
    uint32_t doc, pos;
} posting_out;

typedef struct block_writer {
    out_file *o;
    ZSTD_CCtx *cctx;
    posting_out *p; /* postings of the block being filled */
    size_t n, cap;
    unsigned char *raw, *z;
    size_t raw_cap, z_cap;
    unsigned char *dir; /* BDIR entries */
    size_t ndir, dir_cap;
    uint64_t pstg_start;
    uint64_t postings, fingerprints;
    uint32_t max_count;
} block_writer;

static int flush_block(block_writer *bw, pv_err *err)
{
    size_t need = bw->n * 4 * 10, i, rawn = 0, zn;
    unsigned char *e;
    const unsigned char *out;
    size_t outn;
    uint32_t flags = 0;
    if (bw->n == 0)
        return 0;
    if (pv_array__grow((void **)&bw->raw, &bw->raw_cap, need, 1) ||
        pv_array__grow((void **)&bw->z, &bw->z_cap, ZSTD_compressBound(need), 1) ||
        pv_array__grow((void **)&bw->dir, &bw->dir_cap, (bw->ndir + 1) * PV_BDIR_ENTRY, 1))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < bw->n; i++)
        rawn += pv_varint_put(bw->raw + rawn, i ? bw->p[i].fp - bw->p[i - 1].fp : 0);
    for (i = 0; i < bw->n; i++) {
        int same = i > 0 && bw->p[i].fp == bw->p[i - 1].fp;
        rawn +=
            pv_varint_put(bw->raw + rawn, same ? bw->p[i].doc - bw->p[i - 1].doc : bw->p[i].doc);
    }
    for (i = 0; i < bw->n; i++)
        rawn += pv_varint_put(bw->raw + rawn, bw->p[i].pos);
    for (i = 0; i < bw->n; i++)
        rawn += pv_varint_put(bw->raw + rawn, 0); /* origin: the document's default */
    zn = ZSTD_compressCCtx(bw->cctx, bw->z, bw->z_cap, bw->raw, rawn, 1);
    if (!ZSTD_isError(zn) && zn < rawn) {
        out = bw->z;
        outn = zn;
    } else {
        out = bw->raw;
        outn = rawn;
        flags = PV_BLOCK_RAW;
    }
    e = bw->dir + bw->ndir * PV_BDIR_ENTRY;
    pv_store64(e + PV_BDIR_FIRST_FP, bw->p[0].fp);
    pv_store64(e + PV_BDIR_OFFSET, bw->o->off - bw->pstg_start);
    pv_store32(e + PV_BDIR_STORED, (uint32_t)outn);
    pv_store32(e + PV_BDIR_RAW, (uint32_t)rawn);
    pv_store32(e + PV_BDIR_COUNT, (uint32_t)bw->n);
    pv_store32(e + PV_BDIR_FLAGS, flags);
    bw->ndir++;
    out_write(bw->o, out, outn);
    if (bw->n > bw->max_count)
        bw->max_count = (uint32_t)bw->n;
    bw->n = 0;
    return 0;
}

/* A posting with its document's date, for choosing which postings the cap keeps. */
typedef struct dated {
    int64_t date;
    uint32_t doc, pos;
} dated;

static int by_date(const void *a, const void *b)
{
    const dated *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int by_doc(const void *a, const void *b)
{
    const posting_out *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Keep the cap postings of g (old document ids) whose documents are the earliest by date,
 * in (document, position) order. Returns the new count, or 0 when out of memory. */
static size_t keep_earliest(const builder *b, posting_out *g, size_t n, size_t cap)
{
    dated *d = malloc(n * sizeof *d);
    size_t i;
    if (!d)
        return 0;
    for (i = 0; i < n; i++) {
        d[i].date = b->docs[g[i].doc].date;
        d[i].doc = g[i].doc;
        d[i].pos = g[i].pos;
    }
    qsort(d, n, sizeof *d, by_date);
    for (i = 0; i < cap; i++) {
        g[i].doc = d[i].doc;
        g[i].pos = d[i].pos;
    }
    free(d);
    qsort(g, cap, sizeof *g, by_doc);
    return cap;
}

/* Add one fingerprint's postings (old doc ids) to the block writer, capped. */
static int emit_group(builder *b, block_writer *bw, posting_out *g, size_t n, pv_err *err)
{
    size_t cap = b->o->posting_cap, i;
    if (n > cap && (n = keep_earliest(b, g, n, cap)) == 0)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if (pv_array__grow((void **)&bw->p, &bw->cap, bw->n + n, sizeof *bw->p))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        bw->p[bw->n] = g[i];
        bw->p[bw->n].doc = b->docs[g[i].doc].new_id;
        bw->n++;
    }
    bw->postings += n;
    bw->fingerprints++;
    if (bw->n >= PV_BLOCK_POSTINGS)
        return flush_block(bw, err);
    return 0;
}

/* One run's next posting, in the merge heap. */
typedef struct head {
    rec r;
    run *src;
} head;

static int head_less(const head *x, const head *y)
{
    if (x->r.fp != y->r.fp)
        return x->r.fp < y->r.fp;
    if (x->r.doc != y->r.doc)
        return x->r.doc < y->r.doc;
    return x->r.pos < y->r.pos;
}

/* Restore the min-heap order below p in h[0..n). */
static void sift_down(head *h, size_t n, size_t p)
{
    for (;;) {
        size_t l = 2 * p + 1, r = l + 1, m = p;
        head t;
        if (l < n && head_less(&h[l], &h[m]))
            m = l;
        if (r < n && head_less(&h[r], &h[m]))
            m = r;
        if (m == p)
            return;
        t = h[p];
        h[p] = h[m];
        h[m] = t;
        p = m;
    }
}

/* k-way merge of every worker's runs by (fingerprint, document, position) into blocks;
 * postings of skipped documents are dropped, each fingerprint's group is capped. */
static int merge_runs(builder *b, block_writer *bw, pv_err *err)
{
    head *heap = NULL;
    size_t nruns = 0, nh = 0, i, gcap = 0, gn = 0;
    posting_out *g = NULL;
    uint64_t gfp = 0;
    int rc = 0;
    unsigned wi;

    for (wi = 0; wi < b->njobs; wi++)
        nruns += b->workers[wi].nruns;
    heap = calloc(nruns ? nruns : 1, sizeof *heap);
    if (!heap) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    /* read buffers: 256 KiB per spilled run */
    for (wi = 0; wi < b->njobs; wi++)
        for (i = 0; i < b->workers[wi].nruns; i++) {
            run *r = &b->workers[wi].runs[i];
            int got;
            if (r->f) {
                r->buf_cap = (256 << 10) / sizeof(rec);
                r->buf = malloc(r->buf_cap * sizeof(rec));
                if (!r->buf) {
                    rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                    goto done;
                }
            }
            got = run_peek(r, &heap[nh].r, err);
            if (got < 0) {
                rc = PV_EIO;
                goto done;
            }
            if (got)
                heap[nh++].src = r;
        }
    for (i = nh / 2; i-- > 0;)
        sift_down(heap, nh, i);
    while (nh > 0) {
        rec top = heap[0].r;
        int got;
        if (b->docs[top.doc].status == 1) {
            if (gn > 0 && top.fp != gfp) {
                if ((rc = emit_group(b, bw, g, gn, err)) != 0)
                    goto done;
                gn = 0;
            }
            if (gn == 0)
                gfp = top.fp;
            /* bound a huge group: keep the earliest 2 * cap, trimming to cap when full */
            if (gn >= 2 * (size_t)b->o->posting_cap + 2 &&
                (gn = keep_earliest(b, g, gn, b->o->posting_cap)) == 0) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
            if (pv_array__grow((void **)&g, &gcap, gn + 1, sizeof *g)) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
            g[gn].fp = top.fp;
            g[gn].doc = top.doc;
            g[gn].pos = top.pos;
            gn++;
        }
        run_advance(heap[0].src);
        got = run_peek(heap[0].src, &heap[0].r, err);
        if (got < 0) {
            rc = PV_EIO;
            goto done;
        }
        if (!got)
            heap[0] = heap[--nh];
        sift_down(heap, nh, 0);
    }
    if (gn > 0 && (rc = emit_group(b, bw, g, gn, err)) != 0)
        goto done;
    rc = flush_block(bw, err);
done:
    free(g);
    free(heap);
    return rc;
}

/* ---- string pool with de-duplication ---- */

typedef struct strpool {
    pv_buf data;
    uint32_t *slots; /* open addressing: offset + 1, 0 = empty */
    size_t nslots, used;
} strpool;

static uint32_t pool_add(strpool *sp, const char *s, int *oom)
{
    size_t len = strlen(s), i;
    uint64_t h = pv_hash64(s, len, 0);
    uint32_t off;
    if ((sp->used + 1) * 2 > sp->nslots) {
        size_t nn = sp->nslots ? sp->nslots * 2 : 1024, j;
        uint32_t *ns = calloc(nn, sizeof *ns);
        if (!ns) {
            *oom = 1;
            return 0;
        }
        for (j = 0; j < sp->nslots; j++)
            if (sp->slots[j]) {
                const char *t = sp->data.data + sp->slots[j] - 1;
                size_t k = pv_hash64(t, strlen(t), 0) & (nn - 1);
                while (ns[k])
                    k = (k + 1) & (nn - 1);
                ns[k] = sp->slots[j];
            }
        free(sp->slots);
        sp->slots = ns;
        sp->nslots = nn;
    }
    for (i = h & (sp->nslots - 1); sp->slots[i]; i = (i + 1) & (sp->nslots - 1)) {
        const char *t = sp->data.data + sp->slots[i] - 1;
        if (strcmp(t, s) == 0)
            return sp->slots[i] - 1;
    }
    if (sp->data.len + len + 1 >= PV_NONE) {
        *oom = 2;
        return 0;
    }
    off = (uint32_t)sp->data.len;
    if (pv_buf__append(&sp->data, s, len + 1)) {
        *oom = 1;
        return 0;
    }
    sp->slots[i] = off + 1;
    sp->used++;
    return off;
}

/* Split "Name <email>" into name and email (email NULL when absent). */
static void parse_author(const char *spec, char *name, size_t nsz, char *email, size_t esz,
                         int *has_email)
{
    const char *lt = strchr(spec, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    size_t n;
    *has_email = 0;
    if (lt && gt) {
        n = (size_t)(lt - spec);
        while (n > 0 && spec[n - 1] == ' ')
            n--;
        snprintf(name, nsz, "%.*s", (int)n, spec);
        snprintf(email, esz, "%.*s", (int)(gt - lt - 1), lt + 1);
        *has_email = 1;
    } else {
        snprintf(name, nsz, "%s", spec);
    }
}

/* ---- the whole build ---- */

static int validate_opts(const pv_build_opts *o, pv_err *err)
{
    if (o->k < PV_MIN_K || o->k > PV_MAX_K)
        return pv_err__set(err, PV_EINVAL, "k must be between %d and %d (got %u)", PV_MIN_K,
                           PV_MAX_K, o->k);
    if (o->w < PV_MIN_W || o->w > PV_MAX_W)
        return pv_err__set(err, PV_EINVAL, "w must be between %d and %d (got %u)", PV_MIN_W,
                           PV_MAX_W, o->w);
    if (o->memory < PV_MIN_MEMORY)
        return pv_err__set(err, PV_EINVAL, "--memory must be at least 1M");
    if (o->posting_cap < 1)
        return pv_err__set(err, PV_EINVAL, "the posting cap must be at least 1");
    return 0;
}

static void dir_of(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == path)
        snprintf(out, n, "/");
    else
        snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static int write_index(builder *b, const char *out_path, const char *tmp_path,
                       const char *const *sources, pv_err *err);

int pv_index_build(const char *out_path, const char *const *sources, size_t nsources,
                   const pv_build_opts *opts, pv_build_stats *stats, pv_err *err)
{
    builder b;
    pv_build_opts defaults = PV_BUILD_OPTS_INIT;
    char tmp_path[PATH_MAX + 64];
    pthread_t *threads = NULL;
    size_t i, j;
    unsigned wi, started = 0;
    size_t postings_budget;
    int rc = 0;

    memset(&b, 0, sizeof b);
    pthread_mutex_init(&b.lock, NULL);
    b.o = opts ? opts : &defaults;
    if ((rc = validate_opts(b.o, err)) != 0)
        goto done;
    if (nsources == 0) {
        rc = pv_err__set(err, PV_EINVAL, "no source to index");
        goto done;
    }
    if (b.o->tmpdir)
        snprintf(b.tmpdir, sizeof b.tmpdir, "%s", b.o->tmpdir);
    else
        dir_of(out_path, b.tmpdir, sizeof b.tmpdir);

    /* list every source */
    b.lists = calloc(nsources, sizeof *b.lists);
    if (!b.lists) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    b.nlists = nsources;
    for (i = 0; i < nsources; i++) {
        pv_files_opts fo;
        memset(&fo, 0, sizeof fo);
        fo.max_file_size = b.o->max_file_size;
        fo.excludes = b.o->excludes;
        fo.nexcludes = b.o->nexcludes;
        fo.strict = b.o->strict;
        fo.diag = b.o->diag;
        fo.ctx = b.o->ctx;
        if ((rc = pv_files__list(sources[i], &fo, &b.lists[i], err)) != 0)
            goto done;
        b.ndocs += b.lists[i].n;
        b.total_bytes += b.lists[i].total_bytes;
        b.st.skipped_large += b.lists[i].skipped_large;
        b.st.skipped_excluded += b.lists[i].skipped_excluded;
        b.st.skipped_unreadable += b.lists[i].skipped_unreadable;
    }
    if (b.ndocs >= PV_NONE) {
        rc = pv_err__set(err, PV_ELIMIT, "too many documents for one index (%zu)", b.ndocs);
        goto done;
    }
    b.docs = calloc(b.ndocs ? b.ndocs : 1, sizeof *b.docs);
    if (!b.docs) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    {
        size_t d = 0;
        for (i = 0; i < nsources; i++)
            for (j = 0; j < b.lists[i].n; j++, d++) {
                b.docs[d].list = i;
                b.docs[d].entry = j;
            }
    }

    /* Per-document metadata (the file lists, docmeta, later the locator strings) stays in
     * memory for the whole build, so it is charged against --memory; the postings buffers get
     * the rest, at least 1 MiB. */
    {
        size_t meta = b.ndocs * (sizeof(docmeta) + sizeof(pv_file_entry) + 32);
        for (i = 0; i < nsources; i++)
            for (j = 0; j < b.lists[i].n; j++)
                meta += 2 * strlen(b.lists[i].v[j].path) + 2;
        postings_budget = b.o->memory > meta + PV_MIN_MEMORY ? b.o->memory - meta : PV_MIN_MEMORY;
        if (meta > b.o->memory / 2)
            diag(&b, PV_WARNING,
                 "the metadata of %zu documents takes %zu MiB of the %zu MiB --memory budget; "
                 "give more --memory or index fewer files at once",
                 b.ndocs, meta >> 20, b.o->memory >> 20);
    }

    /* workers */
    b.njobs = b.o->jobs ? b.o->jobs : pv_cpu_count();
    if (b.njobs > 256)
        b.njobs = 256;
    b.workers = calloc(b.njobs, sizeof *b.workers);
    threads = calloc(b.njobs, sizeof *threads);
    if (!b.workers || !threads) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (wi = 0; wi < b.njobs; wi++) {
        worker *w = &b.workers[wi];
        w->b = &b;
        w->id = wi;
        /* what the document metadata does not take of the budget: half for postings,
         * half for the radix sort's scratch */
        w->max_recs = postings_budget / (2 * sizeof(rec) * b.njobs);
        w->linebuf.limit = SIZE_MAX / 2;
        w->cctx = ZSTD_createCCtx();
        w->lines = temp_file(b.tmpdir, err);
        if (!w->cctx || !w->lines) {
            rc = w->lines ? pv_err__set(err, PV_ENOMEM, "out of memory") : err->code;
            goto done;
        }
    }
    report_progress(&b, 1);
    for (wi = 1; wi < b.njobs; wi++) {
        if (pthread_create(&threads[wi], NULL, worker_main, &b.workers[wi]) != 0) {
            atomic_store(&b.abort, 1);
            rc = pv_err__set(err, PV_ENOMEM, "cannot start a worker thread");
            break;
        }
        started = wi;
    }
    worker_main(&b.workers[0]);
    for (wi = 1; wi <= started; wi++)
        pthread_join(threads[wi], NULL);
    if (rc)
        goto done;
    for (wi = 0; wi < b.njobs; wi++)
        if (b.workers[wi].rc) {
            rc = b.workers[wi].rc;
            if (err)
                *err = b.workers[wi].err;
            goto done;
        }
    report_progress(&b, 1);

    snprintf(tmp_path, sizeof tmp_path, "%s.tmp.%ld", out_path, (long)getpid());
    rc = write_index(&b, out_path, tmp_path, sources, err);
    if (rc == 0 && stats)
        *stats = b.st;
done:
    if (b.workers)
        for (wi = 0; wi < b.njobs; wi++) {
            worker *w = &b.workers[wi];
            for (i = 0; i < w->nruns; i++) {
                if (w->runs[i].f)
                    fclose(w->runs[i].f);
                free(w->runs[i].mem);
                free(w->runs[i].buf);
            }
            free(w->runs);
            free(w->recs);
            if (w->lines)
                fclose(w->lines);
            pv_scanner__tokens_free(&w->tokens);
            free(w->fps);
            free(w->sel);
            pv_buf__free(&w->linebuf);
            free(w->zbuf);
            ZSTD_freeCCtx(w->cctx);
        }
    free(b.workers);
    free(threads);
    if (b.docs)
        for (i = 0; i < b.ndocs; i++)
            free(b.docs[i].license);
    free(b.docs);
    if (b.lists)
        for (i = 0; i < b.nlists; i++)
            pv_files__list_free(&b.lists[i]);
    free(b.lists);
    pthread_mutex_destroy(&b.lock);
    return rc;
}

static int write_index(builder *b, const char *out_path, const char *tmp_path,
                       const char *const *sources, pv_err *err)
{
    out_file o;
    block_writer bw;
    strpool sp;
    chunk_rec ch[10];
    size_t nch = 0, i, ndocs_out = 0;
    unsigned char hdr[PV_HDR_SIZE + 10 * PV_CHUNK_ENTRY];
    unsigned char *tmpbuf = NULL;
    size_t tmpcap = 0;
    uint32_t author_id = PV_NONE, fanout_bits = 0;
    int oom = 0, rc = 0, fd = -1;
    uint32_t kind_file, kind_files;

    memset(&o, 0, sizeof o);
    memset(&bw, 0, sizeof bw);
    memset(&sp, 0, sizeof sp);
    sp.data.limit = (size_t)PV_NONE - 1;
    o.xs = XXH3_createState();
    bw.cctx = ZSTD_createCCtx();
    if (!o.xs || !bw.cctx) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || !(o.f = fdopen(fd, "w+b"))) {
        rc = pv_err__set(err, PV_EIO, "cannot create '%s': %s", tmp_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
        goto done;
    }
    fd = -1;
    /* placeholder header and chunk table, rewritten at the end */
    memset(hdr, 0, sizeof hdr);
    if (fwrite(hdr, 1, sizeof hdr, o.f) != sizeof hdr)
        o.failed = errno;
    o.off = sizeof hdr;

    /* dense ids for the documents actually indexed */
    for (i = 0; i < b->ndocs; i++)
        if (b->docs[i].status == 1)
            b->docs[i].new_id = (uint32_t)ndocs_out++;

    /* PSTG */
    bw.o = &o;
    chunk_begin(&o, &ch[nch], PV_ID_PSTG);
    bw.pstg_start = o.off;
    if ((rc = merge_runs(b, &bw, err)) != 0)
        goto done;
    chunk_end(&o, &ch[nch++]);

    /* BDIR */
    chunk_begin(&o, &ch[nch], PV_ID_BDIR);
    out_write(&o, bw.dir, bw.ndir * PV_BDIR_ENTRY);
    chunk_end(&o, &ch[nch++]);

    /* FANO: about one block per fan-out slot */
    while (fanout_bits < PV_MAX_FANOUT_BITS && ((size_t)1 << fanout_bits) < bw.ndir)
        fanout_bits++;
    chunk_begin(&o, &ch[nch], PV_ID_FANO);
    {
        size_t nf = ((size_t)1 << fanout_bits) + 1, blk = 0, s;
        for (s = 0; s < nf; s++) {
            unsigned char v[4];
            /* blocks whose first fingerprint's top bits are below s */
            while (blk < bw.ndir && (fanout_bits == 0 ? s > 0
                                                      : (pv_load64(bw.dir + blk * PV_BDIR_ENTRY) >>
                                                         (PV_FP_BITS - fanout_bits)) < s))
                blk++;
            pv_store32(v, (uint32_t)blk);
            out_write(&o, v, 4);
        }
    }
    chunk_end(&o, &ch[nch++]);

    /* strings */
    pool_add(&sp, "", &oom);
    kind_file = pool_add(&sp, "file", &oom);
    kind_files = pool_add(&sp, "files", &oom);

    /* AUTH */
    chunk_begin(&o, &ch[nch], PV_ID_AUTH);
    if (b->o->author && *b->o->author) {
        char name[512], email[512];
        int has_email;
        unsigned char e[PV_AUTH_ENTRY];
        parse_author(b->o->author, name, sizeof name, email, sizeof email, &has_email);
        pv_store32(e + PV_AUTH_NAME, pool_add(&sp, name, &oom));
        pv_store32(e + PV_AUTH_EMAIL, has_email ? pool_add(&sp, email, &oom) : PV_NONE);
        out_write(&o, e, sizeof e);
        author_id = 0;
    }
    chunk_end(&o, &ch[nch++]);

    /* SRCS */
    chunk_begin(&o, &ch[nch], PV_ID_SRCS);
    for (i = 0; i < b->nlists; i++) {
        unsigned char e[PV_SRC_ENTRY];
        pv_store32(e + PV_SRC_NAME, pool_add(&sp, sources[i], &oom));
        pv_store32(e + PV_SRC_KIND, kind_files);
        out_write(&o, e, sizeof e);
    }
    chunk_end(&o, &ch[nch++]);

    /* ORIG: one per document (author, date) */
    chunk_begin(&o, &ch[nch], PV_ID_ORIG);
    for (i = 0; i < b->ndocs; i++) {
        unsigned char e[PV_ORIG_ENTRY];
        if (b->docs[i].status != 1)
            continue;
        memset(e, 0, sizeof e);
        pv_store32(e + PV_ORIG_AUTHOR, author_id);
        pv_store32(e + PV_ORIG_COMMIT, PV_NONE);
        pv_store64(e + PV_ORIG_DATE, (uint64_t)b->docs[i].date);
        out_write(&o, e, sizeof e);
    }
    chunk_end(&o, &ch[nch++]);

    /* LINE: copy every document's line table from its worker's spill file */
    chunk_begin(&o, &ch[nch], PV_ID_LINE);
    {
        uint64_t line_start = o.off;
        for (i = 0; i < b->ndocs && !o.failed; i++) {
            docmeta *dm = &b->docs[i];
            FILE *lf;
            if (dm->status != 1)
                continue;
            lf = b->workers[dm->worker].lines;
            if (pv_array__grow((void **)&tmpbuf, &tmpcap, dm->lines_size + 1, 1)) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
            if (fseeko(lf, (off_t)dm->lines_off, SEEK_SET) != 0 ||
                fread(tmpbuf, 1, dm->lines_size, lf) != dm->lines_size) {
                rc = pv_err__set(err, PV_EIO, "cannot read back line tables: %s", strerror(errno));
                goto done;
            }
            dm->lines_off = o.off - line_start; /* now: offset inside LINE */
            out_write(&o, tmpbuf, dm->lines_size);
        }
    }
    chunk_end(&o, &ch[nch++]);

    /* DOCS */
    chunk_begin(&o, &ch[nch], PV_ID_DOCS);
    for (i = 0; i < b->ndocs; i++) {
        docmeta *dm = &b->docs[i];
        const pv_file_entry *fe = &b->lists[dm->list].v[dm->entry];
        unsigned char e[PV_DOC_ENTRY];
        if (dm->status != 1)
            continue;
        pv_store32(e + PV_DOC_SOURCE, (uint32_t)dm->list);
        pv_store32(e + PV_DOC_KIND, kind_file);
        pv_store32(e + PV_DOC_LOCATOR, pool_add(&sp, fe->rel, &oom));
        pv_store32(e + PV_DOC_COMMIT, PV_NONE);
        pv_store32(e + PV_DOC_LICENSE, dm->license ? pool_add(&sp, dm->license, &oom) : PV_NONE);
        pv_store32(e + PV_DOC_ORIGIN, dm->new_id);
        pv_store64(e + PV_DOC_DATE, (uint64_t)dm->date);
        pv_store64(e + PV_DOC_LINES_OFF, dm->lines_off);
        pv_store32(e + PV_DOC_LINES_SIZE, dm->lines_size);
        pv_store32(e + PV_DOC_LINES_RAW, dm->lines_raw);
        pv_store32(e + PV_DOC_NLINES, dm->nlines);
        pv_store32(e + PV_DOC_NTOKENS, dm->ntokens);
        pv_store64(e + PV_DOC_BYTES, dm->bytes);
        out_write(&o, e, sizeof e);
    }
    chunk_end(&o, &ch[nch++]);
    if (oom) {
        rc = oom == 2 ? pv_err__set(err, PV_ELIMIT, "string pool over 4 GiB")
                      : pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }

    /* STRS */
    chunk_begin(&o, &ch[nch], PV_ID_STRS);
    out_write(&o, sp.data.data, sp.data.len);
    chunk_end(&o, &ch[nch++]);

    /* META */
    chunk_begin(&o, &ch[nch], PV_ID_META);
    {
        unsigned char m[PV_META_SIZE];
        memset(m, 0, sizeof m);
        pv_store64(m + PV_META_DOCUMENTS, ndocs_out);
        pv_store64(m + PV_META_AUTHORS, author_id == PV_NONE ? 0 : 1);
        pv_store64(m + PV_META_SOURCES, b->nlists);
        pv_store64(m + PV_META_ORIGINS, ndocs_out);
        pv_store64(m + PV_META_FINGERPRINTS, bw.fingerprints);
        pv_store64(m + PV_META_POSTINGS, bw.postings);
        pv_store64(m + PV_META_BLOCKS, bw.ndir);
        pv_store64(m + PV_META_TOKENS, b->st.tokens);
        pv_store64(m + PV_META_INPUT_BYTES, b->st.bytes);
        pv_store64(m + PV_META_CREATED, (uint64_t)(int64_t)time(NULL));
        pv_store32(m + PV_META_FANOUT_BITS, fanout_bits);
        pv_store32(m + PV_META_BLOCK_POSTINGS, bw.max_count ? bw.max_count : 1);
        out_write(&o, m, sizeof m);
    }
    chunk_end(&o, &ch[nch++]);

    /* header and chunk table */
    {
        size_t table = nch * PV_CHUNK_ENTRY;
        XXH3_state_t *hs = o.xs;
        memset(hdr, 0, sizeof hdr);
        memcpy(hdr + PV_HDR_MAGIC, PV_MAGIC, PV_MAGIC_LEN);
        pv_store32(hdr + PV_HDR_VERSION, PV_FORMAT_VERSION);
        pv_store32(hdr + PV_HDR_NORM, PV_NORM_VERSION);
        pv_store32(hdr + PV_HDR_K, b->o->k);
        pv_store32(hdr + PV_HDR_W, b->o->w);
        pv_store32(hdr + PV_HDR_FP_BITS, PV_FP_BITS);
        pv_store32(hdr + PV_HDR_POSTING_CAP, b->o->posting_cap);
        pv_store64(hdr + PV_HDR_SEED, b->o->seed);
        pv_store32(hdr + PV_HDR_NCHUNKS, (uint32_t)nch);
        pv_store64(hdr + PV_HDR_FILE_SIZE, o.off);
        for (i = 0; i < nch; i++) {
            unsigned char *e = hdr + PV_HDR_SIZE + i * PV_CHUNK_ENTRY;
            memcpy(e + PV_CHUNK_ID, ch[i].id, 4);
            pv_store64(e + PV_CHUNK_OFFSET, ch[i].off);
            pv_store64(e + PV_CHUNK_SIZE, ch[i].size);
            pv_store64(e + PV_CHUNK_CHECKSUM, ch[i].sum);
        }
        /* the header slot is sized for 10 chunks; unused entries stay zero but are not
         * counted: shift nothing, the table simply has nch entries. */
        XXH3_64bits_reset_withSeed(hs, 0);
        XXH3_64bits_update(hs, hdr, 56);
        XXH3_64bits_update(hs, hdr + PV_HDR_SIZE, table);
        pv_store64(hdr + PV_HDR_CHECKSUM, XXH3_64bits_digest(hs));
        if (!o.failed && (fflush(o.f) != 0 || fseeko(o.f, 0, SEEK_SET) != 0 ||
                          fwrite(hdr, 1, sizeof hdr, o.f) != sizeof hdr || fflush(o.f) != 0 ||
                          fsync(fileno(o.f)) != 0))
            o.failed = errno ? errno : EIO;
    }
    if (o.failed) {
        rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", tmp_path, strerror(o.failed));
        goto done;
    }
    if (fclose(o.f) != 0) {
        o.f = NULL;
        rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", tmp_path, strerror(errno));
        goto done;
    }
    o.f = NULL;
    if (rename(tmp_path, out_path) != 0) {
        rc = pv_err__set(err, PV_EIO, "cannot rename '%s' to '%s': %s", tmp_path, out_path,
                         strerror(errno));
        goto done;
    }
    b->st.postings = bw.postings;
    b->st.fingerprints = bw.fingerprints;
    b->st.index_bytes = o.off;
done:
    if (o.f)
        fclose(o.f);
    if (rc)
        unlink(tmp_path);
    XXH3_freeState(o.xs);
    ZSTD_freeCCtx(bw.cctx);
    free(bw.p);
    free(bw.raw);
    free(bw.z);
    free(bw.dir);
    free(tmpbuf);
    pv_buf__free(&sp.data);
    free(sp.slots);
    return rc;
}

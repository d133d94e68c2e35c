/*
 * segment_writer.c - writes one index segment (format.h) from what the build hands it: a
 * table of chunk writers run in file order, posting blocks compressed with zstd and found
 * through BDIR and FANO, an XXH3 checksum per chunk and for the header, and the file written
 * under a temporary name, synced and renamed when complete.
 */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

#include "common_int.h"
#include "format.h"
#include "segment_writer.h"

typedef struct chunk_rec {
    char id[4];
    uint64_t off, size, sum;
} chunk_rec;

struct pv_seg_encoder {
    ZSTD_CCtx *cctx;
    unsigned char *raw;
    size_t raw_cap;
};

/* The blocks of PSTG being written: the postings of the block being filled, and BDIR. */
typedef struct block_writer {
    pv_seg_encoder *enc;
    pv_seg_posting *p;
    size_t n, cap;
    pv_seg_block blk;
    unsigned char *dir; /* BDIR entries */
    size_t ndir, dir_cap;
    uint64_t postings, fingerprints;
    uint32_t max_count;
    uint32_t fanout_bits;
} block_writer;

struct pv_seg_writer {
    const pv_seg_content *c;
    FILE *f;
    uint64_t off;       /* bytes written so far */
    uint64_t chunk_off; /* where the chunk being written starts */
    XXH3_state_t *xs;
    int failed;         /* errno of the first failed write */
    const char *chunk;  /* the id of the chunk being written, or NULL for the header */
    char failed_in[16]; /* what the first failed write was writing: "chunk PSTG", "header" */
    block_writer bw;
    uint64_t ndocs, nauthors, nsources, norigins; /* entries written, for META */
    /* pv_seg__put_shared: what the chunk being written holds, by content */
    struct shared_slot *shared;
    size_t shared_slots, shared_used;
    uint64_t shared_chunk;   /* the chunk_off the table is for */
    pv_stage_time *stages;   /* c->stages, or a scratch array */
    double encode_secs;      /* posting blocks encoded so far (monotonic clock) */
    double write_secs;       /* and written */
    double fill_encode_secs; /* encoded by the fill function (pv_seg__encoded_here) */
    /* pv_seg__place_shared: the chunk's bytes from placed_from on are placed, not written */
    int placed;
    uint64_t placed_from;
    double par_here, par_others; /* pv_seg__parallel_work so far (CPU seconds) */
};

/* Records the first failed write (errno), and what it was writing, for the message. */
static void out_fail(pv_seg_writer *w)
{
    if (w->failed)
        return;
    w->failed = errno ? errno : EIO;
    if (w->chunk)
        snprintf(w->failed_in, sizeof w->failed_in, "chunk %.4s", w->chunk);
    else
        snprintf(w->failed_in, sizeof w->failed_in, "header");
}

static void out_write(pv_seg_writer *w, const void *p, size_t n)
{
    assert(!w->placed); /* placed bytes come last in their chunk */
    if (n == 0 || w->failed)
        return;
    if (fwrite(p, 1, n, w->f) != n)
        out_fail(w);
    XXH3_64bits_update(w->xs, p, n);
    w->off += n;
}

int pv_seg__failed(const pv_seg_writer *w)
{
    return w->failed != 0;
}

uint64_t pv_seg__put_bytes(pv_seg_writer *w, const void *p, size_t n)
{
    uint64_t at = w->off - w->chunk_off;
    out_write(w, p, n);
    return at;
}

/* A byte string already written to the chunk, by the XXH3-128 hash of its bytes and its size
 * (a collision is as unlikely as git's). */
struct shared_slot {
    XXH128_hash_t h;
    uint64_t at; /* offset inside the chunk + 1; 0: empty */
    uint64_t size;
};

#define SHARED_MIN_BYTES 16 /* smaller strings are written again: a slot costs more */
#define SHARED_MAX_SLOTS ((size_t)1 << 21) /* 64 MiB of table at most; then no more are added */

/* Grows the table to twice its slots (64 at first); 0, or -1 when out of memory or at most. */
static int shared_grow(pv_seg_writer *w)
{
    size_t n = w->shared_slots ? w->shared_slots * 2 : 64, i;
    struct shared_slot *v;
    if (n > SHARED_MAX_SLOTS || !(v = calloc(n, sizeof *v)))
        return -1;
    for (i = 0; i < w->shared_slots; i++) {
        const struct shared_slot *s = &w->shared[i];
        size_t j;
        if (!s->at)
            continue;
        for (j = (size_t)s->h.low64 & (n - 1); v[j].at; j = (j + 1) & (n - 1))
            ;
        v[j] = *s;
    }
    free(w->shared);
    w->shared = v;
    w->shared_slots = n;
    return 0;
}

void pv_seg__key(const void *p, size_t n, pv_seg_key *k)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    k->lo = h.low64;
    k->hi = h.high64;
}

/* The slot of the n bytes keyed h in the chunk's table: the one holding them (at != 0), or
 * the empty one where they go; NULL when the table is full and cannot grow (they are then
 * written again). */
static struct shared_slot *shared_slot_of(pv_seg_writer *w, XXH128_hash_t h, size_t n)
{
    size_t i, mask;
    if (w->shared_chunk != w->chunk_off) { /* a new chunk: forget the last one's */
        if (w->shared)
            memset(w->shared, 0, w->shared_slots * sizeof *w->shared);
        w->shared_used = 0;
        w->shared_chunk = w->chunk_off;
    }
    if (w->shared_used + 1 > w->shared_slots / 4 * 3 && shared_grow(w) && !w->shared)
        return NULL;
    mask = w->shared_slots - 1;
    for (i = (size_t)h.low64 & mask; w->shared[i].at; i = (i + 1) & mask)
        if (w->shared[i].size == n && XXH128_isEqual(w->shared[i].h, h))
            return &w->shared[i];
    if (w->shared_used + 1 > w->shared_slots / 4 * 3) /* full, and cannot grow */
        return NULL;
    return &w->shared[i];
}

uint64_t pv_seg__put_shared(pv_seg_writer *w, const void *p, size_t n)
{
    struct shared_slot *s;
    XXH128_hash_t h;
    if (n < SHARED_MIN_BYTES)
        return pv_seg__put_bytes(w, p, n);
    h = XXH3_128bits(p, n);
    if (!(s = shared_slot_of(w, h, n)))
        return pv_seg__put_bytes(w, p, n);
    if (!s->at) {
        s->h = h;
        s->size = n;
        s->at = pv_seg__put_bytes(w, p, n) + 1;
        w->shared_used++;
    }
    return s->at - 1;
}

#define PLACED_WINDOW ((size_t)16 << 20) /* placed bytes hashed a window at a time */

/* n bytes of the chunk, written later by pv_seg__fill_placed */
static uint64_t place(pv_seg_writer *w, uint64_t n)
{
    uint64_t at = w->off - w->chunk_off;
    if (!w->placed)
        w->placed_from = w->off;
    w->placed = 1;
    w->off += n;
    return at;
}

uint64_t pv_seg__place_shared(pv_seg_writer *w, const pv_seg_key *k, size_t n, int *is_new)
{
    struct shared_slot *s;
    XXH128_hash_t h;
    *is_new = 1;
    if (n < SHARED_MIN_BYTES)
        return place(w, n);
    h.low64 = k->lo;
    h.high64 = k->hi;
    if (!(s = shared_slot_of(w, h, n)))
        return place(w, n);
    if (s->at) {
        *is_new = 0;
        return s->at - 1;
    }
    s->h = h;
    s->size = n;
    s->at = place(w, n) + 1;
    w->shared_used++;
    return s->at - 1;
}

int pv_seg__fill_placed(pv_seg_writer *w, pv_seg_place_fn fill, void *ctx, pv_err *err)
{
    uint64_t from = w->placed_from, n = w->off - from;
    long page = sysconf(_SC_PAGESIZE);
    int werr = 0, rc;
    struct stat st;
    if (!w->placed)
        return 0;
    w->placed = 0;
    if (w->failed)
        return 0;
    /* the stream holds the chunk's bytes before the placed ones */
    if (fflush(w->f) != 0) {
        out_fail(w);
        return 0;
    }
    rc = fill(ctx, fileno(w->f), w->chunk_off, &werr, err);
    if (rc == 0 && werr) {
        errno = werr;
        out_fail(w);
    }
    if (rc || w->failed)
        return rc;
    /* the chunk's checksum: the placed bytes in file order, read back from the page cache a
     * window at a time (mapped, not copied) */
    if (page <= 0)
        page = 4096;
    if (n > 0 && fstat(fileno(w->f), &st) != 0) {
        out_fail(w);
        return 0;
    }
    if (n > 0 && (uint64_t)st.st_size < from + n) { /* fill left the end unwritten */
        errno = EIO;
        out_fail(w);
        return 0;
    }
    while (n > 0) {
        uint64_t base = from - from % (uint64_t)page;
        size_t len = n < PLACED_WINDOW ? (size_t)n : PLACED_WINDOW;
        void *m = mmap(NULL, (size_t)(from - base) + len, PROT_READ, MAP_SHARED, fileno(w->f),
                       (off_t)base);
        if (m == MAP_FAILED) {
            out_fail(w);
            return 0;
        }
        XXH3_64bits_update(w->xs, (const unsigned char *)m + (from - base), len);
        munmap(m, (size_t)(from - base) + len);
        from += len;
        n -= len;
    }
    if (fseeko(w->f, (off_t)w->off, SEEK_SET) != 0)
        out_fail(w);
    return 0;
}

void pv_seg__parallel_work(pv_seg_writer *w, double here, double others)
{
    w->par_here += here > 0 ? here : 0;
    w->par_others += others > 0 ? others : 0;
}

/* ---- PSTG, BDIR, FANO ---- */

/* Adds serial work to a stage: cpu seconds of it, taking wall seconds. */
static void add_time(pv_stage_time *t, double cpu, double wall)
{
    t->serial += cpu > 0 ? cpu : 0;
    t->wall += wall > 0 ? wall : 0;
}

int pv_seg__encoder_new(pv_seg_encoder **out)
{
    pv_seg_encoder *e = calloc(1, sizeof *e);
    *out = NULL;
    if (!e || !(e->cctx = ZSTD_createCCtx())) {
        free(e);
        return PV_ENOMEM;
    }
    *out = e;
    return 0;
}

void pv_seg__encoder_free(pv_seg_encoder *e)
{
    if (!e)
        return;
    ZSTD_freeCCtx(e->cctx);
    free(e->raw);
    free(e);
}

/* A block: the fingerprint deltas, documents (deltas inside a fingerprint), positions and
 * origins as varint columns (format.h), zstd-compressed when that is smaller. */
int pv_seg__encode_block(pv_seg_encoder *e, const pv_seg_posting *p, size_t n, pv_seg_block *out,
                         pv_err *err)
{
    size_t need = n * 4 * 10, i, rawn = 0, zn;
    uint32_t groups = 1;
    if (pv_array__grow((void **)&e->raw, &e->raw_cap, need, 1) ||
        pv_array__grow((void **)&out->data, &out->cap, ZSTD_compressBound(need), 1))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        rawn += pv_varint_put(e->raw + rawn, i ? p[i].fp - p[i - 1].fp : 0);
    for (i = 0; i < n; i++) {
        int same = i > 0 && p[i].fp == p[i - 1].fp;
        rawn += pv_varint_put(e->raw + rawn, same ? p[i].doc - p[i - 1].doc : p[i].doc);
        groups += i > 0 && !same;
    }
    for (i = 0; i < n; i++)
        rawn += pv_varint_put(e->raw + rawn, p[i].pos);
    for (i = 0; i < n; i++)
        rawn += pv_varint_put(e->raw + rawn, 0); /* origin: the document's default */
    zn = ZSTD_compressCCtx(e->cctx, out->data, out->cap, e->raw, rawn, 1);
    if (!ZSTD_isError(zn) && zn < rawn) {
        out->size = zn;
        out->flags = 0;
    } else {
        memcpy(out->data, e->raw, rawn);
        out->size = rawn;
        out->flags = PV_BLOCK_RAW;
    }
    out->first_fp = p[0].fp;
    out->raw = (uint32_t)rawn;
    out->count = (uint32_t)n;
    out->fingerprints = groups;
    return 0;
}

int pv_seg__put_block(pv_seg_writer *w, const pv_seg_block *b, pv_err *err)
{
    block_writer *bw = &w->bw;
    unsigned char *e;
    double t0 = pv_now();
    if (pv_array__grow((void **)&bw->dir, &bw->dir_cap, (bw->ndir + 1) * PV_BDIR_ENTRY, 1))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    e = bw->dir + bw->ndir * PV_BDIR_ENTRY;
    pv_store64(e + PV_BDIR_FIRST_FP, b->first_fp);
    pv_store64(e + PV_BDIR_OFFSET, w->off - w->chunk_off);
    pv_store32(e + PV_BDIR_STORED, (uint32_t)b->size);
    pv_store32(e + PV_BDIR_RAW, b->raw);
    pv_store32(e + PV_BDIR_COUNT, b->count);
    pv_store32(e + PV_BDIR_FLAGS, b->flags);
    bw->ndir++;
    out_write(w, b->data, b->size);
    bw->postings += b->count;
    bw->fingerprints += b->fingerprints;
    if (b->count > bw->max_count)
        bw->max_count = b->count;
    w->write_secs += pv_now() - t0;
    return 0;
}

void pv_seg__encoded_here(pv_seg_writer *w, double secs)
{
    w->fill_encode_secs += secs;
}

/* The block of postings put so far, encoded here. */
static int flush_block(pv_seg_writer *w, pv_err *err)
{
    block_writer *bw = &w->bw;
    double t0;
    int rc;
    if (bw->n == 0)
        return 0;
    t0 = pv_now();
    rc = pv_seg__encode_block(bw->enc, bw->p, bw->n, &bw->blk, err);
    w->encode_secs += pv_now() - t0;
    if (rc == 0)
        rc = pv_seg__put_block(w, &bw->blk, err);
    bw->n = 0;
    return rc;
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
    const pv_seg_posting *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Keep the cap postings of g (old document ids) whose documents are the earliest by date,
 * in (document, position) order. Returns the new count, or 0 when out of memory. */
size_t pv_seg__keep_earliest(pv_seg_posting *g, size_t n, size_t cap, const int64_t *dates)
{
    dated *d = malloc(n * sizeof *d);
    size_t i;
    if (!d)
        return 0;
    for (i = 0; i < n; i++) {
        d[i].date = dates[g[i].doc];
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

int pv_seg__put_postings(pv_seg_writer *w, const pv_seg_posting *p, size_t n, pv_err *err)
{
    block_writer *bw = &w->bw;
    if (pv_array__grow((void **)&bw->p, &bw->cap, bw->n + n, sizeof *bw->p))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    memcpy(bw->p + bw->n, p, n * sizeof *p);
    bw->n += n;
    if (bw->n >= PV_BLOCK_POSTINGS)
        return flush_block(w, err);
    return 0;
}

static int write_pstg(pv_seg_writer *w, pv_err *err)
{
    int rc = w->c->postings(w->c->ctx, w, err);
    return rc ? rc : flush_block(w, err);
}

static int write_bdir(pv_seg_writer *w, pv_err *err)
{
    (void)err;
    out_write(w, w->bw.dir, w->bw.ndir * PV_BDIR_ENTRY);
    return 0;
}

/* FANO: about one block per fan-out slot */
static int write_fano(pv_seg_writer *w, pv_err *err)
{
    const block_writer *bw = &w->bw;
    uint32_t bits = 0;
    size_t nf, blk = 0, s;
    (void)err;
    while (bits < PV_MAX_FANOUT_BITS && ((size_t)1 << bits) < bw->ndir)
        bits++;
    nf = ((size_t)1 << bits) + 1;
    for (s = 0; s < nf; s++) {
        unsigned char v[4];
        /* blocks whose first fingerprint's top bits are below s */
        while (blk < bw->ndir &&
               (bits == 0 ? s > 0
                          : (pv_load64(bw->dir + blk * PV_BDIR_ENTRY) >> (PV_FP_BITS - bits)) < s))
            blk++;
        pv_store32(v, (uint32_t)blk);
        out_write(w, v, 4);
    }
    w->bw.fanout_bits = bits;
    return 0;
}

/* ---- the tables ---- */

void pv_seg__put_author(pv_seg_writer *w, uint32_t name, uint32_t email, uint32_t id)
{
    unsigned char e[PV_AUTH_ENTRY];
    pv_store32(e + PV_AUTH_NAME, name);
    pv_store32(e + PV_AUTH_EMAIL, email);
    pv_store32(e + PV_AUTH_ID, id);
    out_write(w, e, sizeof e);
    w->nauthors++;
}

void pv_seg__put_source(pv_seg_writer *w, uint32_t name, uint32_t kind)
{
    unsigned char e[PV_SRC_ENTRY];
    pv_store32(e + PV_SRC_NAME, name);
    pv_store32(e + PV_SRC_KIND, kind);
    out_write(w, e, sizeof e);
    w->nsources++;
}

void pv_seg__put_origin(pv_seg_writer *w, const pv_seg_origin *o)
{
    unsigned char e[PV_ORIG_ENTRY];
    memset(e, 0, sizeof e);
    pv_store32(e + PV_ORIG_AUTHOR, o->author);
    pv_store32(e + PV_ORIG_COMMIT, o->commit);
    pv_store64(e + PV_ORIG_DATE, (uint64_t)o->date);
    pv_store32(e + PV_ORIG_NEXT, o->next);
    pv_store32(e + PV_ORIG_FLAGS, o->flags);
    out_write(w, e, sizeof e);
    w->norigins++;
}

void pv_seg__put_doc(pv_seg_writer *w, const pv_seg_doc *d)
{
    unsigned char e[PV_DOC_ENTRY];
    pv_store32(e + PV_DOC_SOURCE, d->source);
    pv_store32(e + PV_DOC_KIND, d->kind);
    pv_store32(e + PV_DOC_LOCATOR, d->locator);
    pv_store32(e + PV_DOC_COMMIT, d->commit);
    pv_store32(e + PV_DOC_LICENSE, d->license);
    pv_store32(e + PV_DOC_ORIGIN, d->origin);
    pv_store64(e + PV_DOC_DATE, (uint64_t)d->date);
    pv_store64(e + PV_DOC_LINES_OFF, d->lines_off);
    pv_store32(e + PV_DOC_LINES_SIZE, d->lines_size);
    pv_store32(e + PV_DOC_LINES_RAW, d->lines_raw);
    pv_store32(e + PV_DOC_NLINES, d->nlines);
    pv_store32(e + PV_DOC_NTOKENS, d->ntokens);
    pv_store64(e + PV_DOC_BYTES, d->bytes);
    out_write(w, e, sizeof e);
    w->ndocs++;
}

/* BLOB entries in order: by blob id, then by document. */
static int cmp_blob(const void *a, const void *b)
{
    const pv_seg_blob *x = a, *y = b;
    int c = memcmp(x->id, y->id, sizeof x->id);
    return c ? c : (x->doc > y->doc) - (x->doc < y->doc);
}

/* BLOB: sorted, no two alike */
static int write_blob(pv_seg_writer *w, pv_err *err)
{
    pv_seg_blob *v = w->c->blobs;
    size_t n = w->c->nblobs, i;
    (void)err;
    if (n)
        qsort(v, n, sizeof *v, cmp_blob);
    for (i = 0; i < n; i++)
        if (i == 0 || cmp_blob(&v[i - 1], &v[i]) != 0) {
            unsigned char e[PV_BLOB_ENTRY];
            memcpy(e + PV_BLOB_ID, v[i].id, PV_BLOB_ID_LEN);
            pv_store32(e + PV_BLOB_DOC, v[i].doc);
            out_write(w, e, sizeof e);
        }
    return 0;
}

static int write_meta(pv_seg_writer *w, pv_err *err)
{
    unsigned char m[PV_META_SIZE];
    (void)err;
    memset(m, 0, sizeof m);
    pv_store64(m + PV_META_DOCUMENTS, w->ndocs);
    pv_store64(m + PV_META_AUTHORS, w->nauthors);
    pv_store64(m + PV_META_SOURCES, w->nsources);
    pv_store64(m + PV_META_ORIGINS, w->norigins);
    pv_store64(m + PV_META_FINGERPRINTS, w->bw.fingerprints);
    pv_store64(m + PV_META_POSTINGS, w->bw.postings);
    pv_store64(m + PV_META_BLOCKS, w->bw.ndir);
    pv_store64(m + PV_META_TOKENS, w->c->tokens);
    pv_store64(m + PV_META_INPUT_BYTES, w->c->input_bytes);
    pv_store64(m + PV_META_CREATED, (uint64_t)w->c->created);
    pv_store32(m + PV_META_FANOUT_BITS, w->bw.fanout_bits);
    pv_store32(m + PV_META_BLOCK_POSTINGS, w->bw.max_count ? w->bw.max_count : 1);
    out_write(w, m, sizeof m);
    return 0;
}

/* The chunks of a segment, in file order: written by the segment writer itself, or entry by
 * entry by the build's fill function at that offset of pv_seg_content. */
#define FILL(f) 0, offsetof(pv_seg_content, f)
#define OWN(f) f, 0
static const struct {
    char id[5];
    int (*write)(pv_seg_writer *w, pv_err *err);
    size_t fill;
} chunks[] = {
    {PV_ID_PSTG, OWN(write_pstg)}, {PV_ID_BDIR, OWN(write_bdir)}, {PV_ID_FANO, OWN(write_fano)},
    {PV_ID_AUTH, FILL(authors)},   {PV_ID_SRCS, FILL(sources)},   {PV_ID_ORIG, FILL(origins)},
    {PV_ID_LINE, FILL(lines)},     {PV_ID_DOCS, FILL(docs)},      {PV_ID_STRS, FILL(strings)},
    {PV_ID_BLOB, OWN(write_blob)}, {PV_ID_META, OWN(write_meta)},
};
#define NCHUNKS (sizeof chunks / sizeof chunks[0])

/* The stage a chunk's time counts to: PSTG's is the postings' merge (the blocks' encode and
 * write are split off), BDIR's and FANO's are writing, the rest are tables. */
static pv_build_stage chunk_stage(const char *id)
{
    if (memcmp(id, PV_ID_PSTG, 4) == 0)
        return PV_STAGE_MERGE;
    if (memcmp(id, PV_ID_BDIR, 4) == 0 || memcmp(id, PV_ID_FANO, 4) == 0)
        return PV_STAGE_WRITE;
    return PV_STAGE_TABLES;
}

/* Pads to PV_CHUNK_ALIGN (outside any checksum) and starts chunk c here. */
static void chunk_begin(pv_seg_writer *w, chunk_rec *c, const char *id)
{
    static const unsigned char zero[PV_CHUNK_ALIGN] = {0};
    size_t pad = (size_t)((PV_CHUNK_ALIGN - w->off % PV_CHUNK_ALIGN) % PV_CHUNK_ALIGN);
    w->chunk = id;
    if (pad && !w->failed) {
        if (fwrite(zero, 1, pad, w->f) != pad)
            out_fail(w);
        w->off += pad;
    }
    memcpy(c->id, id, 4);
    c->off = w->chunk_off = w->off;
    XXH3_64bits_reset_withSeed(w->xs, 0);
}

static void chunk_end(pv_seg_writer *w, chunk_rec *c)
{
    c->size = w->off - c->off;
    c->sum = XXH3_64bits_digest(w->xs);
}

/* The header and chunk table, with the header's checksum, into hdr. */
static void make_header(pv_seg_writer *w, const chunk_rec *ch, unsigned char *hdr, size_t size)
{
    const pv_seg_content *c = w->c;
    size_t i;
    memset(hdr, 0, size);
    memcpy(hdr + PV_HDR_MAGIC, PV_MAGIC, PV_MAGIC_LEN);
    pv_store32(hdr + PV_HDR_VERSION, PV_FORMAT_VERSION);
    pv_store32(hdr + PV_HDR_NORM, PV_NORM_VERSION);
    pv_store32(hdr + PV_HDR_K, c->k);
    pv_store32(hdr + PV_HDR_W, c->w);
    pv_store32(hdr + PV_HDR_FP_BITS, PV_FP_BITS);
    pv_store32(hdr + PV_HDR_POSTING_CAP, c->posting_cap);
    pv_store64(hdr + PV_HDR_SEED, c->seed);
    pv_store32(hdr + PV_HDR_NCHUNKS, (uint32_t)NCHUNKS);
    pv_store64(hdr + PV_HDR_FILE_SIZE, w->off);
    for (i = 0; i < NCHUNKS; i++) {
        unsigned char *e = hdr + PV_HDR_SIZE + i * PV_CHUNK_ENTRY;
        memcpy(e + PV_CHUNK_ID, ch[i].id, 4);
        pv_store64(e + PV_CHUNK_OFFSET, ch[i].off);
        pv_store64(e + PV_CHUNK_SIZE, ch[i].size);
        pv_store64(e + PV_CHUNK_CHECKSUM, ch[i].sum);
    }
    XXH3_64bits_reset_withSeed(w->xs, 0);
    XXH3_64bits_update(w->xs, hdr, 56);
    XXH3_64bits_update(w->xs, hdr + PV_HDR_SIZE, NCHUNKS * PV_CHUNK_ENTRY);
    pv_store64(hdr + PV_HDR_CHECKSUM, XXH3_64bits_digest(w->xs));
}

/* Creates tmp_path for writing (a placeholder header first). */
static int seg_open(pv_seg_writer *w, const char *tmp_path, size_t hdr_size, pv_err *err)
{
    static const unsigned char zero[256];
    int fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    size_t left;
    if (fd < 0 || !(w->f = fdopen(fd, "w+b"))) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return pv_err__set(err, PV_EIO, "cannot create '%s': %s", tmp_path, strerror(e));
    }
    for (left = hdr_size; left > 0;) {
        size_t n = left < sizeof zero ? left : sizeof zero;
        if (fwrite(zero, 1, n, w->f) != n)
            out_fail(w);
        left -= n;
    }
    w->off = hdr_size;
    return 0;
}

/* Writes the header over its placeholder, syncs, closes and renames into place. */
static int seg_close(pv_seg_writer *w, const unsigned char *hdr, size_t hdr_size,
                     const char *out_path, const char *tmp_path, pv_err *err)
{
    FILE *f = w->f;
    double c0 = pv_thread_cpu(), t0 = pv_now();
    w->f = NULL;
    /* what is still buffered belongs to the last chunk */
    if (!w->failed && fflush(f) != 0)
        out_fail(w);
    w->chunk = NULL;
    if (!w->failed &&
        (fseeko(f, 0, SEEK_SET) != 0 || fwrite(hdr, 1, hdr_size, f) != hdr_size || fflush(f) != 0))
        out_fail(w);
    add_time(&w->stages[PV_STAGE_WRITE], pv_thread_cpu() - c0, pv_now() - t0);
    c0 = pv_thread_cpu();
    t0 = pv_now();
    if (!w->failed && fsync(fileno(f)) != 0)
        out_fail(w);
    if (w->failed) {
        fclose(f);
        /* a full disk fails a buffered write up to a buffer after the chunk it belongs to */
        return pv_err__set(err, PV_EIO, "cannot write index '%s' (writing its %s to '%s'): %s",
                           out_path, w->failed_in, tmp_path, strerror(w->failed));
    }
    if (fclose(f) != 0)
        return pv_err__set(err, PV_EIO, "cannot write '%s': %s", tmp_path, strerror(errno));
    if (rename(tmp_path, out_path) != 0)
        return pv_err__set(err, PV_EIO, "cannot rename '%s' to '%s': %s", tmp_path, out_path,
                           strerror(errno));
    add_time(&w->stages[PV_STAGE_SYNC], pv_thread_cpu() - c0, pv_now() - t0);
    return 0;
}

int pv_seg__write(const char *out_path, const char *tmp_path, const pv_seg_content *c,
                  pv_seg_result *res, pv_err *err)
{
    pv_seg_writer w;
    chunk_rec ch[NCHUNKS];
    unsigned char hdr[PV_HDR_SIZE + NCHUNKS * PV_CHUNK_ENTRY];
    pv_stage_time scratch[PV_NSTAGES];
    size_t i;
    int rc = 0;

    memset(&w, 0, sizeof w);
    memset(scratch, 0, sizeof scratch);
    w.c = c;
    w.stages = c->stages ? c->stages : scratch;
    w.xs = XXH3_createState();
    if (!w.xs || pv_seg__encoder_new(&w.bw.enc) != 0) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = seg_open(&w, tmp_path, sizeof hdr, err)) != 0)
        goto done;
    /* the first failed write is the one to report (the disk is full, say), not what a later
     * chunk's fill function meets */
    for (i = 0; i < NCHUNKS && rc == 0 && !w.failed; i++) {
        double c0 = pv_thread_cpu(), t0 = pv_now(), enc = w.encode_secs, wr = w.write_secs;
        double fenc = w.fill_encode_secs, ph = w.par_here, po = w.par_others, cpu, wall;
        pv_build_stage stage = chunk_stage(chunks[i].id);
        chunk_begin(&w, &ch[i], chunks[i].id);
        if (chunks[i].write) {
            rc = chunks[i].write(&w, err);
        } else {
            pv_seg_fill_fn fill;
            memcpy(&fill, (const char *)c + chunks[i].fill, sizeof fill);
            rc = fill(c->ctx, &w, err);
        }
        assert(rc || w.failed || !w.placed); /* the fill function filled what it placed */
        w.placed = 0;
        chunk_end(&w, &ch[i]);
        /* PSTG: the fill function's merge, less the blocks it encoded and wrote; the thread's
         * CPU time is split in proportion to the clock (a thread call costs 1.4 us: too much
         * for every block) */
        cpu = pv_thread_cpu() - c0;
        wall = pv_now() - t0;
        enc = w.encode_secs - enc;
        wr = w.write_secs - wr;
        fenc = w.fill_encode_secs - fenc;
        cpu = wall > 0 ? cpu / wall : 1; /* now CPU seconds per second */
        add_time(&w.stages[PV_STAGE_ENCODE], enc * cpu, enc);
        w.stages[PV_STAGE_ENCODE].parallel += fenc * cpu;
        w.stages[PV_STAGE_ENCODE].wall += fenc;
        add_time(&w.stages[PV_STAGE_WRITE], wr * cpu, wr);
        /* parallel work of the fill function (pv_seg__parallel_work): its share of this
         * thread's CPU time is not serial */
        ph = w.par_here - ph;
        po = w.par_others - po;
        w.stages[stage].parallel += ph + po;
        add_time(&w.stages[stage], (wall - enc - fenc - wr) * cpu - ph, wall - enc - fenc - wr);
    }
    if (rc)
        goto done;
    if (!w.failed)
        make_header(&w, ch, hdr, sizeof hdr);
    if ((rc = seg_close(&w, hdr, sizeof hdr, out_path, tmp_path, err)) != 0)
        goto done;
    if (res) {
        res->postings = w.bw.postings;
        res->fingerprints = w.bw.fingerprints;
        res->file_bytes = w.off;
    }
done:
    if (w.f)
        fclose(w.f);
    if (rc)
        unlink(tmp_path);
    XXH3_freeState(w.xs);
    pv_seg__encoder_free(w.bw.enc);
    free(w.bw.p);
    free(w.bw.blk.data);
    free(w.bw.dir);
    free(w.shared);
    return rc;
}

int pv_seg__pack_lines_head(void *cctx, const void *head, size_t n, void **zbuf, size_t *zcap,
                            const void **out, size_t *outsz)
{
    size_t bound, z;
    *out = head;
    *outsz = n;
    if (n < 64)
        return 0;
    bound = ZSTD_compressBound(n);
    if (bound > *zcap) {
        void *nz = realloc(*zbuf, bound);
        if (!nz)
            return PV_ENOMEM;
        *zbuf = nz;
        *zcap = bound;
    }
    z = ZSTD_compressCCtx(cctx, *zbuf, *zcap, head, n, 1);
    if (!ZSTD_isError(z) && z < n) {
        *out = *zbuf;
        *outsz = z;
    }
    return 0;
}

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
#include <pthread.h>
#include <stdatomic.h>
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

/* The postings of the block being filled (whole fingerprint groups). */
typedef struct block_fill {
    pv_seg_posting *p;
    size_t n, cap;
    unsigned bits; /* R of format.h */
} block_fill;

/* BDIR entries of blocks put, and what they hold. */
typedef struct block_dir {
    unsigned char *e;
    size_t n, cap;
    uint64_t postings, fingerprints;
    uint32_t max_count;
} block_dir;

/* The blocks of PSTG being written: the postings of the block being filled, and BDIR. */
typedef struct block_writer {
    pv_seg_encoder *enc;
    block_fill fill;
    pv_seg_block blk;
    block_dir dir;
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
    uint64_t shared_chunk;          /* the chunk_off the table is for */
    pv_stage_time *stages;          /* c->stages, or a scratch array */
    double encode_secs;             /* posting blocks encoded so far (monotonic clock) */
    double write_secs;              /* and written */
    double ranges_secs, ranges_cpu; /* in pv_seg__put_ranges, which counts its own time */
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

/* Adds the BDIR entry of block b, at offset off, to d. 0 or PV_ENOMEM. */
static int dir_put(block_dir *d, const pv_seg_block *b, uint64_t off)
{
    unsigned char *e;
    if (pv_array__grow((void **)&d->e, &d->cap, (d->n + 1) * PV_BDIR_ENTRY, 1))
        return PV_ENOMEM;
    e = d->e + d->n * PV_BDIR_ENTRY;
    pv_store64(e + PV_BDIR_FIRST_FP, b->first_fp);
    pv_store64(e + PV_BDIR_OFFSET, off);
    pv_store32(e + PV_BDIR_STORED, (uint32_t)b->size);
    pv_store32(e + PV_BDIR_RAW, b->raw);
    pv_store32(e + PV_BDIR_COUNT, b->count);
    pv_store32(e + PV_BDIR_FLAGS, b->flags);
    d->n++;
    d->postings += b->count;
    d->fingerprints += b->fingerprints;
    if (b->count > d->max_count)
        d->max_count = b->count;
    return 0;
}

int pv_seg__put_block(pv_seg_writer *w, const pv_seg_block *b, pv_err *err)
{
    double t0 = pv_now();
    if (dir_put(&w->bw.dir, b, w->off - w->chunk_off))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    out_write(w, b->data, b->size);
    w->write_secs += pv_now() - t0;
    return 0;
}

unsigned pv_seg__range_bits(uint64_t tokens)
{
    unsigned log2 = 0;
    while (log2 < 63 && tokens >> (log2 + 1))
        log2++;
    if (log2 <= PV_RANGE_MIN_TOKENS_BITS)
        return 0;
    log2 -= PV_RANGE_MIN_TOKENS_BITS;
    return log2 < PV_RANGE_BITS_MAX ? log2 : PV_RANGE_BITS_MAX;
}

/* Whether fingerprints a and b are in one range of 2^bits. */
static int same_range(uint64_t a, uint64_t b, unsigned bits)
{
    return ((a ^ b) >> (PV_FP_BITS - bits)) == 0;
}

/* Adds one fingerprint's postings p[0..n) to the block being filled, ending blocks where
 * format.h says (ranges of 2^f->bits): flush(arg, err) encodes and puts the block and empties
 * f. */
static int fill_group(block_fill *f, const pv_seg_posting *p, size_t n,
                      int (*flush)(void *arg, pv_err *err), void *arg, pv_err *err)
{
    int rc;
    if (f->n > 0 && !same_range(p[0].fp, f->p[0].fp, f->bits) && (rc = flush(arg, err)) != 0)
        return rc;
    if (pv_array__grow((void **)&f->p, &f->cap, f->n + n, sizeof *f->p))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    memcpy(f->p + f->n, p, n * sizeof *p);
    f->n += n;
    return f->n >= PV_BLOCK_POSTINGS ? flush(arg, err) : 0;
}

/* Encodes the block being filled (n > 0) into blk, its clock time added to *secs, and
 * empties f. */
static int fill_encode(block_fill *f, pv_seg_encoder *enc, pv_seg_block *blk, double *secs,
                       pv_err *err)
{
    double t0 = pv_now();
    int rc = pv_seg__encode_block(enc, f->p, f->n, blk, err);
    *secs += pv_now() - t0;
    f->n = 0;
    return rc;
}

/* The block of postings put so far, encoded here. */
static int flush_block(void *arg, pv_err *err)
{
    pv_seg_writer *w = arg;
    block_writer *bw = &w->bw;
    int rc;
    if (bw->fill.n == 0)
        return 0;
    rc = fill_encode(&bw->fill, bw->enc, &bw->blk, &w->encode_secs, err);
    return rc ? rc : pv_seg__put_block(w, &bw->blk, err);
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
    return fill_group(&w->bw.fill, p, n, flush_block, w, err);
}

/* ---- PSTG by fingerprint range, on several threads ---- */

/* Blocks of one range encoded and not yet in the file: their bytes, and their BDIR entries
 * with offsets from data[0]. */
typedef struct range_part {
    unsigned char *data;
    size_t len, cap;
    block_dir dir;
    uint64_t at; /* where data goes in the file, once the range is the head */
} range_part;

/* What the threads of pv_seg__put_ranges share. Range i is claimed by one thread, which
 * merges and encodes it; the ranges go into the file in order: the head (the range all
 * before which are in the file) is hashed into PSTG's checksum, given its place and joined
 * to BDIR under the lock, then written (pwrite) outside it. A range complete before it is
 * the head waits in slot[i] for the thread that completes the head. */
typedef struct ranges {
    pv_seg_writer *w;
    pv_seg_range_fn fill;
    void *ctx;
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned next;          /* the next range to claim */
    unsigned done;          /* ranges in the file (the head) */
    unsigned window;        /* ranges claimed at most past the head */
    size_t part_max;        /* bytes of blocks a thread holds before it waits to be the head */
    unsigned nranges, bits; /* 2^bits ranges (format.h) */
    range_part *slot;       /* [nranges]: complete ranges waiting for the head */
    unsigned char *ready;
    atomic_int stop; /* a thread failed, or a write did: the others stop */
    int rc, write_errno;
    pv_err err;
} ranges;

struct pv_seg_range {
    ranges *rs;
    unsigned thread, index;
    pv_seg_encoder *enc;
    block_fill fill;
    pv_seg_block blk;
    range_part part;
    pthread_t tid;
    int started;
    pv_err err;
    /* time: CPU and clock seconds of the thread, and on the clock: waiting for others,
     * encoding, hashing and joining the head (serial), writing */
    double cpu, wall, wait, enc_secs, hash_secs, write_secs;
};

/* Writes n bytes at file offset at; on failure remembers errno and stops every thread. */
static void range_write(ranges *rs, pv_seg_range *r, const void *p, size_t n, uint64_t at)
{
    const unsigned char *b = p;
    double t0 = pv_now();
    while (n > 0 && !atomic_load(&rs->stop)) {
        ssize_t k = pwrite(rs->fd, b, n, (off_t)at);
        if (k <= 0) {
            int e = k < 0 ? errno : ENOSPC;
            if (k < 0 && e == EINTR)
                continue;
            pthread_mutex_lock(&rs->lock);
            if (!rs->write_errno && !rs->rc)
                rs->write_errno = e;
            atomic_store(&rs->stop, 1);
            pthread_cond_broadcast(&rs->cond);
            pthread_mutex_unlock(&rs->lock);
            break;
        }
        b += k;
        n -= (size_t)k;
        at += (uint64_t)k;
    }
    r->write_secs += pv_now() - t0;
}

/* With the lock held and the part's range the head: the part's bytes go into PSTG's
 * checksum and take their place, its blocks join BDIR. Returns the file offset of the
 * bytes, or UINT64_MAX when out of memory (the build stops). */
static uint64_t part_commit(ranges *rs, pv_seg_range *r, range_part *pt)
{
    pv_seg_writer *w = rs->w;
    block_dir *d = &w->bw.dir;
    uint64_t at = w->off, base = w->off - w->chunk_off;
    double t0 = pv_now();
    size_t i;
    if (pv_array__grow((void **)&d->e, &d->cap, (d->n + pt->dir.n) * PV_BDIR_ENTRY, 1)) {
        if (!rs->rc)
            rs->rc = pv_err__set(&rs->err, PV_ENOMEM, "out of memory");
        atomic_store(&rs->stop, 1);
        return UINT64_MAX;
    }
    for (i = 0; i < pt->dir.n; i++) {
        unsigned char *e = d->e + (d->n + i) * PV_BDIR_ENTRY;
        memcpy(e, pt->dir.e + i * PV_BDIR_ENTRY, PV_BDIR_ENTRY);
        pv_store64(e + PV_BDIR_OFFSET, base + pv_load64(e + PV_BDIR_OFFSET));
    }
    d->n += pt->dir.n;
    d->postings += pt->dir.postings;
    d->fingerprints += pt->dir.fingerprints;
    if (pt->dir.max_count > d->max_count)
        d->max_count = pt->dir.max_count;
    XXH3_64bits_update(w->xs, pt->data, pt->len);
    w->off += pt->len;
    pt->dir.n = 0;
    pt->dir.postings = pt->dir.fingerprints = 0;
    pt->dir.max_count = 0;
    r->hash_secs += pv_now() - t0;
    return at;
}

/* Waits, lock held, until the condition `until` holds or the threads stop; the wait counts
 * as idle time. */
#define RANGES_WAIT(rs, r, until)                                                                  \
    do {                                                                                           \
        double t0_ = pv_now();                                                                     \
        while (!(until) && !atomic_load(&(rs)->stop))                                              \
            pthread_cond_wait(&(rs)->cond, &(rs)->lock);                                           \
        (r)->wait += pv_now() - t0_;                                                               \
    } while (0)

/* The thread holds more than part_max bytes of blocks: it waits to be the head, then puts
 * them in the file. */
static int part_spill(ranges *rs, pv_seg_range *r)
{
    uint64_t at = UINT64_MAX;
    pthread_mutex_lock(&rs->lock);
    RANGES_WAIT(rs, r, rs->done == r->index);
    if (!atomic_load(&rs->stop))
        at = part_commit(rs, r, &r->part);
    pthread_mutex_unlock(&rs->lock);
    if (at == UINT64_MAX)
        return -1;
    range_write(rs, r, r->part.data, r->part.len, at);
    r->part.len = 0;
    return 0;
}

/* The range's block being filled, encoded and added to the thread's part. */
static int range_flush(void *arg, pv_err *err)
{
    pv_seg_range *r = arg;
    range_part *pt = &r->part;
    int rc;
    if (r->fill.n == 0)
        return 0;
    if (atomic_load(&r->rs->stop))
        return pv_err__set(err, PV_EIO, "stopped: another thread failed");
    if ((rc = fill_encode(&r->fill, r->enc, &r->blk, &r->enc_secs, err)) != 0)
        return rc;
    if (dir_put(&pt->dir, &r->blk, pt->len) ||
        pv_array__grow((void **)&pt->data, &pt->cap, pt->len + r->blk.size, 1))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    memcpy(pt->data + pt->len, r->blk.data, r->blk.size);
    pt->len += r->blk.size;
    if (pt->len > r->rs->part_max && part_spill(r->rs, r) != 0)
        return pv_err__set(err, PV_EIO, "stopped: another thread failed");
    return 0;
}

int pv_seg__range_put(pv_seg_range *r, const pv_seg_posting *p, size_t n, pv_err *err)
{
    assert(n > 0 && (p[0].fp >> (PV_FP_BITS - r->rs->bits)) == r->index);
    return fill_group(&r->fill, p, n, range_flush, r, err);
}

/* Frees a part's buffers. */
static void part_free(range_part *pt)
{
    free(pt->data);
    free(pt->dir.e);
    memset(pt, 0, sizeof *pt);
}

/* The thread's range is complete: into the file if it is the head, with the complete ranges
 * waiting after it; else into its slot to wait for the thread that completes the head. */
static int range_end(ranges *rs, pv_seg_range *r, pv_err *err)
{
    unsigned from, to, i;
    uint64_t at;
    int rc = range_flush(r, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&rs->lock);
    if (rs->done != r->index) {
        rs->slot[r->index] = r->part; /* the thread starts its next part afresh */
        memset(&r->part, 0, sizeof r->part);
        rs->ready[r->index] = 1;
        pthread_mutex_unlock(&rs->lock);
        return 0;
    }
    at = part_commit(rs, r, &r->part);
    from = to = r->index + 1;
    if (at != UINT64_MAX) {
        while (to < rs->nranges && rs->ready[to] &&
               (rs->slot[to].at = part_commit(rs, r, &rs->slot[to])) != UINT64_MAX)
            to++;
        rs->done = to;
    }
    pthread_cond_broadcast(&rs->cond);
    pthread_mutex_unlock(&rs->lock);
    if (at == UINT64_MAX)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    /* the places are taken: the bytes are written outside the lock, the next ranges meanwhile */
    range_write(rs, r, r->part.data, r->part.len, at);
    r->part.len = 0;
    for (i = from; i < to; i++) {
        range_write(rs, r, rs->slot[i].data, rs->slot[i].len, rs->slot[i].at);
        part_free(&rs->slot[i]);
    }
    return 0;
}

/* One thread: claims ranges in order, has the fill function merge each into blocks. */
static void *range_main(void *arg)
{
    pv_seg_range *r = arg;
    ranges *rs = r->rs;
    double c0 = pv_thread_cpu(), t0 = pv_now();
    for (;;) {
        int rc;
        pthread_mutex_lock(&rs->lock);
        /* a thread far ahead of the head would hold its blocks long: it waits */
        RANGES_WAIT(rs, r, rs->next == rs->nranges || rs->next < rs->done + rs->window);
        if (atomic_load(&rs->stop) || rs->next == rs->nranges) {
            pthread_mutex_unlock(&rs->lock);
            break;
        }
        r->index = rs->next++;
        pthread_mutex_unlock(&rs->lock);
        {
            unsigned sh = PV_FP_BITS - rs->bits;
            rc = rs->fill(rs->ctx, r->thread, (uint64_t)r->index << sh,
                          (uint64_t)(r->index + 1) << sh, r, &r->err);
        }
        if (rc == 0)
            rc = range_end(rs, r, &r->err);
        if (rc) {
            pthread_mutex_lock(&rs->lock);
            if (!atomic_load(&rs->stop)) { /* the first failure is the one to report */
                rs->rc = rc;
                rs->err = r->err;
            }
            atomic_store(&rs->stop, 1);
            pthread_cond_broadcast(&rs->cond);
            pthread_mutex_unlock(&rs->lock);
            break;
        }
    }
    r->cpu = pv_thread_cpu() - c0;
    r->wall = pv_now() - t0;
    return NULL;
}

/* Adds the threads' time to the stages: each thread's CPU time split by its clock (waits
 * left out); hashing and joining the head is serial, the rest parallel. */
static void ranges_time(pv_seg_writer *w, const pv_seg_range *r, unsigned n)
{
    pv_stage_time *st = w->stages;
    double enc_wall = 0, write_wall = 0, merge_wall = 0, hash_wall = 0;
    unsigned i;
    for (i = 0; i < n; i++) {
        double busy = r[i].wall - r[i].wait;
        double rate = busy > 0 ? r[i].cpu / busy : 1;
        double merge = busy - r[i].enc_secs - r[i].write_secs - r[i].hash_secs;
        if (merge < 0)
            merge = 0;
        st[PV_STAGE_ENCODE].parallel += r[i].enc_secs * rate;
        st[PV_STAGE_WRITE].parallel += r[i].write_secs * rate;
        st[PV_STAGE_WRITE].serial += r[i].hash_secs * rate;
        st[PV_STAGE_MERGE].parallel += merge * rate;
        enc_wall = r[i].enc_secs > enc_wall ? r[i].enc_secs : enc_wall;
        write_wall = r[i].write_secs > write_wall ? r[i].write_secs : write_wall;
        merge_wall = merge > merge_wall ? merge : merge_wall;
        hash_wall += r[i].hash_secs;
    }
    st[PV_STAGE_ENCODE].wall += enc_wall;
    st[PV_STAGE_WRITE].wall += write_wall + hash_wall;
    st[PV_STAGE_MERGE].wall += merge_wall;
}

int pv_seg__put_ranges(pv_seg_writer *w, unsigned nthreads, size_t buffer, pv_seg_range_fn fill,
                       void *ctx, pv_err *err)
{
    ranges rs;
    pv_seg_range *r = NULL;
    double t0 = pv_now(), c0 = pv_thread_cpu();
    unsigned i;
    int rc = 0, sync = 0;

    assert(w->bw.fill.n == 0);
    memset(&rs, 0, sizeof rs);
    if (nthreads == 0)
        nthreads = 1;
    if (w->failed)
        return 0;
    /* the bytes before PSTG are in the file before the threads write after them */
    if (fflush(w->f) != 0) {
        out_fail(w);
        return 0;
    }
    rs.w = w;
    rs.fill = fill;
    rs.ctx = ctx;
    rs.fd = fileno(w->f);
    rs.window = 2 * nthreads;
    rs.part_max = buffer / (3 * (size_t)nthreads); /* parts in progress and waiting */
    if (rs.part_max < ((size_t)1 << 20))
        rs.part_max = (size_t)1 << 20;
    atomic_init(&rs.stop, 0);
    rs.bits = w->bw.fill.bits;
    rs.nranges = 1u << rs.bits;
    rs.slot = calloc(rs.nranges, sizeof *rs.slot);
    rs.ready = calloc(rs.nranges, 1);
    r = calloc(nthreads, sizeof *r);
    if (!rs.slot || !rs.ready || !r) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    pthread_mutex_init(&rs.lock, NULL);
    pthread_cond_init(&rs.cond, NULL);
    sync = 1;
    for (i = 0; i < nthreads; i++) {
        r[i].rs = &rs;
        r[i].thread = i;
        r[i].fill.bits = rs.bits;
        if (pv_seg__encoder_new(&r[i].enc) != 0) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
    }
    /* a thread that cannot start leaves its share to the others */
    for (i = 1; i < nthreads; i++)
        r[i].started = pthread_create(&r[i].tid, NULL, range_main, &r[i]) == 0;
    range_main(&r[0]);
    for (i = 1; i < nthreads; i++)
        if (r[i].started)
            pthread_join(r[i].tid, NULL);
    ranges_time(w, r, nthreads);
    if (rs.rc) {
        rc = rs.rc;
        if (err)
            *err = rs.err;
    } else if (rs.write_errno) {
        errno = rs.write_errno;
        out_fail(w);
    } else if (fseeko(w->f, (off_t)w->off, SEEK_SET) != 0) {
        out_fail(w);
    }
    assert(rc || w->failed || rs.done == rs.nranges);
done:
    for (i = 0; r && i < nthreads; i++) {
        pv_seg__encoder_free(r[i].enc);
        free(r[i].fill.p);
        free(r[i].blk.data);
        part_free(&r[i].part);
    }
    for (i = 0; rs.slot && i < rs.nranges; i++)
        part_free(&rs.slot[i]);
    free(rs.slot);
    free(rs.ready);
    if (sync) {
        pthread_mutex_destroy(&rs.lock);
        pthread_cond_destroy(&rs.cond);
    }
    /* the calling thread's time outside its share of the ranges: setting up, serial */
    {
        double cpu = pv_thread_cpu() - c0, wall = pv_now() - t0;
        if (r)
            add_time(&w->stages[PV_STAGE_MERGE], cpu - r[0].cpu, wall - r[0].wall);
        w->ranges_secs += wall;
        w->ranges_cpu += cpu;
    }
    free(r);
    return rc;
}

static int write_pstg(pv_seg_writer *w, pv_err *err)
{
    int rc = w->c->postings(w->c->ctx, w, err);
    return rc ? rc : flush_block(w, err);
}

static int write_bdir(pv_seg_writer *w, pv_err *err)
{
    (void)err;
    out_write(w, w->bw.dir.e, w->bw.dir.n * PV_BDIR_ENTRY);
    return 0;
}

/* FANO: about one block per fan-out slot */
static int write_fano(pv_seg_writer *w, pv_err *err)
{
    const block_writer *bw = &w->bw;
    uint32_t bits = 0;
    size_t nf, blk = 0, s;
    (void)err;
    while (bits < PV_MAX_FANOUT_BITS && ((size_t)1 << bits) < bw->dir.n)
        bits++;
    nf = ((size_t)1 << bits) + 1;
    for (s = 0; s < nf; s++) {
        unsigned char v[4];
        /* blocks whose first fingerprint's top bits are below s */
        while (blk < bw->dir.n && (bits == 0 ? s > 0
                                             : (pv_load64(bw->dir.e + blk * PV_BDIR_ENTRY) >>
                                                (PV_FP_BITS - bits)) < s))
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
    pv_store64(m + PV_META_FINGERPRINTS, w->bw.dir.fingerprints);
    pv_store64(m + PV_META_POSTINGS, w->bw.dir.postings);
    pv_store64(m + PV_META_BLOCKS, w->bw.dir.n);
    pv_store64(m + PV_META_TOKENS, w->c->tokens);
    pv_store64(m + PV_META_INPUT_BYTES, w->c->input_bytes);
    pv_store64(m + PV_META_CREATED, (uint64_t)w->c->created);
    pv_store32(m + PV_META_FANOUT_BITS, w->bw.fanout_bits);
    pv_store32(m + PV_META_BLOCK_POSTINGS, w->bw.dir.max_count ? w->bw.dir.max_count : 1);
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
    w.bw.fill.bits = pv_seg__range_bits(c->tokens);
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
        double ph = w.par_here, po = w.par_others, rcpu = w.ranges_cpu, rwall = w.ranges_secs;
        double cpu, wall;
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
        /* PSTG: the fill function's merge, less the blocks it encoded and wrote, and less
         * pv_seg__put_ranges (which counts its own); the thread's CPU time is split in
         * proportion to the clock (a thread call costs 1.4 us: too much for every block) */
        cpu = pv_thread_cpu() - c0 - (w.ranges_cpu - rcpu);
        wall = pv_now() - t0 - (w.ranges_secs - rwall);
        enc = w.encode_secs - enc;
        wr = w.write_secs - wr;
        cpu = wall > 0 ? cpu / wall : 1; /* now CPU seconds per second */
        add_time(&w.stages[PV_STAGE_ENCODE], enc * cpu, enc);
        add_time(&w.stages[PV_STAGE_WRITE], wr * cpu, wr);
        /* parallel work of the fill function (pv_seg__parallel_work): its share of this
         * thread's CPU time is not serial */
        ph = w.par_here - ph;
        po = w.par_others - po;
        w.stages[stage].parallel += ph + po;
        add_time(&w.stages[stage], (wall - enc - wr) * cpu - ph, wall - enc - wr);
    }
    if (rc)
        goto done;
    if (!w.failed)
        make_header(&w, ch, hdr, sizeof hdr);
    if ((rc = seg_close(&w, hdr, sizeof hdr, out_path, tmp_path, err)) != 0)
        goto done;
    if (res) {
        res->postings = w.bw.dir.postings;
        res->fingerprints = w.bw.dir.fingerprints;
        res->file_bytes = w.off;
    }
done:
    if (w.f)
        fclose(w.f);
    if (rc)
        unlink(tmp_path);
    XXH3_freeState(w.xs);
    pv_seg__encoder_free(w.bw.enc);
    free(w.bw.fill.p);
    free(w.bw.blk.data);
    free(w.bw.dir.e);
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

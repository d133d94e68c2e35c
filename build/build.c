/*
 * build.c - the build pipeline: builds an index from sources in bounded memory on all cores.
 * The readers (scanner/) feed documents to a queue; workers turn HTML into text, tokenize,
 * fingerprint and winnow them into per-thread posting buffers that are radix-sorted and
 * spilled as runs when full, and write their line tables; the producer keeps the tables of
 * sources, authors and origins. At the end identities are merged, and the runs are merged
 * k-way into the index's segment writer (index/segment_writer.h), which lays out the bytes.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* madvise */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "build_int.h"
#include "common_int.h"
#include "format.h"
#include "index_int.h"
#include "scanner_int.h"
#include "segment_writer.h"
#include "source.h"

/* One posting while building: top 48 bits of the fingerprint, document, position. */
typedef struct rec {
    uint64_t fp;
    uint32_t doc;
    uint32_t pos;
} rec;

/* What the build keeps about each document until the tables are written. Strings are
 * offsets into the string pool (PV_NONE when absent); the locator is an offset into the
 * locator spill file. */
typedef struct docmeta {
    int64_t date;
    uint64_t bytes;
    uint64_t lines_src;   /* the line table's offset in the worker's line spill file */
    uint64_t lines_off;   /* and inside LINE (put_lines) */
    pv_seg_key lines_key; /* its hash, for sharing identical tables (pv_seg__place_shared) */
    uint32_t lines_size, lines_raw, nlines, ntokens;
    uint32_t source, kind, locator, commit, license, origin;
    uint16_t worker;
    uint8_t status;    /* 0 pending, 1 indexed, 2 skipped */
    uint8_t lines_new; /* its line table is written to LINE (else shared with an earlier) */
} docmeta;

/* Documents live in chunks of DOC_CHUNK so that the table never moves while workers fill
 * in their entries. The chunks (and those of the origins) are mapped from an unlinked
 * temporary file, so the kernel can write them back to disk: their memory does not grow
 * with the number of documents (see meta_map). */
#define DOC_CHUNK_BITS 16
#define DOC_CHUNK ((size_t)1 << DOC_CHUNK_BITS)
#define DOC_CHUNKS ((size_t)PV_NONE / DOC_CHUNK + 1)
#define ORIG_CHUNK_BITS 16
#define ORIG_CHUNK ((size_t)1 << ORIG_CHUNK_BITS)
#define ORIG_CHUNKS ((size_t)PV_NONE / ORIG_CHUNK + 1)

typedef struct run {
    FILE *f;  /* spilled run (unlinked temp file), or NULL for an in-memory run */
    rec *mem; /* in-memory run */
    uint64_t n;
    /* where each of the finest fingerprint ranges (format.h) starts */
    uint64_t starts[((size_t)1 << PV_RANGE_BITS_MAX) + 1];
} run;

/* A document waiting for a worker: its id, its text and its authorship runs (owned). */
typedef struct job {
    uint32_t id;
    char *text;
    size_t len;
    size_t html_off; /* text[html_off, len) is HTML to turn into text first; len when none;
                        then the locator follows text[len] (for messages) */
    pv_run_in *runs;
    size_t nruns;
} job;

typedef struct builder builder;

/* A listed file being loaded ahead by a worker (pv_file_loader), then its bytes. */
typedef struct load_slot {
    const pv_file_entry *e;
    char *buf;
    size_t len;
    int rc, done;
    pv_err err;
    char tag[PV_FILE_TAG_SIZE]; /* its SPDX tag (pv_file_loader.take), found by the loader */
} load_slot;

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
    pv_buf htmlbuf; /* a job's text with its HTML turned into text */
    void *zbuf;
    size_t zcap;
    ZSTD_CCtx *cctx;
    run *runs;
    size_t nruns, runs_cap;
    int rc;
    pv_err err;
    /* time (pv_build_stats.stages): CPU seconds of the thread and of its sorts; with one job,
     * the seconds the producer spent indexing documents (sorts included) */
    double cpu, sort_cpu, inline_secs;
    double load_secs; /* loading files ahead for the reader (CPU; with one job, the clock) */
} worker;

/* An origin as written to ORIG: author, commit, date, the next co-author's origin, flags. */
typedef struct origin_rec {
    uint32_t author, commit, next, flags;
    int64_t date;
} origin_rec;

typedef struct source_rec {
    uint32_t name, kind;
} source_rec;

/* The string pool with de-duplication (producer thread only). */
typedef struct strpool {
    pv_buf data;
    pv_idtab tab;     /* the strings by hash: id = offset in data */
    uint64_t spilled; /* bytes of STRS after the pool: the locators (builder.locators) */
} strpool;
struct builder {
    const pv_build_opts *o;
    pv_outfile of; /* the output's lock and temporary name (index/outfile.c) */
    pv_build_stats st;
    /* documents: filled by the producer, completed by the workers */
    docmeta **docs;
    size_t ndocs;
    /* tables built by the producer */
    strpool sp;
    FILE *locators; /* spill file of locators, NUL-terminated; appended to STRS */
    int meta_fd;    /* backing file of the docs and origins chunks, or -1 */
    int meta_heap;  /* the temporary folder cannot be mapped: chunks on the heap */
    uint64_t meta_size;
    pv_err sink_err; /* why the sink failed when it is not memory (disk full, limits) */
    /* for the merge, which looks documents up at random: the new id of each document
     * (PV_NONE when it is not indexed) and its date, 12 bytes a document */
    uint32_t *new_ids;
    int64_t *dates;
    uint32_t *authors; /* 3 string offsets each: name, email, id */
    size_t nauthors, cap_authors;
    uint32_t *author_uses; /* per author: the origins it was met in (the shown name's vote) */
    size_t cap_uses;
    pv_idtab author_map; /* authors by hash of their key: id = author id */
    pv_aliases *aliases; /* --aliases, or NULL */
    /* one person, one payee (merge_identities): the AUTH entry of each author, and AUTH */
    uint32_t *person;
    uint32_t *persons; /* 3 string offsets each, like authors */
    size_t npersons;
    origin_rec **origins; /* chunks of ORIG_CHUNK */
    size_t norigins;
    pv_idtab origin_map; /* de-duplicates origins (id: the first origin of a group);
                            cleared when it outgrows its share */
    size_t origin_map_max;
    source_rec *sources;
    size_t nsources, cap_sources;
    uint32_t cur_source;
    int source_named;
    uint32_t default_author; /* --author, or PV_NONE */
    pv_seg_blob *blobs;      /* git blob ids, documents by their id before the merge */
    size_t nblobs, cap_blobs;
    unsigned char *copybuf; /* copying locators into the segment */
    size_t copycap;
    double lines_cpu_here, lines_cpu_others; /* LINE copied (fill_lines): CPU seconds */
    size_t meta_bytes;                       /* estimated, recomputed with every document */
    int meta_warned;
    /* the queue between the producer and the workers */
    pthread_mutex_t qlock;
    pthread_cond_t qfull, qempty;
    job *q;
    size_t qcap, qhead, qn, qbytes, qbytes_max;
    int qclosed, qwaiting;
    unsigned qidle; /* workers waiting for jobs */
    /* files the workers load ahead for the files reader (pv_file_loader), under qlock: a ring
     * of lcap slots; lsub entries submitted, lclaimed begun, ltaken handed back */
    load_slot *loads;
    size_t lcap, lsub, lclaimed, ltaken;
    uint64_t lbytes; /* listed sizes of the entries submitted and not taken */
    pthread_cond_t lready;
    int lwaiting;        /* the producer waits for a load: entry lneed's */
    size_t lneed, ldone; /* and loads done so far */
    pv_file_loader loader;
    double walk_cpu; /* the producer's CPU seconds in folder walks: parallel work */
    /* progress */
    uint64_t done_bytes_base, total_bytes_base;
    uint64_t blobs_done; /* unique blobs of the repositories read */
    const pv_reader_stats *cur_stats;
    atomic_uint_fast64_t done_docs;
    atomic_int abort;
    pthread_mutex_t lock; /* serializes diag calls and stats updates */
    worker *workers;
    pthread_t *threads;
    unsigned njobs, started; /* workers, and threads started */
    int threaded;
    char tmpdir[PATH_MAX];
    double last_progress;
    int64_t created; /* the creation time written to META (SOURCE_DATE_EPOCH or now) */
};

static docmeta *doc_at(const builder *b, size_t id)
{
    return &b->docs[id >> DOC_CHUNK_BITS][id & (DOC_CHUNK - 1)];
}

static origin_rec *origin_at(const builder *b, size_t id)
{
    return &b->origins[id >> ORIG_CHUNK_BITS][id & (ORIG_CHUNK - 1)];
}

/* A new zeroed chunk of bytes (a multiple of the page size) mapped from the metadata file,
 * whose disk blocks are reserved first so that a full disk is an error here, not a SIGBUS
 * later (on file systems that allocate in place: ext4, xfs); on the heap when the temporary
 * folder cannot be mapped (meta_open). NULL on failure, with b->sink_err set. */
static void *meta_map(builder *b, size_t bytes)
{
    void *p;
    int e;
    if (b->meta_heap) {
        if (!(p = calloc(1, bytes)))
            pv_err__set(&b->sink_err, PV_ENOMEM, "out of memory");
        return p;
    }
    if ((e = posix_fallocate(b->meta_fd, (off_t)b->meta_size, (off_t)bytes)) != 0) {
        pv_err__set(&b->sink_err, PV_EIO, "cannot grow the document tables in '%s': %s", b->tmpdir,
                    strerror(e));
        return NULL;
    }
    p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, b->meta_fd, (off_t)b->meta_size);
    if (p == MAP_FAILED) {
        pv_err__set(&b->sink_err, errno == ENOMEM ? PV_ENOMEM : PV_EIO,
                    "cannot map the document tables in '%s': %s", b->tmpdir, strerror(errno));
        return NULL;
    }
    b->meta_size += bytes;
    return p;
}

static void meta_unmap(const builder *b, void *chunk, size_t bytes)
{
    if (b->meta_heap)
        free(chunk);
    else if (chunk)
        munmap(chunk, bytes);
}

/* Let the kernel take back the pages of a chunk the build is done with for now; they are
 * written to the metadata file and read again when touched (never on the heap, where
 * MADV_DONTNEED would zero them). */
static void meta_release(const builder *b, void *chunk, size_t bytes)
{
    if (chunk && !b->meta_heap)
        madvise(chunk, bytes, MADV_DONTNEED);
}

/* In a pass over the documents in order: release each chunk of docmeta once past it. */
static void docs_pass(const builder *b, size_t i)
{
    if ((i & (DOC_CHUNK - 1)) == DOC_CHUNK - 1)
        meta_release(b, b->docs[i >> DOC_CHUNK_BITS], DOC_CHUNK * sizeof(docmeta));
}

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

/* Opens the metadata file and checks that the temporary folder takes shared mappings (some
 * FUSE file systems do not): when it does not, the document tables stay on the heap, with a
 * warning. A full disk is an error. */
static int meta_open(builder *b, pv_err *err)
{
    FILE *mf = temp_file(b->tmpdir, err);
    long page = sysconf(_SC_PAGESIZE);
    void *p = MAP_FAILED;
    int e;
    if (!mf)
        return err->code;
    b->meta_fd = dup(fileno(mf));
    fclose(mf);
    if (b->meta_fd < 0)
        return pv_err__set(err, PV_EIO, "cannot open a temporary file in '%s': %s", b->tmpdir,
                           strerror(errno));
    if (page <= 0)
        page = 4096;
    e = posix_fallocate(b->meta_fd, 0, (off_t)page);
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return pv_err__set(err, PV_EIO, "cannot grow the document tables in '%s': %s", b->tmpdir,
                           strerror(e));
    if (e == 0) {
        p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, b->meta_fd, 0);
        if (p == MAP_FAILED && errno == ENOMEM)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        e = p == MAP_FAILED ? errno : 0;
    }
    if (p != MAP_FAILED) {
        munmap(p, (size_t)page);
        return 0;
    }
    b->meta_heap = 1;
    diag(b, PV_WARNING,
         "the temporary folder '%s' cannot be mapped (%s): the document tables stay in memory",
         b->tmpdir, strerror(e));
    return 0;
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

/* Where each of the finest fingerprint ranges (2^PV_RANGE_BITS_MAX, format.h) starts in the
 * sorted records a[0..n), for the merge's threads: the index's ranges are unions of them. */
static void range_starts(const rec *a, uint64_t n, uint64_t *starts)
{
    uint64_t lo = 0;
    unsigned i;
    starts[0] = 0;
    for (i = 1; i < 1u << PV_RANGE_BITS_MAX; i++) {
        uint64_t hi = n, first = (uint64_t)i << (PV_FP_BITS - PV_RANGE_BITS_MAX);
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (a[mid].fp < first)
                lo = mid + 1;
            else
                hi = mid;
        }
        starts[i] = lo;
    }
    starts[1u << PV_RANGE_BITS_MAX] = n;
}

static int add_run(worker *w, run *r)
{
    if (pv_array__grow((void **)&w->runs, &w->runs_cap, w->nruns + 1, sizeof *w->runs))
        return PV_ENOMEM;
    w->runs[w->nruns++] = *r;
    return 0;
}

/* Sort the worker's buffer; spill it to a temporary file unless keep_in_memory. */
static int sort_run(worker *w, int keep_in_memory);

/* sort_run, its CPU time counted in the SORT stage */
static int finish_run(worker *w, int keep_in_memory)
{
    double c0 = pv_thread_cpu();
    int rc = sort_run(w, keep_in_memory);
    w->sort_cpu += pv_thread_cpu() - c0;
    return rc;
}

static int sort_run(worker *w, int keep_in_memory)
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
    range_starts(w->recs, r.n, r.starts);
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
    if (add_run(w, &r)) {
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

/* Append the authorship runs to linebuf as (token delta, origin) varint pairs after their
 * count: byte offsets become the first token starting at or after them; runs left without
 * tokens and repeats of the previous origin are dropped. linebuf has room for them. */
static void put_runs(worker *w, const pv_run_in *runs, size_t nruns)
{
    const pv_token *tok = w->tokens.v;
    size_t ntok = w->tokens.n, t = 0, i, count_at, n = 0;
    uint32_t prev_tok = 0, prev_origin = PV_NONE;
    unsigned char *p = (unsigned char *)w->linebuf.data;
    unsigned char tmp[16];

    /* the count goes first; reserve its largest size and move the pairs down after */
    count_at = w->linebuf.len;
    w->linebuf.len += 5;
    for (i = 0; i < nruns; i++) {
        size_t first;
        while (t < ntok && tok[t].start < runs[i].start)
            t++;
        first = t;
        if (first >= ntok)
            break;
        if (i + 1 < nruns) {
            /* a run whose bytes hold no token start is empty */
            size_t u = first;
            if (u < ntok && tok[u].start >= runs[i + 1].start)
                continue;
        }
        if (runs[i].origin == prev_origin)
            continue;
        w->linebuf.len += pv_varint_put(p + w->linebuf.len, (uint32_t)first - prev_tok);
        w->linebuf.len += pv_varint_put(p + w->linebuf.len, runs[i].origin);
        prev_tok = (uint32_t)first;
        prev_origin = runs[i].origin;
        n++;
    }
    {
        size_t cn = pv_varint_put(tmp, n);
        memcpy(p + count_at, tmp, cn);
        memmove(p + count_at + cn, p + count_at + 5, w->linebuf.len - count_at - 5);
        w->linebuf.len -= 5 - cn;
    }
}

/* Serialize a document's line table (token counts and checks per line, the authorship runs
 * as token positions, then a check per token: format.h), compress its first part when that
 * helps, and append it to the worker's spill file. */
static int write_lines(worker *w, docmeta *dm, const char *text, size_t len, const pv_run_in *runs,
                       size_t nruns)
{
    uint32_t *starts = NULL;
    size_t nlines = 0, l, t = 0, head, nchecks = (w->tokens.n + 1) / 2;
    const pv_token *tok = w->tokens.v;
    size_t ntok = w->tokens.n;
    unsigned char *p;
    const void *out;
    size_t outsz;
    int rc;

    if ((rc = pv_scanner__line_starts(text, len, &starts, &nlines)) != 0)
        return pv_err__set(&w->err, rc, "out of memory");
    /* a varint per line (at most 10 bytes), the runs, the token checks */
    w->linebuf.len = 0;
    if (pv_buf__reserve(&w->linebuf, nlines * 10 + 10 + nruns * 15 + nchecks)) {
        free(starts);
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    }
    p = (unsigned char *)w->linebuf.data;
    for (l = 0; l < nlines; l++) {
        uint64_t end = l + 1 < nlines ? starts[l + 1] : (uint64_t)len + 1, v;
        size_t first = t;
        while (t < ntok && tok[t].start < end)
            t++;
        v = (uint64_t)(t - first) << PV_LINE_CHECK_BITS;
        if (t > first)
            v |= pv_line_check(first ? tok[first - 1].hash : 0, tok[first].hash, (uint32_t)first);
        w->linebuf.len += pv_varint_put(p + w->linebuf.len, v);
    }
    free(starts);
    put_runs(w, runs, nruns);
    head = w->linebuf.len;
    p = (unsigned char *)w->linebuf.data + head;
    for (t = 0; t + 1 < ntok; t += 2)
        *p++ = (unsigned char)(pv_token_check(tok[t].hash, (uint32_t)t) |
                               pv_token_check(tok[t + 1].hash, (uint32_t)t + 1)
                                   << PV_TOKEN_CHECK_BITS);
    if (t < ntok)
        *p++ = (unsigned char)pv_token_check(tok[t].hash, (uint32_t)t);
    w->linebuf.len += nchecks;

    if (pv_seg__pack_lines_head(w->cctx, w->linebuf.data, head, &w->zbuf, &w->zcap, &out, &outsz) !=
        0)
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    if (nlines > UINT32_MAX || w->linebuf.len > UINT32_MAX)
        return pv_err__set(&w->err, PV_ELIMIT, "document too large");
    if (out != w->linebuf.data) { /* the compressed head, then the checks */
        if (pv_array__grow(&w->zbuf, &w->zcap, outsz + nchecks, 1))
            return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
        memcpy((unsigned char *)w->zbuf + outsz, w->linebuf.data + head, nchecks);
        out = w->zbuf;
    } /* else the head as it is, the checks after it */
    if (fwrite(out, 1, outsz + nchecks, w->lines) != outsz + nchecks)
        return pv_err__set(&w->err, PV_EIO, "cannot write line tables in '%s': %s", w->b->tmpdir,
                           strerror(errno));
    pv_seg__key(out, outsz + nchecks, &dm->lines_key); /* here, so that LINE need not read it */
    dm->lines_src = w->lines_off;
    dm->lines_size = (uint32_t)(outsz + nchecks);
    dm->lines_raw = (uint32_t)w->linebuf.len;
    dm->nlines = (uint32_t)nlines;
    w->lines_off += outsz + nchecks;
    return 0;
}

static void count_skip(builder *b, uint64_t *counter)
{
    pthread_mutex_lock(&b->lock);
    (*counter)++;
    pthread_mutex_unlock(&b->lock);
}

/* Tokenize, fingerprint and winnow one document into the worker's postings buffer and
 * line spill file; fill in its docmeta. */
static int index_job(worker *w, const job *j)
{
    builder *b = w->b;
    docmeta *dm = doc_at(b, j->id);
    const pv_build_opts *o = b->o;
    const char *text = j->text;
    size_t len = j->len, nk, ns, i;
    int rc;

    if (j->html_off < j->len) { /* the reader deferred its HTML to here (defer_html) */
        pv_err herr;
        w->htmlbuf.len = 0;
        w->htmlbuf.limit = o->max_file_size ? (size_t)o->max_file_size : SIZE_MAX / 2;
        rc = pv_buf__append(&w->htmlbuf, j->text, j->html_off);
        if (rc == 0)
            rc = pv_html__to_text(j->text + j->html_off, j->len - j->html_off, &w->htmlbuf, NULL,
                                  &herr);
        if (rc == PV_ELIMIT || (rc == PV_ENOMEM && w->htmlbuf.len >= w->htmlbuf.limit)) {
            dm->status = 2;
            count_skip(b, &b->st.skipped_large);
            diag(b, PV_NOTE, "%s: skipped: text over %zu bytes", j->text + j->len,
                 w->htmlbuf.limit);
            return 0;
        }
        if (rc != 0)
            return pv_err__set(&w->err, rc, "cannot turn HTML into text: %s", pv_strerror(rc));
        text = w->htmlbuf.data;
        len = w->htmlbuf.len;
    }
    w->tokens.n = 0;
    w->tokens.invalid_utf8 = 0;
    rc = pv_scanner__tokenize(text, len, o->seed, &w->tokens);
    if (rc == PV_ELIMIT) {
        dm->status = 2;
        count_skip(b, &b->st.skipped_large);
        diag(b, PV_NOTE, "document %u: skipped: over 4 GiB", j->id);
        return 0;
    }
    if (rc != 0)
        return pv_err__set(&w->err, rc, "cannot tokenize a document: %s", pv_strerror(rc));
    if (w->tokens.n == 0) {
        dm->status = 2;
        count_skip(b, &b->st.skipped_empty);
        return 0;
    }
    if (w->tokens.n > UINT32_MAX - 1)
        return pv_err__set(&w->err, PV_ELIMIT, "a document has too many tokens");
    if (pv_array__grow((void **)&w->fps, &w->fps_cap, w->tokens.n, sizeof *w->fps) ||
        pv_array__grow((void **)&w->sel, &w->sel_cap, w->tokens.n, sizeof *w->sel))
        return pv_err__set(&w->err, PV_ENOMEM, "out of memory");
    nk = pv_scanner__kgrams(w->tokens.v, w->tokens.n, o->k, o->seed, w->fps);
    ns = pv_scanner__winnow(w->fps, nk, o->w, w->sel);
    for (i = 0; i < ns; i++)
        if ((rc = push_rec(w, w->fps[w->sel[i]] >> PV_FP_SHIFT, j->id, w->sel[i])) != 0)
            return rc;
    if ((rc = write_lines(w, dm, text, len, j->runs, j->nruns)) != 0)
        return rc;
    dm->bytes = len;
    dm->ntokens = (uint32_t)w->tokens.n;
    dm->worker = (uint16_t)w->id;
    dm->status = 1;
    pthread_mutex_lock(&b->lock);
    b->st.documents++;
    b->st.bytes += len;
    b->st.tokens += w->tokens.n;
    b->st.invalid_utf8 += w->tokens.invalid_utf8;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static void job_free(job *j)
{
    free(j->text);
    free(j->runs);
    j->text = NULL;
    j->runs = NULL;
}

static void report_progress(builder *b, int force)
{
    double now;
    uint64_t done, total;
    pv_progress p;
    if (!b->o->progress)
        return;
    now = pv_now();
    if (!force && now - b->last_progress < 0.1)
        return;
    b->last_progress = now;
    memset(&p, 0, sizeof p);
    done = b->done_bytes_base + (b->cur_stats ? b->cur_stats->bytes_in : 0);
    total = b->total_bytes_base + (b->cur_stats ? b->cur_stats->bytes_total : 0);
    p.done_bytes = done;
    p.total_bytes = total >= done ? total : 0;
    p.done_docs = atomic_load(&b->done_docs);
    p.commits = b->st.commits;
    p.blobs = b->blobs_done;
    if (b->cur_stats && b->cur_stats->commits) { /* a repository being walked */
        p.commits += b->cur_stats->commits;
        p.blobs += b->cur_stats->records;
    }
    b->o->progress(b->o->ctx, &p);
}

static void sink_tick(void *ctx)
{
    report_progress(ctx, 0);
}

/* ---- loading files ahead: the files reader's pv_file_loader, served by the workers ---- */

/* Whether to wake the producer waiting for a load (under qlock): once the file it waits for is
 * loaded and so is every file submitted, or the workers are short of documents. A wake-up per
 * file cost the producer a context switch per file; in batches, it takes the files loaded
 * meanwhile without waiting. */
static int load_wake(const builder *b)
{
    return b->lwaiting && b->loads[b->lneed % b->lcap].done &&
           (b->ldone == b->lsub || b->qn <= b->qcap / 4);
}

/* Loads the file of submitted entry i (a worker). */
static void load_entry(builder *b, size_t i)
{
    load_slot *sl = &b->loads[i % b->lcap];
    char *buf = NULL;
    size_t len = 0;
    pv_err err;
    int rc = pv_files__load(sl->e, &buf, &len, &err);
    if (rc != 0 || !pv_scanner__spdx_tag(buf, len, sl->tag, sizeof sl->tag))
        sl->tag[0] = '\0';
    pthread_mutex_lock(&b->qlock);
    sl->buf = buf;
    sl->len = len;
    sl->rc = rc;
    if (rc)
        sl->err = err;
    sl->done = 1;
    b->ldone++;
    if (load_wake(b))
        pthread_cond_signal(&b->lready);
    pthread_mutex_unlock(&b->qlock);
}

static int loader_submit(void *ctx, const pv_file_entry *e)
{
    builder *b = ctx;
    load_slot *sl;
    pthread_mutex_lock(&b->qlock);
    /* at most lcap files, and a queue's worth of bytes, loaded and not taken */
    if (b->lsub - b->ltaken == b->lcap ||
        (b->lsub > b->ltaken && b->lbytes + e->size > b->qbytes_max)) {
        pthread_mutex_unlock(&b->qlock);
        return 1;
    }
    sl = &b->loads[b->lsub % b->lcap];
    memset(sl, 0, sizeof *sl);
    sl->e = e;
    b->lsub++;
    b->lbytes += e->size;
    if (b->qidle)
        pthread_cond_signal(&b->qempty);
    pthread_mutex_unlock(&b->qlock);
    return 0;
}

static int loader_take(void *ctx, char **buf, size_t *len, char *tag, pv_err *err)
{
    builder *b = ctx;
    size_t i;
    load_slot *sl;
    int rc;
    pthread_mutex_lock(&b->qlock);
    i = b->ltaken;
    sl = &b->loads[i % b->lcap];
    if (!b->threaded) { /* one job: loaded here, parallel work all the same (time_reading) */
        double t0 = pv_now();
        b->lclaimed++;
        pthread_mutex_unlock(&b->qlock);
        load_entry(b, i);
        pthread_mutex_lock(&b->qlock);
        b->workers[0].load_secs += pv_now() - t0;
    }
    /* a worker loads it as soon as it is between two documents (loads go first): the reader
     * waits rather than loading it itself, which would make it serial work; the workers have
     * documents queued meanwhile, or are idle and woken by the submit */
    while (!sl->done) {
        b->lwaiting = 1;
        b->lneed = i;
        pthread_cond_wait(&b->lready, &b->qlock);
        b->lwaiting = 0;
    }
    *buf = sl->buf;
    *len = sl->len;
    memcpy(tag, sl->tag, strlen(sl->tag) + 1);
    if ((rc = sl->rc) != 0)
        *err = sl->err;
    b->ltaken++;
    b->lbytes -= sl->e->size;
    pthread_mutex_unlock(&b->qlock);
    return rc;
}

/* Take the next job off the queue (1), or the next file to load ahead (2, its submitted
 * entry in *load; loads go first: the reader waits for them); 0 when the queue is closed
 * and empty. */
static int queue_pop(builder *b, job *out, size_t *load)
{
    pthread_mutex_lock(&b->qlock);
    while (b->qn == 0 && b->lclaimed == b->lsub && !b->qclosed) {
        b->qidle++; /* woken when a batch of jobs is there (queue_push) or at the end */
        pthread_cond_wait(&b->qempty, &b->qlock);
        b->qidle--;
    }
    if (b->lclaimed < b->lsub) {
        *load = b->lclaimed++;
        pthread_mutex_unlock(&b->qlock);
        return 2;
    }
    if (b->qn == 0) {
        pthread_mutex_unlock(&b->qlock);
        return 0;
    }
    *out = b->q[b->qhead];
    b->qhead = (b->qhead + 1) % b->qcap;
    b->qn--;
    b->qbytes -= out->len;
    /* wake the producer only once the queue is half empty: fewer hand-offs */
    if (b->qwaiting && b->qn <= b->qcap / 2 && b->qbytes <= b->qbytes_max / 2)
        pthread_cond_signal(&b->qfull);
    if (load_wake(b)) /* it waits for loads while the queue runs low */
        pthread_cond_signal(&b->lready);
    pthread_mutex_unlock(&b->qlock);
    return 1;
}

/* Hand a job to the workers, waiting while the queue is full (by count or bytes). The
 * queue owns the job's buffers from here on. */
static void queue_push(builder *b, job *j)
{
    pthread_mutex_lock(&b->qlock);
    while (b->qn == b->qcap || (b->qn > 0 && b->qbytes + j->len > b->qbytes_max)) {
        if (b->qidle) /* a short batch that a large job does not fit beside: run it */
            pthread_cond_broadcast(&b->qempty);
        b->qwaiting = 1; /* woken when the queue is half empty (queue_pop) */
        pthread_cond_wait(&b->qfull, &b->qlock);
        b->qwaiting = 0;
    }
    b->q[(b->qhead + b->qn) % b->qcap] = *j;
    b->qn++;
    b->qbytes += j->len;
    /* wake idle workers for a batch, not for every job: a wake-up costs more than a small
     * document takes to index */
    if (b->qidle && (b->qn >= b->qcap / 4 || b->qbytes >= b->qbytes_max / 4))
        pthread_cond_broadcast(&b->qempty);
    pthread_mutex_unlock(&b->qlock);
}

static void queue_close(builder *b)
{
    pthread_mutex_lock(&b->qlock);
    b->qclosed = 1;
    pthread_cond_broadcast(&b->qempty);
    pthread_mutex_unlock(&b->qlock);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    builder *b = w->b;
    double c0 = pv_thread_cpu(), l0 = -1;
    job j;
    size_t load;
    int got;
    while ((got = queue_pop(b, &j, &load)) != 0) {
        /* the CPU time of loads, a run of them at a time (a thread clock call costs 1.4 us) */
        if (got == 2) {
            if (l0 < 0)
                l0 = pv_thread_cpu();
            load_entry(b, load);
            continue;
        }
        if (l0 >= 0) {
            w->load_secs += pv_thread_cpu() - l0;
            l0 = -1;
        }
        if (w->rc == 0 && !atomic_load(&b->abort)) {
            w->rc = index_job(w, &j);
            if (w->rc)
                atomic_store(&b->abort, 1);
        } else {
            doc_at(b, j.id)->status = 2;
        }
        atomic_fetch_add(&b->done_docs, 1);
        job_free(&j);
    }
    if (l0 >= 0)
        w->load_secs += pv_thread_cpu() - l0;
    /* the last buffer is sorted here, by every worker at once, not after the join */
    if (w->rc == 0 && !atomic_load(&b->abort) && (w->rc = finish_run(w, 1)) != 0)
        atomic_store(&b->abort, 1);
    w->cpu = pv_thread_cpu() - c0;
    return NULL;
}

/* ---- merging runs into posting blocks, by fingerprint range on every core ---- */

/* A run's records of one fingerprint range, as one merge thread reads them. */
typedef struct cursor {
    const run *r;
    const char *dir; /* where the spilled run is, for messages */
    uint64_t next, end;
    rec *buf; /* spilled runs: records read ahead */
    size_t buf_n, buf_pos, buf_cap;
} cursor;

static int cursor_peek(cursor *c, rec *out, pv_err *err)
{
    if (c->next >= c->end)
        return 0;
    if (c->r->mem) {
        *out = c->r->mem[c->next];
        return 1;
    }
    if (c->buf_pos == c->buf_n) {
        size_t want = c->buf_cap, got = 0;
        uint64_t at = c->next * sizeof(rec);
        if (want > c->end - c->next)
            want = (size_t)(c->end - c->next);
        while (got < want * sizeof(rec)) {
            ssize_t k = pread(fileno(c->r->f), (char *)c->buf + got, want * sizeof(rec) - got,
                              (off_t)(at + got));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                pv_err__set(err, PV_EIO,
                            "cannot read back a sorted run (a temporary file in '%s') at byte "
                            "%llu: %s",
                            c->dir, (unsigned long long)(at + got),
                            k < 0 ? strerror(errno) : "short file");
                return -1;
            }
            got += (size_t)k;
        }
        c->buf_n = want;
        c->buf_pos = 0;
    }
    *out = c->buf[c->buf_pos];
    return 1;
}

static void cursor_advance(cursor *c)
{
    c->next++;
    if (!c->r->mem)
        c->buf_pos++;
}

/* One run's next posting, in the merge heap. */
typedef struct head {
    rec r;
    cursor *src;
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

/* A merge thread's scratch: a cursor per run, the heap, the group being gathered. */
typedef struct merger {
    cursor *cur;
    head *heap;
    pv_seg_posting *g;
    size_t gcap;
} merger;

typedef struct merge_ctx {
    const builder *b;
    merger *m; /* one per thread */
    size_t nruns;
} merge_ctx;

/* One fingerprint's postings (old document ids), capped and renumbered, to the writer. */
static int emit_group(const builder *b, pv_seg_range *out, pv_seg_posting *g, size_t n, pv_err *err)
{
    size_t cap = b->o->posting_cap, i;
    if (n > cap && (n = pv_seg__keep_earliest(g, n, cap, b->dates)) == 0)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        g[i].doc = b->new_ids[g[i].doc];
    return pv_seg__range_put(out, g, n, err);
}

/* One fingerprint range of PSTG (pv_seg_range_fn): the k-way merge of every run's records of
 * the range by (fingerprint, document, position); postings of skipped documents are
 * dropped, each fingerprint's group is capped. */
static int merge_range(void *ctx, unsigned thread, uint64_t lo, uint64_t hi, pv_seg_range *out,
                       pv_err *err)
{
    const merge_ctx *mc = ctx;
    const builder *b = mc->b;
    merger *m = &mc->m[thread];
    size_t nh = 0, gn = 0, i, cap = b->o->posting_cap;
    uint64_t gfp = 0;
    unsigned sh = PV_FP_BITS - PV_RANGE_BITS_MAX;
    int got, rc;

    for (i = 0; i < mc->nruns; i++) {
        cursor *c = &m->cur[i];
        c->next = c->r->starts[lo >> sh];
        c->end = c->r->starts[hi >> sh];
        c->buf_n = c->buf_pos = 0;
        if ((got = cursor_peek(c, &m->heap[nh].r, err)) < 0)
            return PV_EIO;
        if (got)
            m->heap[nh++].src = c;
    }
    for (i = nh / 2; i-- > 0;)
        sift_down(m->heap, nh, i);
    while (nh > 0) {
        rec top = m->heap[0].r;
        if (b->new_ids[top.doc] != PV_NONE) {
            if (gn > 0 && top.fp != gfp) {
                if ((rc = emit_group(b, out, m->g, gn, err)) != 0)
                    return rc;
                gn = 0;
            }
            gfp = top.fp;
            /* bound a huge group: keep the earliest 2 * cap, trimming to cap when full */
            if (gn >= 2 * cap + 2 && (gn = pv_seg__keep_earliest(m->g, gn, cap, b->dates)) == 0)
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            if (pv_array__grow((void **)&m->g, &m->gcap, gn + 1, sizeof *m->g))
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            m->g[gn].fp = top.fp;
            m->g[gn].doc = top.doc;
            m->g[gn].pos = top.pos;
            gn++;
        }
        cursor_advance(m->heap[0].src);
        if ((got = cursor_peek(m->heap[0].src, &m->heap[0].r, err)) < 0)
            return PV_EIO;
        if (!got)
            m->heap[0] = m->heap[--nh];
        sift_down(m->heap, nh, 0);
    }
    return gn > 0 ? emit_group(b, out, m->g, gn, err) : 0;
}

/* PSTG: every worker's runs merged range by range on --jobs threads (merge_range); the
 * segment writer encodes, places and writes the ranges' blocks. */
static int merge_runs(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    builder *b = ctx;
    merge_ctx mc;
    unsigned nthreads = b->njobs > 0 ? b->njobs : 1, t, wi;
    size_t i, k, readahead;
    int rc = 0;

    memset(&mc, 0, sizeof mc);
    mc.b = b;
    for (wi = 0; wi < b->njobs; wi++)
        mc.nruns += b->workers[wi].nruns;
    mc.m = calloc(nthreads, sizeof *mc.m);
    if (!mc.m)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    /* read-ahead of a spilled run: 256 KiB, shared by the threads */
    readahead = (256 << 10) / sizeof(rec) / nthreads;
    if (readahead < 1024)
        readahead = 1024;
    for (t = 0; t < nthreads; t++) {
        merger *m = &mc.m[t];
        m->cur = calloc(mc.nruns ? mc.nruns : 1, sizeof *m->cur);
        m->heap = calloc(mc.nruns ? mc.nruns : 1, sizeof *m->heap);
        if (!m->cur || !m->heap) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        for (wi = 0, k = 0; wi < b->njobs; wi++)
            for (i = 0; i < b->workers[wi].nruns; i++, k++) {
                cursor *c = &m->cur[k];
                c->r = &b->workers[wi].runs[i];
                c->dir = b->tmpdir;
                if (c->r->f && !(c->buf = malloc(readahead * sizeof(rec)))) {
                    rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                    goto done;
                }
                c->buf_cap = readahead;
            }
    }
    rc = pv_seg__put_ranges(sw, nthreads, b->o->memory / 8, merge_range, &mc, err);
done:
    for (t = 0; t < nthreads; t++) {
        for (i = 0; mc.m[t].cur && i < mc.nruns; i++)
            free(mc.m[t].cur[i].buf);
        free(mc.m[t].cur);
        free(mc.m[t].heap);
        free(mc.m[t].g);
    }
    free(mc.m);
    return rc;
}

/* ---- string pool with de-duplication ---- */

static int same_string(const void *ctx, uint32_t off, const void *key)
{
    return strcmp(((const strpool *)ctx)->data.data + off, key) == 0;
}

static uint32_t pool_add(strpool *sp, const char *s, int *oom)
{
    size_t len = strlen(s);
    uint64_t h = pv_hash64(s, len, 0);
    uint32_t off;
    if (pv_idtab__get(&sp->tab, h, same_string, sp, s, &off))
        return off;
    if (sp->data.len + sp->spilled + len + 1 >= PV_NONE) {
        *oom = 2;
        return 0;
    }
    off = (uint32_t)sp->data.len;
    if (pv_buf__append(&sp->data, s, len + 1) || pv_idtab__add(&sp->tab, h, off)) {
        *oom = 1;
        return 0;
    }
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
    if (o->version != PV_BUILD_OPTS_VERSION)
        return pv_err__set(err, PV_EINVAL,
                           "build options of version %u, this library reads version %d: start "
                           "them from PV_BUILD_OPTS_INIT",
                           o->version, PV_BUILD_OPTS_VERSION);
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

/* The index's creation time: SOURCE_DATE_EPOCH when set (the reproducible-builds
 * convention: the same sources then give the same bytes), else now. */
static int creation_time(int64_t *out, pv_err *err)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    char *end;
    long long v;
    if (!s || !*s) {
        *out = (int64_t)time(NULL);
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < 0 || s[0] < '0' || s[0] > '9')
        return pv_err__set(err, PV_EINVAL,
                           "SOURCE_DATE_EPOCH must be a count of seconds since 1970 (got '%.40s')",
                           s);
    *out = (int64_t)v;
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

/* ---- the producer: tables of sources, authors and origins, and the sink ---- */

/* Find key in m: the slot of the first entry with this key for which same(ctx, id) holds,
 * or the empty slot where it goes. Grows the map first when it is half full.
 * Returns PV_ENOMEM on failure. */

static int same_author(const void *ctx, uint32_t id, const void *what)
{
    const builder *b = ctx;
    return memcmp(b->authors + 3 * (size_t)id, what, 3 * sizeof(uint32_t)) == 0;
}

/* The author id of a person (added when new), or PV_NONE when the name is unknown. */
static int author_id(builder *b, const pv_person *p, uint32_t *id)
{
    uint32_t key[3];
    uint64_t h;
    int oom = 0;
    if (!p->name || !*p->name) {
        *id = PV_NONE;
        return 0;
    }
    key[0] = pool_add(&b->sp, p->name, &oom);
    key[1] = p->email && *p->email ? pool_add(&b->sp, p->email, &oom) : PV_NONE;
    key[2] = p->id && *p->id ? pool_add(&b->sp, p->id, &oom) : PV_NONE;
    if (oom)
        return oom == 2 ? PV_ELIMIT : PV_ENOMEM;
    h = pv_hash64(key, sizeof key, 1);
    if (pv_idtab__get(&b->author_map, h, same_author, b, key, id))
        return 0;
    if (b->nauthors >= PV_NONE - 1)
        return PV_ELIMIT;
    if (pv_array__grow((void **)&b->authors, &b->cap_authors, 3 * (b->nauthors + 1),
                       sizeof *b->authors) ||
        pv_array__grow((void **)&b->author_uses, &b->cap_uses, b->nauthors + 1,
                       sizeof *b->author_uses) ||
        pv_idtab__add(&b->author_map, h, (uint32_t)b->nauthors))
        return PV_ENOMEM;
    memcpy(b->authors + 3 * b->nauthors, key, sizeof key);
    b->author_uses[b->nauthors] = 0;
    *id = (uint32_t)b->nauthors++;
    return 0;
}

/* An origin being looked up: its chain of (author, commit, date) entries. */
typedef struct origin_key {
    const origin_rec *v;
    size_t n;
} origin_key;

static int same_origin(const void *ctx, uint32_t id, const void *what)
{
    const builder *b = ctx;
    const origin_key *k = what;
    size_t i;
    for (i = 0; i < k->n; i++) {
        const origin_rec *o;
        if (id + i >= b->norigins)
            return 0;
        o = origin_at(b, id + i);
        if (o->author != k->v[i].author || o->commit != k->v[i].commit || o->date != k->v[i].date ||
            o->flags != k->v[i].flags || (o->next == PV_NONE) != (i + 1 == k->n))
            return 0;
    }
    return 1;
}

/* Counts a new origin for the author of its entry i, once per origin (an author named twice
 * in one chain votes once), saturating. */
static void count_use(builder *b, const origin_rec *v, size_t i)
{
    size_t j;
    if (v[i].author == PV_NONE || b->author_uses[v[i].author] == UINT32_MAX)
        return;
    for (j = 0; j < i; j++)
        if (v[j].author == v[i].author)
            return;
    b->author_uses[v[i].author]++;
}

/* The id of an origin (added when new): one ORIG entry per author, chained through next
 * when the text has co-authors, who share its credit equally. */
static int origin_id(builder *b, const pv_origin_in *in, uint32_t *id)
{
    origin_rec stack[8], *v = stack;
    size_t n = 1 + in->ncoauthors, i;
    uint64_t key = 0;
    origin_key k;
    uint32_t commit = PV_NONE;
    int oom = 0, rc = 0;

    if (n > sizeof stack / sizeof stack[0] && !(v = malloc(n * sizeof *v)))
        return PV_ENOMEM;
    if (in->commit && *in->commit) {
        commit = pool_add(&b->sp, in->commit, &oom);
        if (oom) {
            rc = oom == 2 ? PV_ELIMIT : PV_ENOMEM;
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        pv_person p = i == 0 ? in->author : in->coauthors[i - 1];
        if ((rc = author_id(b, &p, &v[i].author)) != 0)
            goto done;
        /* a "before" origin is nobody's: not even --author's */
        if (i == 0 && v[i].author == PV_NONE && b->default_author != PV_NONE && !in->before)
            v[i].author = b->default_author;
        v[i].commit = commit;
        v[i].date = in->date;
        v[i].flags = in->before ? PV_ORIG_BEFORE : 0;
        key = pv_mix64(key ^ (((uint64_t)v[i].author << 32) | commit) ^ (uint64_t)in->date ^
                       v[i].flags);
    }
    k.v = v;
    k.n = n;
    if (b->origin_map.n >= b->origin_map_max)
        /* forget the seen origins: later ones may be written again, which costs a table
         * row each, not a wrong credit */
        pv_idtab__clear(&b->origin_map);
    if (!pv_idtab__get(&b->origin_map, key, same_origin, b, &k, id)) {
        if (b->norigins + n >= PV_NONE) {
            rc = PV_ELIMIT;
            goto done;
        }
        for (i = 0; i < n; i++) {
            size_t at = b->norigins + i;
            if (!b->origins[at >> ORIG_CHUNK_BITS]) {
                if (at >= ORIG_CHUNK) /* the previous chunk is full: out of the way */
                    meta_release(b, b->origins[(at >> ORIG_CHUNK_BITS) - 1],
                                 ORIG_CHUNK * sizeof(origin_rec));
                if (!(b->origins[at >> ORIG_CHUNK_BITS] =
                          meta_map(b, ORIG_CHUNK * sizeof(origin_rec)))) {
                    rc = b->sink_err.code;
                    goto done;
                }
            }
            *origin_at(b, at) = v[i];
            origin_at(b, at)->next = i + 1 < n ? (uint32_t)(at + 1) : PV_NONE;
            count_use(b, v, i);
        }
        if (pv_idtab__add(&b->origin_map, key, (uint32_t)b->norigins)) {
            rc = PV_ENOMEM;
            goto done;
        }
        *id = (uint32_t)b->norigins;
        b->norigins += n;
    }
done:
    if (v != stack)
        free(v);
    return rc;
}

/* The index is full: the sink's PV_ELIMIT, with why, for the whole build (it stops). */
static int sink_full(builder *b)
{
    if (!b->sink_err.code)
        pv_err__set(&b->sink_err, PV_ELIMIT,
                    "the index is full (at most 4 G documents, origins and authors, and 4 GiB of "
                    "strings: locators, names, commits); split the sources into several indexes");
    return PV_ELIMIT;
}

static int sink_source(void *ctx, const char *name, const char *kind)
{
    builder *b = ctx;
    int oom = 0;
    source_rec *s = &b->sources[b->cur_source];
    if (name && *name)
        s->name = pool_add(&b->sp, name, &oom);
    if (kind && *kind)
        s->kind = pool_add(&b->sp, kind, &oom);
    b->source_named = 1;
    return oom == 2 ? sink_full(b) : oom ? PV_ENOMEM : 0;
}

static int sink_origin(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    int rc = origin_id(ctx, o, id);
    return rc == PV_ELIMIT ? sink_full(ctx) : rc;
}

static void warn_meta(builder *b)
{
    if (b->meta_warned || b->meta_bytes <= b->o->memory / 4)
        return;
    b->meta_warned = 1;
    diag(b, PV_WARNING,
         "after %zu documents, the names of authors, commits and licenses take over %zu MiB, "
         "a quarter of the --memory budget; they stay in memory until the index is written",
         b->ndocs, b->meta_bytes >> 20);
}

/* One document from a reader: record its metadata, copy its text and runs, and hand it to
 * the workers (or index it here with one job). */
static int add_doc(builder *b, const pv_doc_in *d);

static int sink_doc(void *ctx, const pv_doc_in *d)
{
    int rc = add_doc(ctx, d);
    return rc == PV_ELIMIT ? sink_full(ctx) : rc;
}

static int add_doc(builder *b, const pv_doc_in *d)
{
    docmeta *dm;
    job j;
    int oom = 0, rc;
    size_t id = b->ndocs, i;

    if (atomic_load(&b->abort))
        return PV_EIO; /* a worker failed; its error is reported */
    if (id >= PV_NONE - 1)
        return PV_ELIMIT;
    if (!b->docs[id >> DOC_CHUNK_BITS]) {
        /* the workers finished with documents two chunks back long ago (the queue holds a
         * few dozen); should one still be at work, its page is read back, nothing lost */
        if (id >= 2 * DOC_CHUNK)
            meta_release(b, b->docs[(id >> DOC_CHUNK_BITS) - 2], DOC_CHUNK * sizeof(docmeta));
        if (!(b->docs[id >> DOC_CHUNK_BITS] = meta_map(b, DOC_CHUNK * sizeof(docmeta))))
            return b->sink_err.code;
    }
    dm = doc_at(b, id);
    memset(dm, 0, sizeof *dm);
    dm->source = b->cur_source;
    dm->kind = pool_add(&b->sp, d->kind ? d->kind : "file", &oom);
    {
        const char *loc = d->locator ? d->locator : "";
        size_t n = strlen(loc) + 1;
        if (b->sp.data.len + b->sp.spilled + n >= PV_NONE)
            return PV_ELIMIT;
        if (fwrite(loc, 1, n, b->locators) != n)
            return pv_err__set(&b->sink_err, PV_EIO, "cannot write locators in '%s': %s", b->tmpdir,
                               strerror(errno));
        dm->locator = (uint32_t)b->sp.spilled;
        b->sp.spilled += n;
    }
    dm->commit = d->commit && *d->commit ? pool_add(&b->sp, d->commit, &oom) : PV_NONE;
    if (b->o->license)
        dm->license = pool_add(&b->sp, b->o->license, &oom);
    else
        dm->license = d->license && *d->license ? pool_add(&b->sp, d->license, &oom) : PV_NONE;
    if (oom)
        return oom == 2 ? PV_ELIMIT : PV_ENOMEM;
    if ((rc = origin_id(b, &d->origin, &dm->origin)) != 0)
        return rc;
    dm->date = d->origin.date;
    for (i = 0; i < d->nblobs; i++) {
        pv_seg_blob *e;
        if (pv_array__grow((void **)&b->blobs, &b->cap_blobs, b->nblobs + 1, sizeof *b->blobs))
            return PV_ENOMEM;
        e = &b->blobs[b->nblobs++];
        memcpy(e->id, d->blobs + i * PV_BLOB_ID_LEN, PV_BLOB_ID_LEN);
        e->doc = (uint32_t)id;
    }
    b->meta_bytes = b->sp.data.len + pv_idtab__bytes(&b->sp.tab) + pv_idtab__bytes(&b->origin_map) +
                    pv_idtab__bytes(&b->author_map) + b->nauthors * 12 +
                    b->nblobs * sizeof *b->blobs;
    warn_meta(b);
    b->ndocs++;

    memset(&j, 0, sizeof j);
    j.id = (uint32_t)id;
    j.html_off = d->len;
    j.len = d->len + (d->html ? d->html_len : 0);
    if (!d->html && d->give && *d->give == d->text && d->text) {
        j.text = *d->give; /* the reader's buffer, without a copy */
        *d->give = NULL;
    } else {
        const char *loc = d->html && d->locator ? d->locator : "";
        size_t nloc = d->html ? strlen(loc) + 1 : 0;
        if (!(j.text = malloc(j.len + nloc ? j.len + nloc : 1)))
            return PV_ENOMEM;
        if (d->len)
            memcpy(j.text, d->text, d->len);
        if (d->html) {
            memcpy(j.text + d->len, d->html, d->html_len);
            memcpy(j.text + j.len, loc, nloc);
        }
    }
    if (d->nruns) {
        if (!(j.runs = malloc(d->nruns * sizeof *j.runs))) {
            free(j.text);
            return PV_ENOMEM;
        }
        for (i = 0; i < d->nruns; i++) {
            j.runs[i] = d->runs[i];
            if (j.runs[i].origin >= b->norigins)
                j.runs[i].origin = dm->origin; /* not registered: the default */
        }
        j.nruns = d->nruns;
    }
    if (b->threaded) {
        queue_push(b, &j);
    } else {
        worker *w = &b->workers[0];
        double t0 = pv_now();
        w->rc = index_job(w, &j);
        w->inline_secs += pv_now() - t0;
        atomic_fetch_add(&b->done_docs, 1);
        job_free(&j);
        if (w->rc) {
            atomic_store(&b->abort, 1);
            return PV_EIO;
        }
    }
    report_progress(b, 0);
    return 0;
}

/* Serialized diagnostics for the readers (workers report at the same time). */
static void reader_diag(void *ctx, pv_severity sev, const char *msg)
{
    builder *b = ctx;
    diag(b, sev, "%s", msg);
}

static void add_reader_stats(builder *b, const pv_reader_stats *rs)
{
    pthread_mutex_lock(&b->lock);
    b->st.records += rs->records;
    b->st.bad_records += rs->bad;
    b->st.commits += rs->commits;
    b->st.ignored_trailers += rs->ignored_trailers;
    b->st.ignored_commits += rs->ignored_commits;
    b->st.invalid_utf8 += rs->replaced;
    if (rs->commits)
        b->blobs_done += rs->records; /* a git reader's records are its unique blobs */
    b->st.read_bytes += rs->bytes_in;
    /* folder walks: the helpers', and this thread's share, which other threads could do */
    b->st.stages[PV_STAGE_READ].parallel += rs->helper_cpu + rs->walk_cpu;
    b->walk_cpu += rs->walk_cpu;
    b->st.skipped_binary += rs->skipped_binary;
    b->st.skipped_large += rs->skipped_large;
    b->st.skipped_excluded += rs->skipped_excluded;
    b->st.skipped_vendored += rs->skipped_vendored;
    b->st.skipped_generated += rs->skipped_generated;
    b->st.skipped_empty += rs->skipped_empty;
    b->st.skipped_other += rs->skipped - rs->skipped_binary - rs->skipped_large -
                           rs->skipped_excluded - rs->skipped_vendored - rs->skipped_generated -
                           rs->skipped_empty;
    pthread_mutex_unlock(&b->lock);
}

/* Read every source through its reader into the sink. A source's own error is reported and
 * counted (strict: returned). */
static int produce(builder *b, const char *const *sources, size_t nsources, pv_err *err)
{
    const pv_build_opts *o = b->o;
    pv_reader_opts ro;
    pv_sink sink;
    size_t i;

    memset(&ro, 0, sizeof ro);
    ro.strict = o->strict;
    ro.diag = o->diag ? reader_diag : NULL;
    ro.ctx = b;
    ro.max_doc_size = o->max_file_size;
    ro.memory = o->memory / 4;
    pv_source__read_opts(&ro, &o->read);
    ro.defer_html = b->threaded; /* HTML to text on the workers, not on the reader's thread */
    ro.loader = &b->loader;      /* folders' files loaded on the workers */
    ro.walk_threads = b->njobs;  /* and folders listed on as many threads */
    ro.excludes = o->excludes;
    ro.nexcludes = o->nexcludes;
    ro.k = o->k;
    ro.seed = o->seed;
    sink.source = sink_source;
    sink.origin = sink_origin;
    sink.doc = sink_doc;
    sink.tick = sink_tick;
    sink.ctx = b;

    for (i = 0; i < nsources; i++) {
        const char *path, *kind;
        pv_reader_fn fn;
        pv_reader_stats rs;
        pv_err rerr;
        int oom = 0, rc;

        memset(&rs, 0, sizeof rs);
        rerr.code = 0;
        rerr.msg[0] = '\0';
        if ((rc = pv_source__pick(sources[i], &path, &fn, &kind, &rerr)) == 0) {
            if (pv_array__grow((void **)&b->sources, &b->cap_sources, b->nsources + 1,
                               sizeof *b->sources))
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            b->cur_source = (uint32_t)b->nsources++;
            b->sources[b->cur_source].name = pool_add(&b->sp, path, &oom);
            b->sources[b->cur_source].kind = pool_add(&b->sp, kind, &oom);
            if (oom)
                return pv_err__set(err, PV_ENOMEM, "out of memory");
            b->source_named = 0;
            b->cur_stats = &rs;
            rc = fn(path, &ro, &sink, &rs, &rerr);
            b->cur_stats = NULL;
            b->done_bytes_base += rs.bytes_in;
            b->total_bytes_base += rs.bytes_total > rs.bytes_in ? rs.bytes_total : rs.bytes_in;
            add_reader_stats(b, &rs);
            if (b->sink_err.code) { /* the build itself cannot go on: disk full, limits */
                if (err)
                    *err = b->sink_err;
                return b->sink_err.code;
            }
        }
        if (atomic_load(&b->abort))
            return PV_EIO; /* the failing worker's error is reported by the caller */
        if (rc == 0)
            continue;
        if (rerr.msg[0] == '\0')
            pv_err__set(&rerr, rc, "%s: %s", sources[i], pv_strerror(rc));
        if (rc == PV_ENOMEM || rc == PV_EINVAL || o->strict || nsources == 1) {
            if (err)
                *err = rerr;
            if (nsources == 1 && b->ndocs > 0 && rc != PV_ENOMEM && rc != PV_EINVAL && !o->strict) {
                /* the documents before the damage are still indexed */
                b->st.source_errors++;
                diag(b, PV_ERROR, "%s", rerr.msg);
                continue;
            }
            return rc;
        }
        b->st.source_errors++;
        diag(b, PV_ERROR, "%s", rerr.msg);
    }
    if (b->st.source_errors && b->ndocs == 0)
        return pv_err__set(err, PV_EIO, "no document could be indexed: %s failed",
                           b->st.source_errors == 1 ? "the source" : "every source");
    return 0;
}

static int write_index(builder *b, const char *out_path, const char *tmp_path, pv_err *err);

/* One person, one payee: the authors met (name, email, id as the readers gave them, after
 * .mailmap) become persons (identity.c: the same email, the aliases file), each written once
 * to AUTH under the identity it is shown with; b->person maps an author id to its AUTH entry,
 * which write_index puts in ORIG. Authors merged into another are never written. */
static int merge_identities(builder *b, pv_err *err)
{
    pv_identity *v = malloc((b->nauthors ? b->nauthors : 1) * sizeof *v);
    uint32_t *shown = malloc((b->nauthors ? b->nauthors : 1) * sizeof *shown);
    size_t i;
    int rc = 0, oom = 0;

    /* the producer is done: its maps make room for this */
    pv_idtab__free(&b->author_map);
    pv_idtab__free(&b->origin_map);
    b->person = malloc((b->nauthors ? b->nauthors : 1) * sizeof *b->person);
    b->persons = malloc((b->nauthors ? 3 * b->nauthors : 1) * sizeof *b->persons);
    if (!v || !shown || !b->person || !b->persons) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < b->nauthors; i++) {
        const uint32_t *a = b->authors + 3 * i;
        v[i].name = b->sp.data.data + a[0];
        v[i].email = a[1] != PV_NONE ? b->sp.data.data + a[1] : NULL;
        v[i].id = a[2] != PV_NONE ? b->sp.data.data + a[2] : NULL;
        v[i].uses = b->author_uses[i];
    }
    if ((rc = pv_identities__merge(v, b->nauthors, b->aliases, b->person, shown, &b->npersons,
                                   err)) != 0)
        goto done;
    /* v points into the pool, which the aliases' names below may move: done with it */
    for (i = 0; i < b->npersons; i++) {
        uint32_t *out = b->persons + 3 * i;
        if (shown[i] < b->nauthors) {
            memcpy(out, b->authors + 3 * (size_t)shown[i], 3 * sizeof *out);
        } else {
            const pv_identity *who = pv_aliases__person(b->aliases, shown[i] - b->nauthors);
            out[0] = pool_add(&b->sp, who->name, &oom);
            out[1] = who->email ? pool_add(&b->sp, who->email, &oom) : PV_NONE;
            out[2] = who->id ? pool_add(&b->sp, who->id, &oom) : PV_NONE;
        }
    }
    if (oom == 2) {
        sink_full(b);
        rc = pv_err__set(err, PV_ELIMIT, "%s", b->sink_err.msg);
    } else if (oom) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
    }
done:
    free(v);
    free(shown);
    return rc;
}

/* The ORIG entry that follows origin i in its co-author chain once authors are persons: the
 * next entry whose person is not already in the chain (one person's credit is not split in
 * two); the chain's entries are consecutive, as origin_id writes them. */
static uint32_t chain_next(const builder *b, size_t i)
{
    size_t first = i, j;
    uint32_t next = origin_at(b, i)->next;
    while (first > 0 && origin_at(b, first - 1)->next == first)
        first--;
    while (next != PV_NONE) {
        const uint32_t a = origin_at(b, next)->author;
        for (j = first; j < next; j++)
            if (a != PV_NONE && origin_at(b, j)->author != PV_NONE &&
                b->person[origin_at(b, j)->author] == b->person[a])
                break;
        if (j == next)
            break;
        next = origin_at(b, next)->next;
    }
    return next;
}

/* Everything before the first document: the options, the aliases, the temporary files, the
 * tables, --author, the workers' buffers and the queue. b is zeroed here; builder_free frees
 * what was made, whatever the outcome. */
static int builder_init(builder *b, const char *out_path, size_t nsources, const pv_build_opts *o,
                        pv_err *err)
{
    size_t postings_budget;
    unsigned wi;
    int rc, oom = 0;

    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_init(&b->qlock, NULL);
    pthread_cond_init(&b->qfull, NULL);
    pthread_cond_init(&b->qempty, NULL);
    pthread_cond_init(&b->lready, NULL);
    b->o = o;
    b->default_author = PV_NONE;
    b->meta_fd = -1;
    b->of.lock_fd = b->of.slot = -1;
    b->sp.data.limit = (size_t)PV_NONE - 1;
    if ((rc = validate_opts(o, err)) != 0 || (rc = creation_time(&b->created, err)) != 0)
        return rc;
    if (nsources == 0)
        return pv_err__set(err, PV_EINVAL, "no source to index");
    /* the output's checks and lock come before any source is read (outfile.c) */
    if ((rc = pv_index__out_begin(&b->of, out_path, o->diag, o->ctx, err)) != 0)
        return rc;
    /* a bad aliases file stops the build before any work */
    if (o->aliases && (rc = pv_aliases__load(&b->aliases, o->aliases, err)) != 0)
        return rc;
    if (o->tmpdir)
        snprintf(b->tmpdir, sizeof b->tmpdir, "%s", o->tmpdir);
    else
        dir_of(out_path, b->tmpdir, sizeof b->tmpdir);
    b->docs = calloc(DOC_CHUNKS, sizeof *b->docs);
    b->origins = calloc(ORIG_CHUNKS, sizeof *b->origins);
    if (!b->docs || !b->origins)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    if (!(b->locators = temp_file(b->tmpdir, err)))
        return err->code;
    if ((rc = meta_open(b, err)) != 0)
        return rc;
    /* the origin map's entries: a 32nd of --memory at 24 bytes each (12 bytes a slot, half
     * full); the map doubles, so it takes at most a 16th */
    b->origin_map_max = o->memory / 32 / 24;
    if (b->origin_map_max < 1024)
        b->origin_map_max = 1024;
    pool_add(&b->sp, "", &oom);
    if (o->author && *o->author) {
        char name[512], email[512];
        int has_email;
        pv_person p = {NULL, NULL, NULL};
        parse_author(o->author, name, sizeof name, email, sizeof email, &has_email);
        p.name = name;
        p.email = has_email ? email : NULL;
        if ((rc = author_id(b, &p, &b->default_author)) != 0)
            return pv_err__set(err, rc, "out of memory");
    }

    /* The strings and maps of the tables (authors, commits, licenses) get a quarter of
     * --memory (a warning says when they take more; per-document metadata is file-backed),
     * the postings buffers get the rest, at least 1 MiB. */
    postings_budget = o->memory - o->memory / 4;
    if (postings_budget < PV_MIN_MEMORY)
        postings_budget = PV_MIN_MEMORY;

    b->njobs = o->jobs ? o->jobs : pv_cpu_count();
    if (b->njobs > 256)
        b->njobs = 256;
    b->threaded = b->njobs > 1;
    b->workers = calloc(b->njobs, sizeof *b->workers);
    b->threads = calloc(b->njobs, sizeof *b->threads);
    b->qcap = 32 * (size_t)b->njobs + 8;
    b->q = calloc(b->qcap, sizeof *b->q);
    b->qbytes_max = o->memory / 16 > ((size_t)64 << 20) ? (size_t)64 << 20 : o->memory / 16;
    b->lcap = 4 * (size_t)b->njobs + 4;
    b->loads = calloc(b->lcap, sizeof *b->loads);
    b->loader.submit = loader_submit;
    b->loader.take = loader_take;
    b->loader.ctx = b;
    if (!b->workers || !b->threads || !b->q || !b->loads)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (wi = 0; wi < b->njobs; wi++) {
        worker *w = &b->workers[wi];
        w->b = b;
        w->id = wi;
        /* half for postings, half for the radix sort's scratch */
        w->max_recs = postings_budget / (2 * sizeof(rec) * b->njobs);
        w->linebuf.limit = SIZE_MAX / 2;
        w->cctx = ZSTD_createCCtx();
        w->lines = temp_file(b->tmpdir, err);
        if (!w->cctx || !w->lines)
            return w->lines ? pv_err__set(err, PV_ENOMEM, "out of memory") : err->code;
    }
    return 0;
}

/* Starts the worker threads (none with one job: the producer indexes each document). */
static int workers_start(builder *b, pv_err *err)
{
    unsigned wi;
    report_progress(b, 1);
    if (!b->threaded)
        return 0;
    for (wi = 0; wi < b->njobs; wi++) {
        if (pthread_create(&b->threads[wi], NULL, worker_main, &b->workers[wi]) != 0) {
            atomic_store(&b->abort, 1);
            return pv_err__set(err, PV_ENOMEM, "cannot start a worker thread");
        }
        b->started = wi + 1;
    }
    return 0;
}

/* Closes the queue and waits for the workers; rc is the producer's. Returns the first
 * worker's error (with err), else rc; when all went well, every worker's last postings are a
 * sorted run. */
static int workers_stop(builder *b, int rc, pv_err *err)
{
    unsigned wi;
    if (!b->workers)
        return rc; /* the build never started */
    if (b->threaded) {
        queue_close(b);
        for (wi = 0; wi < b->started; wi++)
            pthread_join(b->threads[wi], NULL);
    }
    for (wi = 0; wi < b->njobs; wi++)
        if (b->workers[wi].rc) {
            *err = b->workers[wi].err;
            return b->workers[wi].rc;
        }
    if (rc)
        return rc;
    for (wi = 0; wi < b->njobs; wi++)
        if ((rc = finish_run(&b->workers[wi], 1)) != 0) {
            *err = b->workers[wi].err;
            return rc;
        }
    report_progress(b, 1);
    return 0;
}

static void builder_free(builder *b)
{
    size_t i;
    unsigned wi;
    if (b->workers)
        for (wi = 0; wi < b->njobs; wi++) {
            worker *w = &b->workers[wi];
            for (i = 0; i < w->nruns; i++) {
                if (w->runs[i].f)
                    fclose(w->runs[i].f);
                free(w->runs[i].mem);
            }
            free(w->runs);
            free(w->recs);
            if (w->lines)
                fclose(w->lines);
            pv_scanner__tokens_free(&w->tokens);
            free(w->fps);
            free(w->sel);
            pv_buf__free(&w->linebuf);
            pv_buf__free(&w->htmlbuf);
            free(w->zbuf);
            ZSTD_freeCCtx(w->cctx);
        }
    free(b->workers);
    free(b->threads);
    if (b->q)
        for (i = 0; i < b->qn; i++)
            job_free(&b->q[(b->qhead + i) % b->qcap]);
    free(b->q);
    if (b->docs)
        for (i = 0; i < DOC_CHUNKS && b->docs[i]; i++)
            meta_unmap(b, b->docs[i], DOC_CHUNK * sizeof(docmeta));
    free(b->docs);
    if (b->origins)
        for (i = 0; i < ORIG_CHUNKS && b->origins[i]; i++)
            meta_unmap(b, b->origins[i], ORIG_CHUNK * sizeof(origin_rec));
    free(b->origins);
    if (b->meta_fd >= 0)
        close(b->meta_fd);
    if (b->locators)
        fclose(b->locators);
    free(b->authors);
    free(b->author_uses);
    free(b->person);
    free(b->persons);
    pv_aliases__free(b->aliases);
    free(b->sources);
    free(b->blobs);
    pv_idtab__free(&b->author_map);
    pv_idtab__free(&b->origin_map);
    pv_buf__free(&b->sp.data);
    pv_idtab__free(&b->sp.tab);
    pthread_mutex_destroy(&b->lock);
    pthread_mutex_destroy(&b->qlock);
    pthread_cond_destroy(&b->qfull);
    pthread_cond_destroy(&b->qempty);
    pthread_cond_destroy(&b->lready);
    free(b->loads);
    pv_index__out_end(&b->of);
}

/* Only bad records: the input is not what it was taken for, and an empty index must not take
 * the place of one that may be at out_path. */
static int check_indexed(const builder *b, pv_err *err)
{
    if (b->ndocs == 0 && b->st.bad_records > 0 && !b->o->part)
        return pv_err__set(err, PV_EFORMAT,
                           "no document indexed: every record read was bad (%llu, named above)",
                           (unsigned long long)b->st.bad_records);
    return 0;
}

const char *pv_build_stage_name(int stage)
{
    static const char *const names[PV_NSTAGES] = {
        [PV_STAGE_READ] = "read",     [PV_STAGE_INDEX] = "index",
        [PV_STAGE_SORT] = "sort",     [PV_STAGE_IDENTITIES] = "identities",
        [PV_STAGE_MERGE] = "merge",   [PV_STAGE_ENCODE] = "encode",
        [PV_STAGE_TABLES] = "tables", [PV_STAGE_WRITE] = "write",
        [PV_STAGE_SYNC] = "sync",
    };
    return stage >= 0 && stage < PV_NSTAGES ? names[stage] : "?";
}

/* The reading phase's stages: the producer's CPU time (cpu, over wall seconds) is READ, less
 * the documents it indexed itself with one job (its CPU time split in proportion to the
 * clock: a thread CPU call per document would cost more than the split is worth); the
 * workers' is INDEX and SORT, but for the files they loaded ahead for the reader: READ. */
static void time_reading(builder *b, double cpu, double wall)
{
    pv_stage_time *t = b->st.stages;
    unsigned wi;
    cpu -= b->walk_cpu; /* counted as parallel read work (add_reader_stats) */
    wall -= b->walk_cpu;
    if (!b->threaded) {
        const worker *w = &b->workers[0];
        double inline_cpu = wall > 0 ? cpu * w->inline_secs / wall : 0;
        double load_cpu = wall > 0 ? cpu * w->load_secs / wall : 0;
        cpu -= inline_cpu + load_cpu;
        wall -= w->inline_secs + w->load_secs;
        t[PV_STAGE_READ].parallel += load_cpu; /* files loaded for the reader */
        t[PV_STAGE_INDEX].parallel += inline_cpu - w->sort_cpu;
        t[PV_STAGE_INDEX].wall += w->inline_secs - w->sort_cpu;
    } else {
        t[PV_STAGE_INDEX].wall += wall;
    }
    t[PV_STAGE_READ].serial += cpu > 0 ? cpu : 0;
    t[PV_STAGE_READ].wall += wall > 0 ? wall : 0;
    for (wi = 0; b->threaded && wi < b->njobs; wi++) {
        const worker *w = &b->workers[wi];
        double load = w->load_secs < w->cpu ? w->load_secs : w->cpu;
        t[PV_STAGE_READ].parallel += load; /* files loaded ahead for the reader */
        t[PV_STAGE_INDEX].parallel += w->cpu - w->sort_cpu - load;
    }
}

/* After the workers stopped: their sorts are SORT (the longest one's on the clock). */
static void time_sorting(builder *b)
{
    unsigned wi;
    for (wi = 0; wi < b->njobs; wi++) {
        double s = b->workers[wi].sort_cpu;
        b->st.stages[PV_STAGE_SORT].parallel += s;
        if (s > b->st.stages[PV_STAGE_SORT].wall)
            b->st.stages[PV_STAGE_SORT].wall = s;
    }
}

int pv_index_build(const char *out_path, const char *const *sources, size_t nsources,
                   const pv_build_opts *opts, pv_build_stats *stats, pv_err *err)
{
    builder b;
    pv_build_opts defaults = PV_BUILD_OPTS_INIT;
    pv_err local;
    double c0 = pv_thread_cpu(), t0 = pv_now();
    int rc;

    if (!err)
        err = &local;
    rc = builder_init(&b, out_path, nsources, opts ? opts : &defaults, err);
    if (rc == 0)
        rc = workers_start(&b, err);
    if (rc == 0) {
        rc = produce(&b, sources, nsources, err);
        if (!b.threaded) /* the producer indexed every document: split its time now */
            time_reading(&b, pv_thread_cpu() - c0, pv_now() - t0);
    }
    rc = workers_stop(&b, rc, err);
    if (b.threaded && b.workers)
        time_reading(&b, pv_thread_cpu() - c0, pv_now() - t0);
    if (b.workers)
        time_sorting(&b);
    c0 = pv_thread_cpu();
    t0 = pv_now();
    if (rc == 0)
        rc = check_indexed(&b, err);
    if (rc == 0)
        rc = merge_identities(&b, err);
    b.st.stages[PV_STAGE_IDENTITIES].serial += pv_thread_cpu() - c0;
    b.st.stages[PV_STAGE_IDENTITIES].wall += pv_now() - t0;
    if (rc == 0)
        rc = write_index(&b, out_path, b.of.tmp_path, err);
    if (rc == 0 && stats)
        *stats = b.st;
    builder_free(&b);
    return rc;
}

/* ---- the segment's chunks, handed to the index's segment writer ---- */

static int put_authors(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const builder *b = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < b->npersons; i++)
        pv_seg__put_author(sw, b->persons[3 * i], b->persons[3 * i + 1], b->persons[3 * i + 2]);
    return 0;
}

static int put_sources(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const builder *b = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < b->nsources; i++)
        pv_seg__put_source(sw, b->sources[i].name, b->sources[i].kind);
    return 0;
}

/* ORIG: origins under their persons, co-author chains without a person twice */
static int put_origins(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const builder *b = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < b->norigins; i++) {
        const origin_rec *r = origin_at(b, i);
        pv_seg_origin o;
        o.author = r->author == PV_NONE ? PV_NONE : b->person[r->author];
        o.commit = r->commit;
        o.date = r->date;
        o.next = chain_next(b, i);
        o.flags = r->flags;
        pv_seg__put_origin(sw, &o);
    }
    return 0;
}

/* Copying LINE's new line tables from the workers' spill files into the segment, one range of
 * documents per thread. */
typedef struct line_copy {
    const builder *b;
    int fd;            /* the segment */
    uint64_t chunk_at; /* LINE's offset in it */
    size_t from, to;   /* documents */
    int rc, write_errno;
    pv_err err;
    double cpu;
} line_copy;

#define LINE_COPY_BYTES ((size_t)1 << 20)

/* Copies n bytes at src in the spill file sfd to dst in the segment through buf. */
static int copy_range(line_copy *c, int sfd, uint64_t src, uint64_t dst, uint64_t n,
                      unsigned char *buf)
{
    while (n > 0) {
        size_t want = n < LINE_COPY_BYTES ? (size_t)n : LINE_COPY_BYTES, got = 0;
        while (got < want) {
            ssize_t r = pread(sfd, buf + got, want - got, (off_t)(src + got));
            if (r <= 0 && !(r < 0 && errno == EINTR))
                return pv_err__set(&c->err, PV_EIO,
                                   "cannot read back line tables from a temporary file in '%s': %s",
                                   c->b->tmpdir, r < 0 ? strerror(errno) : "file too short");
            got += r > 0 ? (size_t)r : 0;
        }
        for (got = 0; got < want;) {
            ssize_t r = pwrite(c->fd, buf + got, want - got, (off_t)(dst + got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                c->write_errno = r < 0 ? errno : EIO;
                return PV_EIO;
            }
            got += (size_t)r;
        }
        src += want;
        dst += want;
        n -= want;
    }
    return 0;
}

/* One thread's documents: their new line tables, consecutive ones of a worker in one copy. */
static void *copy_lines(void *arg)
{
    line_copy *c = arg;
    const builder *b = c->b;
    unsigned char *buf = malloc(LINE_COPY_BYTES);
    uint64_t src = 0, dst = 0, n = 0;
    int sfd = -1;
    size_t i;
    double c0 = pv_thread_cpu();

    if (!buf) {
        c->rc = pv_err__set(&c->err, PV_ENOMEM, "out of memory");
        return NULL;
    }
    for (i = c->from; i < c->to && c->rc == 0; i++) {
        const docmeta *dm = doc_at(b, i);
        int fd;
        if (i > c->from)
            docs_pass(b, i - 1);
        if (dm->status != 1 || !dm->lines_new)
            continue;
        fd = fileno(b->workers[dm->worker].lines);
        if (n > 0 && fd == sfd && src + n == dm->lines_src &&
            c->chunk_at + dm->lines_off == dst + n) {
            n += dm->lines_size;
            continue;
        }
        if (n > 0)
            c->rc = copy_range(c, sfd, src, dst, n, buf);
        sfd = fd;
        src = dm->lines_src;
        dst = c->chunk_at + dm->lines_off;
        n = dm->lines_size;
    }
    if (c->rc == 0 && n > 0)
        c->rc = copy_range(c, sfd, src, dst, n, buf);
    free(buf);
    c->cpu = pv_thread_cpu() - c0;
    return NULL;
}

/* Fills LINE's placed bytes (pv_seg__fill_placed) on --jobs threads. */
static int fill_lines(void *ctx, int fd, uint64_t chunk_at, int *write_errno, pv_err *err)
{
    builder *b = ctx;
    unsigned nt = b->njobs, t, started = 0;
    line_copy stack[1], *c = nt > 1 ? calloc(nt, sizeof *c) : stack;
    pthread_t *th = nt > 1 ? calloc(nt, sizeof *th) : NULL;
    double here = 0, others = 0;
    int rc = 0;

    if (!c || (nt > 1 && !th)) {
        if (c != stack)
            free(c);
        free(th);
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    }
    if (nt <= 1)
        nt = 1;
    for (t = 0; t < nt; t++) {
        memset(&c[t], 0, sizeof c[t]);
        c[t].b = b;
        c[t].fd = fd;
        c[t].chunk_at = chunk_at;
        c[t].from = b->ndocs * t / nt;
        c[t].to = b->ndocs * (t + 1) / nt;
    }
    if (nt == 1) {
        copy_lines(&c[0]);
        here = c[0].cpu;
    } else {
        for (t = 0; t < nt; t++) {
            if (pthread_create(&th[t], NULL, copy_lines, &c[t]) != 0)
                break;
            started++;
        }
        for (t = 0; t < started; t++)
            pthread_join(th[t], NULL);
        for (t = started; t < nt; t++) { /* no thread for these: here */
            double c0 = pv_thread_cpu();
            copy_lines(&c[t]);
            here += pv_thread_cpu() - c0;
        }
        for (t = 0; t < started; t++)
            others += c[t].cpu;
    }
    for (t = 0; t < nt; t++) {
        if (c[t].write_errno && !*write_errno)
            *write_errno = c[t].write_errno;
        else if (c[t].rc && !c[t].write_errno && rc == 0) {
            *err = c[t].err;
            rc = c[t].rc;
        }
    }
    b->lines_cpu_here = here;
    b->lines_cpu_others = others;
    if (c != stack)
        free(c);
    free(th);
    return rc;
}

/* LINE: every indexed document's line table, once for identical tables (copies of a file):
 * placed in document order (its lines_off becomes its offset inside LINE), then copied from
 * the workers' spill files by several threads at once. */
static int put_lines(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    builder *b = ctx;
    size_t i;
    int rc;
    for (i = 0; i < b->njobs; i++)
        if (fflush(b->workers[i].lines) != 0)
            return pv_err__set(err, PV_EIO,
                               "cannot write line tables to a temporary file in '%s': %s",
                               b->tmpdir, strerror(errno));
    for (i = 0; i < b->ndocs; i++) {
        docmeta *dm = doc_at(b, i);
        int is_new;
        if (i)
            docs_pass(b, i - 1);
        if (dm->status != 1)
            continue;
        dm->lines_off = pv_seg__place_shared(sw, &dm->lines_key, dm->lines_size, &is_new);
        dm->lines_new = (uint8_t)is_new;
    }
    b->lines_cpu_here = b->lines_cpu_others = 0;
    rc = pv_seg__fill_placed(sw, fill_lines, b, err);
    pv_seg__parallel_work(sw, b->lines_cpu_here, b->lines_cpu_others);
    return rc;
}

static int put_docs(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    const builder *b = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < b->ndocs; i++) {
        const docmeta *dm = doc_at(b, i);
        pv_seg_doc d;
        if (i)
            docs_pass(b, i - 1);
        if (dm->status != 1)
            continue;
        d.source = dm->source;
        d.kind = dm->kind;
        d.locator = (uint32_t)(b->sp.data.len + dm->locator); /* STRS: the pool, then these */
        d.commit = dm->commit;
        d.license = dm->license;
        d.origin = dm->origin;
        d.date = dm->date;
        d.lines_off = dm->lines_off;
        d.lines_size = dm->lines_size;
        d.lines_raw = dm->lines_raw;
        d.nlines = dm->nlines;
        d.ntokens = dm->ntokens;
        d.bytes = dm->bytes;
        pv_seg__put_doc(sw, &d);
    }
    return 0;
}

/* STRS: the pool, then the locators */
static int put_strings(void *ctx, pv_seg_writer *sw, pv_err *err)
{
    builder *b = ctx;
    uint64_t left;
    pv_seg__put_bytes(sw, b->sp.data.data, b->sp.data.len);
    if (pv_seg__failed(sw)) /* the writer reports the first failure: the disk is full, say */
        return 0;
    if (fflush(b->locators) != 0)
        return pv_err__set(err, PV_EIO, "cannot write locators to a temporary file in '%s': %s",
                           b->tmpdir, strerror(errno));
    if (fseeko(b->locators, 0, SEEK_SET) != 0)
        return pv_err__set(err, PV_EIO,
                           "cannot read back locators from a temporary file in '%s': %s", b->tmpdir,
                           strerror(errno));
    for (left = b->sp.spilled; left > 0 && !pv_seg__failed(sw);) {
        size_t n = left < (1u << 20) ? (size_t)left : (size_t)1 << 20;
        if (pv_array__grow((void **)&b->copybuf, &b->copycap, n, 1))
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        if (fread(b->copybuf, 1, n, b->locators) != n)
            return pv_err__set(err, PV_EIO,
                               "cannot read back locators from a temporary file in '%s': %s",
                               b->tmpdir, ferror(b->locators) ? strerror(errno) : "file too short");
        pv_seg__put_bytes(sw, b->copybuf, n);
        left -= n;
    }
    return 0;
}

/* Dense ids for the documents actually indexed, the dates the merge's cap looks up, and the
 * blob ids of indexed documents under their new ids. */
static int renumber_docs(builder *b, pv_err *err)
{
    double c0 = pv_thread_cpu(), t0 = pv_now();
    size_t i, n = 0;
    b->new_ids = malloc((b->ndocs ? b->ndocs : 1) * sizeof *b->new_ids);
    b->dates = malloc((b->ndocs ? b->ndocs : 1) * sizeof *b->dates);
    if (!b->new_ids || !b->dates)
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    for (i = 0; i < b->ndocs; i++) {
        docmeta *dm = doc_at(b, i);
        b->new_ids[i] = dm->status == 1 ? (uint32_t)n++ : PV_NONE;
        b->dates[i] = dm->date;
        docs_pass(b, i);
    }
    for (i = n = 0; i < b->nblobs; i++) {
        uint32_t id = b->new_ids[b->blobs[i].doc];
        if (id == PV_NONE)
            continue;
        b->blobs[n] = b->blobs[i];
        b->blobs[n++].doc = id;
    }
    b->nblobs = n;
    b->st.stages[PV_STAGE_IDENTITIES].serial += pv_thread_cpu() - c0;
    b->st.stages[PV_STAGE_IDENTITIES].wall += pv_now() - t0;
    return 0;
}

/* The segment: the tables and merged postings, through the index's segment writer. */
static int write_index(builder *b, const char *out_path, const char *tmp_path, pv_err *err)
{
    pv_seg_content c;
    pv_seg_result res = {0, 0, 0};
    int rc;

    memset(&c, 0, sizeof c);
    c.k = b->o->k;
    c.w = b->o->w;
    c.posting_cap = b->o->posting_cap;
    c.seed = b->o->seed;
    c.ctx = b;
    c.postings = merge_runs;
    c.authors = put_authors;
    c.sources = put_sources;
    c.origins = put_origins;
    c.lines = put_lines;
    c.docs = put_docs;
    c.strings = put_strings;
    c.tokens = b->st.tokens;
    c.input_bytes = b->st.bytes;
    c.created = b->created;
    c.stages = b->st.stages;
    if ((rc = renumber_docs(b, err)) == 0) {
        c.blobs = b->blobs;
        c.nblobs = b->nblobs;
        rc = pv_seg__write(out_path, tmp_path, &c, &res, err);
    }
    if (rc == 0) {
        b->st.postings = res.postings;
        b->st.fingerprints = res.fingerprints;
        b->st.index_bytes = res.file_bytes;
    }
    free(b->new_ids);
    free(b->dates);
    free(b->copybuf);
    b->new_ids = NULL;
    b->dates = NULL;
    b->copybuf = NULL;
    return rc;
}

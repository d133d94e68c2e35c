/*
 * scan.c - datasets streamed once against a small index: readers hand records to workers
 * through a bounded queue; a worker tokenizes a record, winnows its k-grams and probes an
 * in-memory hash set of the index's fingerprints; the rare record that shares one is matched
 * (pv_match_run) and its spans become findings, one per indexed document, handed on in
 * dataset, record and document order whatever the number of workers.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common_int.h"
#include "index_int.h"
#include "json_int.h"
#include "match_int.h"
#include "scanner_int.h"
#include "source.h"

#define FP_SHIFT 16 /* fingerprints keep their top 48 bits (index/format.h, PV_FP_BITS) */
#define DEFAULT_MAX_RECORD ((uint64_t)64 << 20)
#define DEFAULT_MAX_ROWS 64
#define MAX_AUTHORS 16
#define QUEUE_BYTES ((size_t)64 << 20) /* record text waiting for a worker, beyond one record */
#define PROGRESS_EVERY 64              /* records between two progress calls of a reader */
/* An index that takes at most this much decoded (postings and line tables) is decoded once
 * for every confirmation; a larger one is read block by block. */
#define TABLE_BYTES ((uint64_t)64 << 20)

struct pv_scan {
    const pv_index *ix;
    pv_scan_opts o;
    uint32_t k, w;
    uint64_t seed;
    /* the index's fingerprints: open addressing, linear probing, 0 = empty slot */
    uint64_t *set;
    size_t mask;
    int has_zero;
    pv_index_table *table; /* the index's postings, decoded once; NULL for a large index */
};

/* ---- the fingerprint set ----------------------------------------------------------------- */

static void set_put(pv_scan *s, uint64_t fp)
{
    size_t i;
    if (fp == 0) {
        s->has_zero = 1;
        return;
    }
    /* fingerprints are hashes: their low bits spread them already */
    for (i = (size_t)fp & s->mask; s->set[i] != 0; i = (i + 1) & s->mask)
        if (s->set[i] == fp)
            return;
    s->set[i] = fp;
}

static inline int set_has(const pv_scan *s, uint64_t fp)
{
    size_t i;
    if (PV_UNLIKELY(fp == 0))
        return s->has_zero;
    for (i = (size_t)fp & s->mask;; i = (i + 1) & s->mask) {
        uint64_t v = s->set[i];
        if (v == fp)
            return 1;
        if (v == 0)
            return 0;
    }
}

static int load_fp(void *ctx, uint64_t fp)
{
    set_put(ctx, fp);
    return 0;
}

int pv_scan_new(const pv_index *ix, const pv_scan_opts *opts, pv_scan **out, pv_err *err)
{
    pv_scan_opts defaults = PV_SCAN_OPTS_INIT;
    pv_index_info info;
    pv_index_cursor *cur = NULL;
    pv_scan *s;
    size_t slots = 16;
    int rc;

    *out = NULL;
    pv_index_get_info(ix, &info);
    if (info.norm_version != PV_NORM_VERSION)
        return pv_err__set(err, PV_EPARAMS,
                           "index '%s' was built with normalization version %u; this provscan "
                           "tokenizes with version %u: rebuild the index",
                           pv_index__path(ix), info.norm_version, PV_NORM_VERSION);
    /* at most half full, so that a miss ends after a slot or two */
    while (slots < 2 * info.fingerprints && slots < ((size_t)1 << 40))
        slots <<= 1;
    if (!(s = calloc(1, sizeof *s)) || !(s->set = calloc(slots, sizeof *s->set))) {
        if (s)
            free(s);
        return pv_err__set(err, PV_ENOMEM, "out of memory for %zu fingerprints",
                           (size_t)info.fingerprints);
    }
    s->ix = ix;
    s->o = opts ? *opts : defaults;
    s->k = info.k;
    s->w = info.w;
    s->seed = info.seed;
    s->mask = slots - 1;
    if (!s->o.match.min_tokens)
        s->o.match.min_tokens = info.k + info.w - 1;
    if (!s->o.match.max_sources)
        s->o.match.max_sources = DEFAULT_MAX_ROWS;
    if (!s->o.match.max_copies)
        s->o.match.max_copies = DEFAULT_MAX_ROWS;
    if (!s->o.max_record_size)
        s->o.max_record_size = DEFAULT_MAX_RECORD;
    if ((rc = pv_index__cursor_new(ix, &cur, err)) == 0)
        rc = pv_index__fingerprints(cur, load_fp, s, err);
    pv_index__cursor_free(cur);
    if (rc == 0)
        rc = pv_index__table_load(ix, TABLE_BYTES, &s->table, err);
    if (rc) {
        pv_scan_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void pv_scan_free(pv_scan *s)
{
    if (!s)
        return;
    free(s->set);
    pv_index__table_free(s->table);
    free(s);
}

/* ---- one record -------------------------------------------------------------------------- */

/* A span's row for one document, before it joins the document's finding: where it is in
 * the record (raw bytes [a, b) and lines) and what add_row takes. */
typedef struct row {
    uint32_t document, tokens;
    uint32_t record_lines[2], document_lines[2];
    size_t a, b;
    const char *name, *email, *id;
    size_t order; /* its place among the record's rows */
} row;

/* What a worker keeps between records. */
typedef struct worker_buf {
    pv_tokens tok;
    uint64_t *kg;
    uint32_t *win;
    size_t cap;
    pv_index_cursor *cur; /* the confirmations' (made on the first) */
    pv_json_view view;    /* a plain-text record's JSON-escaped text, decoded */
    row *rows;            /* the record's rows, raw text's first */
    size_t nrows, cap_rows;
    /* counts added to the run's stats when the thread is done */
    uint64_t tokens, invalid, bytes, candidates;
} worker_buf;

static void worker_buf_free(worker_buf *b)
{
    pv_scanner__tokens_free(&b->tok);
    free(b->kg);
    free(b->win);
    pv_index__cursor_free(b->cur);
    pv_json__view_free(&b->view);
    free(b->rows);
    memset(b, 0, sizeof *b);
}

/* One finding being built, with the strings it owns. */
typedef struct finding {
    pv_scan_finding f;
    pv_scan_author authors[MAX_AUTHORS];
    char *record; /* owned */
} finding;

typedef struct found_list {
    finding *v;
    size_t n, cap;
} found_list;

static void found_list_free(found_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        free(l->v[i].record);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Tokenize the record (or its JSON view: count 0 leaves it out of the stats) and probe its
 * winnowed k-grams: *nhit receives how many are in the index, and b->win[0..*nhit) their
 * k-gram positions, ascending. Both sides winnow with the index's w, so a shared run of
 * k + w - 1 tokens shares the minimum of a window. */
static int probe(const pv_scan *s, worker_buf *b, const char *text, size_t len, int count,
                 size_t *nhit)
{
    size_t nk, nw, i, n = 0;
    int rc;
    *nhit = 0;
    b->tok.n = 0;
    b->tok.invalid_utf8 = 0;
    if ((rc = pv_scanner__tokenize(text, len, s->seed, &b->tok)) != 0)
        return rc;
    if (count) {
        b->tokens += b->tok.n;
        b->invalid += b->tok.invalid_utf8;
        b->bytes += len;
    }
    if (b->tok.n < s->k)
        return 0;
    nk = b->tok.n - s->k + 1;
    if (nk > b->cap) {
        size_t cap = nk + nk / 2;
        uint64_t *kg = realloc(b->kg, cap * sizeof *kg);
        uint32_t *win;
        if (!kg)
            return PV_ENOMEM;
        b->kg = kg;
        if (!(win = realloc(b->win, cap * sizeof *win)))
            return PV_ENOMEM;
        b->win = win;
        b->cap = cap;
    }
    nk = pv_scanner__kgrams(b->tok.v, b->tok.n, s->k, s->seed, b->kg);
    nw = pv_scanner__winnow(b->kg, nk, s->w, b->win);
    for (i = 0; i < nw; i++)
        if (PV_UNLIKELY(set_has(s, b->kg[b->win[i]] >> FP_SHIFT)))
            b->win[n++] = b->win[i];
    *nhit = n;
    return 0;
}

/* Where a reader's locator says the record is: "NAME (SHARD:LINE)" or "SHARD:LINE" (JSON
 * lines), "FILE@OFFSET" (a WARC record without a target URI); *name_len is how much of it
 * names the record (0: nothing but the place). */
static void parse_place(const char *loc, const char *path, size_t *name_len, int64_t *line,
                        int64_t *offset)
{
    const char *base = strrchr(path, '/'), *p;
    size_t n = strlen(loc), bn, i;
    base = base ? base + 1 : path;
    bn = strlen(base);
    *name_len = n;
    *line = *offset = -1;
    /* "SHARD:LINE" or "SHARD@OFFSET" at the end, inside " (...)" or as the whole locator */
    if (n > 2 && loc[n - 1] == ')' && (p = strstr(loc, " (")) != NULL) {
        const char *q;
        while ((q = strstr(p + 2, " (")) != NULL)
            p = q;
        if ((size_t)(loc + n - 1 - (p + 2)) > bn && strncmp(p + 2, base, bn) == 0 &&
            p[2 + bn] == ':') {
            int64_t v = 0;
            for (i = (size_t)(p + 3 + bn - loc); i < n - 1 && loc[i] >= '0' && loc[i] <= '9'; i++)
                v = v * 10 + (loc[i] - '0');
            if (i == n - 1 && i > (size_t)(p + 3 + bn - loc)) {
                *line = v;
                *name_len = (size_t)(p - loc);
            }
        }
        return;
    }
    if (n > bn + 1 && strncmp(loc, base, bn) == 0 && (loc[bn] == ':' || loc[bn] == '@')) {
        int64_t v = 0;
        for (i = bn + 1; i < n && loc[i] >= '0' && loc[i] <= '9'; i++)
            v = v * 10 + (loc[i] - '0');
        if (i == n) {
            *name_len = 0;
            if (loc[bn] == ':')
                *line = v;
            else
                *offset = v;
        }
    }
}

static int add_author(finding *f, const char *name, const char *email, const char *id)
{
    size_t i;
    if (!name && !email && !id)
        return 0;
    for (i = 0; i < f->f.nauthors; i++) {
        const pv_scan_author *a = &f->authors[i];
        if ((a->name == name || (a->name && name && strcmp(a->name, name) == 0)) &&
            (a->email == email || (a->email && email && strcmp(a->email, email) == 0)))
            return 0;
    }
    if (f->f.nauthors < MAX_AUTHORS) {
        f->authors[f->f.nauthors].name = name;
        f->authors[f->f.nauthors].email = email;
        f->authors[f->f.nauthors].id = id;
        f->f.nauthors++;
    }
    return 0;
}

/* The finding of document doc in l (added when new). */
static finding *finding_of(const pv_scan *s, found_list *l, uint32_t doc)
{
    size_t i;
    finding *f;
    pv_doc_view dv;
    for (i = 0; i < l->n; i++)
        if (l->v[i].f.document == doc)
            return &l->v[i];
    if (pv_array__grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return NULL;
    f = &l->v[l->n++];
    memset(f, 0, sizeof *f);
    pv_index__doc(s->ix, doc, &dv);
    f->f.document = doc;
    f->f.kind = dv.kind;
    f->f.source = dv.source;
    f->f.locator = dv.locator;
    f->f.commit = dv.commit;
    f->f.license = dv.license;
    f->f.document_tokens = dv.ntokens;
    return f;
}

static int add_row(const pv_scan *s, found_list *l, const row *r)
{
    finding *f = finding_of(s, l, r->document);
    if (!f)
        return PV_ENOMEM;
    f->f.tokens += r->tokens;
    f->f.spans++;
    if (r->tokens > f->f.longest_tokens) {
        f->f.longest_tokens = r->tokens;
        memcpy(f->f.record_lines, r->record_lines, sizeof r->record_lines);
        memcpy(f->f.document_lines, r->document_lines, sizeof r->document_lines);
    }
    return add_author(f, r->name, r->email, r->id);
}

/* Row of source r of span sp, found in text[from, ...) whose first line is line first_line. */
static int push_row(worker_buf *b, const pv_span *sp, const pv_source_ref *r, size_t from,
                    uint32_t first_line)
{
    row *w;
    if (pv_array__grow((void **)&b->rows, &b->cap_rows, b->nrows + 1, sizeof *b->rows))
        return PV_ENOMEM;
    w = &b->rows[b->nrows];
    w->document = r->document;
    w->tokens = r->matched_tokens;
    w->record_lines[0] = sp->line_start + first_line - 1;
    w->record_lines[1] = sp->line_end + first_line - 1;
    w->document_lines[0] = r->line_start;
    w->document_lines[1] = r->line_end;
    w->a = from + sp->start;
    w->b = from + sp->end;
    w->name = r->author_name;
    w->email = r->author_email;
    w->id = r->author_id;
    w->order = b->nrows++;
    return 0;
}

static int cmp_finding(const void *a, const void *b)
{
    uint32_t x = ((const finding *)a)->f.document, y = ((const finding *)b)->f.document;
    return x < y ? -1 : x > y;
}

/* Line ends in text[from, to): "\r\n", "\r" and "\n" each end one (pv_scanner__line_starts). */
static uint32_t line_ends(const char *text, size_t from, size_t to, size_t len)
{
    uint32_t n = 0;
    size_t p;
    for (p = from; p < to; p++)
        n += text[p] == '\n' || (text[p] == '\r' && (p + 1 >= len || text[p + 1] != '\n'));
    return n;
}

/* Match text[from, to) (a region of a record whose first line is the record's line
 * first_line) and add its spans' rows to b->rows. Common spans (boilerplate, license text)
 * find nothing: they are in every dataset. */
static int match_region(const pv_scan *s, worker_buf *b, const char *text, size_t from, size_t to,
                        uint32_t first_line, pv_err *err)
{
    pv_result *res = NULL;
    size_t i, j;
    int rc = pv_match__run(s->ix, b->cur, text + from, to - from, &s->o.match, &res, err);
    if (rc)
        return rc;
    for (i = 0; i < res->nspans && rc == 0; i++) {
        const pv_span *sp = &res->spans[i];
        if (sp->common)
            continue;
        for (j = 0; j < sp->nsources && rc == 0; j++)
            rc = push_row(b, sp, &sp->sources[j], from, first_line);
        for (j = 0; j < sp->ncopies && rc == 0; j++)
            rc = push_row(b, sp, &sp->copies[j], from, first_line);
    }
    pv_result_free(res);
    if (rc)
        return pv_err__set(err, rc, "out of memory");
    return 0;
}

/* How far from its hits a region of a record reaches, in tokens, and in bytes beyond that to
 * the ends of its first and last lines. */
#define REGION_MARGIN(s) (2 * ((s)->k + (s)->w))
#define REGION_LINE_BYTES 4096

/* Confirm a candidate record: the matcher runs on the regions around its hits (hits closer
 * than two margins share one), not on the whole record, so that a large record holding a
 * short quote costs little more than the quote. A shared run reaches at most k + w - 2 tokens
 * past its last winnowed hit, and the matcher's edges a few more: the margin covers both.
 * Regions are widened to whole lines (within REGION_LINE_BYTES), where the matcher's exact
 * edges look for line ends. */
static int confirm(const pv_scan *s, worker_buf *b, size_t nhit, const char *text, size_t len,
                   pv_err *err)
{
    const pv_token *t = b->tok.v;
    const size_t ntok = b->tok.n, margin = REGION_MARGIN(s);
    size_t h = 0, i, line_at = 0;
    uint32_t line = 1;
    int rc = 0;

    if (!b->cur) {
        if ((rc = pv_index__cursor_new(s->ix, &b->cur, err)) != 0)
            return rc;
        pv_index__cursor_use(b->cur, s->table);
    }
    while (h < nhit && rc == 0) {
        size_t lo = b->win[h] > margin ? b->win[h] - margin : 0, hi, from, to;
        hi = b->win[h] + s->k + margin;
        while (++h < nhit && b->win[h] <= hi + margin)
            hi = b->win[h] + s->k + margin;
        if (hi > ntok)
            hi = ntok;
        from = t[lo].start;
        to = (size_t)t[hi - 1].start + t[hi - 1].len;
        for (i = from;
             i > 0 && from - i < REGION_LINE_BYTES && text[i - 1] != '\n' && text[i - 1] != '\r';
             i--)
            ;
        if (i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r')
            from = i;
        for (i = to; i < len && i - to < REGION_LINE_BYTES && text[i] != '\n' && text[i] != '\r';
             i++)
            ;
        if (i == len || text[i] == '\n' || text[i] == '\r')
            to = i;
        line += line_ends(text, line_at, from, len);
        line_at = from;
        rc = match_region(s, b, text, from, to, line, err);
    }
    return rc;
}

/* The findings' shares of their documents, and their order (by document). */
static void finish(found_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        pv_scan_finding *f = &l->v[i].f;
        if (f->tokens > f->document_tokens)
            f->tokens = f->document_tokens; /* the document held twice in one record */
        f->covered = f->document_tokens ? (double)f->tokens / f->document_tokens : 0.0;
    }
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, cmp_finding);
}

/* A record that names a git blob (The Stack's hexsha) the index holds is an exact copy of a
 * version of each document holding it, whatever its text matches. */
static int exact_copies(const pv_scan *s, const unsigned char *blob, found_list *l)
{
    uint32_t docs[16];
    size_t n = pv_index__blob_docs(s->ix, blob, docs, 16), i;
    const pv_tombs *tb = pv_index__tombs(s->ix);
    for (i = 0; i < n && i < 16; i++) {
        finding *f;
        if (tb && pv_tombs__doc_gone(tb, docs[i]))
            continue; /* removed: as if never indexed */
        f = finding_of(s, l, docs[i]);
        if (!f)
            return PV_ENOMEM;
        f->f.exact = 1;
    }
    return 0;
}

/* ---- the run: readers, a bounded queue, workers, findings in order ----------------------- */

/* A JSON-lines file is handed to the workers as batches of whole lines, which they parse:
 * most of a metadata-heavy line (Reddit) is JSON around a short text, and one reader thread
 * parsing it all would hold every worker back. A batch is cut at the first line end after
 * LINES_BYTES or at LINES_MAX lines (which bounds the diagnostics it keeps for its turn);
 * INPUT_READ bytes are read at a time. */
#define LINES_BYTES ((size_t)256 << 10)
#define LINES_MAX 4096
#define INPUT_READ ((size_t)256 << 10)

/* Whole lines of a JSON-lines file, for a thread to parse and scan. */
typedef struct lines {
    uint64_t first_line; /* the number of the first line, from 1 */
    pv_buf data;         /* the lines, each ending "\n" but the file's last maybe */
    uint64_t *longs;     /* lines too long to hold (pv_jsonl__line_limit): their numbers,
                            ascending, between the others; not in data */
    size_t nlongs, cap_longs;
    size_t nlines;      /* complete lines in it, long ones included */
    const char *preset; /* the file's preset (known by then), for the parser */
} lines;

/* One record of a batch of records: its text and locator, at offsets into the batch's
 * data (each ends with a NUL there). */
typedef struct one_rec {
    size_t text, len, loc;
    int64_t offset; /* pv_doc_in.offset, or -1 */
    int has_blob;
    unsigned char blob[20]; /* the git blob the record names (pv_doc_in.blobs), if has_blob */
} one_rec;

/* Records a reader read, copied for a worker: handed on together, once they hold LINES_BYTES
 * or LINES_MAX records, so that a worker waits for the reader (and the reader for the
 * queue's lock) once a batch, not once a record, and a worker never runs dry while the reader
 * scans a large record itself. */
typedef struct recs {
    pv_buf data;
    one_rec *v;
    size_t n, cap;
    int plain; /* scan_record's */
} recs;

/* Files [from, to) of a folder's listing, for a thread to read and scan. */
typedef struct files {
    const pv_file_list *list;
    size_t from, to;
} files;

/* A unit of work for a worker: a batch of records, of lines or of files. */
typedef struct rec {
    size_t ds;
    uint64_t seq;
    size_t len;   /* of the batch's data (0 for files, which are read by the worker) */
    recs *many;   /* records to scan, */
    lines *batch; /* or lines to parse and scan, */
    files *files; /* or files to read and scan */
} rec;

/* What a record or a batch (a unit) found, waiting for the units before it. */
typedef struct pending {
    uint64_t seq;
    uint64_t first_no; /* records of the dataset before the unit's first (known once every
                          unit before it is done) */
    found_list fl;     /* record_no of each finding: its record's place in the unit, from 0 */
    pv_buf diags;      /* a batch's diagnostics, in order: severity byte, message, NUL */
} pending;

/* One dataset argument. */
typedef struct dstate {
    const char *spec, *path;
    int skip_datasets;        /* a folder whose dataset files are datasets of their own (expand) */
    const pv_file_list *list; /* a folder: its files, listed by expand */
    uint64_t next_seq;        /* units handed on by its reader */
    uint64_t done_upto;       /* every unit before this one is done */
    uint64_t *done;           /* by seq % ring: 0, or 1 + the records of a unit done */
    uint64_t docs_upto;       /* records in the units before done_upto */
    pending *pend;            /* by seq, from pend_head; those before pend_base know first_no */
    size_t npend, pend_head, pend_base, cap_pend;
    int reading_done, rc;
    pv_err err;
    uint64_t records, read_bytes;
    uint64_t replaced, replaced_line; /* batches of lines: U+FFFD replacements, first line */
} dstate;

typedef struct run {
    pv_scan *s;
    dstate *ds;
    size_t nds, ring;
    pv_scan_found_fn fn;
    void *ctx;
    unsigned jobs;
    pthread_mutex_t mu;
    pthread_cond_t can_push, can_pop;
    rec **q;
    size_t qcap, qhead, qn, qbytes;
    int closing;
    size_t next_ds, emit_ds;
    int abort_rc; /* the first fatal error, or fn's nonzero value */
    pv_err abort_err;
    pv_scan_stats st; /* under mu */
    _Atomic uint64_t bytes_done, records_read;
    uint64_t bytes_total;
} run;

static void rec_free(rec *c)
{
    if (!c)
        return;
    if (c->batch) {
        pv_buf__free(&c->batch->data);
        free(c->batch->longs);
        free(c->batch);
    }
    if (c->many) {
        pv_buf__free(&c->many->data);
        free(c->many->v);
        free(c->many);
    }
    free(c->files);
    free(c);
}

/* Add a thread's counts to the run's stats and release its buffers. */
static void worker_buf_done(run *r, worker_buf *b)
{
    pthread_mutex_lock(&r->mu);
    r->st.tokens += b->tokens;
    r->st.invalid_utf8 += b->invalid;
    r->st.text_bytes += b->bytes;
    r->st.candidates += b->candidates;
    pthread_mutex_unlock(&r->mu);
    worker_buf_free(b);
}

/* A reader's own state, the ctx of its sink. */
typedef struct reader {
    run *r;
    size_t ds;
    pv_reader_stats rs;
    uint64_t bytes_seen;
    worker_buf wb; /* with one job the reader is the worker */
    unsigned since_progress;
    int plain; /* its records are plain text (scan_record) */
    rec *cur;  /* the batch of records being filled, or NULL */
} reader;

static void set_abort(run *r, int rc, const pv_err *err)
{
    if (r->abort_rc)
        return;
    r->abort_rc = rc;
    if (err && err->msg[0])
        r->abort_err = *err;
    else
        pv_err__set(&r->abort_err, rc, "%s", pv_strerror(rc));
    pthread_cond_broadcast(&r->can_push);
    pthread_cond_broadcast(&r->can_pop);
}

static void emit(run *r, dstate *d, pending *p)
{
    size_t i;
    const char *m;
    for (m = p->diags.data; r->s->o.diag && m && m < p->diags.data + p->diags.len;
         m += strlen(m + 1) + 2)
        r->s->o.diag(r->s->o.ctx, (pv_severity)m[0], m + 1);
    for (i = 0; i < p->fl.n && !r->abort_rc; i++) {
        finding *f = &p->fl.v[i];
        uint64_t at = f->f.record_no; /* the record's place in the unit */
        int rc;
        f->f.dataset = (size_t)(d - r->ds);
        f->f.dataset_path = d->path;
        f->f.record_no = p->first_no + at + 1;
        f->f.authors = f->authors;
        r->st.findings++;
        if ((rc = r->fn ? r->fn(r->ctx, &f->f) : 0) != 0)
            set_abort(r, rc, NULL);
        r->st.found_records += i + 1 == p->fl.n || p->fl.v[i + 1].f.record_no != at;
    }
}

/* Hand on, in order, what every unit done so far found; close finished datasets. Called
 * with mu held. */
static void flush(run *r)
{
    while (r->emit_ds < r->nds && !r->abort_rc) {
        dstate *d = &r->ds[r->emit_ds];
        while (d->pend_head < d->npend && d->pend[d->pend_head].seq < d->done_upto) {
            pending *p = &d->pend[d->pend_head++];
            emit(r, d, p);
            found_list_free(&p->fl);
            pv_buf__free(&p->diags);
        }
        if (d->pend_head == d->npend)
            d->pend_head = d->pend_base = d->npend = 0;
        if (!d->reading_done || d->done_upto != d->next_seq)
            break;
        if (d->replaced) {
            pv_reader_opts ro;
            memset(&ro, 0, sizeof ro);
            ro.diag = r->s->o.diag;
            ro.ctx = r->s->o.ctx;
            pv_jsonl__replaced_note(&ro, d->path, d->replaced, d->replaced_line);
        }
        if (d->rc) {
            r->st.dataset_errors++;
            if (r->s->o.diag) {
                char msg[sizeof d->err.msg + 128];
                snprintf(msg, sizeof msg,
                         "%s (stopped after %llu records, %llu bytes read; going on with the "
                         "next dataset)",
                         d->err.msg, (unsigned long long)d->records,
                         (unsigned long long)d->read_bytes);
                r->s->o.diag(r->s->o.ctx, PV_ERROR, msg);
            }
        } else {
            r->st.datasets++;
        }
        r->emit_ds++;
    }
}

/* Unit seq of dataset d is done: ndocs records, with what they found and the diagnostics
 * they gave (both taken over). Called with mu held. */
static int complete(run *r, size_t ds, uint64_t seq, uint64_t ndocs, found_list *fl, pv_buf *diags)
{
    dstate *d = &r->ds[ds];
    if (fl->n || (diags && diags->len)) {
        pending *p;
        size_t i;
        if (pv_array__grow((void **)&d->pend, &d->cap_pend, d->npend + 1, sizeof *d->pend))
            return PV_ENOMEM;
        /* usually the last; otherwise moved into its place */
        for (i = d->npend; i > d->pend_head && d->pend[i - 1].seq > seq; i--)
            d->pend[i] = d->pend[i - 1];
        p = &d->pend[i];
        memset(p, 0, sizeof *p);
        p->seq = seq;
        p->fl = *fl;
        memset(fl, 0, sizeof *fl);
        if (diags) {
            p->diags = *diags;
            memset(diags, 0, sizeof *diags);
        }
        d->npend++;
    }
    d->done[seq % r->ring] = 1 + ndocs;
    while (d->done_upto < d->next_seq && d->done[d->done_upto % r->ring]) {
        if (d->pend_base < d->npend && d->pend[d->pend_base].seq == d->done_upto)
            d->pend[d->pend_base++].first_no = d->docs_upto;
        d->docs_upto += d->done[d->done_upto % r->ring] - 1;
        d->done[d->done_upto % r->ring] = 0;
        d->done_upto++;
    }
    pthread_cond_broadcast(&r->can_push);
    flush(r);
    return 0;
}

/* Rows b->rows[first, b->nrows), found in b->view, placed on the raw text[0, len) they
 * were decoded from: their bytes and lines there. */
static void place_decoded(worker_buf *b, size_t first, const char *text, size_t len)
{
    size_t i, at = 0; /* line is the line of byte at */
    uint32_t line = 1;
    for (i = first; i < b->nrows; i++) {
        row *w = &b->rows[i];
        size_t ends[2];
        int e;
        ends[0] = pv_json__view_raw(&b->view, w->a);
        ends[1] = pv_json__view_raw(&b->view, w->b > w->a ? w->b - 1 : w->a);
        w->a = ends[0];
        w->b = ends[1] + 1;
        for (e = 0; e < 2; e++) {
            /* from the last place counted, forward or back (a span's rows of several
             * documents share its places): the lines between are counted once */
            if (ends[e] < at)
                line -= line_ends(text, ends[e], at, len);
            else
                line += line_ends(text, at, ends[e], len);
            at = ends[e];
            w->record_lines[e] = line;
        }
    }
}

static int cmp_row(const void *x, const void *y)
{
    const row *a = x, *b = y;
    if (a->document != b->document)
        return a->document < b->document ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Add the record's rows to its findings. The rows of its JSON view (from decoded on) may
 * have found a copy the raw text found too: rows of a document whose bytes overlap are one
 * copy, counted once, by the row with the most tokens. */
static int add_rows(const pv_scan *s, worker_buf *b, size_t decoded, found_list *l)
{
    size_t i, j;
    int rc = 0;
    if (decoded == b->nrows) {
        for (i = 0; i < b->nrows && rc == 0; i++)
            rc = add_row(s, l, &b->rows[i]);
        return rc;
    }
    qsort(b->rows, b->nrows, sizeof *b->rows, cmp_row);
    for (i = 0; i < b->nrows && rc == 0; i = j) {
        size_t best = i, end = b->rows[i].b;
        for (j = i + 1;
             j < b->nrows && b->rows[j].document == b->rows[i].document && b->rows[j].a < end;
             j++) {
            if (b->rows[j].b > end)
                end = b->rows[j].b;
            if (b->rows[j].tokens > b->rows[best].tokens ||
                (b->rows[j].tokens == b->rows[best].tokens &&
                 b->rows[j].order < b->rows[best].order))
                best = j;
        }
        rc = add_row(s, l, &b->rows[best]);
    }
    return rc;
}

/* Scan one record on this thread: its blob (NULL when it names none), probe, confirm, and
 * fill fl, sorted by document. plain: the record is plain text (not a JSON-lines record,
 * whose reader decoded its strings), whose JSON-escaped literals are scanned decoded too. */
static int scan_record(run *r, worker_buf *wb, const char *text, size_t len,
                       const unsigned char *blob, int plain, found_list *fl, pv_err *err)
{
    size_t nhit, nview = 0, decoded;
    int rc;
    wb->nrows = 0;
    if (blob && (rc = exact_copies(r->s, blob, fl)) != 0)
        return pv_err__set(err, rc, "out of memory");
    if ((rc = probe(r->s, wb, text, len, 1, &nhit)) != 0)
        return pv_err__set(err, rc, "cannot tokenize a record: %s", pv_strerror(rc));
    if (nhit && (rc = confirm(r->s, wb, nhit, text, len, err)) != 0)
        return rc;
    decoded = wb->nrows;
    if (plain && (rc = pv_json__view(&wb->view, text, len)) != 0)
        return pv_err__set(err, rc, "out of memory");
    if (plain && wb->view.n) {
        const pv_buf *v = &wb->view.text;
        if ((rc = probe(r->s, wb, v->data, v->len, 0, &nview)) != 0)
            return pv_err__set(err, rc, "cannot tokenize a record: %s", pv_strerror(rc));
        if (nview && (rc = confirm(r->s, wb, nview, v->data, v->len, err)) != 0)
            return rc;
        place_decoded(wb, decoded, text, len);
    }
    wb->candidates += nhit || nview;
    if ((rc = add_rows(r->s, wb, decoded, fl)) != 0)
        return pv_err__set(err, rc, "out of memory");
    finish(fl);
    return 0;
}

/* Give each finding its record's name and place (at: the record's offset from its reader,
 * or -1). */
static int place_findings(found_list *fl, const char *loc, const char *path, int64_t at)
{
    size_t name_len, i;
    int64_t line, offset;
    if (!fl->n)
        return 0;
    parse_place(loc, path, &name_len, &line, &offset);
    if (offset < 0)
        offset = at;
    for (i = 0; i < fl->n; i++) {
        finding *f = &fl->v[i];
        f->f.line = line;
        f->f.offset = offset;
        if (name_len) {
            if (!(f->record = malloc(name_len + 1)))
                return PV_ENOMEM;
            memcpy(f->record, loc, name_len);
            f->record[name_len] = '\0';
        }
        f->f.record = f->record;
    }
    return 0;
}

static void report_progress(reader *rd)
{
    run *r = rd->r;
    pv_progress p;
    uint64_t delta = rd->rs.bytes_in - rd->bytes_seen;
    rd->bytes_seen = rd->rs.bytes_in;
    atomic_fetch_add(&r->bytes_done, delta);
    if (!r->s->o.progress)
        return;
    memset(&p, 0, sizeof p);
    p.done_bytes = atomic_load(&r->bytes_done);
    p.total_bytes = r->bytes_total;
    p.done_docs = atomic_load(&r->records_read);
    r->s->o.progress(r->s->o.ctx, &p);
}

static int sink_origin(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    (void)ctx;
    (void)o;
    *id = 0; /* authorship of dataset records plays no part in a scan */
    return 0;
}

/* The text of a document a reader hands on: its text, or its HTML turned into text in html.
 * Returns 0, or 1 when the HTML cannot be read (the record is passed over). */
static int doc_text(const pv_doc_in *d, pv_buf *html, const char **text, size_t *len)
{
    pv_err herr;
    *text = d->text;
    *len = d->len;
    if (!d->html) /* not asked for (defer_html is off), but a reader may still hand it on */
        return 0;
    if (pv_buf__append(html, d->text, d->len) != 0 ||
        pv_html__to_text(d->html, d->html_len, html, NULL, &herr) != 0)
        return 1;
    *text = html->data;
    *len = html->len;
    return 0;
}

/* Unit seq of dataset ds was scanned: ndocs records, which found fl (taken over), or the
 * error rc (in err), which stops the run. Returns 0, or PV_EIO when the run is stopping. */
static int scanned(run *r, size_t ds, uint64_t seq, uint64_t ndocs, found_list *fl, int rc,
                   pv_err *err)
{
    pthread_mutex_lock(&r->mu);
    if (rc == 0 && (rc = complete(r, ds, seq, ndocs, fl, NULL)) != 0)
        pv_err__set(err, rc, "out of memory");
    if (rc)
        set_abort(r, rc, err);
    rc = r->abort_rc ? PV_EIO : 0;
    pthread_mutex_unlock(&r->mu);
    found_list_free(fl);
    return rc;
}

/* Scan record seq of the reader's dataset on the reader's own thread. Returns 0, or PV_EIO
 * when the run is stopping (its error is kept in the run). */
static int scan_here(reader *rd, uint64_t seq, const char *text, size_t len, const char *loc,
                     int64_t at, const unsigned char *blob)
{
    run *r = rd->r;
    found_list fl = {NULL, 0, 0};
    pv_err err = {0, ""};
    int rc = scan_record(r, &rd->wb, text, len, blob, rd->plain, &fl, &err);
    if (rc == 0 && place_findings(&fl, loc, r->ds[rd->ds].path, at) != 0)
        rc = pv_err__set(&err, PV_ENOMEM, "out of memory");
    return scanned(r, rd->ds, seq, 1, &fl, rc, &err);
}

/* Give unit c of the reader's dataset its number and queue it; when the queue is full (the
 * workers have enough to do) or here is set, the reader does it itself: 1, c not taken, with
 * c->seq set. 0: queued (c taken); PV_EIO: the run is stopping. */
static int hand_on(reader *rd, rec *c, int here)
{
    run *r = rd->r;
    dstate *ds = &r->ds[rd->ds];
    int rc = 0;
    c->ds = rd->ds;
    pthread_mutex_lock(&r->mu);
    while (!r->abort_rc && ds->next_seq - ds->done_upto >= r->ring)
        pthread_cond_wait(&r->can_push, &r->mu);
    if (r->abort_rc) {
        rc = PV_EIO;
    } else if (here || r->qn == r->qcap || (r->qn > 0 && r->qbytes > QUEUE_BYTES)) {
        c->seq = ds->next_seq++;
        rc = 1;
    } else {
        c->seq = ds->next_seq++;
        r->q[(r->qhead + r->qn++) % r->qcap] = c;
        r->qbytes += c->len;
        pthread_cond_signal(&r->can_pop);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* Move one record's findings (placed) to the end of a unit's, as its record no (its place
 * in the unit, from 0). */
static int take_found(found_list *fl, found_list *one, uint64_t no)
{
    size_t i;
    if (!one->n)
        return 0;
    if (pv_array__grow((void **)&fl->v, &fl->cap, fl->n + one->n, sizeof *fl->v))
        return PV_ENOMEM;
    for (i = 0; i < one->n; i++)
        one->v[i].f.record_no = no;
    memcpy(fl->v + fl->n, one->v, one->n * sizeof *one->v);
    fl->n += one->n;
    one->n = 0; /* moved, with the strings they own */
    return 0;
}

/* Scan batch c of records (unit c->seq of its dataset) on this thread and complete it; an
 * error stops the run. Returns 0, or PV_EIO when the run is stopping. */
static int scan_recs(run *r, worker_buf *wb, rec *c)
{
    const recs *m = c->many;
    found_list fl = {NULL, 0, 0}, one = {NULL, 0, 0};
    pv_err err = {0, ""};
    size_t i;
    int rc = 0;
    for (i = 0; i < m->n && rc == 0; i++) {
        const one_rec *o = &m->v[i];
        const char *text = m->data.data + o->text, *loc = m->data.data + o->loc;
        rc = scan_record(r, wb, text, o->len, o->has_blob ? o->blob : NULL, m->plain, &one, &err);
        if (rc == 0 && (place_findings(&one, loc, r->ds[c->ds].path, o->offset) != 0 ||
                        take_found(&fl, &one, i) != 0))
            rc = pv_err__set(&err, PV_ENOMEM, "out of memory");
        found_list_free(&one);
    }
    return scanned(r, c->ds, c->seq, m->n, &fl, rc, &err);
}

/* Hand the reader's batch of records on (or scan it here when the workers have enough).
 * Returns 0, or PV_EIO when the run is stopping. */
static int hand_recs(reader *rd)
{
    rec *c = rd->cur;
    int rc;
    if (!c)
        return 0;
    rd->cur = NULL;
    c->len = c->many->data.len;
    if ((rc = hand_on(rd, c, 0)) == 0)
        return 0; /* queued: the worker frees it */
    if (rc == 1)
        rc = scan_recs(rd->r, &rd->wb, c);
    rec_free(c);
    return rc;
}

/* Copy a record into the reader's batch. */
static int add_rec(reader *rd, const char *text, size_t len, const char *loc, int64_t at,
                   const unsigned char *blob)
{
    recs *m;
    one_rec *o;
    size_t nloc = strlen(loc);
    if (!rd->cur) {
        rec *c = calloc(1, sizeof *c);
        if (!c || !(c->many = calloc(1, sizeof *c->many))) {
            free(c);
            return PV_ENOMEM;
        }
        c->many->data = (pv_buf)PV_BUF_INIT(SIZE_MAX);
        c->many->plain = rd->plain;
        rd->cur = c;
    }
    m = rd->cur->many;
    if (pv_array__grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v))
        return PV_ENOMEM;
    o = &m->v[m->n];
    o->text = m->data.len;
    o->len = len;
    o->loc = o->text + len + 1;
    o->offset = at;
    if ((o->has_blob = blob != NULL) != 0)
        memcpy(o->blob, blob, sizeof o->blob);
    if (pv_buf__append(&m->data, text, len) != 0 || pv_buf__append(&m->data, "", 1) != 0 ||
        pv_buf__append(&m->data, loc, nloc + 1) != 0)
        return PV_ENOMEM;
    m->n++;
    return 0;
}

static int sink_doc(void *ctx, const pv_doc_in *d)
{
    reader *rd = ctx;
    run *r = rd->r;
    const char *loc = d->locator ? d->locator : "";
    int64_t at = d->has_offset ? (int64_t)d->offset : -1;
    const unsigned char *blob = d->nblobs ? d->blobs : NULL;
    const char *text;
    size_t len;
    pv_buf html = PV_BUF_INIT((size_t)r->s->o.max_record_size);
    int rc = 0;

    if (doc_text(d, &html, &text, &len) != 0) {
        pv_buf__free(&html);
        return 0;
    }
    atomic_fetch_add(&r->records_read, 1);
    if (++rd->since_progress >= PROGRESS_EVERY) {
        rd->since_progress = 0;
        report_progress(rd);
    }
    if (r->jobs <= 1)
        rc = scan_here(rd, r->ds[rd->ds].next_seq++, text, len, loc, at, blob);
    else if ((rc = add_rec(rd, text, len, loc, at, blob)) == 0 &&
             (rd->cur->many->data.len >= LINES_BYTES || rd->cur->many->n >= LINES_MAX))
        rc = hand_recs(rd);
    pv_buf__free(&html);
    return rc;
}

/* The reader options of a scan. */
static void reader_opts(const pv_scan *s, pv_reader_opts *ro)
{
    memset(ro, 0, sizeof *ro);
    ro->strict = s->o.strict;
    ro->diag = s->o.diag;
    ro->ctx = s->o.ctx;
    ro->max_doc_size = s->o.max_record_size;
    pv_source__read_opts(ro, &s->o.read);
    ro->k = s->k;
    ro->seed = s->seed;
}

/* ---- batches of JSON lines ---- */

/* A thread parsing a batch of lines: the ctx of its parser's sink and diagnostics. */
typedef struct batch_ctx {
    run *r;
    worker_buf *wb;
    size_t ds;
    found_list fl;  /* the batch's findings; record_no: the record's place in the batch */
    found_list one; /* one record's */
    uint64_t ndocs;
    int plain;    /* scan_record's */
    pv_buf diags; /* see pending */
    pv_err err;
} batch_ctx;

static void batch_diag(void *ctx, pv_severity sev, const char *msg)
{
    batch_ctx *bc = ctx;
    char c = (char)sev;
    /* kept for the batch's turn; a message that cannot be kept is lost, not the scan */
    if (pv_buf__append(&bc->diags, &c, 1) == 0 &&
        pv_buf__append(&bc->diags, msg, strlen(msg) + 1) != 0)
        bc->diags.len--;
}

static int batch_doc(void *ctx, const pv_doc_in *d)
{
    batch_ctx *bc = ctx;
    run *r = bc->r;
    const char *text;
    size_t len;
    pv_buf html = PV_BUF_INIT((size_t)r->s->o.max_record_size);
    int rc = 0;

    if (doc_text(d, &html, &text, &len) != 0) {
        pv_buf__free(&html);
        return 0;
    }
    atomic_fetch_add(&r->records_read, 1);
    rc = scan_record(r, bc->wb, text, len, d->nblobs ? d->blobs : NULL, bc->plain, &bc->one,
                     &bc->err);
    if (rc == 0 && (place_findings(&bc->one, d->locator ? d->locator : "", r->ds[bc->ds].path,
                                   d->has_offset ? (int64_t)d->offset : -1) != 0 ||
                    take_found(&bc->fl, &bc->one, bc->ndocs) != 0))
        rc = pv_err__set(&bc->err, PV_ENOMEM, "out of memory");
    bc->ndocs += rc == 0;
    found_list_free(&bc->one);
    pv_buf__free(&html);
    return rc;
}

/* A batch (of lines or files) starts on this thread: bc, and the reader options, stats and
 * sink through which its records come to batch_doc and its diagnostics to bc. plain: its
 * records are plain text (scan_record's). */
static void batch_begin(run *r, worker_buf *wb, size_t ds, int plain, batch_ctx *bc,
                        pv_reader_opts *ro, pv_reader_stats *st, pv_sink *sink)
{
    memset(bc, 0, sizeof *bc);
    bc->r = r;
    bc->wb = wb;
    bc->ds = ds;
    bc->plain = plain;
    bc->diags = (pv_buf)PV_BUF_INIT(SIZE_MAX);
    reader_opts(r->s, ro);
    if (ro->diag) {
        ro->diag = batch_diag;
        ro->ctx = bc;
    }
    memset(st, 0, sizeof *st);
    memset(sink, 0, sizeof *sink);
    sink->origin = sink_origin;
    sink->doc = batch_doc;
    sink->ctx = bc;
}

/* Batch c is done: its counts (st; replaced: U+FFFD in JSON lines, the first on line
 * replaced_line) go to the run and its dataset, its findings and diagnostics to its turn.
 * Returns 0 or PV_ENOMEM. */
static int batch_end(run *r, rec *c, batch_ctx *bc, const pv_reader_stats *st, uint64_t replaced,
                     uint64_t replaced_line)
{
    dstate *d = &r->ds[c->ds];
    int rc;
    pthread_mutex_lock(&r->mu);
    r->st.records += st->records;
    r->st.read_bytes += c->files ? st->bytes_in : 0; /* a batch of lines' are its reader's */
    r->st.bad_records += st->bad;
    r->st.skipped += st->skipped;
    r->st.invalid_utf8 += st->replaced;
    d->records += st->records;
    d->read_bytes += c->files ? st->bytes_in : 0;
    if (replaced && (!d->replaced || replaced_line < d->replaced_line))
        d->replaced_line = replaced_line;
    d->replaced += replaced;
    rc = complete(r, c->ds, c->seq, bc->ndocs, &bc->fl, &bc->diags);
    pthread_mutex_unlock(&r->mu);
    found_list_free(&bc->fl);
    found_list_free(&bc->one);
    pv_buf__free(&bc->diags);
    return rc;
}

/* Parse and scan batch c (unit c->seq of its dataset) on this thread, and complete it.
 * continued: the file's first record is in an earlier batch; *state and *preset receive
 * the parser's pv_jsonl__parser_state. Returns 0, or the error that stopped the batch
 * (in err). */
static int scan_lines(run *r, worker_buf *wb, rec *c, int continued, int *state,
                      const char **preset, pv_err *err)
{
    lines *b = c->batch;
    batch_ctx bc;
    pv_reader_opts ro;
    pv_reader_stats st;
    pv_sink sink;
    pv_jsonl_parser *p = NULL;
    uint64_t ln = b->first_line, replaced = 0, replaced_line = 0;
    size_t pos = 0, li = 0;
    int rc, rc2;

    batch_begin(r, wb, c->ds, 0, &bc, &ro, &st, &sink);
    if (b->preset)
        ro.preset = b->preset;
    rc = pv_jsonl__parser_new(r->ds[c->ds].path, &ro, &sink, &st, err, continued, &p);
    while (rc == 0) {
        if (li < b->nlongs && b->longs[li] == ln) {
            rc = pv_jsonl__parser_line(p, ln++, NULL, 0);
            li++;
        } else if (pos < b->data.len) {
            char *s = b->data.data + pos, *nl = memchr(s, '\n', b->data.len - pos);
            size_t n = nl ? (size_t)(nl - s) : b->data.len - pos;
            rc = pv_jsonl__parser_line(p, ln++, s, n);
            pos += n + 1;
        } else {
            break;
        }
    }
    if (rc && bc.err.msg[0])
        *err = bc.err;
    if (p) {
        *state = pv_jsonl__parser_state(p, preset);
        pv_jsonl__parser_replaced(p, &replaced, &replaced_line);
    }
    pv_jsonl__parser_free(p);
    if ((rc2 = batch_end(r, c, &bc, &st, replaced, replaced_line)) != 0 && rc == 0)
        rc = pv_err__set(err, rc2, "out of memory");
    return rc;
}

/* Read and scan files [from, to) of folder c->files->list (unit c->seq of its dataset) on this
 * thread, as pv_files__read_list does, and complete them. Returns 0, or the error that stopped
 * them (in err). */
static int scan_files(run *r, worker_buf *wb, rec *c, pv_err *err)
{
    batch_ctx bc;
    pv_reader_opts ro;
    pv_reader_stats st;
    pv_sink sink;
    pv_file_list part;
    int rc, rc2;

    batch_begin(r, wb, c->ds, 1, &bc, &ro, &st, &sink);
    memset(&part, 0, sizeof part); /* the listing's own counts are the reader's (read_files) */
    part.v = c->files->list->v + c->files->from;
    part.n = part.cap = c->files->to - c->files->from;
    rc = pv_files__read_list(&part, &ro, &sink, &st, err);
    if (rc && bc.err.msg[0])
        *err = bc.err;
    if ((rc2 = batch_end(r, c, &bc, &st, 0, 0)) != 0 && rc == 0)
        rc = pv_err__set(err, rc2, "out of memory");
    return rc;
}

/* Line ln of batch b is too long to hold. */
static int add_long(lines *b, uint64_t ln)
{
    if (pv_array__grow((void **)&b->longs, &b->cap_longs, b->nlongs + 1, sizeof *b->longs))
        return PV_ENOMEM;
    b->longs[b->nlongs++] = ln;
    b->nlines++;
    return 0;
}

/* A new batch whose first line is line first, with room for a batch's lines and a read. */
static rec *lines_new(size_t limit, uint64_t first)
{
    rec *c = calloc(1, sizeof *c);
    if (c && !(c->batch = calloc(1, sizeof *c->batch))) {
        free(c);
        return NULL;
    }
    if (c) {
        c->batch->first_line = first;
        c->batch->data = (pv_buf)PV_BUF_INIT(LINES_BYTES + limit + INPUT_READ);
        if (pv_buf__reserve(&c->batch->data, LINES_BYTES + INPUT_READ) != 0) {
            rec_free(c);
            return NULL;
        }
    }
    return c;
}

/* Hand batch *cp on (or do it here) with its lines before byte at of its data, and start
 * the next at line first with the bytes after (the line being read). The batches up to the
 * file's first record and its preset are done here, in order, for the parser to check the
 * file's start and find its preset. Returns 0 or an error that stops the file. */
static int hand_lines(reader *rd, rec **cp, size_t at, size_t limit, uint64_t first, int *started,
                      const char **preset, pv_err *err)
{
    run *r = rd->r;
    rec *c = *cp, *next = lines_new(limit, first);
    int here = !*started || !*preset, rc, state = 0;
    const char *found = NULL;

    if (!next || pv_buf__append(&next->batch->data, c->batch->data.data + at,
                                c->batch->data.len - at) != 0) {
        rec_free(next);
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    }
    c->batch->data.len = at;
    c->len = at;
    c->batch->preset = *preset ? *preset : r->s->o.read.preset;
    *cp = next;
    rc = hand_on(rd, c, here);
    if (rc == 1) {
        rc = scan_lines(r, &rd->wb, c, *started, &state, &found, err);
        if (here) {
            *started |= state;
            *preset = found;
        } else if (rc) { /* an error a continued batch meets stops the run */
            pthread_mutex_lock(&r->mu);
            set_abort(r, rc, err);
            pthread_mutex_unlock(&r->mu);
        }
        rec_free(c);
    } else if (rc) {
        rec_free(c);
    }
    report_progress(rd);
    return rc;
}

/* Read the JSON-lines file path as batches of lines for the workers (the file's reader,
 * pv_jsonl__read, split between this thread and them). The file is read straight into the
 * batch; a batch ends at the last line end of a read that takes it past LINES_BYTES, or at
 * its LINES_MAX-th line, and the next starts with the bytes after. Returns 0 or the error
 * that stopped the file, after the lines before it were handed on. */
static int read_lines(reader *rd, const char *path, const pv_reader_opts *ro, pv_err *err)
{
    pv_input *in = NULL;
    const size_t limit = pv_jsonl__line_limit(ro);
    size_t start = 0; /* where the line being read starts in c's data */
    uint64_t ln = 1;
    int long_line = 0, started = 0, rc;
    const char *preset = NULL;
    rec *c = NULL;
    pv_buf *b;

    if ((rc = pv_input__open(path, &in, err)) != 0)
        return rc;
    rd->rs.bytes_total += pv_input__size(in);
    if (!(c = lines_new(limit, 1))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        ptrdiff_t got;
        const char *nl;
        size_t from;
        b = &c->batch->data;
        if (pv_buf__reserve(b, INPUT_READ) != 0) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        if ((got = pv_input__read(in, b->data + b->len, INPUT_READ, err)) <= 0) {
            rc = (int)got;
            break;
        }
        rd->rs.bytes_in = pv_input__offset(in);
        from = b->len;
        b->len += (size_t)got;
        while ((nl = memchr(b->data + from, '\n', b->len - from)) != NULL) {
            size_t end = (size_t)(nl - b->data) + 1;
            if (long_line || end - 1 - start > limit) { /* too long to hold: dropped */
                memmove(b->data + start, b->data + end, b->len - end);
                b->len -= end - start;
                end = start;
                long_line = 0;
                rc = add_long(c->batch, ln);
            } else {
                c->batch->nlines++;
            }
            if (rc) {
                rc = pv_err__set(err, PV_ENOMEM, "out of memory");
                goto done;
            }
            ln++;
            start = from = end;
            if (c->batch->nlines >= LINES_MAX) {
                if ((rc = hand_lines(rd, &c, start, limit, ln, &started, &preset, err)) != 0)
                    goto done;
                b = &c->batch->data;
                start = from = 0;
            }
        }
        if (!long_line && b->len - start > limit)
            long_line = 1; /* too long to hold: dropped, numbered */
        if (long_line)
            b->len = start;
        if (start >= LINES_BYTES) {
            if ((rc = hand_lines(rd, &c, start, limit, ln, &started, &preset, err)) != 0)
                goto done;
            start = 0;
        }
    }
    /* the last line may lack its "\n"; one cut short by an error is dropped */
    b = &c->batch->data;
    if (rc == 0 && long_line && add_long(c->batch, ln) != 0)
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
    else if (rc < 0 && !long_line)
        b->len = start;
    if (b->len || c->batch->nlongs) {
        pv_err err2 = {0, ""};
        int rc2 = hand_lines(rd, &c, b->len, limit, ln, &started, &preset, rc ? &err2 : err);
        if (rc == 0)
            rc = rc2;
    }
done:
    rec_free(c);
    pv_input__close(in);
    return rc;
}

/* Hand folder list's files on in batches, for the workers to read and scan (what
 * pv_files__read_list does, split between this thread and them): a thread reading every file
 * would hold them back on a folder of many small files. The listing's own counts are added
 * here. Returns 0, or the error that stopped the folder (in err). */
static int read_files(reader *rd, const pv_file_list *list, const pv_reader_opts *ro, pv_err *err)
{
    pv_file_list counts = *list;
    size_t from = 0, to;
    int rc;

    counts.n = 0; /* the listing's counts, no file */
    if ((rc = pv_files__read_list(&counts, ro, NULL, &rd->rs, err)) != 0)
        return rc;
    for (; from < list->n; from = to) {
        uint64_t bytes = 0;
        rec *c = calloc(1, sizeof *c);
        for (to = from; to < list->n && bytes < LINES_BYTES && to - from < LINES_MAX; to++)
            bytes += list->v[to].size;
        if (!c || !(c->files = malloc(sizeof *c->files))) {
            free(c);
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        }
        c->files->list = list;
        c->files->from = from;
        c->files->to = to;
        atomic_fetch_add(&rd->r->bytes_done, bytes);
        if ((rc = hand_on(rd, c, 0)) == 1) {
            if ((rc = scan_files(rd->r, &rd->wb, c, err)) != 0) {
                pthread_mutex_lock(&rd->r->mu);
                set_abort(rd->r, rc, err);
                pthread_mutex_unlock(&rd->r->mu);
            }
            rec_free(c);
        } else if (rc) {
            rec_free(c);
        }
        if (rc)
            return rc;
        report_progress(rd);
    }
    return 0;
}

/* Read dataset i through its reader; its error is kept for flush to report in order. */
static void read_dataset(run *r, size_t i, worker_buf *wb)
{
    pv_scan *s = r->s;
    dstate *d = &r->ds[i];
    pv_reader_opts ro;
    pv_sink sink;
    reader rd;
    pv_reader_fn fn;
    const char *kind;
    pv_err err = {0, ""};
    int rc, rc2;

    memset(&rd, 0, sizeof rd);
    rd.r = r;
    rd.ds = i;
    rd.wb = *wb;
    reader_opts(s, &ro);
    ro.skip_datasets = d->skip_datasets;
    memset(&sink, 0, sizeof sink);
    sink.origin = sink_origin;
    sink.doc = sink_doc;
    sink.ctx = &rd;
    rd.plain = 1;
    if (d->list) { /* a folder expand has listed */
        /* with several jobs and no --strict, the workers read the files */
        if (r->jobs > 1 && !s->o.strict)
            rc = read_files(&rd, d->list, &ro, &err);
        else
            rc = pv_files__read_list(d->list, &ro, &sink, &rd.rs, &err);
        report_progress(&rd);
    } else if ((rc = pv_source__pick(d->spec, &d->path, &fn, &kind, &err)) == 0) {
        rd.plain = fn != pv_jsonl__read; /* JSON lines: their reader decodes the strings */
        /* with several jobs and no --strict (whose first bad record must stop the file where
         * it is), the workers parse JSON lines */
        if (fn == pv_jsonl__read && r->jobs > 1 && !s->o.strict)
            rc = read_lines(&rd, d->path, &ro, &err);
        else
            rc = fn(d->path, &ro, &sink, &rd.rs, &err);
        report_progress(&rd);
    }
    /* the records read before the end, or before an error */
    if ((rc2 = hand_recs(&rd)) != 0 && rc == 0)
        rc = rc2;
    *wb = rd.wb;
    pthread_mutex_lock(&r->mu);
    r->st.records += rd.rs.records;
    r->st.read_bytes += rd.rs.bytes_in;
    r->st.bad_records += rd.rs.bad;
    r->st.skipped += rd.rs.skipped;
    r->st.invalid_utf8 += rd.rs.replaced;
    d->records += rd.rs.records;
    d->read_bytes += rd.rs.bytes_in;
    if (rc && !r->abort_rc) {
        if (!err.msg[0])
            pv_err__set(&err, rc, "%s: %s", d->spec, pv_strerror(rc));
        if (rc == PV_EINVAL || rc == PV_ENOMEM || s->o.strict)
            set_abort(r, rc, &err);
        d->rc = rc;
        d->err = err;
    }
    d->reading_done = 1;
    flush(r);
    pthread_mutex_unlock(&r->mu);
}

/* Take the oldest unit of the queue; wait: until there is one or the run is closing. NULL
 * when there is none to take. */
static rec *take_unit(run *r, int wait)
{
    rec *c = NULL;
    pthread_mutex_lock(&r->mu);
    while (wait && r->qn == 0 && !r->closing && !r->abort_rc)
        pthread_cond_wait(&r->can_pop, &r->mu);
    if (r->qn > 0 && !r->abort_rc) {
        c = r->q[r->qhead];
        r->qhead = (r->qhead + 1) % r->qcap;
        r->qn--;
        r->qbytes -= c->len;
        pthread_cond_broadcast(&r->can_push);
    }
    pthread_mutex_unlock(&r->mu);
    return c;
}

/* Scan unit c (taken from the queue) on this thread and free it; an error stops the run. */
static void do_unit(run *r, worker_buf *wb, rec *c)
{
    pv_err err = {0, ""};
    if (c->many) {
        scan_recs(r, wb, c);
    } else {
        int state, rc;
        const char *preset;
        rc = c->files ? scan_files(r, wb, c, &err) : scan_lines(r, wb, c, 1, &state, &preset, &err);
        if (rc) {
            pthread_mutex_lock(&r->mu);
            set_abort(r, rc, &err);
            pthread_mutex_unlock(&r->mu);
        }
    }
    rec_free(c);
}

static void *reader_main(void *arg)
{
    run *r = arg;
    worker_buf wb;
    rec *c;
    memset(&wb, 0, sizeof wb);
    for (;;) {
        size_t i;
        pthread_mutex_lock(&r->mu);
        i = r->abort_rc ? r->nds : r->next_ds++;
        pthread_mutex_unlock(&r->mu);
        if (i >= r->nds)
            break;
        read_dataset(r, i, &wb);
    }
    /* nothing left to read: help the workers empty the queue, so that the last units are
     * not left to one thread */
    while ((c = take_unit(r, 0)) != NULL)
        do_unit(r, &wb, c);
    worker_buf_done(r, &wb);
    return NULL;
}

static void *worker_main(void *arg)
{
    run *r = arg;
    worker_buf wb;
    rec *c;
    memset(&wb, 0, sizeof wb);
    while ((c = take_unit(r, 1)) != NULL)
        do_unit(r, &wb, c);
    worker_buf_done(r, &wb);
    return NULL;
}

/* One dataset of a run, as expand makes them. */
typedef struct ds_arg {
    char *spec;
    int skip_datasets;
    pv_file_list *list; /* a folder: its text files */
} ds_arg;

static void args_free(ds_arg *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].spec);
        pv_files__list_free(a[i].list);
        free(a[i].list);
    }
    free(a);
}

/* Add spec to a; list, when given, is taken over. */
static int arg_add(ds_arg **a, size_t *n, size_t *cap, const char *spec, int skip,
                   pv_file_list *list)
{
    ds_arg *e;
    if (pv_array__grow((void **)a, cap, *n + 1, sizeof **a))
        return PV_ENOMEM;
    e = &(*a)[*n];
    memset(e, 0, sizeof *e);
    if (!(e->spec = strdup(spec)) || (list && !(e->list = malloc(sizeof *e->list)))) {
        free(e->spec);
        return PV_ENOMEM;
    }
    if (list) {
        *e->list = *list;
        memset(list, 0, sizeof *list);
    }
    e->skip_datasets = skip;
    (*n)++;
    return 0;
}

/* The datasets of a run: the arguments, with each folder the files reader would read split
 * into the dataset files it holds (shards of JSON lines, WARC files: pv_source__dataset_file),
 * each a dataset of its own, after the folder's text files read as one dataset (when it has
 * any). A dataset is commonly a folder of shards: read as text they would be binary and
 * skipped; as datasets they are read by their readers, several at once. A folder is listed
 * once, here, with the reader's options ro. A "KIND:" prefix keeps the argument as it is. */
static int expand(const char *const *datasets, size_t n, const pv_reader_opts *ro, ds_arg **out,
                  size_t *nout, pv_err *err)
{
    ds_arg *a = NULL;
    char **sets = NULL;
    size_t na = 0, cap = 0, i, j, nsets, kept;
    pv_reader_opts lo = *ro;
    int rc = 0;

    lo.skip_datasets = 0;
    if (lo.strict) /* a folder that fails is listed again by its reader, which says why */
        lo.diag = NULL;
    for (i = 0; i < n && rc == 0; i++) {
        const char *path, *kind;
        pv_reader_fn fn;
        pv_err perr;
        pv_file_list list;
        struct stat sb;

        memset(&list, 0, sizeof list);
        if (pv_source__pick(datasets[i], &path, &fn, &kind, &perr) != 0 || path != datasets[i] ||
            strcmp(kind, "files") != 0 || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
            pv_files__list_source(path, &lo, &list, &perr) != 0) {
            pv_files__list_free(&list);
            rc = arg_add(&a, &na, &cap, datasets[i], 0, NULL); /* its reader says what is wrong */
            continue;
        }
        /* the dataset files out of the list, in order */
        if (!(sets = malloc((list.n ? list.n : 1) * sizeof *sets))) {
            pv_files__list_free(&list);
            rc = PV_ENOMEM;
            break;
        }
        for (j = 0, kept = 0, nsets = 0; j < list.n; j++) {
            if (pv_source__dataset_file(list.v[j].path)) {
                sets[nsets++] = list.v[j].path; /* rel lives in the same block */
                list.total_bytes -= list.v[j].size;
            } else {
                list.v[kept++] = list.v[j];
            }
        }
        list.n = kept;
        if (!nsets || kept || list.skipped_large || list.skipped_excluded ||
            list.skipped_unreadable || list.skipped_special)
            rc = arg_add(&a, &na, &cap, datasets[i], nsets > 0, lo.strict ? NULL : &list);
        for (j = 0; j < nsets; j++) {
            if (rc == 0)
                rc = arg_add(&a, &na, &cap, sets[j], 0, NULL);
            free(sets[j]);
        }
        free(sets);
        sets = NULL;
        pv_files__list_free(&list);
    }
    if (rc) {
        args_free(a, na);
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    }
    *out = a;
    *nout = na;
    return 0;
}

int pv_scan_run(pv_scan *s, const char *const *datasets, size_t n, pv_scan_found_fn fn, void *ctx,
                pv_scan_stats *st, pv_err *err)
{
    run r;
    pthread_t *readers = NULL, *workers = NULL;
    unsigned nreaders = 0, nworkers = 0, jobs, i;
    ds_arg *args = NULL;
    pv_reader_opts ro;
    size_t d;
    int rc = 0;

    memset(&r, 0, sizeof r);
    jobs = s->o.jobs ? s->o.jobs : pv_cpu_count();
    r.jobs = jobs ? jobs : 1;
    reader_opts(s, &ro);
    ro.walk_threads = r.jobs; /* folders are listed before the run, on every job */
    if ((rc = expand(datasets, n, &ro, &args, &n, err)) != 0)
        return rc;
    r.s = s;
    r.fn = fn;
    r.ctx = ctx;
    r.nds = n;
    r.qcap = 4 * (size_t)r.jobs;
    /* records of one dataset between the oldest not done and the newest handed on */
    r.ring = r.qcap + 2 * (size_t)r.jobs + 64;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.can_push, NULL);
    pthread_cond_init(&r.can_pop, NULL);
    r.ds = calloc(n ? n : 1, sizeof *r.ds);
    r.q = calloc(r.qcap, sizeof *r.q);
    if (!r.ds || !r.q) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    for (d = 0; d < n; d++) {
        struct stat sb;
        const char *colon = strchr(args[d].spec, ':');
        r.ds[d].spec = r.ds[d].path = args[d].spec;
        r.ds[d].skip_datasets = args[d].skip_datasets;
        r.ds[d].list = args[d].list;
        if (!(r.ds[d].done = calloc(r.ring, sizeof *r.ds[d].done))) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        /* the sizes of plain files give an ETA; a folder or git repository leaves it unknown */
        if (stat(args[d].spec, &sb) != 0 && (!colon || stat(colon + 1, &sb) != 0))
            sb.st_mode = 0;
        if (r.bytes_total != UINT64_MAX)
            r.bytes_total = S_ISREG(sb.st_mode) ? r.bytes_total + (uint64_t)sb.st_size : UINT64_MAX;
    }
    if (r.bytes_total == UINT64_MAX)
        r.bytes_total = 0;

    if (r.jobs <= 1) {
        reader_main(&r);
    } else {
        /* readers scan records themselves when the queue is full, so jobs threads in all */
        unsigned want;
        nreaders = n < r.jobs ? (unsigned)n : r.jobs;
        want = r.jobs > nreaders ? r.jobs - nreaders : 1;
        readers = calloc(nreaders ? nreaders : 1, sizeof *readers);
        workers = calloc(want, sizeof *workers);
        if (!readers || !workers) {
            rc = pv_err__set(err, PV_ENOMEM, "out of memory");
            goto done;
        }
        for (i = 0; i < want; i++, nworkers++)
            if (pthread_create(&workers[i], NULL, worker_main, &r) != 0)
                break;
        for (i = 0; i < nreaders && nworkers; i++)
            if (pthread_create(&readers[i], NULL, reader_main, &r) != 0)
                break;
        nreaders = i;
        if (!nworkers || !nreaders) {
            pthread_mutex_lock(&r.mu);
            set_abort(&r, PV_ENOMEM, NULL);
            pv_err__set(&r.abort_err, PV_ENOMEM, "cannot start threads");
            pthread_mutex_unlock(&r.mu);
        }
        for (i = 0; i < nreaders; i++)
            pthread_join(readers[i], NULL);
        pthread_mutex_lock(&r.mu);
        r.closing = 1;
        pthread_cond_broadcast(&r.can_pop);
        pthread_mutex_unlock(&r.mu);
        for (i = 0; i < nworkers; i++)
            pthread_join(workers[i], NULL);
    }
    pthread_mutex_lock(&r.mu);
    flush(&r);
    pthread_mutex_unlock(&r.mu);
    if (r.abort_rc) {
        rc = r.abort_rc;
        if (rc < 0 && err)
            *err = r.abort_err;
    }
done:
    if (st)
        *st = r.st;
    for (i = 0; r.q && i < r.qn; i++)
        rec_free(r.q[(r.qhead + i) % r.qcap]);
    for (d = 0; r.ds && d < n; d++) {
        size_t j;
        for (j = r.ds[d].pend_head; j < r.ds[d].npend; j++) {
            found_list_free(&r.ds[d].pend[j].fl);
            pv_buf__free(&r.ds[d].pend[j].diags);
        }
        free(r.ds[d].pend);
        free(r.ds[d].done);
    }
    free(r.ds);
    free(r.q);
    args_free(args, n);
    free(readers);
    free(workers);
    pthread_cond_destroy(&r.can_push);
    pthread_cond_destroy(&r.can_pop);
    pthread_mutex_destroy(&r.mu);
    return rc;
}

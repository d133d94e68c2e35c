/*
 * segment_writer.h - the index module's segment writer: the build (build/) hands it its
 * tables and its postings in fingerprint order, chunk by chunk; the writer lays them out as
 * format.h says, packs the postings into zstd blocks with their directory and fan-out,
 * checksums every chunk and the header, and renames the file into place when it is complete.
 * It knows nothing of sources, tokens or how the tables were built.
 *
 * The chunks are written in the order of a table of (id, write function) in
 * segment_writer.c, as git's chunk-format.c does; the chunks of build data call back into
 * the build through pv_seg_content, and write their entries with the pv_seg__put_* calls.
 */
#ifndef PV_SEGMENT_WRITER_H
#define PV_SEGMENT_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

typedef struct pv_seg_writer pv_seg_writer;

/* One posting of a fingerprint group: the fingerprint's top 48 bits, the document's id in
 * the segment, the token position. */
typedef struct pv_seg_posting {
    uint64_t fp;
    uint32_t doc, pos;
} pv_seg_posting;

/* A document's DOCS entry. Strings are offsets into STRS, or PV_NONE when absent;
 * lines_off is what pv_seg__put_bytes returned in LINE. */
typedef struct pv_seg_doc {
    uint32_t source, kind, locator, commit, license, origin;
    int64_t date;
    uint64_t lines_off;
    uint32_t lines_size, lines_raw, nlines, ntokens;
    uint64_t bytes;
} pv_seg_doc;

/* An ORIG entry: author (an AUTH entry or PV_NONE), commit (string or PV_NONE), date, the
 * next co-author's origin (PV_NONE), flags (PV_ORIG_BEFORE). */
typedef struct pv_seg_origin {
    uint32_t author, commit, next, flags;
    int64_t date;
} pv_seg_origin;

/* A git blob id and a document holding it (BLOB). */
typedef struct pv_seg_blob {
    unsigned char id[20];
    uint32_t doc;
} pv_seg_blob;

/* Writes one chunk's entries through the pv_seg__put_* calls; 0 or a pv_error with err set. */
typedef int (*pv_seg_fill_fn)(void *ctx, pv_seg_writer *w, pv_err *err);

/* What a segment holds, from the build. */
typedef struct pv_seg_content {
    uint32_t k, w, posting_cap; /* the header's parameters */
    uint64_t seed;
    void *ctx;               /* passed to the fill functions */
    pv_seg_fill_fn postings; /* PSTG: pv_seg__put_postings, fingerprint by fingerprint */
    pv_seg_fill_fn authors;  /* AUTH: pv_seg__put_author */
    pv_seg_fill_fn sources;  /* SRCS: pv_seg__put_source */
    pv_seg_fill_fn origins;  /* ORIG: pv_seg__put_origin */
    pv_seg_fill_fn lines;    /* LINE: pv_seg__put_bytes, a document's line table each */
    pv_seg_fill_fn docs;     /* DOCS: pv_seg__put_doc, in document id order */
    pv_seg_fill_fn strings;  /* STRS: pv_seg__put_bytes */
    pv_seg_blob *blobs;      /* BLOB: under the segment's document ids, in any order (the
                                writer sorts them in place and drops repeats) */
    size_t nblobs;
    uint64_t tokens, input_bytes; /* for META */
    int64_t created;              /* META: unix seconds */
    /* where the writer adds its time as serial work (pv_build_stats.stages), or NULL: to
     * MERGE the postings fill function's, to ENCODE and WRITE the posting blocks' (split by
     * the monotonic clock), to TABLES the other chunks', to SYNC the fsync and rename */
    pv_stage_time *stages;
} pv_seg_content;

/* What pv_seg__write wrote. */
typedef struct pv_seg_result {
    uint64_t postings, fingerprints, file_bytes;
} pv_seg_result;

/* Writes the segment c to tmp_path, then renames it to out_path; on failure removes tmp_path.
 * Returns 0 or a negative pv_error with err filled in (err may be NULL). */
int pv_seg__write(const char *out_path, const char *tmp_path, const pv_seg_content *c,
                  pv_seg_result *res, pv_err *err);

/* The posting cap (format.h): keeps the cap postings of g[0, n) (one fingerprint's) whose
 * documents are the earliest by date (dates[doc]), then by document id and position, in
 * (document, position) order. Returns the new count, or 0 when out of memory. */
size_t pv_seg__keep_earliest(pv_seg_posting *g, size_t n, size_t cap, const int64_t *dates);

/* One fingerprint's postings (all with p[0].fp, in document then position order, already
 * capped); fingerprints come in increasing order. The writer cuts them into blocks and
 * encodes each block itself. */
int pv_seg__put_postings(pv_seg_writer *w, const pv_seg_posting *p, size_t n, pv_err *err);

/* Or the postings fill function cuts and encodes the blocks, on any threads, and puts them
 * in order: a block ends after the fingerprint group that brings it to PV_BLOCK_POSTINGS
 * postings, before a group of another fingerprint range (pv_seg__range_bits, format.h), or at
 * the last group; pv_seg__put_postings cuts them so, and the bytes are the same either way. */
typedef struct pv_seg_encoder pv_seg_encoder; /* one thread's compression context */

/* A posting block encoded, ready to be put in PSTG; data is owned (free it), and reused by
 * the next encoding into the same block. */
typedef struct pv_seg_block {
    unsigned char *data;
    size_t size, cap;
    uint64_t first_fp;
    uint32_t raw, count, flags, fingerprints;
} pv_seg_block;

/* A new encoder in *out (free it with pv_seg__encoder_free, which accepts NULL); 0 or
 * PV_ENOMEM. */
int pv_seg__encoder_new(pv_seg_encoder **out);
void pv_seg__encoder_free(pv_seg_encoder *e);
/* Encodes the postings p[0..n) (n > 0; whole fingerprint groups in order) as one block into
 * out. Any thread, one encoder per thread at a time. 0 or PV_ENOMEM with err set. */
int pv_seg__encode_block(pv_seg_encoder *e, const pv_seg_posting *p, size_t n, pv_seg_block *out,
                         pv_err *err);
/* Appends the encoded block b to PSTG (the blocks in fingerprint order) and to BDIR. 0 or
 * PV_ENOMEM. */
int pv_seg__put_block(pv_seg_writer *w, const pv_seg_block *b, pv_err *err);

/* R of format.h: the top bits of a fingerprint that name its range, for an index of tokens
 * tokens (pv_seg_content.tokens). */
unsigned pv_seg__range_bits(uint64_t tokens);

/* Or the postings fill function has PSTG written by fingerprint range on nthreads threads
 * (the calling thread one of them; a thread that cannot start leaves its share to the
 * others): the ranges of format.h are claimed in order, and fill(ctx, thread, lo, hi, r, err)
 * puts the fingerprint groups of [lo, hi) in increasing order with pv_seg__range_put (thread <
 * nthreads: which thread calls, for its own scratch). Each thread cuts and encodes
 * its range's blocks; the ranges are checksummed in order, placed, and written at their
 * offsets by the threads (pwrite), BDIR joined from them: the bytes are those of
 * pv_seg__put_postings. A range's blocks wait in memory until the ranges before it are in the
 * file, within about buffer bytes in all (a thread holding more waits for its turn). Call it
 * once, instead of pv_seg__put_postings. Adds its time to the stages itself: hashing and
 * placing ranges in order is serial, the rest parallel. Returns 0 (a failed write is reported
 * by pv_seg__write, like any other) or the first error of fill, with err set. */
typedef struct pv_seg_range pv_seg_range;
typedef int (*pv_seg_range_fn)(void *ctx, unsigned thread, uint64_t lo, uint64_t hi,
                               pv_seg_range *r, pv_err *err);
int pv_seg__put_ranges(pv_seg_writer *w, unsigned nthreads, size_t buffer, pv_seg_range_fn fill,
                       void *ctx, pv_err *err);
/* One fingerprint's postings of the range being filled, as pv_seg__put_postings takes them. */
int pv_seg__range_put(pv_seg_range *r, const pv_seg_posting *p, size_t n, pv_err *err);
void pv_seg__put_author(pv_seg_writer *w, uint32_t name, uint32_t email, uint32_t id);
void pv_seg__put_source(pv_seg_writer *w, uint32_t name, uint32_t kind);
void pv_seg__put_origin(pv_seg_writer *w, const pv_seg_origin *o);
void pv_seg__put_doc(pv_seg_writer *w, const pv_seg_doc *d);
/* Raw bytes of the chunk being written; returns their offset inside the chunk. */
uint64_t pv_seg__put_bytes(pv_seg_writer *w, const void *p, size_t n);
/* pv_seg__put_bytes, unless the chunk being written already holds the same bytes (at least
 * 16): then their offset, and nothing is written. Identical documents (a file vendored in
 * several places) so share one line table in LINE; a reader sees two entries pointing at the
 * same bytes, which format 3 allows. */
uint64_t pv_seg__put_shared(pv_seg_writer *w, const void *p, size_t n);
/* Bytes of the chunk being written that other threads write in place (pwrite), for a chunk
 * too large to fill on one thread: pv_seg__key hashes a byte string (any thread);
 * pv_seg__place_shared places n bytes keyed k where pv_seg__put_shared would put those bytes
 * (the same offsets, the same sharing) but writes nothing: it returns their offset inside the
 * chunk, and sets *is_new when the caller must write them there (the chunk grew by n; else
 * they are already in the chunk). Placed bytes come last in their chunk: once one is placed,
 * nothing is put before pv_seg__fill_placed, which calls fill once with the file's descriptor
 * and the chunk's offset in the file; fill writes every new byte string at chunk_at + its
 * offset, on any threads, and returns 0 or a pv_error with err set; a failed write of the
 * file is *write_errno (the writer reports it as its own). Then the writer adds the placed
 * bytes to the chunk's checksum. 0 or fill's error. */
typedef struct pv_seg_key {
    uint64_t lo, hi;
} pv_seg_key;
typedef int (*pv_seg_place_fn)(void *ctx, int fd, uint64_t chunk_at, int *write_errno, pv_err *err);
void pv_seg__key(const void *p, size_t n, pv_seg_key *k);
uint64_t pv_seg__place_shared(pv_seg_writer *w, const pv_seg_key *k, size_t n, int *is_new);
int pv_seg__fill_placed(pv_seg_writer *w, pv_seg_place_fn fill, void *ctx, pv_err *err);
/* A fill function did CPU seconds of work that other threads share (filling placed bytes):
 * here on the writer's thread (not serial, then), others on other threads. For the stage
 * times: parallel work of the chunk's stage. */
void pv_seg__parallel_work(pv_seg_writer *w, double here, double others);
/* Whether a write failed so far (the error is reported at the end): long loops stop early. */
int pv_seg__failed(const pv_seg_writer *w);

/* The stored form of a line table's first part (format.h, LINE), the same for a build's
 * workers and a merge, so that both write the same bytes: compressed with zstd at level 1 by
 * cctx (a ZSTD_CCtx) into *zbuf (grown to *zcap as needed) when the part holds at least 64
 * bytes and that is smaller, else the part itself. Sets *out and *outsz; returns 0 or
 * PV_ENOMEM. */
int pv_seg__pack_lines_head(void *cctx, const void *head, size_t n, void **zbuf, size_t *zcap,
                            const void **out, size_t *outsz);

#endif

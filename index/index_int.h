/*
 * index_int.h - the index module's library-internal interface: what the matcher needs
 * from an open index (batched fingerprint lookups, documents, line tables, origins).
 * The byte layout itself is in format.h.
 */
#ifndef PV_INDEX_INT_H
#define PV_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common_int.h"
#include "provscan.h"

/* One posting, decoded. origin is the resolved origin id (never the "0 = default" code). */
typedef struct pv_posting {
    uint32_t doc;
    uint32_t pos;
    uint32_t origin;
} pv_posting;

/* Called once per fingerprint found: i is its index in the lookup array, p its postings
 * (borrowed until the callback returns). Return 0 to go on, nonzero to stop with that
 * value. */
typedef int (*pv_lookup_fn)(void *ctx, size_t i, const pv_posting *p, size_t np);

/* A cursor holds what one thread needs to read an index: a zstd decompression context and
 * the last decoded block. Create one per query (or per thread); the index must outlive it.
 * Returns 0 or PV_ENOMEM. */
typedef struct pv_index_cursor pv_index_cursor;
int pv_index__cursor_new(const pv_index *ix, pv_index_cursor **out, pv_err *err);
void pv_index__cursor_free(pv_index_cursor *c);

/* Look up n fingerprints (48-bit values, ascending, no duplicates); each block is
 * decompressed once. Returns 0, the callback's nonzero value, or a negative pv_error
 * (PV_ECORRUPT for a bad block, with err naming the index and block). */
int pv_index__lookup(pv_index_cursor *c, const uint64_t *fps, size_t n, pv_lookup_fn cb, void *ctx,
                     pv_err *err);

/* Every posting and line table of an index decoded once (for a small index read again and
 * again, as a scan's confirmations do): read-only once made, so threads share it. A cursor
 * given one (pv_index__cursor_use) reads it instead of decompressing blocks and line tables,
 * with the same results. pv_index__table_load returns 0 with *out NULL when the decoded index
 * would take more than max_bytes (the caller then reads through blocks), PV_ENOMEM, or
 * PV_ECORRUPT with err naming the index and what is bad in it. */
typedef struct pv_index_table pv_index_table;
int pv_index__table_load(const pv_index *ix, uint64_t max_bytes, pv_index_table **out, pv_err *err);
void pv_index__table_free(pv_index_table *t); /* accepts NULL */
/* Lookups through c read t from now on (t must outlive c; NULL: blocks again). */
void pv_index__cursor_use(pv_index_cursor *c, const pv_index_table *t);

/* Calls fn(ctx, fp) once for every distinct fingerprint of the index (48-bit values, in
 * ascending order), decoding only the fingerprint column of each block: what a scan keeps in
 * memory to answer "not in the index" without a lookup. Returns 0, fn's nonzero value, or
 * PV_ECORRUPT / PV_ENOMEM with err naming the index and block. */
int pv_index__fingerprints(pv_index_cursor *c, int (*fn)(void *ctx, uint64_t fp), void *ctx,
                           pv_err *err);

/* A document's metadata; strings are borrowed from the index (NULL when absent). */
typedef struct pv_doc_view {
    const char *kind;
    const char *source;
    const char *locator;
    const char *commit;
    const char *license;
    uint32_t origin;
    int64_t date;
    uint32_t nlines;
    uint32_t ntokens;
    uint64_t bytes;
} pv_doc_view;

/* Fill *out for document id (id < the document count; every entry is validated at open). */
void pv_index__doc(const pv_index *ix, uint32_t id, pv_doc_view *out);

/* The documents holding the git blob with the 20-byte object id id (a version of their file,
 * format.h BLOB): up to max of them into docs, in increasing order; returns how many there
 * are (0 for an index without blob ids). */
size_t pv_index__blob_docs(const pv_index *ix, const unsigned char *id, uint32_t *docs, size_t max);

/* A decoded line table (format.h, LINE): line_tok[l] = index of the first token starting on
 * or after line l's start (0-based line l), nlines + 1 entries (the last = ntokens), so line l
 * holds line_tok[l + 1] - line_tok[l] tokens; line_check[l] = the line check of a line holding
 * tokens (pv_line_check), 0 for the others; checks = the token checks, two per byte, read with
 * pv_token_check_at (ntokens of them; borrowed from the index). */
typedef struct pv_line_table {
    uint32_t *line_tok;
    unsigned char *line_check;
    uint32_t nlines;
    const unsigned char *checks;
    /* authorship runs: tokens from run_tok[r] up to the next run's first token were first
     * written by origin run_origin[r]; tokens before the first run by the document's origin */
    uint32_t *run_tok, *run_origin;
    uint32_t nruns;
    int borrowed; /* kept by a table (pv_index__table_load): pv_index__lines_free frees nothing */
} pv_line_table;

/* Decode document id's line table into *out (caller frees with pv_index__lines_free).
 * Returns 0, PV_ENOMEM or PV_ECORRUPT. */
int pv_index__lines(pv_index_cursor *c, uint32_t id, pv_line_table *out, pv_err *err);
void pv_index__lines_free(pv_line_table *t);

/* An origin's author and date; strings borrowed, NULL when unknown. */
typedef struct pv_origin_view {
    const char *author_name;
    const char *author_email;
    const char *author_id; /* account id (forum user id), or NULL */
    const char *commit;
    int64_t date;
    uint32_t author; /* author id or PV_NONE-like UINT32_MAX when unknown */
    uint32_t next;   /* the next co-author's origin, or UINT32_MAX: credit is split equally
                        along the chain */
    int before;      /* a history boundary's "before DATE" origin (ORIG flags, format.h) */
} pv_origin_view;

void pv_index__origin(const pv_index *ix, uint32_t id, pv_origin_view *out);

/* The index's path as given to pv_index_open (for messages). */
const char *pv_index__path(const pv_index *ix);

/* ---- tombstones: removed work (tombstone.c) ---- */

/* The tombstones of an open index, resolved against its tables once, at open: what the
 * matcher applies where results are built (match.c), so that no command can forget them. */
typedef struct pv_tombs {
    pv_tombstone *v; /* as recorded, with their counts in this index */
    size_t n;
    /* bit d: document d is removed (a document or source tombstone): its postings are dropped
     * before anything is counted, as if it had never been indexed; NULL when none is */
    uint64_t *doc_gone;
    /* per origin: the first origin along its co-author chain (ORIG next) whose author is not
     * removed (itself when its author is not), or UINT32_MAX when every co-author is removed;
     * NULL when no author is removed (then every origin shows itself) */
    uint32_t *shown;
    char *strings; /* the entries' strings */
} pv_tombs;

/* The tombstones of ix, or NULL when it has none: one branch for the matcher. */
const pv_tombs *pv_index__tombs(const pv_index *ix);

/* Reads the tombstone file beside the index ix being opened (its path + ".tomb"), whose
 * header checksum is ident and whose file is size bytes, and resolves it against ix's tables
 * (which must be validated already). *out is NULL when there is
 * no tombstone file. Returns 0, PV_ECORRUPT (bad magic, checksum, lengths, a file for another
 * index), PV_EVERSION, PV_EIO or PV_ENOMEM, with err naming the tombstone file. */
int pv_index__tombs_load(const pv_index *ix, uint64_t ident, uint64_t size, pv_tombs **out,
                         pv_err *err);
void pv_index__tombs_free(pv_tombs *t); /* accepts NULL */

/* Writes data[0, n) to path through path.tmp.PID: write, fsync, rename, fsync the folder (a
 * reader sees the old file or the new one). Returns 0, PV_EIO or PV_ENOMEM. */
int pv_index__write_atomic(const char *path, const void *data, size_t n, pv_err *err);

/* Writes the tombstone file path with the entries v[0, n), for the index (ident, size): 0 for
 * a folder) atomically (temporary file, fsync, rename). Returns 0, PV_EIO or PV_ENOMEM. */
int pv_index__tombs_write(const char *path, const pv_tombstone *v, size_t n, uint64_t ident,
                          uint64_t size, pv_err *err);

static inline int pv_tombs__doc_gone(const pv_tombs *t, uint32_t doc)
{
    return t->doc_gone && (t->doc_gone[doc / 64] >> (doc % 64) & 1);
}

/* The origin shown for o (see pv_tombs.shown): o itself without author tombstones. */
static inline uint32_t pv_tombs__shown(const pv_tombs *t, uint32_t o)
{
    return t && t->shown && o != UINT32_MAX ? t->shown[o] : o;
}

/* ---- segments: an index that is a folder (segments.c) ---- */

/* Opens one index file without its tombstones (pv_index_open adds them). */
int pv_index__open_file(pv_index **out, const char *path, pv_err *err);

/* Parses a manifest (format.h, docs/index-format.md "Segments"), data[0, len), of the folder
 * dir (for messages): its segments into *segs (n of them, owned by the caller:
 * pv_index__segments_free), its generation and its checksum (sum may be NULL). Returns 0,
 * PV_ECORRUPT with err naming DIR/MANIFEST and what is wrong, or PV_ENOMEM. */
int pv_index__manifest_parse(const char *dir, const char *data, size_t len, pv_segment_info **segs,
                             size_t *n, uint64_t *gen, uint64_t *sum, pv_err *err);
/* Appends the manifest of the segments v[0, n) at generation gen to b. Returns 0, PV_ENOMEM or
 * PV_ELIMIT. */
int pv_index__manifest_format(const pv_segment_info *v, size_t n, uint64_t gen, pv_buf *b);

/* Opens the folder index at path: reads DIR/MANIFEST, opens and checks every segment it
 * lists, and returns one index that holds them all (the segments merged into a temporary file,
 * mapped then unlinked), its path the folder's, its segments listed (pv_index_segments),
 * without tombstones. Returns 0, PV_ECORRUPT naming the manifest or the segment, PV_EIO,
 * PV_ENOMEM, or an error of pv_index_open for a segment. */
int pv_index__open_dir(pv_index **out, const char *path, pv_err *err);

/* Gives ix the path path and the segments segs[0, n) (owned by ix from now on). Returns 0 or
 * PV_ENOMEM (then segs is still the caller's). */
int pv_index__set_segments(pv_index *ix, const char *path, pv_segment_info *segs, size_t n);
void pv_index__segments_free(pv_segment_info *segs, size_t n); /* accepts NULL */

/* Adding a segment (pv_index_add, build/): pv_index__add_begin turns a one-file index into a
 * folder (the file and the folder swapped in one rename), locks the folder, reads its
 * manifest and says where the new segment goes and with which parameters it is built; the
 * caller builds it at seg_path; pv_index__add_commit appends it to the manifest (replaced
 * atomically); pv_index__add_end (always) unlocks, and removes the segment when it was not
 * committed. Return 0 or a pv_error with err filled in. */
typedef struct pv_seg_add {
    char *dir, *seg_path;
    pv_segment_info *segs;
    size_t nsegs;
    uint64_t gen;
    uint32_t k, w, posting_cap;
    uint64_t seed;
    int lock_fd, committed;
} pv_seg_add;
int pv_index__add_begin(const char *path, pv_seg_add *a, pv_err *err);
int pv_index__add_commit(pv_seg_add *a, pv_err *err);
void pv_index__add_end(pv_seg_add *a);

/* The validated tables of an open index, for merging segments; borrowed from ix. */
typedef struct pv_index_raw {
    const unsigned char *docs, *line, *orig, *auth, *srcs, *strs, *blob;
    uint64_t nblob, strs_size;
    uint64_t header_checksum;
} pv_index_raw;
void pv_index__raw(const pv_index *ix, pv_index_raw *out);

/* Decodes posting block b (b < the block count): its fingerprints and postings (origins
 * resolved), count of each, borrowed from c until its next use. Returns 0, PV_ECORRUPT or
 * PV_ENOMEM. */
int pv_index__block(pv_index_cursor *c, uint64_t b, const uint64_t **fp, const pv_posting **p,
                    uint32_t *count, pv_err *err);

/* ---- the output of a build (outfile.c) ---- */

#define PV_OUT_PATH_MAX 4096

/* What a build holds around the index file it writes: its temporary name OUT.tmp.PID and
 * the lock OUT.lock. Start from PV_OUTFILE_INIT. */
typedef struct pv_outfile {
    char tmp_path[PV_OUT_PATH_MAX + 32];
    char lock_path[PV_OUT_PATH_MAX + 8];
    int lock_fd; /* the locked OUT.lock, or -1 */
    int slot;    /* where pv_index_build_abort_cleanup finds tmp_path, or -1 */
} pv_outfile;

#define PV_OUTFILE_INIT                                                                            \
    {                                                                                              \
        {0}, {0}, -1, -1                                                                           \
    }

/* Before a build reads any source: refuses an out_path that is a folder or another kind of
 * file that is not a regular one, takes OUT.lock (another build holding it is PV_EIO with err
 * naming its process), removes the OUT.tmp.PID files of processes that are gone (each named
 * through diag, a warning; diag may be NULL) and registers tmp_path for
 * pv_index_build_abort_cleanup. Returns 0 or a negative pv_error with err filled in;
 * pv_index__out_end must be called in both cases. */
int pv_index__out_begin(pv_outfile *of, const char *out_path, pv_diag_fn diag, void *ctx,
                        pv_err *err);
/* Unregisters tmp_path and removes and releases the lock; does not touch tmp_path itself. */
void pv_index__out_end(pv_outfile *of);

#endif

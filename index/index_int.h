/*
 * index_int.h - the index module's library-internal interface: what the matcher needs
 * from an open index (batched fingerprint lookups, documents, line tables, origins).
 * The byte layout itself is in format.h.
 */
#ifndef PV_INDEX_INT_H
#define PV_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>

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

/* A decoded line table: line_tok[l] = index of the first token starting on or after line
 * l's start (0-based line l), nlines + 1 entries (the last = ntokens); check[l] = the line
 * check of line l (0 for a line without tokens). */
typedef struct pv_line_table {
    uint32_t *line_tok;
    uint16_t *check;
    uint32_t nlines;
    /* authorship runs: tokens from run_tok[r] up to the next run's first token were first
     * written by origin run_origin[r]; tokens before the first run by the document's origin */
    uint32_t *run_tok, *run_origin;
    uint32_t nruns;
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

#endif

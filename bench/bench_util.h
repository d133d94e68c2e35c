/*
 * bench_util.h - what the two bench programs (bench_query.c, bench_params.c) share: clock,
 * seeded generator, number parsing, file reading and the corpus walk by the indexer's rules,
 * word edits and the layout-free text that tells copies apart. bench/run.sh compiles
 * bench_util.c into both; it is not part of the library and uses only the public API.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

#define BENCH_MAX_FILE_SIZE PV_DEFAULT_MAX_FILE_SIZE /* what `provscan index` takes by default */
#define BENCH_BINARY_PROBE 8192 /* the indexer calls a file binary on a NUL byte in these bytes */

/* ---- small helpers --------------------------------------------------------------------- */

/* Seconds on the monotonic clock, for differences only. */
double bench_now_sec(void);

/* splitmix64: a small, good, seedable generator; the same seed gives the same sequence.
 * Advances *s and returns the next value. */
uint64_t bench_rng_next(uint64_t *s);

/* Uniform in [0, n); n > 0. The modulo bias is negligible for the sizes used here. */
uint64_t bench_rng_below(uint64_t *s, uint64_t n);

/* Parse a whole decimal string into *out; returns 0, or -1 (nothing, trailing characters,
 * out of range) leaving *out alone. */
int bench_parse_u64(const char *s, uint64_t *out);

/* Whether ch is an ASCII word character [A-Za-z0-9_] (a token byte, docs/tokens.md). */
int bench_is_word(unsigned char ch);

/* ---- files ----------------------------------------------------------------------------- */

/* Read a whole file of at most cap bytes (cap < SIZE_MAX) into *buf, malloc'ed and
 * NUL-terminated, *len bytes; the caller frees *buf. Returns 0, or -1 when the file cannot
 * be read, is longer than cap, or memory runs out (*buf and *len untouched). */
int bench_read_file(const char *path, size_t cap, char **buf, size_t *len);

/* Read the first cap bytes (cap < SIZE_MAX) of a text file into *buf, malloc'ed and
 * NUL-terminated, *len bytes; the caller frees *buf. A longer file is cut at cap. Returns 0,
 * or -1 when it cannot be read, is empty or is binary by the indexer's rule (a NUL byte in
 * the first BENCH_BINARY_PROBE bytes read) (*buf and *len untouched). */
int bench_read_text(const char *path, size_t cap, char **buf, size_t *len);

/* ---- document sets: the files pv_index_build takes, by path relative to the root ------- */

typedef struct bench_doc {
    char *rel;   /* locator the index gives it: path relative to the walked root */
    char *path;  /* path to open */
    size_t size; /* bytes on disk when walked */
    char *text;  /* NULL until loaded (bench_params) */
    size_t len;  /* bytes in text */
    int state;   /* bench_doc_is_text's cache: 0 unknown, 1 text, 2 binary */
} bench_doc;

typedef struct bench_docset {
    bench_doc *v;
    size_t n, cap;
} bench_docset;

/* Append a document (copies path and rel; text NULL). Returns 0, or -1 out of memory. */
int bench_docset_add(bench_docset *s, const char *path, const char *rel, size_t size);

/* Walk root without following symlinks inside it, adding every file pv_index_build takes
 * by default: regular, not empty, at most BENCH_MAX_FILE_SIZE bytes, outside .git folders
 * and outside the top-level folders named in skip[0..nskip-1] (skip may be NULL). Then sort
 * the whole set by rel, for bench_docset_find. Returns 0, or -1 after printing
 * "PROG: cannot open ..." for a folder that cannot be opened (or silently, out of memory). */
int bench_docset_load(bench_docset *s, const char *root, const char *const *skip, size_t nskip,
                      const char *prog);

/* The document whose rel is rel in a set sorted by bench_docset_load, or NULL; borrowed. */
const bench_doc *bench_docset_find(const bench_docset *s, const char *rel);

/* Free every document (names and texts) and empty the set; the set itself is the caller's. */
void bench_docset_free(bench_docset *s);

/* Whether the indexer took d as text: the file opens and its first BENCH_BINARY_PROBE
 * bytes are at least one byte and hold no NUL byte. Reads the file on the first call only;
 * the answer is cached in d->state. */
int bench_doc_is_text(bench_doc *d);

/* ---- queries and results --------------------------------------------------------------- */

/* Change one word in every stretch of `every` bytes of t[0..len-1] (none when every is 0):
 * find the first ASCII word at or after a random point of the stretch and replace each of
 * its characters by a different one of the same class, so the token certainly changes and
 * byte offsets stay put. Deterministic for a given *rng. */
void bench_apply_edits(char *t, size_t len, size_t every, uint64_t *rng);

/* Layout-free form of s[0..n-1], close to the tokenizer's for ASCII (docs/tokens.md): words
 * of [a-z0-9_] lower-cased, and bytes >= 0x80 kept, joined by single spaces, with a space
 * at both ends so a search matches whole words. Returns a malloc'ed string of *outlen bytes
 * (the caller frees it), or NULL out of memory. */
char *bench_token_text(const char *s, size_t n, size_t *outlen);

/* Row i of span sp: its sources, then its listed copies. */
const pv_source_ref *bench_span_row(const pv_span *sp, size_t i);
/* Whether any span of res lists the document whose locator is rel among its sources or
 * copies. */
int bench_result_names(const pv_result *res, const char *rel);

#endif /* BENCH_UTIL_H */

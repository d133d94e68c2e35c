/*
 * match_int.h - the matcher's library-internal interface between its files: match.c builds
 * spans from the query's tokens as query_tokens.c keeps them, asks license_text.c whether a
 * span is the text of a known license, and permalink.c for the links of source rows; and
 * tuning hooks the tests use.
 */
#ifndef PV_MATCH_INT_H
#define PV_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "index_int.h"
#include "provscan.h"
#include "scanner_int.h"

/* A link a person can open to lines line_start..line_end of one source row, malloc'ed into
 * *url (the caller frees it), or *url = NULL when none is known:
 * - kind "git" whose source is https://HOST/OWNER/NAME on github.com, gitlab.com,
 *   codeberg.org or bitbucket.org: that host's permalink to locator (a path, its bytes
 *   outside RFC 3986 unreserved characters and '/' percent-encoded) at commit, with the
 *   host's line anchor (none when line_start is 0);
 * - any other kind whose locator is an http(s) URL (a post, a page): that URL.
 * Returns 0, or PV_ENOMEM with *url = NULL. */
int pv_match__url(const char *kind, const char *source, const char *locator, const char *commit,
                  uint32_t line_start, uint32_t line_end, char **url);

/* Whether a span is license text (attribution rule 3). fp[0..n) are the span's k-gram
 * fingerprints as pv_scanner__kgrams gives them for an index built with k and seed (all 64
 * bits; the top PV_FP_BITS are compared). When at least half of them are k-grams of the
 * license texts embedded in the library (pv_scanner__license_texts), *license is the SPDX id
 * of the license holding most of them (the first id in alphabetical order on a tie), a static
 * string; otherwise NULL. The license k-grams for (k, seed) are built once per process, on
 * first use, safely from any thread. Returns 0 or PV_ENOMEM (*license NULL, err set). */
int pv_match__license_text(uint32_t k, uint64_t seed, const uint64_t *fp, size_t n,
                           const char **license, pv_err *err);

/* pv_match_run reading the index through cur (one per thread, kept between queries; it may
 * use a table, pv_index__cursor_use), or through a cursor of its own when cur is NULL. The
 * result is the same either way. */
int pv_match__run(const pv_index *ix, pv_index_cursor *cur, const char *text, size_t len,
                  const pv_match_opts *opts, pv_result **out, pv_err *err);

/* Tuning hook for tests: look a query's k-grams up in passes of about n (0: the default,
 * 512 Ki). The spans are the same for any n; only memory and time change. Not thread-safe:
 * set it before matching. */
void pv_match__set_pass_kgrams(size_t n);

/* Tuning hook for tests: when on, the chains are sorted from the reverse of the order they are
 * made in. The spans and their rows are the same either way (cmp_chain_q is a total order). Not
 * thread-safe. */
void pv_match__set_reverse_chains(int on);

/* ---- a query's tokens (query_tokens.c) ------------------------------------------------ */

/* A query's tokens in the forms the matcher needs, phase by phase, at a few bytes a token (a
 * pv_token is 16): the text is tokenized a block at a time (blocks of about 16 KiB, each
 * starting at a restart point, scanner_int.h), keeping
 * - for the lookup: the fingerprint of every k-gram (its top PV_FP_BITS bits, in fp_hi:fp_lo)
 *   and a bit per k-gram made only of weak tokens (a number or one ASCII character);
 * - for the span edges: the line ends between each token and the one before;
 * - the token hashes (span edges, license test), unless there are more than keep_hashes
 *   tokens: then they come back, read again from the text, once the lookup is over;
 * - where each block starts, so that the byte range of a token is read back on demand. */
typedef struct pv_qtokens {
    const char *text; /* borrowed */
    size_t len, n;    /* bytes, tokens */
    uint32_t k;
    uint64_t seed, invalid_utf8;
    uint64_t *hash;  /* n hashes, or NULL (pv_match__qtokens_hashes) */
    uint16_t *fp_hi; /* k-gram i's fingerprint >> PV_FP_SHIFT: fp_hi[i] << 32 | fp_lo[i] */
    uint32_t *fp_lo; /* (the caller may take fp_lo over: match.c writes over a k-gram's once
                        its pass is over) */
    uint64_t *weak;  /* bit i: k-gram i is weak */
    uint8_t *breaks; /* 2 bits per token (pv_match__qtokens_breaks) */
    uint32_t *blk_tok, *blk_off; /* first token and byte offset of every block */
    size_t nblk;
    /* private: the tokens of two blocks read back, the last used, a buffer for k-grams */
    pv_tokens cache[2];
    size_t cache_blk[2], cache_skip[2], cache_last;
    pv_tokens kscratch;
} pv_qtokens;

/* Tokenize text[0, len) for an index of k and seed into qt (overwritten; free it with
 * pv_match__qtokens_free, also on failure). Returns 0, PV_ELIMIT (len > UINT32_MAX) or
 * PV_ENOMEM. */
int pv_match__qtokens_scan(pv_qtokens *qt, const char *text, size_t len, uint32_t k, uint64_t seed,
                           size_t keep_hashes);

/* Frees the lookup's forms (fingerprints, weak bits), those not taken over. */
void pv_match__qtokens_drop_lookup(pv_qtokens *qt);

/* Makes qt->hash hold every token's hash (reading the text again when it was not kept).
 * Returns 0 or PV_ENOMEM. */
int pv_match__qtokens_hashes(pv_qtokens *qt);

/* Line ends in the text between tokens i - 1 and i ("\r\n" is one), up to 2; 2 when i is the
 * first token or past the last. */
static inline unsigned pv_match__qtokens_breaks(const pv_qtokens *qt, int64_t i)
{
    if (i <= 0 || i >= (int64_t)qt->n)
        return 2;
    return (unsigned)(qt->breaks[i / 4] >> (i % 4 * 2)) & 3;
}

/* Byte range [*start, *end) of token i < qt->n, read back from the text when its block is not
 * one of the last two read. Returns 0 or PV_ENOMEM. */
int pv_match__qtokens_range(pv_qtokens *qt, size_t i, uint32_t *start, uint32_t *end);

/* The k-grams of tokens [i, i + m) (needs qt->hash) into out (m - k + 1 values, none when
 * m < k), as pv_scanner__kgrams gives them. Returns their count, or SIZE_MAX out of memory. */
size_t pv_match__qtokens_kgrams(pv_qtokens *qt, size_t i, size_t m, uint64_t *out);

void pv_match__qtokens_free(pv_qtokens *qt);

/* Tuning hook for tests: tokenize a query in blocks of about n bytes (0: the default, 16 KiB).
 * The spans are the same for any n. Not thread-safe: set it before matching. */
void pv_match__set_block_bytes(size_t n);

#endif

/*
 * match_int.h - the matcher's library-internal interface between its files: match.c builds
 * spans, asks license_text.c whether a span is the text of a known license, and permalink.c
 * for the links of source rows; and a tuning hook the tests use.
 */
#ifndef PV_MATCH_INT_H
#define PV_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

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

/* Marks the weak k-grams of the query text tokenized as q, for k-grams of k tokens: bit i of
 * weak (zeroed by the caller, nk bits, nk <= q->n - k + 1) is set when every token of k-gram
 * i is weak, that is a number or a single ASCII character (a table of numbers, a hex dump, a
 * grid of one-letter labels coincide between unrelated documents: no evidence). */
struct pv_tokens;
void pv_match__mark_weak(const char *text, const struct pv_tokens *q, uint32_t k, size_t nk,
                         uint64_t *weak);

/* Tuning hook for tests: look a query's k-grams up in passes of about n (0: the default,
 * 512 Ki). The spans are the same for any n; only memory and time change. Not thread-safe:
 * set it before matching. */
void pv_match__set_pass_kgrams(size_t n);

/* Tuning hook for tests: when on, the chains are sorted from the reverse of the order they are
 * made in. The spans and their rows are the same either way (cmp_chain_q is a total order). Not
 * thread-safe. */
void pv_match__set_reverse_chains(int on);

#endif

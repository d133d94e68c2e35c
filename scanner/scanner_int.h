/*
 * scanner_int.h - the scanner's library-internal interface: sources -> documents ->
 * tokens -> fingerprints. The index writer and the matcher call these; nothing here
 * knows the index layout.
 */
#ifndef PV_SCANNER_INT_H
#define PV_SCANNER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

/* ---- UTF-8 ------------------------------------------------------------------------------ */

/* Decode the sequence at p (p < end, *p >= 0x80) per Unicode 15 table 3-7. Returns its
 * length with *cp set, or, for an ill-formed sequence, the length of its maximal subpart
 * (Unicode 3.9, "U+FFFD substitution of maximal subparts") with *cp = -1. utf8proc_iterate
 * cannot report that length, hence this decoder (inline: the tokenizer's hot loop). */
static inline size_t pv_scanner__utf8_decode(const unsigned char *p, const unsigned char *end,
                                             int32_t *cp)
{
    size_t avail = (size_t)(end - p), need, i;
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    int32_t v;

    *cp = -1;
    if (c < 0xC2 || c > 0xF4)
        return 1;
    if (c < 0xE0) {
        need = 2;
        v = (int32_t)(c & 0x1F);
    } else if (c < 0xF0) {
        need = 3;
        v = (int32_t)(c & 0x0F);
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else {
        need = 4;
        v = (int32_t)(c & 0x07);
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    }
    if (avail < 2 || p[1] < lo || p[1] > hi)
        return 1;
    v = v << 6 | (p[1] & 0x3F);
    for (i = 2; i < need; i++) {
        if (i >= avail || (p[i] & 0xC0) != 0x80)
            return i;
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v;
    return need;
}

/* ---- tokens (tokenize.c) --------------------------------------------------------------- */

/* PV_NORM_VERSION, bumped whenever the token stream of some input changes, is in
 * provscan.h; every index records it. */

/* Tokens longer than this many normalized bytes are cut into pieces of this size. */
#define PV_TOKEN_MAX 64

/* One token: the hash of its normalized form and where it sits in the input. */
typedef struct pv_token {
    uint64_t hash;  /* XXH3 of the normalized (NFKC + case fold) token bytes */
    uint32_t start; /* byte offset of the token's first byte in the input */
    uint32_t len;   /* bytes of input the token covers */
} pv_token;

typedef struct pv_tokens {
    pv_token *v;
    size_t n, cap;
    uint64_t invalid_utf8; /* invalid UTF-8 sequences met (each replaced by U+FFFD) */
} pv_tokens;

/* Tokenize text (any mix of prose and code; need not be NUL-terminated; at most
 * UINT32_MAX bytes) and append its tokens to out. The token definition is in
 * docs/tokens.md: maximal runs of letters, digits, marks and '_', NFKC-normalized and
 * case-folded; every CJK ideograph, kana or other Han-script character is a token of its
 * own; everything else (punctuation, spaces, line ends, BOMs) separates tokens.
 * Returns 0, PV_ELIMIT (text too long) or PV_ENOMEM; on failure out->n and
 * out->invalid_utf8 are as they were before the call. */
int pv_scanner__tokenize(const char *text, size_t len, uint64_t seed, pv_tokens *out);

void pv_scanner__tokens_free(pv_tokens *t);

/* Whether the tokenizer starts afresh at byte p of text: p is 0, or text[p] is an ASCII byte
 * other than [A-Za-z0-9_]. No token holds such a byte and none is decided by the bytes after
 * it, so tokenizing text[a, b) between two such points gives exactly the tokens of the whole
 * text that start in [a, b), their offsets less a (a long text can be tokenized, or read back,
 * a block at a time). */
static inline int pv_scanner__restart_point(const char *text, size_t p)
{
    unsigned char c = (unsigned char)text[p];
    return p == 0 || (c < 0x80 && c != '_' && !(c >= '0' && c <= '9') &&
                      !((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

/* Line starts of text: byte offset of every line's first byte. "\r\n", "\r" and "\n"
 * each end a line; a final line end does not start an empty last line. Line 1 starts at
 * 0. *out is malloc'ed (caller frees); returns 0, PV_ELIMIT (len > UINT32_MAX) or
 * PV_ENOMEM. */
int pv_scanner__line_starts(const char *text, size_t len, uint32_t **out, size_t *nlines);

/* ---- fingerprints (fingerprint.c) ------------------------------------------------------ */

/* Fingerprint of the k tokens starting at every position: out[i] for tokens i..i+k-1,
 * for i in [0, n-k]. k >= 1; out holds at least n-k+1 values. Writes n-k+1 values (none
 * when n < k) and returns that count.
 * The value depends only on the k token hashes, k and seed. */
size_t pv_scanner__kgrams(const pv_token *tok, size_t n, uint32_t k, uint64_t seed, uint64_t *out);

/* Robust winnowing (Schleimer, Wilkerson, Aiken 2003) of n fingerprints with window w >= 1
 * (out holds at least n values):
 * writes to out the index of the minimum of every window of w consecutive values
 * (rightmost on ties, and a minimum is recorded once even if it stays the minimum of
 * several windows). When n < w the single minimum is selected. Returns the number of
 * indices written (at most n), ascending. */
size_t pv_scanner__winnow(const uint64_t *fp, size_t n, uint32_t w, uint32_t *out);

/* ---- license detection (license.c) ----------------------------------------------------- */

/* SPDX id of a license text (a LICENSE/COPYING file), or NULL when unsure.
 * Returns a static string. */
const char *pv_scanner__license_of_text(const char *text, size_t len);

/* The expression after "SPDX-License-Identifier:" in the first 64 lines and 8 KiB of text,
 * copied into out (size outsz); returns 1 when found, 0 otherwise (also when it does not
 * fit in out). */
int pv_scanner__spdx_tag(const char *text, size_t len, char *out, size_t outsz);

/* The texts of the licenses matched as common wherever they appear (attribution rule 3):
 * scanner/licenses/<SPDX>.txt (and <SPDX>~<variant>.txt, another wording of the same
 * license), embedded at build time by scanner/licenses/embed.py, ordered by SPDX id; at most
 * 64. README.md beside them says where each text comes from. */
typedef struct pv_license_text {
    const char *spdx; /* "MIT", "GPL-2.0-only", ... */
    const char *text; /* NUL-terminated */
    size_t len;
} pv_license_text;

extern const pv_license_text pv_scanner__license_texts[];
extern const size_t pv_scanner__nlicense_texts;

/* ---- path patterns and license file names (patterns.c) --------------------------------- */

/* User PCRE2 patterns (--exclude, --include) compiled once; opaque PCRE2 objects. */
typedef struct pv_patterns {
    void *re; /* pcre2_code *[n] */
    size_t n;
    void *md; /* pcre2_match_data */
    const char *const *src;
    const char *what; /* "exclude", "include": named in messages */
} pv_patterns;

/* Compile pat[0..n) into p (zeroed first; free it with pv_patterns__free even on failure).
 * A bad pattern is PV_EINVAL naming --WHAT, the pattern and PCRE2's message. */
int pv_patterns__compile(pv_patterns *p, const char *const *pat, size_t n, const char *what,
                         pv_err *err);
/* Sets *hit when path[0..len) matches one of the patterns; 0, or PV_EINVAL when PCRE2 fails. */
int pv_patterns__match(pv_patterns *p, const char *path, size_t len, int *hit, pv_err *err);
void pv_patterns__free(pv_patterns *p);

/* Whether a file name is a license file: LICENSE, LICENCE, COPYING, UNLICENSE, LICENSE-MIT or
 * LICENSE-APACHE in any case, with any extension (any_extension) or with none, .md or .txt. */
int pv_scanner__license_file_name(const char *name, int any_extension);

/* ---- files source (source_files.c) ----------------------------------------------------- */

typedef struct pv_file_entry {
    char *path; /* path to open (root joined with rel) */
    char *rel;  /* locator: path relative to the source root ("a/b.c"); for a single
                   file SOURCE, its base name */
    uint64_t size;
    int64_t mtime;           /* unix seconds */
    const char *dir_license; /* SPDX id of the nearest LICENSE/COPYING file at or above the
                                file's folder inside the root, or NULL; borrowed from the
                                list */
} pv_file_entry;

typedef struct pv_file_list {
    pv_file_entry *v;
    size_t n, cap;
    uint64_t total_bytes;
    uint64_t skipped_large, skipped_excluded, skipped_unreadable, skipped_git;
    uint64_t skipped_special; /* symbolic links (not followed; dangling; loops) and sockets,
                                 FIFOs, devices: counted and noted, never read */
    double helper_cpu;        /* CPU seconds of the threads that helped the walk (opts->threads) */
    double walk_cpu;          /* CPU seconds of the calling thread in pv_files__list */
    /* private storage of license strings etc. follows in the implementation */
    void *priv;
} pv_file_list;

typedef struct pv_files_opts {
    uint64_t max_file_size;
    const char *const *excludes; /* PCRE2 patterns against rel paths */
    size_t nexcludes;
    int strict;
    pv_diag_fn diag;
    void *ctx;
    unsigned threads; /* walk the folders on this many threads (0 or 1: the caller's only); the
                         list is the same, notes of skipped paths may come in another order */
} pv_files_opts;

/* List the files of root (a file or a directory tree) into list (appending; list starts
 * zeroed), sorted by rel path, skipping .git/ folders, files over max_file_size (0 = no
 * limit) and paths matching an exclude pattern (each counted; an excluded or unreadable
 * folder counts as one). Symbolic links and special files are not followed nor listed, but
 * counted in skipped_special. Every skipped path is named through diag as a note with its
 * reason.
 * An unreadable folder or file is reported through diag and counted; with strict it is an
 * error. A folder whose license file names no known license gets NULL, not its parent's.
 * A bad exclude pattern is PV_EINVAL with the pattern and PCRE2's message. opts may be
 * NULL. Returns 0 or a negative pv_error. */
int pv_files__list(const char *root, const pv_files_opts *opts, pv_file_list *list, pv_err *err);

void pv_files__list_free(pv_file_list *list);

/* Read one file's bytes into *buf (malloc'ed, *len bytes, plus a NUL after them). Returns
 * 0; PV_ESKIP with err set when the file is binary (a NUL byte in its first 8 KiB or
 * mostly invalid UTF-8); PV_EIO when it cannot be read. */
int pv_files__load(const pv_file_entry *e, char **buf, size_t *len, pv_err *err);

/* pv_init(0) unless the program called pv_init already (git_setup.c): before a repository is
 * read. Returns 0 or PV_EIO. */
int pv_scanner__git_setup(void);

#endif

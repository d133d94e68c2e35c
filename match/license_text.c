/*
 * license_text.c - license text is common (attribution rule 3): the k-gram fingerprints of
 * the license texts embedded in the library (scanner/licenses/), built once per (k, seed) and
 * kept for the life of the process, and the test match.c applies to every span it builds.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>

#include "common_int.h"
#include "format.h"
#include "match_int.h"
#include "scanner_int.h"

/* A span is license text when at least LICENSE_SHARE_NUM / LICENSE_SHARE_DEN of its k-grams
 * are license k-grams. Half: a license quoted with its own copyright line, a changed project
 * name or a few edited words still passes, while a span that only brushes a license (code
 * whose header comment names one) is mostly other text and keeps its credit. */
#define LICENSE_SHARE_NUM 1
#define LICENSE_SHARE_DEN 2

/* Tables kept for different (k, seed) pairs; a process rarely opens indexes of more than
 * one. Past this, a query builds its own table and frees it. */
#define CACHE_MAX 8

/* A license k-gram and the licenses holding it: bit i for pv_scanner__license_texts[i]. */
typedef struct lic_fp {
    uint64_t fp; /* top PV_FP_BITS bits */
    uint64_t mask;
} lic_fp;

typedef struct lic_table {
    uint32_t k;
    uint64_t seed;
    lic_fp *v; /* while building: every k-gram of every license, in order */
    size_t n;
    /* the same entries by hash, for the test: open addressing, linear probing, at most half
       full; a slot holds fp + 1 (0 = empty) */
    lic_fp *slot;
    size_t mask;
    struct lic_table *next;
} lic_table;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static lic_table *cache; /* published under cache_lock; never changed or freed after */
static size_t ncached;

static void table_free(lic_table *t)
{
    if (t) {
        free(t->v);
        free(t->slot);
        free(t);
    }
}

/* The licenses holding fingerprint fp (top PV_FP_BITS bits), as a mask; 0 for none. */
static uint64_t table_mask(const lic_table *t, uint64_t fp)
{
    size_t i;
    for (i = (size_t)fp & t->mask; t->slot[i].fp != 0; i = (i + 1) & t->mask)
        if (t->slot[i].fp == fp + 1)
            return t->slot[i].mask;
    return 0;
}

/* The k-grams of every license text, tokenized and fingerprinted exactly as a query is. */
static int table_build(uint32_t k, uint64_t seed, lic_table **out)
{
    pv_tokens tok = {NULL, 0, 0, 0};
    uint64_t *kg = NULL;
    size_t cap_kg = 0, cap_v = 0, i, j, n;
    lic_table *t = calloc(1, sizeof *t);
    int rc = PV_ENOMEM;

    if (!t)
        goto done;
    t->k = k;
    t->seed = seed;
    for (i = 0; i < pv_scanner__nlicense_texts; i++) {
        const pv_license_text *lt = &pv_scanner__license_texts[i];
        tok.n = 0;
        if ((rc = pv_scanner__tokenize(lt->text, lt->len, seed, &tok)) != 0)
            goto done;
        rc = PV_ENOMEM;
        if (tok.n < k)
            continue;
        if (pv_array__grow((void **)&kg, &cap_kg, tok.n, sizeof *kg) ||
            pv_array__grow((void **)&t->v, &cap_v, t->n + tok.n, sizeof *t->v))
            goto done;
        n = pv_scanner__kgrams(tok.v, tok.n, k, seed, kg);
        for (j = 0; j < n; j++) {
            t->v[t->n].fp = kg[j] >> PV_FP_SHIFT;
            t->v[t->n++].mask = UINT64_C(1) << i;
        }
    }
    /* into the hash table directly, the masks of a fingerprint's entries or-ed together (no
     * sort: it was most of the start-up time of a query) */
    for (n = 16; n < 2 * t->n; n <<= 1)
        ;
    rc = PV_ENOMEM;
    if (!(t->slot = calloc(n, sizeof *t->slot)))
        goto done;
    t->mask = n - 1;
    for (i = 0; i < t->n; i++) { /* fingerprints are hashes: their low bits spread them */
        for (j = (size_t)t->v[i].fp & t->mask;
             t->slot[j].fp != 0 && t->slot[j].fp != t->v[i].fp + 1; j = (j + 1) & t->mask)
            ;
        t->slot[j].fp = t->v[i].fp + 1;
        t->slot[j].mask |= t->v[i].mask;
    }
    free(t->v); /* the slots are all the test reads */
    t->v = NULL;
    *out = t;
    t = NULL;
    rc = 0;
done:
    table_free(t);
    pv_scanner__tokens_free(&tok);
    free(kg);
    return rc;
}

/* The cached table for (k, seed), built on first use; *owned set when the cache is full and
 * the caller must free the table it got. */
static int table_get(uint32_t k, uint64_t seed, lic_table **out, int *owned)
{
    lic_table *t;
    int rc = 0;

    *owned = 0;
    pthread_mutex_lock(&cache_lock);
    for (t = cache; t; t = t->next)
        if (t->k == k && t->seed == seed)
            break;
    if (!t && (rc = table_build(k, seed, &t)) == 0) {
        if (ncached < CACHE_MAX) {
            t->next = cache;
            cache = t;
            ncached++;
        } else {
            *owned = 1;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    *out = t;
    return rc;
}

int pv_match__license_text(uint32_t k, uint64_t seed, const uint64_t *fp, size_t n,
                           const char **license, pv_err *err)
{
    size_t count[64] = {0}, hits = 0, i, best;
    lic_table *t;
    int owned, rc;

    *license = NULL;
    if (n == 0)
        return 0;
    if ((rc = table_get(k, seed, &t, &owned)) != 0)
        return pv_err__set(err, rc, "cannot fingerprint the license texts: %s", pv_strerror(rc));
    for (i = 0; i < n; i++) {
        uint64_t m = table_mask(t, fp[i] >> PV_FP_SHIFT);
        size_t b;
        if (!m)
            continue;
        hits++;
        for (b = 0; m; m >>= 1, b++)
            count[b] += m & 1;
    }
    if (hits * LICENSE_SHARE_DEN >= n * LICENSE_SHARE_NUM) {
        for (i = 1, best = 0; i < pv_scanner__nlicense_texts; i++)
            if (count[i] > count[best])
                best = i;
        *license = pv_scanner__license_texts[best].spdx;
    }
    if (owned)
        table_free(t);
    return 0;
}

/*
 * fingerprint.c - tokens -> fingerprints: a rolling polynomial hash of every k consecutive
 * token hashes, and robust winnowing of them (docs/tokens.md). The index writer keeps the
 * winnowed fingerprints; the matcher looks up all of a query's k-grams.
 */
#include <assert.h>

#include "common_int.h"
#include "scanner_int.h"

/* The polynomial base: odd, so multiplication by it is a bijection mod 2^64. */
#define KGRAM_BASE UINT64_C(0x9E3779B97F4A7C15)

size_t pv_scanner__kgrams(const pv_token *tok, size_t n, uint32_t k, uint64_t seed, uint64_t *out)
{
    uint64_t s = 0, top = 1; /* top = B^(k-1) */
    size_t i;

    assert(k >= 1);
    if (k == 0 || n < k)
        return 0;
    for (i = 0; i < k; i++) {
        s = s * KGRAM_BASE + tok[i].hash;
        if (i + 1 < k)
            top *= KGRAM_BASE;
    }
    out[0] = pv_mix64(s ^ seed);
    for (i = k; i < n; i++) {
        s = (s - tok[i - k].hash * top) * KGRAM_BASE + tok[i].hash;
        out[i - k + 1] = pv_mix64(s ^ seed);
    }
    return n - k + 1;
}

/* Rightmost minimum of fp[lo..hi], scanning leftward from hi so ties keep the rightmost. */
static size_t rightmost_min(const uint64_t *fp, size_t lo, size_t hi)
{
    size_t m = hi, i = hi;
    while (i > lo) {
        i--;
        if (fp[i] < fp[m])
            m = i;
    }
    return m;
}

size_t pv_scanner__winnow(const uint64_t *fp, size_t n, uint32_t w, uint32_t *out)
{
    size_t cnt = 0, m, r;

    assert(w >= 1);
    assert(n <= UINT32_MAX);
    if (n == 0)
        return 0;
    if (w == 0)
        w = 1;
    if (n <= w) {
        out[0] = (uint32_t)rightmost_min(fp, 0, n - 1);
        return 1;
    }
    /* Schleimer et al.: keep the current minimum; rescan the window only when it expires.
     * The minimum's position never moves left, so each is recorded once, ascending. */
    m = rightmost_min(fp, 0, w - 1);
    out[cnt++] = (uint32_t)m;
    for (r = w; r < n; r++) {
        if (m + w <= r) {
            m = rightmost_min(fp, r + 1 - w, r);
            out[cnt++] = (uint32_t)m;
        } else if (fp[r] <= fp[m]) {
            m = r;
            out[cnt++] = (uint32_t)m;
        }
    }
    return cnt;
}

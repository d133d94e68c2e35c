/*
 * test_fingerprint.c - k-gram fingerprints and winnowing: the rolling hash against a direct
 * recomputation, winnowing against hand-computed vectors and a brute-force reference, its
 * density, and the guarantee that a shared run of k + w - 1 tokens is always found.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common_int.h"
#include "scanner_int.h"

#define SEED PV_DEFAULT_SEED
#define BASE UINT64_C(0x9E3779B97F4A7C15)

/* A small deterministic generator (splitmix64) so every run tests the same data. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static pv_token *random_tokens(size_t n)
{
    pv_token *t = calloc(n ? n : 1, sizeof *t);
    size_t i;
    cr_assert_not_null(t);
    for (i = 0; i < n; i++) {
        t[i].hash = rnd();
        t[i].start = (uint32_t)i;
        t[i].len = 1;
    }
    return t;
}

/* The definition, computed directly: fp_i = mix64(sum_j h_{i+j} B^(k-1-j) ^ seed). */
static uint64_t direct_kgram(const pv_token *t, uint32_t k, uint64_t seed)
{
    uint64_t s = 0;
    uint32_t j, e;
    for (j = 0; j < k; j++) {
        uint64_t p = 1;
        for (e = 0; e < k - 1 - j; e++)
            p *= BASE;
        s += t[j].hash * p;
    }
    return pv_mix64(s ^ seed);
}

Test(fingerprint, rolling_kgrams_equal_direct_recomputation)
{
    static const uint32_t ks[] = {1, 2, 3, 5, 13, 50};
    size_t n = 600, i, q;
    pv_token *t;
    uint64_t *fp = malloc(n * sizeof *fp);
    rng_state = 1;
    t = random_tokens(n);
    cr_assert_not_null(fp);
    for (q = 0; q < sizeof ks / sizeof ks[0]; q++) {
        size_t m = pv_scanner__kgrams(t, n, ks[q], SEED, fp);
        cr_assert_eq(m, n - ks[q] + 1);
        for (i = 0; i < m; i++)
            cr_assert_eq(fp[i], direct_kgram(t + i, ks[q], SEED), "k=%u, i=%zu", ks[q], i);
    }
    /* k = 1 is the mixed token hash itself. */
    pv_scanner__kgrams(t, n, 1, SEED, fp);
    cr_assert_eq(fp[7], pv_mix64(t[7].hash ^ SEED));
    free(fp);
    free(t);
}

Test(fingerprint, kgram_depends_only_on_hashes_k_and_seed)
{
    pv_token a[8], b[8];
    uint64_t fa[8], fb[8], fc[8];
    size_t i;
    rng_state = 2;
    for (i = 0; i < 8; i++) {
        a[i].hash = b[i].hash = rnd();
        a[i].start = (uint32_t)i;
        b[i].start = (uint32_t)(1000 + 7 * i); /* other offsets, same hashes */
        a[i].len = 1;
        b[i].len = 9;
    }
    cr_assert_eq(pv_scanner__kgrams(a, 8, 4, SEED, fa), 5);
    cr_assert_eq(pv_scanner__kgrams(b, 8, 4, SEED, fb), 5);
    cr_assert_eq(memcmp(fa, fb, sizeof(uint64_t) * 5), 0);
    pv_scanner__kgrams(a, 8, 4, SEED + 1, fc);
    for (i = 0; i < 5; i++)
        cr_assert_neq(fa[i], fc[i]);
    /* Order matters: swapping two tokens changes the k-grams that hold both. */
    b[1].hash = a[2].hash;
    b[2].hash = a[1].hash;
    pv_scanner__kgrams(b, 8, 4, SEED, fb);
    cr_assert_neq(fa[0], fb[0]);
    cr_assert_eq(fa[3], fb[3]);
}

Test(fingerprint, fewer_than_k_tokens_give_none)
{
    pv_token t[5];
    uint64_t out[5] = {0};
    rng_state = 3;
    memset(t, 0, sizeof t);
    t[0].hash = rnd();
    cr_assert_eq(pv_scanner__kgrams(t, 0, 3, SEED, out), 0);
    cr_assert_eq(pv_scanner__kgrams(t, 2, 3, SEED, out), 0);
    cr_assert_eq(out[0], 0, "nothing written");
    cr_assert_eq(pv_scanner__kgrams(t, 3, 3, SEED, out), 1);
    cr_assert_eq(pv_scanner__kgrams(t, 5, 5, SEED, out), 1);
}

static void expect_winnow(const uint64_t *fp, size_t n, uint32_t w, const uint32_t *want,
                          size_t nwant)
{
    uint32_t out[64];
    size_t m = pv_scanner__winnow(fp, n, w, out), i;
    cr_assert_eq(m, nwant, "w=%u: %zu selected, want %zu", w, m, nwant);
    for (i = 0; i < m; i++)
        cr_assert_eq(out[i], want[i], "w=%u: selection %zu is %u, want %u", w, i, out[i], want[i]);
}

Test(fingerprint, winnow_hand_computed_vectors)
{
    /* Windows of 3 over 5 3 8 3 9 1 7 2 2 6: minima at 1, 3 (rightmost 3), 3, 5, 5, 5,
     * 8 (rightmost 2), 8. */
    static const uint64_t fp[] = {5, 3, 8, 3, 9, 1, 7, 2, 2, 6};
    static const uint32_t w3[] = {1, 3, 5, 8};
    static const uint32_t w4[] = {3, 5, 8};
    static const uint32_t w1[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const uint32_t w10[] = {5};
    /* Equal values: each window's rightmost is new. */
    static const uint64_t flat[] = {4, 4, 4, 4, 4};
    static const uint32_t flat2[] = {1, 2, 3, 4};
    /* Falling then rising values: the minimum moves on once it leaves the window. */
    static const uint64_t vee[] = {9, 8, 7, 6, 5, 6, 7, 8, 9};
    static const uint32_t vee3[] = {2, 3, 4, 5, 6};
    /* The example of Schleimer et al., figure 2 (hashes of 5-grams, window 4). */
    static const uint64_t paper[] = {77, 74, 42, 17, 98, 50, 17, 98, 8,
                                     88, 67, 39, 77, 74, 42, 17, 98};
    static const uint32_t paper4[] = {3, 6, 8, 11, 15};

    expect_winnow(fp, 10, 3, w3, 4);
    expect_winnow(fp, 10, 4, w4, 3);
    expect_winnow(fp, 10, 1, w1, 10);
    expect_winnow(fp, 10, 10, w10, 1);
    expect_winnow(flat, 5, 2, flat2, 4);
    expect_winnow(vee, 9, 3, vee3, 5);
    expect_winnow(paper, 17, 4, paper4, 5);
}

Test(fingerprint, winnow_when_n_below_w)
{
    static const uint64_t fp[] = {9, 2, 7, 2};
    static const uint32_t one[] = {3}; /* the single (rightmost) minimum */
    static const uint32_t first[] = {0};
    uint32_t out[4];
    expect_winnow(fp, 4, 10, one, 1);
    expect_winnow(fp, 4, 5, one, 1);
    expect_winnow(fp, 1, 13, first, 1);
    cr_assert_eq(pv_scanner__winnow(fp, 0, 4, out), 0);
}

/* Reference: the rightmost minimum of every window, deduplicated, in O(n*w). */
static size_t winnow_reference(const uint64_t *fp, size_t n, uint32_t w, uint32_t *out)
{
    size_t cnt = 0, i, j, last = SIZE_MAX;
    size_t nwin = n < w ? 1 : n - w + 1, width = n < w ? n : w;
    for (i = 0; i < nwin; i++) {
        size_t m = i;
        for (j = i; j < i + width; j++)
            if (fp[j] <= fp[m])
                m = j;
        if (m != last)
            out[cnt++] = (uint32_t)(last = m);
    }
    return cnt;
}

Test(fingerprint, winnow_matches_brute_force_with_ties)
{
    static const uint32_t ws[] = {1, 2, 3, 4, 7, 13, 16, 40};
    size_t n = 3000, i, q, mod;
    uint64_t *fp = malloc(n * sizeof *fp);
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    cr_assert(fp && a && b);
    rng_state = 4;
    for (mod = 2; mod <= 1000; mod *= 10) { /* few distinct values: many ties */
        for (i = 0; i < n; i++)
            fp[i] = rnd() % mod;
        for (q = 0; q < sizeof ws / sizeof ws[0]; q++) {
            size_t len;
            for (len = 1; len <= n; len = len * 3 + 1) {
                size_t ma = pv_scanner__winnow(fp, len, ws[q], a);
                size_t mb = winnow_reference(fp, len, ws[q], b);
                cr_assert_eq(ma, mb, "w=%u n=%zu mod=%zu", ws[q], len, mod);
                cr_assert_eq(memcmp(a, b, ma * sizeof *a), 0, "w=%u n=%zu", ws[q], len);
            }
        }
    }
    free(fp);
    free(a);
    free(b);
}

Test(fingerprint, winnow_density_on_random_data)
{
    static const uint32_t ws[] = {4, 8, 13, 20, 50};
    size_t n = 1000000, i, q;
    uint64_t *fp = malloc(n * sizeof *fp);
    uint32_t *out = malloc(n * sizeof *out);
    cr_assert(fp && out);
    rng_state = 5;
    for (i = 0; i < n; i++)
        fp[i] = rnd();
    for (q = 0; q < sizeof ws / sizeof ws[0]; q++) {
        size_t m = pv_scanner__winnow(fp, n, ws[q], out);
        double d = (double)m / (double)n, want = 2.0 / (ws[q] + 1);
        cr_assert(d > want * 0.98 && d < want * 1.02, "w=%u: density %.5f, expected %.5f", ws[q], d,
                  want);
        for (i = 1; i < m; i++) {
            cr_assert_gt(out[i], out[i - 1]);
            cr_assert_leq(out[i] - out[i - 1], ws[q], "a gap larger than w leaves a window empty");
        }
    }
    free(fp);
    free(out);
}

/* Fingerprints selected in stream t (n tokens) by winnowing whose k-gram lies entirely in
 * the token range [lo, lo + len); returns how many were written to sel. */
static size_t selected_in(const pv_token *t, size_t n, uint32_t k, uint32_t w, size_t lo,
                          size_t len, uint64_t *sel)
{
    uint64_t *fp = malloc(n * sizeof *fp);
    uint32_t *pos = malloc(n * sizeof *pos);
    size_t nk, m, i, cnt = 0;
    cr_assert(fp && pos);
    nk = pv_scanner__kgrams(t, n, k, SEED, fp);
    m = pv_scanner__winnow(fp, nk, w, pos);
    for (i = 0; i < m; i++)
        if (pos[i] >= lo && pos[i] + k <= lo + len)
            sel[cnt++] = fp[pos[i]];
    free(fp);
    free(pos);
    return cnt;
}

static int shares_one(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i, j;
    for (i = 0; i < na; i++)
        for (j = 0; j < nb; j++)
            if (a[i] == b[j])
                return 1;
    return 0;
}

/* Plant one run of run_len random tokens in two random streams; return 1 when both select a
 * fingerprint of the run and at least one of them is the same. */
static int planted_run_found(uint32_t k, uint32_t w, size_t run_len)
{
    size_t na = 50 + rnd() % 400, nb = 50 + rnd() % 400;
    size_t pa = rnd() % (na + 1), pb = rnd() % (nb + 1), i;
    pv_token *run = random_tokens(run_len);
    pv_token *a = random_tokens(na + run_len), *b = random_tokens(nb + run_len);
    uint64_t *sa = malloc((na + run_len) * sizeof *sa), *sb = malloc((nb + run_len) * sizeof *sb);
    size_t ma, mb;
    int found;
    cr_assert(sa && sb);
    for (i = 0; i < run_len; i++) {
        a[pa + i].hash = run[i].hash;
        b[pb + i].hash = run[i].hash;
    }
    ma = selected_in(a, na + run_len, k, w, pa, run_len, sa);
    mb = selected_in(b, nb + run_len, k, w, pb, run_len, sb);
    found = shares_one(sa, ma, sb, mb);
    free(run);
    free(a);
    free(b);
    free(sa);
    free(sb);
    return found;
}

Test(fingerprint, shared_run_of_k_plus_w_minus_1_is_always_found)
{
    static const uint32_t kw[][2] = {{1, 1}, {3, 1}, {5, 4}, {8, 8}, {13, 13}, {3, 20}, {20, 3}};
    size_t q, trial;
    rng_state = 6;
    for (q = 0; q < sizeof kw / sizeof kw[0]; q++) {
        uint32_t k = kw[q][0], w = kw[q][1];
        size_t t = k + w - 1, missed_shorter = 0;
        for (trial = 0; trial < 300; trial++) {
            cr_assert(planted_run_found(k, w, t), "k=%u w=%u trial %zu: run of %zu missed", k, w,
                      trial, t);
            cr_assert(planted_run_found(k, w, t + 1 + rnd() % 30), "k=%u w=%u: longer run", k, w);
            if (w > 1 && !planted_run_found(k, w, t - 1))
                missed_shorter++;
        }
        /* The bound is tight: one token fewer and some runs are missed. */
        if (w > 1)
            cr_assert_gt(missed_shorter, 0, "k=%u w=%u", k, w);
        /* Shorter than k: no k-gram lies in the run at all. */
        if (k > 1)
            cr_assert_not(planted_run_found(k, w, k - 1));
    }
}

Test(fingerprint, shared_paragraph_found_through_the_tokenizer)
{
    /* The same paragraph inside a Markdown quote and inside a C comment, with different
     * text around it. 23 tokens >= k + w - 1 = 8 + 8 - 1. */
    const char *a = "Some answer text first.\n\n> The stack grows down from the top of the "
                    "address space while the heap grows up from the end of the data segment\n"
                    "\nAnd a closing remark.";
    const char *b = "int f(void);\n/*\n * the STACK grows down from the top of the address\n"
                    " * space while the heap grows up from the end of the data segment.\n */\n"
                    "static int g;";
    pv_tokens ta = {0}, tb = {0};
    uint64_t sa[64], sb[64];
    size_t ma, mb;
    cr_assert_eq(pv_scanner__tokenize(a, strlen(a), SEED, &ta), 0);
    cr_assert_eq(pv_scanner__tokenize(b, strlen(b), SEED, &tb), 0);
    cr_assert_eq(ta.n, 4 + 23 + 4);
    cr_assert_eq(tb.n, 3 + 23 + 3);
    ma = selected_in(ta.v, ta.n, 8, 8, 4, 23, sa);
    mb = selected_in(tb.v, tb.n, 8, 8, 3, 23, sb);
    cr_assert_gt(ma, 0);
    cr_assert_gt(mb, 0);
    cr_assert(shares_one(sa, ma, sb, mb));
    pv_scanner__tokens_free(&ta);
    pv_scanner__tokens_free(&tb);
}

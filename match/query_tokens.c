/*
 * query_tokens.c - a query's tokens in the forms match.c needs, phase by phase, at a few bytes
 * a token instead of the tokenizer's 16: fingerprints for the lookup, hashes for the edges and
 * the license test, line breaks, weak k-grams; byte ranges are read back from the text.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "format.h"
#include "match_int.h"
#include "scanner_int.h"

/* Blocks of about this many bytes of text are tokenized at a time (match_int.h). */
#define BLOCK_BYTES ((size_t)16 << 10)
/* k-grams computed from the hashes at a time (pv_match__qtokens_kgrams) */
#define KGRAM_CHUNK ((size_t)4 << 10)

_Static_assert(PV_FP_BITS == 48, "a fingerprint is kept in 16 + 32 bits, its bucket in the 16");

static size_t block_bytes = BLOCK_BYTES;

void pv_match__set_block_bytes(size_t n)
{
    block_bytes = n ? n : BLOCK_BYTES;
}

/* Grow *p (of *cap elements of elem bytes) to hold need, the new elements zeroed. */
static int grow_zeroed(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t old = *cap;
    if (pv_array__grow(p, cap, need, elem))
        return PV_ENOMEM;
    if (*cap > old)
        memset((char *)*p + old * elem, 0, (*cap - old) * elem);
    return 0;
}

/* End of the block of text that starts at off: the first restart point (scanner_int.h) at or
 * after off + block_bytes, or the end of the text. */
static size_t block_end(const char *text, size_t len, size_t off)
{
    size_t p = len - off > block_bytes ? off + block_bytes : len;
    while (p < len && !pv_scanner__restart_point(text, p))
        p++;
    return p;
}

/* Line ends in text[from, to) ("\r\n" is one), counted up to 2: what match.c's span edges ask
 * of the gap between two query tokens. */
static unsigned line_ends(const char *text, size_t from, size_t to)
{
    unsigned n = 0;
    size_t p;
    for (p = from; p < to && n < 2; p++)
        n += text[p] == '\n' || (text[p] == '\r' && (p + 1 >= to || text[p + 1] != '\n'));
    return n;
}

/* A weak token carries little evidence: ASCII digits only, or one ASCII character. */
static int weak_token(const char *text, const pv_token *t)
{
    uint32_t i;
    if (t->len == 1 && (unsigned char)text[t->start] < 0x80)
        return 1;
    for (i = 0; i < t->len; i++)
        if (text[t->start + i] < '0' || text[t->start + i] > '9')
            return 0;
    return 1;
}

/* Tokenize block b into cache slot s. */
static int read_block(pv_qtokens *qt, size_t b, size_t s)
{
    size_t off = qt->blk_off[b], end = b + 1 < qt->nblk ? qt->blk_off[b + 1] : qt->len;
    pv_tokens *t = &qt->cache[s];
    int rc;
    t->n = 0;
    qt->cache_blk[s] = SIZE_MAX;
    if ((rc = pv_scanner__tokenize(qt->text + off, end - off, qt->seed, t)) != 0)
        return rc;
    assert(t->n == (b + 1 < qt->nblk ? qt->blk_tok[b + 1] : qt->n) - qt->blk_tok[b]);
    qt->cache_blk[s] = b;
    qt->cache_skip[s] = 0;
    return 0;
}

int pv_match__qtokens_scan(pv_qtokens *qt, const char *text, size_t len, uint32_t k, uint64_t seed,
                           size_t keep_hashes)
{
    pv_tokens *s = &qt->cache[0];
    uint64_t *kg = NULL;
    size_t cap_kg = 0, cap_hash = 0, cap_fp_hi = 0, cap_fp_lo = 0, cap_weak = 0, cap_breaks = 0;
    size_t cap_blk_tok = 0, cap_blk_off = 0, off = 0, run = 0, prev_end = 0, nfp = 0, carry = 0;
    int keep = 1, rc = 0;

    memset(qt, 0, sizeof *qt);
    qt->text = text;
    qt->len = len;
    qt->k = k;
    qt->seed = seed;
    qt->cache_blk[0] = qt->cache_blk[1] = SIZE_MAX;
    if (len > UINT32_MAX)
        return PV_ELIMIT;
    while (off < len) {
        size_t end = block_end(text, len, off), first = qt->n, i;
        /* the last k - 1 tokens of the block before begin this block's first k-grams */
        carry = s->n < k - 1 ? s->n : k - 1;
        if (carry)
            memmove(s->v, s->v + s->n - carry, carry * sizeof *s->v);
        s->n = carry;
        if (pv_array__grow((void **)&qt->blk_tok, &cap_blk_tok, qt->nblk + 1,
                           sizeof *qt->blk_tok) ||
            pv_array__grow((void **)&qt->blk_off, &cap_blk_off, qt->nblk + 1, sizeof *qt->blk_off))
            goto oom;
        qt->blk_tok[qt->nblk] = (uint32_t)first;
        qt->blk_off[qt->nblk++] = (uint32_t)off;
        if ((rc = pv_scanner__tokenize(text + off, end - off, seed, s)) != 0)
            goto done;
        if (keep && first + s->n - carry > keep_hashes) {
            keep = 0; /* a big query: its hashes come back after the lookup */
            free(qt->hash);
            qt->hash = NULL;
        }
        if ((keep && pv_array__grow((void **)&qt->hash, &cap_hash, first + s->n - carry,
                                    sizeof *qt->hash)) ||
            grow_zeroed((void **)&qt->breaks, &cap_breaks, (first + s->n - carry) / 4 + 1, 1) ||
            grow_zeroed((void **)&qt->weak, &cap_weak, (first + s->n - carry) / 64 + 1,
                        sizeof *qt->weak))
            goto oom;
        for (i = carry; i < s->n; i++, qt->n++) {
            const pv_token *t = &s->v[i];
            size_t start = off + t->start;
            if (qt->n > 0)
                qt->breaks[qt->n / 4] |=
                    (uint8_t)(line_ends(text, prev_end, start) << (qt->n % 4 * 2));
            prev_end = start + t->len;
            /* k-grams made only of weak tokens: number tables, hex dumps and runs of single
               letters coincide between unrelated documents, so they count as common */
            run = weak_token(text + off, t) ? run + 1 : 0;
            if (run >= k)
                qt->weak[(qt->n + 1 - k) / 64] |= (uint64_t)1 << ((qt->n + 1 - k) % 64);
            if (keep)
                qt->hash[qt->n] = t->hash;
        }
        if (s->n >= k) {
            size_t nk;
            if (pv_array__grow((void **)&kg, &cap_kg, s->n, sizeof *kg) ||
                pv_array__grow((void **)&qt->fp_hi, &cap_fp_hi, nfp + s->n, sizeof *qt->fp_hi) ||
                pv_array__grow((void **)&qt->fp_lo, &cap_fp_lo, nfp + s->n, sizeof *qt->fp_lo))
                goto oom;
            nk = pv_scanner__kgrams(s->v, s->n, k, seed, kg);
            for (i = 0; i < nk; i++, nfp++) {
                uint64_t fp = kg[i] >> PV_FP_SHIFT;
                qt->fp_hi[nfp] = (uint16_t)(fp >> 32);
                qt->fp_lo[nfp] = (uint32_t)fp;
            }
        }
        off = end;
    }
    assert(nfp == (qt->n >= k ? qt->n - k + 1 : 0));
    qt->invalid_utf8 = s->invalid_utf8;
    /* the scratch holds the last block, after the tokens carried into it */
    qt->cache_blk[0] = qt->nblk ? qt->nblk - 1 : SIZE_MAX;
    qt->cache_skip[0] = carry;
    goto done;
oom:
    rc = PV_ENOMEM;
done:
    free(kg);
    return rc;
}

void pv_match__qtokens_drop_lookup(pv_qtokens *qt)
{
    free(qt->fp_hi);
    free(qt->fp_lo);
    free(qt->weak);
    qt->fp_hi = NULL;
    qt->fp_lo = NULL;
    qt->weak = NULL;
}

int pv_match__qtokens_hashes(pv_qtokens *qt)
{
    size_t b, i;
    int rc;
    if (qt->hash || qt->n == 0)
        return 0;
    if (!(qt->hash = malloc(qt->n * sizeof *qt->hash)))
        return PV_ENOMEM;
    for (b = 0; b < qt->nblk; b++) {
        if ((rc = read_block(qt, b, 0)) != 0) {
            free(qt->hash);
            qt->hash = NULL;
            return rc;
        }
        for (i = 0; i < qt->cache[0].n; i++)
            qt->hash[qt->blk_tok[b] + i] = qt->cache[0].v[i].hash;
    }
    return 0;
}

int pv_match__qtokens_range(pv_qtokens *qt, size_t i, uint32_t *start, uint32_t *end)
{
    size_t lo = 0, hi = qt->nblk, b, s;
    const pv_token *t;
    int rc;
    assert(i < qt->n);
    while (lo < hi) { /* the last block whose first token is at or before i */
        size_t mid = lo + (hi - lo) / 2;
        if (qt->blk_tok[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    b = lo - 1;
    /* two blocks kept: a span's first and last tokens, then its credits in between */
    if (qt->cache_blk[0] == b)
        s = 0;
    else if (qt->cache_blk[1] == b)
        s = 1;
    else if ((rc = read_block(qt, b, s = 1 - qt->cache_last)) != 0)
        return rc;
    qt->cache_last = s;
    t = &qt->cache[s].v[qt->cache_skip[s] + i - qt->blk_tok[b]];
    *start = qt->blk_off[b] + t->start;
    *end = *start + t->len;
    return 0;
}

size_t pv_match__qtokens_kgrams(pv_qtokens *qt, size_t i, size_t m, uint64_t *out)
{
    size_t nk = m >= qt->k ? m - qt->k + 1 : 0, done = 0, j;
    assert(qt->hash && i + m <= qt->n);
    while (done < nk) {
        size_t c = nk - done < KGRAM_CHUNK ? nk - done : KGRAM_CHUNK;
        /* pv_scanner__kgrams reads tokens: the hashes go through a small buffer of them */
        if (pv_array__grow((void **)&qt->kscratch.v, &qt->kscratch.cap, c + qt->k - 1,
                           sizeof *qt->kscratch.v))
            return SIZE_MAX;
        for (j = 0; j < c + qt->k - 1; j++)
            qt->kscratch.v[j].hash = qt->hash[i + done + j];
        pv_scanner__kgrams(qt->kscratch.v, c + qt->k - 1, qt->k, qt->seed, out + done);
        done += c;
    }
    return nk;
}

void pv_match__qtokens_free(pv_qtokens *qt)
{
    if (!qt)
        return;
    pv_match__qtokens_drop_lookup(qt);
    free(qt->hash);
    free(qt->breaks);
    free(qt->blk_tok);
    free(qt->blk_off);
    pv_scanner__tokens_free(&qt->cache[0]);
    pv_scanner__tokens_free(&qt->cache[1]);
    pv_scanner__tokens_free(&qt->kscratch);
    memset(qt, 0, sizeof *qt);
}

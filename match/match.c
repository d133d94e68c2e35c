/*
 * match.c - the query side: a query's k-grams at every position -> batched lookups ->
 * hits chained per document along diagonals into maximal spans -> token-exact edges ->
 * sources ranked origin first -> coverage and per-author credit. Prints nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "format.h"
#include "index_int.h"
#include "match_int.h"
#include "scanner_int.h"

/* Hits from a common fingerprint are kept for at most this many documents. */
#define COMMON_DOCS_KEPT 16
/* A document holding a fingerprint at more places than this gets one hit per query
 * position, on the diagonal followed so far. */
#define PER_DOC_ALL 4
/* Hits from common fingerprints kept per query; beyond it common text adds no evidence. */
#define MAX_COMMON_HITS (1u << 22)
/* Diagonal drift tolerated inside one chain (tokens inserted or deleted). */
#define DIAG_SLACK 4
/* The query's k-grams are looked up in passes of about this many (match_int.h): each pass
 * takes the fingerprints of a range of buckets (their top PASS_BUCKET_BITS bits), so a
 * fingerprint is looked up once, in one pass, in ascending order, as in one pass over all,
 * while memory holds one pass's k-grams, not the query's. */
#define PASS_KGRAMS ((size_t)512 << 10)
#define PASS_BUCKET_BITS 12
#define PASS_BUCKETS ((size_t)1 << PASS_BUCKET_BITS)
/* Ranges of documents the hits are chained in, one after the other (chain_pieces). */
#define HIT_PIECES 32
/* Bucket of a fingerprint whose top 16 bits (of PV_FP_BITS) are hi (pv_qtokens.fp_hi). */
#define FP_BUCKET(hi) ((size_t)(hi) >> (16 - PASS_BUCKET_BITS))

static size_t pass_kgrams = PASS_KGRAMS;

void pv_match__set_pass_kgrams(size_t n)
{
    pass_kgrams = n ? n : PASS_KGRAMS;
}

static int reverse_chains;

void pv_match__set_reverse_chains(int on)
{
    reverse_chains = on;
}

/* A hit's evidence, the postings of its fingerprint, is np[qpos] (lookup_ctx): the same for
 * every hit of a query k-gram, so it is kept once per k-gram. */
typedef struct hit {
    uint32_t doc, qpos, dpos;
} hit;

typedef struct chain {
    uint32_t doc;
    union {
        struct { /* while chaining: k-gram start positions of the first and last hit */
            uint32_t q_first, q_last, d_first, d_last;
        };
        struct { /* after extend_chain: token ranges, end excluded */
            uint32_t qs, qe, ds, de;
        };
    };
    uint32_t evidence;             /* some hit is evidence (not common, not weak) */
    uint32_t line_start, line_end; /* 1-based lines of [ds, de) in the document */
    uint32_t first;                /* earliest origin of the text in [ds, de) */
    int64_t date;                  /* its date */
    double strength;               /* span_strength, while the hits are at hand */
} chain;

typedef struct qfp {
    uint64_t fp;
    uint32_t qpos;
} qfp;

typedef struct lookup_ctx {
    const qfp *q;           /* sorted by fp */
    const uint32_t *qstart; /* for each unique fp, its first entry in q */
    uint32_t common, cap;
    const uint64_t *weak; /* bit per query k-gram: made only of numbers or 1-character tokens */
    /* per query k-gram, set by its pass: the postings of its fingerprint, 0 when common or
       weak (no evidence) */
    uint32_t *np;
    hit *hits;
    size_t nhits, cap_hits, ncommon_hits;
    int64_t *diag; /* per document of the current fingerprint: the diagonal followed */
    size_t cap_diag;
    const pv_tombs *gone; /* the index's tombstones when they remove documents, else NULL */
    pv_posting *kept;     /* a fingerprint's postings without the removed documents' */
    size_t cap_kept;
} lookup_ctx;

/* v[0, n) sorted by fingerprint, equal ones kept in the order they come in (the query's, so
 * by fingerprint then query position): insertion sort of short runs, then bottom-up merges
 * through tmp (n entries). Typed, so that the compare is inlined: a confirmation of a scan
 * sorts a few hundred k-grams, where qsort's calls cost more than the sort. */
#define SORT_RUN 16
static void sort_qfp(qfp *v, qfp *tmp, size_t n)
{
    qfp *src = v, *dst = tmp, *t;
    size_t i, j, w;
    for (i = 0; i < n; i += SORT_RUN) {
        size_t end = i + SORT_RUN < n ? i + SORT_RUN : n;
        for (j = i + 1; j < end; j++) {
            qfp x = v[j];
            size_t m = j;
            for (; m > i && v[m - 1].fp > x.fp; m--)
                v[m] = v[m - 1];
            v[m] = x;
        }
    }
    for (w = SORT_RUN; w < n; w *= 2) {
        for (i = 0; i < n; i += 2 * w) {
            size_t a = i, am = i + w < n ? i + w : n, b = am, bm = i + 2 * w < n ? i + 2 * w : n,
                   o = i;
            while (a < am && b < bm)
                dst[o++] = src[b].fp < src[a].fp ? src[b++] : src[a++];
            while (a < am)
                dst[o++] = src[a++];
            while (b < bm)
                dst[o++] = src[b++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->qpos != y->qpos)
        return x->qpos < y->qpos ? -1 : 1;
    return x->dpos < y->dpos ? -1 : x->dpos > y->dpos;
}

static int add_hit(lookup_ctx *c, uint32_t qpos, const pv_posting *p)
{
    hit *h;
    if (pv_array__grow((void **)&c->hits, &c->cap_hits, c->nhits + 1, sizeof *c->hits))
        return PV_ENOMEM;
    h = &c->hits[c->nhits++];
    h->doc = p->doc;
    h->qpos = qpos;
    h->dpos = p->pos;
    c->ncommon_hits += c->np[qpos] == 0;
    return 0;
}

static int is_weak(const uint64_t *weak, size_t i)
{
    return (int)(weak[i / 64] >> (i % 64) & 1);
}

/* Index in p[lo, hi) (sorted by position) of the posting whose position is closest to
 * target. */
static size_t closest(const pv_posting *p, size_t lo, size_t hi, int64_t target)
{
    size_t a = lo, b = hi;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if ((int64_t)p[mid].pos < target)
            a = mid + 1;
        else
            b = mid;
    }
    if (a == hi)
        return hi - 1;
    if (a > lo && target - (int64_t)p[a - 1].pos <= (int64_t)p[a].pos - target)
        return a - 1;
    return a;
}

/* Turn one fingerprint's postings into hits, for each of its query positions. A document
 * holding the fingerprint at a few places gives a hit for each; one holding it at many
 * places (repeated text) gives, for each query position, the one posting that continues
 * the diagonal followed so far, so repetitive text costs hits in proportion to the query,
 * not to the query times the document. */
static int on_postings(void *vctx, size_t i, const pv_posting *p, size_t np)
{
    lookup_ctx *c = vctx;
    size_t df = 0, j, qi, run, nruns;
    uint32_t common;
    int rc;
    /* a removed document is as if never indexed: its postings are dropped before anything is
       counted (docs/attribution.md, "Removed work"); without tombstones, this one branch */
    if (PV_UNLIKELY(c->gone != NULL)) {
        size_t n = 0;
        for (j = 0; j < np && !pv_tombs__doc_gone(c->gone, p[j].doc); j++)
            ;
        if (j < np) {
            if (pv_array__grow((void **)&c->kept, &c->cap_kept, np, sizeof *c->kept))
                return PV_ENOMEM;
            for (j = 0; j < np; j++)
                if (!pv_tombs__doc_gone(c->gone, p[j].doc))
                    c->kept[n++] = p[j];
            if (n == 0)
                return 0; /* only removed documents hold it: no hit */
            p = c->kept;
            np = n;
        }
    }
    for (j = 0; j < np; j++)
        if (j == 0 || p[j].doc != p[j - 1].doc)
            df++;
    common = df > c->common || np >= c->cap;
    nruns = common && df > COMMON_DOCS_KEPT ? COMMON_DOCS_KEPT : df;
    if (pv_array__grow((void **)&c->diag, &c->cap_diag, nruns, sizeof *c->diag))
        return PV_ENOMEM;
    for (qi = c->qstart[i]; qi < c->qstart[i + 1]; qi++) {
        /* a common fingerprint is no evidence of copying, nor a weak k-gram */
        uint32_t q = c->q[qi].qpos, hc = common || is_weak(c->weak, q);
        c->np[q] = hc ? 0 : (uint32_t)np;
        if (hc && c->ncommon_hits >= MAX_COMMON_HITS)
            return 0; /* enough evidence of common text; the rest adds nothing */
        for (j = 0, run = 0; j < np && run < nruns; run++) {
            size_t end = j + 1, pick;
            while (end < np && p[end].doc == p[j].doc)
                end++;
            if (end - j <= PER_DOC_ALL) {
                for (; j < end; j++)
                    if ((rc = add_hit(c, q, &p[j])) != 0)
                        return rc;
                continue;
            }
            pick = qi == c->qstart[i] ? j : closest(p, j, end, (int64_t)q + c->diag[run]);
            c->diag[run] = (int64_t)p[pick].pos - q;
            if ((rc = add_hit(c, q, &p[pick])) != 0)
                return rc;
            j = end;
        }
    }
    return 0;
}

/* Chain one document's hits (sorted by qpos, dpos; np as in lookup_ctx) into diagonal runs. */
static int chain_doc(const hit *h, size_t n, const uint32_t *np, uint32_t maxgap, chain **out,
                     size_t *nout, size_t *cap)
{
    size_t first_open = *nout, i, c;
    for (i = 0; i < n; i++) {
        int64_t diag = (int64_t)h[i].dpos - h[i].qpos;
        size_t best = SIZE_MAX;
        int64_t best_d = DIAG_SLACK + 1;
        for (c = first_open; c < *nout; c++) {
            chain *ch = &(*out)[c];
            int64_t cd = (int64_t)ch->d_last - ch->q_last, dd;
            if (h[i].qpos <= ch->q_last || h[i].dpos <= ch->d_last ||
                h[i].qpos - ch->q_last > maxgap)
                continue;
            dd = diag > cd ? diag - cd : cd - diag;
            if (dd < best_d) {
                best_d = dd;
                best = c;
            }
        }
        if (best != SIZE_MAX) {
            chain *ch = &(*out)[best];
            ch->q_last = h[i].qpos;
            ch->d_last = h[i].dpos;
            ch->evidence |= np[h[i].qpos] != 0;
        } else {
            chain *ch;
            if (pv_array__grow((void **)out, cap, *nout + 1, sizeof **out))
                return PV_ENOMEM;
            ch = &(*out)[(*nout)++];
            memset(ch, 0, sizeof *ch);
            ch->doc = h[i].doc;
            ch->q_first = ch->q_last = h[i].qpos;
            ch->d_first = ch->d_last = h[i].dpos;
            ch->evidence = np[h[i].qpos] != 0;
        }
        /* chains that can no longer grow stay behind first_open */
        while (first_open < *nout && h[i].qpos > (*out)[first_open].q_last + maxgap)
            first_open++;
    }
    return 0;
}

/* Line of token t: the last line whose first token is <= t and which holds t. */
static uint32_t line_of(const pv_line_table *lt, uint32_t t)
{
    uint32_t lo = 0, hi = lt->nlines + 1; /* upper_bound over line_tok[0..nlines] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (lt->line_tok[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > lt->nlines) /* t past the last token: the last line */
        lo = lt->nlines;
    return lo ? lo - 1 : 0;
}

static int query_line_break(const pv_qtokens *q, int64_t i)
{
    return pv_match__qtokens_breaks(q, i) > 0;
}

/* Does the query token that diagonal diag puts at document token t carry t's check? */
static int token_agrees(const pv_line_table *lt, const pv_qtokens *q, int64_t diag, uint32_t t)
{
    int64_t qt = (int64_t)t - diag;
    return qt >= 0 && qt < (int64_t)q->n &&
           pv_token_check(q->hash[qt], t) == pv_token_check_at(lt->checks, t);
}

/* May a span on diagonal diag hold both document tokens t - 1 and t (0 < t)? Inside a line of
 * the document, unless the query puts a blank line between them (a copied run does not go on
 * across a paragraph break that its source does not have); across a line boundary (t starts a
 * line), when the query's two tokens there carry the line's check. */
static int boundary_agrees(const pv_line_table *lt, const pv_qtokens *q, int64_t diag, uint32_t t)
{
    int64_t qt = (int64_t)t - diag;
    uint32_t L = line_of(lt, t);
    if (lt->line_tok[L] != t)
        return pv_match__qtokens_breaks(q, qt) < 2;
    return qt > 0 && qt < (int64_t)q->n &&
           pv_line_check(q->hash[qt - 1], q->hash[qt], t) == lt->line_check[L];
}

/* The give-back rules (docs/attribution.md, "Span edges"). A token check agrees by chance once
 * in 16 tokens (a line check once in 8), so a walk sometimes runs a token past the true end of
 * a copy; past a line end that costs a whole line in the report. Where the walk took only one
 * token of a line, that token is given back, from the outside in, when the query's layout
 * suggests a copy of whole lines:
 * - a partial line (the document's line goes on): when the query starts a line before that
 *   token too (the copy stopped at a line end, then a chance agreement);
 * - a line of one token: unless the query ends a line after it too (a copied last line);
 * and only when the chain's other end is at a line end of both (extend_chain).
 * Compile with -DPV_EDGE_GIVE_BACK=0 to see what they are worth (tests/test_edges.c). */
#ifndef PV_EDGE_GIVE_BACK
#define PV_EDGE_GIVE_BACK 1
#endif

/* End e (exclusive) of a walk that started at e0, after the give-back rules. */
static uint32_t give_back_end(const pv_line_table *lt, const pv_qtokens *q, int64_t diag,
                              uint32_t e0, uint32_t e)
{
    while (PV_EDGE_GIVE_BACK && e > e0) {
        uint32_t L = line_of(lt, e - 1), a = lt->line_tok[L], b = lt->line_tok[L + 1];
        if (a < e0 || e - a != 1) /* the span held this line already, or took more of it */
            break;
        if (e < b ? !query_line_break(q, (int64_t)a - diag)
                  : query_line_break(q, (int64_t)e - diag))
            break;
        e = a;
    }
    return e;
}

/* Start s of a walk that started at s0, after the give-back rules (mirror of give_back_end). */
static uint32_t give_back_start(const pv_line_table *lt, const pv_qtokens *q, int64_t diag,
                                uint32_t s0, uint32_t s)
{
    while (PV_EDGE_GIVE_BACK && s < s0) {
        uint32_t L = line_of(lt, s), a = lt->line_tok[L], b = lt->line_tok[L + 1];
        if (b > s0 || b - s != 1)
            break;
        if (s > a ? !query_line_break(q, (int64_t)b - diag)
                  : query_line_break(q, (int64_t)s - diag))
            break;
        s = b;
    }
    return s;
}

/* Find a chain's true edges past its first and last fingerprint: walk outward token by token
 * along the diagonal while the query's tokens carry the document's token checks, and its line
 * checks where the walk crosses a line boundary (format.h), at most cap tokens on each side (past
 * that a shared run would have a stored fingerprint: winnowing finds every run of k + w - 1
 * tokens), then apply the give-back rules. */
static void extend_chain(chain *ch, const pv_line_table *lt, const pv_qtokens *q, uint32_t k,
                         uint32_t cap)
{
    uint32_t ntok = lt->line_tok[lt->nlines];
    int64_t dfirst = (int64_t)ch->d_first - ch->q_first, dlast = (int64_t)ch->d_last - ch->q_last;
    uint32_t s0 = ch->d_first, s = s0, e0 = ch->d_last + k, e, s1, e1, q_first;
    if (e0 > ntok)
        e0 = ntok;
    while (s > 0 && s0 - s < cap && token_agrees(lt, q, dfirst, s - 1) &&
           boundary_agrees(lt, q, dfirst, s))
        s--;
    e = e0;
    while (e < ntok && e - e0 < cap && token_agrees(lt, q, dlast, e) &&
           boundary_agrees(lt, q, dlast, e))
        e++;
    /* a copy of whole lines has both ends at line ends, in the document and in the query: an
     * end is given back only when the other end (after its own give-back) is one */
    s1 = give_back_start(lt, q, dfirst, s0, s);
    e1 = give_back_end(lt, q, dlast, e0, e);
    if (e1 < e && lt->line_tok[line_of(lt, s1)] == s1 && query_line_break(q, (int64_t)s1 - dfirst))
        e = e1;
    if (s1 > s && lt->line_tok[line_of(lt, e1 - 1) + 1] == e1 &&
        query_line_break(q, (int64_t)e1 - dlast))
        s = s1;
    /* the token ranges take the place of the hit positions (chain) */
    q_first = ch->q_first;
    ch->ds = s;
    ch->de = e;
    ch->qs = (uint32_t)((int64_t)s - dfirst);
    ch->qe = (uint32_t)((int64_t)e - dlast);
    if (ch->qe > q->n)
        ch->qe = (uint32_t)q->n;
    if (ch->qs >= ch->qe)
        ch->qs = q_first;
    ch->line_start = line_of(lt, ch->ds) + 1;
    ch->line_end = line_of(lt, ch->de ? ch->de - 1 : 0) + 1;
}

/* Strength of a span (docs/attribution.md, "Strength of evidence"): -log10 E, where E is the
 * expected number of chance matches as good as the origin chain ch, for a query of nq k-grams
 * against an index of npost stored fingerprints (its windows): E = nq * npost * prod p_i over
 * the chain's hits that do not overlap (taken from the left, k query tokens apart at least,
 * inside the chain's box of query and document positions), taken as independent events, with
 * p_i = postings of the fingerprint / npost (the chance that a stored window holds it; the
 * matched posting itself is counted, so p_i >= 1 / npost). A weak k-gram or a common
 * fingerprint (rule 3) is no evidence: p_i = 1, and it is not picked. Rounded to 0.01 so that
 * reports do not depend on the last bits of libm. */
static double span_strength(const hit *hits, size_t nhits, const uint32_t *nps, const chain *ch,
                            uint32_t k, size_t nq, uint64_t npost)
{
    size_t lo = 0, hi = nhits, i;
    double log_e = log10((double)nq) + log10((double)npost);
    uint64_t next = 0;
    while (lo < hi) { /* first hit of ch's document at or after q_first */
        size_t mid = lo + (hi - lo) / 2;
        const hit *h = &hits[mid];
        if (h->doc < ch->doc || (h->doc == ch->doc && h->qpos < ch->q_first))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < nhits && hits[i].doc == ch->doc && hits[i].qpos <= ch->q_last; i++) {
        const hit *h = &hits[i];
        uint32_t np = nps[h->qpos]; /* 0 for a weak k-gram or a common fingerprint */
        if (h->qpos < next || h->dpos < ch->d_first || h->dpos > ch->d_last || np == 0 ||
            np >= npost)
            continue;
        log_e += log10((double)np) - log10((double)npost);
        next = (uint64_t)h->qpos + k;
    }
    return round(-log_e * 100) / 100 + 0.0; /* + 0.0: never -0 */
}

/* Which of HIT_PIECES ranges of documents doc falls in, for an index of ndocs. */
static size_t piece_of(uint32_t doc, uint64_t ndocs)
{
    uint64_t p = ndocs ? (uint64_t)doc * HIT_PIECES / ndocs : 0;
    return p < HIT_PIECES ? (size_t)p : HIT_PIECES - 1;
}

/* Chain the hits of lc per document (chain_doc) and give every chain its strength. The hits
 * are first partitioned in place into HIT_PIECES ranges of documents, then the ranges are
 * taken last first: each one sorted (cmp_hit), chained, and cut off the hits array, so memory
 * never holds a sorted copy of every hit, and the hits shrink as the chains grow. Chains come
 * grouped by document, each document's in the order chain_doc makes them. */
static int chain_pieces(lookup_ctx *lc, uint64_t ndocs, uint32_t maxgap, uint32_t k, size_t nk,
                        uint64_t npost, chain **chains, size_t *nchains, size_t *cap_chains)
{
    size_t start[HIT_PIECES + 1] = {0}, next[HIT_PIECES], p, i, j, end = lc->nhits;
    hit *h = lc->hits;

    for (i = 0; i < lc->nhits; i++)
        start[piece_of(h[i].doc, ndocs) + 1]++;
    for (p = 0; p < HIT_PIECES; p++) {
        start[p + 1] += start[p];
        next[p] = start[p];
    }
    /* in place: every hit out of its range is swapped along a cycle into its range */
    for (p = 0; p < HIT_PIECES; p++)
        while (next[p] < start[p + 1]) {
            hit x = h[next[p]];
            size_t q = piece_of(x.doc, ndocs);
            while (q != p) {
                hit y = h[next[q]];
                h[next[q]++] = x;
                x = y;
                q = piece_of(x.doc, ndocs);
            }
            h[next[p]++] = x;
        }
    for (p = HIT_PIECES; p-- > 0; end = start[p]) {
        hit *ph = h + start[p];
        size_t n = end - start[p];
        if (n == 0)
            continue;
        qsort(ph, n, sizeof *ph, cmp_hit);
        for (i = 0; i < n; i = j) {
            size_t c = *nchains;
            for (j = i; j < n && ph[j].doc == ph[i].doc; j++)
                ;
            if (chain_doc(ph + i, j - i, lc->np, maxgap, chains, nchains, cap_chains))
                return PV_ENOMEM;
            for (; c < *nchains; c++)
                (*chains)[c].strength =
                    span_strength(ph + i, j - i, lc->np, &(*chains)[c], k, nk, npost);
        }
        /* give back the memory of the hits chained (a big array shrinks in place) */
        if (start[p] > 0 && start[p] < lc->cap_hits) {
            hit *nh = realloc(h, start[p] * sizeof *h);
            if (nh) {
                lc->hits = h = nh;
                lc->cap_hits = start[p];
            }
        }
    }
    lc->nhits = 0;
    return 0;
}

static int cmp_chain_q(const void *a, const void *b)
{
    const chain *x = a, *y = b;
    if (x->qs != y->qs)
        return x->qs < y->qs ? -1 : 1;
    if (x->qe != y->qe)
        return x->qe > y->qe ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    /* a document holding the passage twice: the earlier place first, so that "best chain per
     * document" keeps it whatever order the chains come in (a total order: qsort is not
     * stable) */
    if (x->ds != y->ds)
        return x->ds < y->ds ? -1 : 1;
    if (x->de != y->de)
        return x->de < y->de ? -1 : 1;
    return x->strength > y->strength ? -1 : x->strength < y->strength; /* the stronger first */
}

static int cmp_chain_ptr_q(const void *a, const void *b)
{
    return cmp_chain_q(*(const chain *const *)a, *(const chain *const *)b);
}

/* Sort chains by cmp_chain_q (a total order on distinct chains, so the result does not depend
 * on the C library's qsort or on the order the chains come in), through an array of pointers
 * (a chain is 7 times bigger) then moved in place along the permutation's cycles, so
 * memory never holds a second copy of the chains. */
static int sort_chains(chain *chains, size_t n)
{
    chain **order;
    size_t i;

    if (n < 2)
        return 0;
    if (!(order = malloc(n * sizeof *order)))
        return PV_ENOMEM;
    for (i = 0; i < n; i++)
        order[i] = &chains[i];
    qsort(order, n, sizeof *order, cmp_chain_ptr_q);
    /* position i takes the chain at order[i]; a done position points at itself */
    for (i = 0; i < n; i++) {
        chain tmp;
        size_t cur = i;
        if (order[i] == &chains[i])
            continue;
        tmp = chains[i];
        for (;;) {
            size_t from = (size_t)(order[cur] - chains);
            order[cur] = &chains[cur];
            if (from == i) {
                chains[cur] = tmp;
                break;
            }
            chains[cur] = chains[from];
            cur = from;
        }
    }
    free(order);
    return 0;
}

/* Line (1-based) of byte offset off, given line starts. */
static uint32_t byte_line(const uint32_t *starts, size_t n, uint32_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (starts[mid] <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)(lo ? lo : 1);
}

typedef struct cand {
    const chain *ch;
    int full;
    int64_t date;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    int64_t dx = x->date == PV_DATE_UNKNOWN ? INT64_MAX : x->date;
    int64_t dy = y->date == PV_DATE_UNKNOWN ? INT64_MAX : y->date;
    uint32_t tx = x->ch->qe - x->ch->qs, ty = y->ch->qe - y->ch->qs;
    if (x->full != y->full)
        return x->full ? -1 : 1;
    if (x->full) {
        if (dx != dy)
            return dx < dy ? -1 : 1;
    } else if (tx != ty) {
        return tx > ty ? -1 : 1;
    }
    return x->ch->doc < y->ch->doc ? -1 : x->ch->doc > y->ch->doc;
}

typedef struct credit_acc {
    uint32_t author; /* UINT32_MAX = unknown */
    const char *name, *email, *id;
    double tokens;
} credit_acc;

/* Credited tokens per person, of one span or of the whole result. */
typedef struct credit_list {
    credit_acc *v;
    size_t n, cap;
} credit_list;

/* Add tokens to author's entry (one entry per author id), making it when new. */
static int credit_add(credit_list *l, uint32_t author, const char *name, const char *email,
                      const char *id, double tokens)
{
    size_t c;
    for (c = 0; c < l->n; c++)
        if (l->v[c].author == author)
            break;
    if (c == l->n) {
        if (pv_array__grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
            return PV_ENOMEM;
        l->v[c].author = author;
        l->v[c].name = name; /* NULL when not known: "unknown" is the text report's word */
        l->v[c].email = email;
        l->v[c].id = id;
        l->v[c].tokens = 0;
        l->n++;
    }
    l->v[c].tokens += tokens;
    return 0;
}

/* NULL after any string. */
static int cmp_opt_str(const char *a, const char *b)
{
    if (!a || !b)
        return !a - !b;
    return strcmp(a, b);
}

static int cmp_credit(const void *a, const void *b)
{
    const pv_author_credit *x = a, *y = b;
    int c;
    if (x->tokens != y->tokens)
        return x->tokens > y->tokens ? -1 : 1;
    if ((c = cmp_opt_str(x->name, y->name)) != 0)
        return c;
    if ((c = cmp_opt_str(x->email, y->email)) != 0)
        return c;
    return cmp_opt_str(x->id, y->id);
}

/* The list as pv_author_credit entries with their shares, most tokens first (*out NULL when
 * the list is empty). */
static int credit_totals(const credit_list *l, pv_author_credit **out, size_t *n)
{
    double total = 0;
    size_t i;
    *out = NULL;
    *n = 0;
    if (l->n == 0)
        return 0;
    if (!(*out = calloc(l->n, sizeof **out)))
        return PV_ENOMEM;
    for (i = 0; i < l->n; i++)
        total += l->v[i].tokens;
    for (i = 0; i < l->n; i++) {
        (*out)[i].name = l->v[i].name;
        (*out)[i].email = l->v[i].email;
        (*out)[i].id = l->v[i].id;
        (*out)[i].tokens = l->v[i].tokens;
        (*out)[i].share = total > 0 ? l->v[i].tokens / total : 0.0;
    }
    *n = l->n;
    qsort(*out, l->n, sizeof **out, cmp_credit);
    return 0;
}

/* Index of the run holding document token t (-1: before the first run, the document's
 * origin). */
static long run_at(const pv_line_table *lt, uint32_t t)
{
    uint32_t lo = 0, hi = lt->nruns; /* first run starting after t */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (lt->run_tok[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

/* Sets the chain's earliest origin (and its date) among the authorship runs over its document
 * range: the one with the earliest known date, the first such run on ties; the document's
 * origin when it has no runs or no run is dated. Origins are those shown through the
 * tombstones tb (pv_tombs__shown: a removed author's runs show their co-authors, or nothing).
 * Returns 0 when no origin over the range is shown: the text is wholly removed authors'. */
static int earliest_origin(const pv_index *ix, const pv_tombs *tb, const pv_line_table *lt,
                           chain *ch)
{
    pv_doc_view dv;
    pv_origin_view ov;
    uint32_t any = UINT32_MAX;
    long r;
    pv_index__doc(ix, ch->doc, &dv);
    ch->first = pv_tombs__shown(tb, dv.origin);
    ch->date = dv.date;
    if (lt->nruns == 0 || ch->de <= ch->ds)
        return ch->first != UINT32_MAX;
    int64_t best = PV_DATE_UNKNOWN;
    for (r = run_at(lt, ch->ds); r < (long)lt->nruns && (r < 0 || lt->run_tok[r] < ch->de); r++) {
        uint32_t o = pv_tombs__shown(tb, r < 0 ? dv.origin : lt->run_origin[r]);
        if (o == UINT32_MAX)
            continue;
        if (any == UINT32_MAX)
            any = o;
        pv_index__origin(ix, o, &ov);
        if (ov.date != PV_DATE_UNKNOWN && (best == PV_DATE_UNKNOWN || ov.date < best)) {
            best = ov.date;
            ch->first = o;
        }
    }
    if (best != PV_DATE_UNKNOWN)
        ch->date = best;
    else if (ch->first == UINT32_MAX)
        ch->first = any; /* the document's origin is removed: the first run shown */
    /* (without tombstones the loop meets one run at least: every chain is kept) */
    return any != UINT32_MAX;
}

/* Credit tokens [qs, qe) of the query to origin o and its co-authors: one span credit per
 * person, and their totals in the span's list (a history boundary's "before DATE" origin is
 * no person: it has a span credit, and no total). */
static int credit_range(const pv_index *ix, pv_span *sp, uint32_t o, uint32_t qs, uint32_t qe,
                        pv_qtokens *q, const uint32_t *starts, size_t nstarts, credit_list *credit,
                        size_t *cap_sc)
{
    pv_origin_view ov;
    const pv_tombs *tb = pv_index__tombs(ix);
    uint32_t n = 0, id, first, last, unused;
    int rc;
    /* a removed author's tokens earn nothing and name no one; their co-authors split them */
    o = pv_tombs__shown(tb, o);
    if (qe <= qs || o == UINT32_MAX)
        return 0;
    if ((rc = pv_match__qtokens_range(q, qs, &first, &unused)) != 0 ||
        (rc = pv_match__qtokens_range(q, qe - 1, &unused, &last)) != 0)
        return rc;
    memset(&ov, 0, sizeof ov); /* an index without ORIG flags leaves before unset */
    for (id = o; id != UINT32_MAX; id = ov.next) {
        pv_index__origin(ix, id, &ov);
        n += pv_tombs__shown(tb, id) == id;
    }
    for (id = o; id != UINT32_MAX; id = ov.next) {
        pv_span_credit *sc;
        double share = (double)(qe - qs) / n;
        pv_index__origin(ix, id, &ov);
        if (pv_tombs__shown(tb, id) != id)
            continue;
        if (pv_array__grow((void **)&sp->credits, cap_sc, sp->ncredits + 1, sizeof *sp->credits))
            return PV_ENOMEM;
        sc = &sp->credits[sp->ncredits++];
        sc->tok_start = qs;
        sc->tok_end = qe;
        sc->line_start = byte_line(starts, nstarts, first);
        sc->line_end = byte_line(starts, nstarts, last - 1);
        sc->name = ov.author_name;
        sc->email = ov.author_email;
        sc->id = ov.author_id;
        sc->commit = ov.commit;
        sc->date = ov.date;
        sc->tokens = share;
        sc->before = ov.before;
        if (!ov.before &&
            credit_add(credit, ov.author, ov.author_name, ov.author_email, ov.author_id, share))
            return PV_ENOMEM;
    }
    return 0;
}

/* Origin wins: the span's tokens are credited to whoever first wrote them in the origin
 * document - by its authorship runs where the origin chain covers the span (its tokens map
 * along the chain's diagonal), else to the document's origin. The span's credits go to
 * sp->credits, its people to sp->authors (through the scratch list span_credit), and their
 * tokens are added to the result's totals. */
static int credit_span(const pv_index *ix, pv_index_cursor *cur, pv_span *sp, const chain *ch,
                       pv_qtokens *q, const uint32_t *starts, size_t nstarts,
                       credit_list *span_credit, credit_list *totals, pv_err *err)
{
    credit_list *credit = span_credit;
    size_t i;
    pv_doc_view dv;
    pv_line_table lt;
    size_t cap_sc = 0;
    uint32_t qs = sp->tok_start, qe = sp->tok_end, cs, ce, t;
    int64_t off;
    long r;
    int rc;

    pv_index__doc(ix, ch->doc, &dv);
    credit->n = 0;
    if ((rc = pv_index__lines(cur, ch->doc, &lt, err)) != 0)
        return rc;
    cs = ch->qs > qs ? ch->qs : qs;
    ce = ch->qe < qe ? ch->qe : qe;
    off = (int64_t)ch->ds - ch->qs;
    if (lt.nruns == 0 || ce <= cs) {
        rc = credit_range(ix, sp, dv.origin, qs, qe, q, starts, nstarts, credit, &cap_sc);
        goto done;
    }
    if ((rc = credit_range(ix, sp, dv.origin, qs, cs, q, starts, nstarts, credit, &cap_sc)) != 0)
        goto done;
    for (t = cs; t < ce && rc == 0;) {
        int64_t d = (int64_t)t + off;
        uint32_t next, o;
        if (d < 0)
            d = 0;
        r = run_at(&lt, (uint32_t)d);
        o = r < 0 ? dv.origin : lt.run_origin[r];
        next = r + 1 < (long)lt.nruns ? lt.run_tok[r + 1] : UINT32_MAX;
        /* query tokens up to where the next run starts on the diagonal */
        if (next == UINT32_MAX || (int64_t)next - off >= ce)
            next = ce;
        else
            next = (uint32_t)((int64_t)next - off);
        if (next <= t)
            next = t + 1;
        rc = credit_range(ix, sp, o, t, next, q, starts, nstarts, credit, &cap_sc);
        t = next;
    }
    if (rc == 0)
        rc = credit_range(ix, sp, dv.origin, ce, qe, q, starts, nstarts, credit, &cap_sc);
done:
    if (rc == 0)
        rc = credit_totals(credit, &sp->authors, &sp->nauthors);
    for (i = 0; rc == 0 && i < credit->n; i++)
        rc = credit_add(totals, credit->v[i].author, credit->v[i].name, credit->v[i].email,
                        credit->v[i].id, credit->v[i].tokens);
    credit->n = 0;
    pv_index__lines_free(&lt);
    if (rc == PV_ENOMEM)
        pv_err__set(err, rc, "out of memory");
    return rc;
}

/* One row of a span: where candidate c holds it, who first wrote its oldest part there, and
 * a link to those lines. */
static int fill_row(const pv_index *ix, const cand *c, int origin, pv_source_ref *sr)
{
    const chain *ch = c->ch;
    pv_doc_view dv;
    pv_origin_view ov;
    char *url = NULL;
    memset(&ov, 0, sizeof ov); /* an index without ORIG flags leaves before unset */
    pv_index__doc(ix, ch->doc, &dv);
    pv_index__origin(ix, ch->first, &ov);
    if (pv_match__url(dv.kind, dv.source, dv.locator, dv.commit, ch->line_start, ch->line_end,
                      &url))
        return PV_ENOMEM;
    sr->document = ch->doc;
    sr->kind = dv.kind;
    sr->source = dv.source;
    sr->locator = dv.locator;
    sr->commit = dv.commit; /* the version holding these lines, not the first writer's */
    sr->url = url;
    /* a history boundary's "before DATE" origin has no commit: never the document's */
    sr->first_commit = ov.before ? NULL : ov.commit ? ov.commit : dv.commit;
    sr->license = dv.license;
    sr->author_name = ov.author_name;
    sr->author_email = ov.author_email;
    sr->author_id = ov.author_id;
    sr->date = ch->date;
    sr->matched_tokens = ch->qe - ch->qs;
    sr->origin = origin;
    sr->full = c->full;
    sr->line_start = ch->line_start;
    sr->line_end = ch->line_end;
    return 0;
}

/* Origin wins (docs/attribution.md rule 2): of the candidates (ranked by cmp_cand: those
 * holding the whole span, earliest first, then the partial holders, longest first) the first
 * is the origin. sources = the origin, then partial holders (max_sources rows in all); copies
 * = the other whole-span holders (max_copies rows; copies_total counts them all, and
 * copies_in_source those in the origin's source). Returns 0 or PV_ENOMEM. */
static int span_rows(const pv_index *ix, pv_span *sp, const cand *cands, size_t nc,
                     const pv_match_opts *opts)
{
    size_t nfull = 0, first_part, npart, i;
    uint32_t max_sources = opts->max_sources ? opts->max_sources : 1;
    while (nfull < nc && cands[nfull].full)
        nfull++;
    /* with no whole-span holder, the longest partial one is the origin row */
    first_part = nfull ? nfull : 1;
    npart = nc > first_part ? nc - first_part : 0;
    if (npart > max_sources - 1)
        npart = max_sources - 1;
    sp->copies_total = nfull > 1 ? (uint32_t)(nfull - 1) : 0;
    sp->ncopies = sp->copies_total < opts->max_copies ? sp->copies_total : opts->max_copies;
    sp->sources = calloc(1 + npart, sizeof *sp->sources);
    if (!sp->sources)
        return PV_ENOMEM;
    if (sp->ncopies && !(sp->copies = calloc(sp->ncopies, sizeof *sp->copies)))
        return PV_ENOMEM;
    sp->nsources = 1;
    if (fill_row(ix, &cands[0], 1, &sp->sources[0]))
        return PV_ENOMEM;
    for (i = 0; i < npart; i++, sp->nsources++)
        if (fill_row(ix, &cands[first_part + i], 0, &sp->sources[sp->nsources]))
            return PV_ENOMEM;
    for (i = 0; i < sp->ncopies; i++)
        if (fill_row(ix, &cands[1 + i], 0, &sp->copies[i])) {
            sp->ncopies = i; /* the rows filled so far are freed with the result */
            return PV_ENOMEM;
        }
    for (i = 1; i < nfull; i++) {
        pv_doc_view dv;
        pv_index__doc(ix, cands[i].ch->doc, &dv);
        sp->copies_in_source += cmp_opt_str(dv.source, sp->sources[0].source) == 0;
    }
    return 0;
}

void pv_result_free(pv_result *res)
{
    size_t i;
    if (!res)
        return;
    for (i = 0; i < res->nspans; i++) {
        pv_span *sp = &res->spans[i];
        size_t j;
        for (j = 0; j < sp->nsources; j++)
            free((char *)sp->sources[j].url);
        for (j = 0; j < sp->ncopies; j++)
            free((char *)sp->copies[j].url);
        free(sp->sources);
        free(sp->copies);
        free(sp->authors);
        free(sp->credits);
    }
    free(res->spans);
    free(res->authors);
    free(res);
}

int pv_match_run(const pv_index *ix, const char *text, size_t len, const pv_match_opts *opts,
                 pv_result **out, pv_err *err)
{
    return pv_match__run(ix, NULL, text, len, opts, out, err);
}

int pv_match__run(const pv_index *ix, pv_index_cursor *shared, const char *text, size_t len,
                  const pv_match_opts *opts, pv_result **out, pv_err *err)
{
    pv_match_opts defaults = PV_MATCH_OPTS_INIT;
    pv_index_info info;
    pv_qtokens q;
    uint64_t *ufp = NULL, *lic = NULL;
    qfp *qf = NULL, *qtmp = NULL;
    uint32_t *qstart = NULL;
    size_t *bucket_n = NULL, nk = 0, nu = 0, i, j, cap_qf = 0, cap_qtmp = 0, cap_lic = 0;
    lookup_ctx lc;
    chain *chains = NULL;
    size_t nchains = 0, nkept, cap_chains = 0, cap_spans = 0;
    uint32_t *starts = NULL;
    size_t nstarts = 0;
    pv_result *res = NULL;
    credit_list span_credit = {NULL, 0, 0}, totals = {NULL, 0, 0};
    cand *cands = NULL;
    size_t cap_cands = 0;
    pv_index_cursor *cur = NULL;
    const pv_tombs *tombs = NULL;
    int rc = 0;
    uint32_t min_tokens, maxgap;

    memset(&lc, 0, sizeof lc);
    memset(&q, 0, sizeof q);
    *out = NULL;
    if (!opts)
        opts = &defaults;
    pv_index_get_info(ix, &info);
    if (info.norm_version != PV_NORM_VERSION) {
        rc = pv_err__set(err, PV_EPARAMS,
                         "index '%s' was built with normalization version %u; this provscan "
                         "tokenizes with version %u: rebuild the index",
                         pv_index__path(ix), info.norm_version, PV_NORM_VERSION);
        goto done;
    }
    min_tokens = opts->min_tokens ? opts->min_tokens : info.k;
    maxgap = 2 * (info.k + info.w);
    res = calloc(1, sizeof *res);
    if (!res)
        goto oom;
    /* the hashes of a query looked up in one pass are kept; a bigger one's are read again once
       its hits are chained (memory never holds them beside the fingerprints and the hits) */
    if ((rc = pv_match__qtokens_scan(&q, text, len, info.k, info.seed, pass_kgrams + info.k - 1)) !=
        0) {
        rc = pv_err__set(err, rc, "cannot tokenize the query: %s", pv_strerror(rc));
        goto done;
    }
    res->tokens = (uint32_t)q.n;
    res->invalid_utf8 = q.invalid_utf8;
    if (q.n < info.k || info.postings == 0)
        goto finish;

    /* every k-gram of the query looked up once per fingerprint, sorted by fingerprint, in
       passes over ranges of fingerprint buckets: a first walk counts the k-grams per bucket,
       then each pass walks the k-grams again and keeps those of its buckets */
    nk = q.n - info.k + 1;
    /* one pass (bucket_n NULL) when the query fits in one: no need to count */
    if (nk > pass_kgrams) {
        if (!(bucket_n = calloc(PASS_BUCKETS, sizeof *bucket_n)))
            goto oom;
        for (i = 0; i < nk; i++)
            bucket_n[FP_BUCKET(q.fp_hi[i])]++;
    }
    lc.common = opts->common;
    lc.cap = info.posting_cap;
    tombs = pv_index__tombs(ix);
    lc.gone = tombs && tombs->doc_gone ? tombs : NULL;
    lc.weak = q.weak;
    /* a k-gram's fp_lo is read in its pass only: after it, np takes its place */
    lc.np = q.fp_lo;
    q.fp_lo = NULL;
    if (shared)
        cur = shared;
    else if ((rc = pv_index__cursor_new(ix, &cur, err)) != 0)
        goto done;
    for (size_t b0 = 0, b1; b0 < PASS_BUCKETS; b0 = b1) {
        size_t n = bucket_n ? bucket_n[b0] : nk, nq = 0;
        if (!bucket_n)
            b1 = PASS_BUCKETS;
        else
            for (b1 = b0 + 1; b1 < PASS_BUCKETS && n + bucket_n[b1] <= pass_kgrams; b1++)
                n += bucket_n[b1];
        if (n == 0)
            continue;
        if (pv_array__grow((void **)&qf, &cap_qf, n, sizeof *qf) ||
            pv_array__grow((void **)&qtmp, &cap_qtmp, n, sizeof *qtmp))
            goto oom;
        for (i = 0; i < nk; i++) {
            size_t bk = FP_BUCKET(q.fp_hi[i]);
            if (bk >= b0 && bk < b1) {
                qf[nq].fp = (uint64_t)q.fp_hi[i] << 32 | lc.np[i];
                qf[nq++].qpos = (uint32_t)i;
            }
        }
        sort_qfp(qf, qtmp, nq);
        free(ufp);
        free(qstart);
        ufp = malloc((nq + 1) * sizeof *ufp);
        qstart = malloc((nq + 1) * sizeof *qstart);
        if (!ufp || !qstart)
            goto oom;
        for (i = 0, nu = 0; i < nq; i++)
            if (i == 0 || qf[i].fp != qf[i - 1].fp) {
                ufp[nu] = qf[i].fp;
                qstart[nu++] = (uint32_t)i;
            }
        qstart[nu] = (uint32_t)nq;
        lc.q = qf;
        lc.qstart = qstart;
        rc = pv_index__lookup(cur, ufp, nu, on_postings, &lc, err);
        if (rc == PV_ENOMEM)
            goto oom;
        if (rc)
            goto done;
    }
    free(qf);
    free(qtmp);
    free(ufp);
    free(qstart);
    free(bucket_n);
    qf = NULL;
    qtmp = NULL;
    ufp = NULL;
    qstart = NULL;
    bucket_n = NULL;
    pv_match__qtokens_drop_lookup(&q);
    lc.weak = NULL;

    /* chains per document, with their strength while their hits are at hand; the hits are
       let go as the chains come (chain_pieces), the rest needs only the chains */
    if (chain_pieces(&lc, info.documents, maxgap, info.k, nk, info.postings, &chains, &nchains,
                     &cap_chains))
        goto oom;
    free(lc.hits);
    free(lc.np);
    lc.hits = NULL;
    lc.np = NULL;
    lc.nhits = lc.cap_hits = 0;
    if (pv_match__qtokens_hashes(&q))
        goto oom;
    /* token-exact edges; chains come grouped by document, decode each table once. A chain
       over text wholly written by removed authors is dropped (kept chains keep their order) */
    for (i = 0, nkept = 0; i < nchains; i = j) {
        pv_line_table lt;
        for (j = i; j < nchains && chains[j].doc == chains[i].doc; j++)
            ;
        if ((rc = pv_index__lines(cur, chains[i].doc, &lt, err)) != 0)
            goto done;
        for (size_t c = i; c < j; c++) {
            extend_chain(&chains[c], &lt, &q, info.k, maxgap);
            if (earliest_origin(ix, tombs, &lt, &chains[c]))
                chains[nkept++] = chains[c];
        }
        pv_index__lines_free(&lt);
    }
    nchains = nkept;

    /* spans: union of overlapping chain ranges in the query */
    for (i = 0; reverse_chains && i < nchains / 2; i++) {
        chain tmp = chains[i];
        chains[i] = chains[nchains - 1 - i];
        chains[nchains - 1 - i] = tmp;
    }
    if (sort_chains(chains, nchains))
        goto oom;
    if (pv_scanner__line_starts(text, len, &starts, &nstarts))
        goto oom;
    for (i = 0; i < nchains; i = j) {
        uint32_t qs = chains[i].qs, qe = chains[i].qe, evidence = 0, tokens, dummy;
        size_t nc = 0, c, nlic;
        pv_span *sp;
        for (j = i; j < nchains && chains[j].qs < qe; j++)
            if (chains[j].qe > qe)
                qe = chains[j].qe;
        tokens = qe - qs;
        if (tokens < min_tokens)
            continue;
        /* best chain per document */
        if (pv_array__grow((void **)&cands, &cap_cands, j - i, sizeof *cands))
            goto oom;
        for (c = i; c < j; c++) {
            size_t d;
            for (d = 0; d < nc; d++)
                if (cands[d].ch->doc == chains[c].doc)
                    break;
            evidence |= chains[c].evidence;
            if (d < nc) {
                if (chains[c].qe - chains[c].qs > cands[d].ch->qe - cands[d].ch->qs) {
                    cands[d].ch = &chains[c]; /* ranked by the origin its row names */
                    cands[d].date = chains[c].date;
                }
                continue;
            }
            cands[nc].ch = &chains[c];
            cands[nc].date = chains[c].date;
            nc++;
        }
        for (c = 0; c < nc; c++)
            cands[c].full =
                (uint64_t)(cands[c].ch->qe - cands[c].ch->qs) * 5 >= (uint64_t)tokens * 4;
        qsort(cands, nc, sizeof *cands, cmp_cand);

        if (pv_array__grow((void **)&res->spans, &cap_spans, res->nspans + 1, sizeof *res->spans))
            goto oom;
        sp = &res->spans[res->nspans++];
        memset(sp, 0, sizeof *sp);
        sp->tok_start = qs;
        sp->tok_end = qe;
        sp->tokens = tokens;
        if ((rc = pv_match__qtokens_range(&q, qs, &sp->start, &dummy)) != 0 ||
            (rc = pv_match__qtokens_range(&q, qe - 1, &dummy, &sp->end)) != 0)
            goto oom;
        sp->line_start = byte_line(starts, nstarts, sp->start);
        sp->line_end = byte_line(starts, nstarts, sp->end - 1);
        sp->common = !evidence;
        /* license text is common wherever it appears (rule 3) */
        if (pv_array__grow((void **)&lic, &cap_lic, tokens + 1, sizeof *lic))
            goto oom;
        if ((nlic = pv_match__qtokens_kgrams(&q, qs, tokens, lic)) == SIZE_MAX)
            goto oom;
        if ((rc = pv_match__license_text(info.k, info.seed, lic, nlic, &sp->common_license, err)) !=
            0)
            goto done;
        sp->common |= sp->common_license != NULL;
        sp->strength = cands[0].ch->strength;
        if ((rc = span_rows(ix, sp, cands, nc, opts)) != 0)
            goto oom;
        res->matched_tokens += tokens;
        if (!sp->common && (rc = credit_span(ix, cur, sp, cands[0].ch, &q, starts, nstarts,
                                             &span_credit, &totals, err)) != 0)
            goto done;
    }
finish:
    res->coverage = res->tokens ? (double)res->matched_tokens / res->tokens : 0.0;
    if (credit_totals(&totals, &res->authors, &res->nauthors))
        goto oom;
    *out = res;
    res = NULL;
    rc = 0;
    goto done;
oom:
    rc = pv_err__set(err, PV_ENOMEM, "out of memory");
done:
    pv_result_free(res);
    if (cur != shared)
        pv_index__cursor_free(cur);
    pv_match__qtokens_free(&q);
    free(lic);
    free(bucket_n);
    free(qf);
    free(qtmp);
    free(ufp);
    free(qstart);
    free(lc.hits);
    free(lc.np);
    free(lc.diag);
    free(lc.kept);
    free(chains);
    free(starts);
    free(span_credit.v);
    free(totals.v);
    free(cands);
    return rc;
}

/*
 * bench_params.c - the measurement that chooses k, w and --common: for several (k, w) it
 * builds an index of a corpus subset through the public API and measures recall of planted
 * excerpts, spans on never-indexed text, index size, build speed and fingerprint frequency.
 * The frequency histogram alone uses the scanner's internal tokenizer (scanner_int.h);
 * the helpers it shares with bench_query.c are in bench_util.h.
 */
#define _GNU_SOURCE /* memmem */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "provscan.h"
#include "scanner_int.h"

#define UNSEEN_CAP ((size_t)64 << 10) /* bytes of each unseen document matched */
#define HOST_BYTES 1500               /* prose around each planted excerpt */
#define MAX_CONFIGS 16
#define MAX_SKIPS 16
#define NTHRESH 5
#define SAMPLE_SPANS 80

static const uint32_t thresholds[NTHRESH] = {5, 10, 25, 50, 100};
#define DEFAULT_THRESH_INDEX 2 /* 25 = PV_DEFAULT_COMMON at the time of writing */

static const char usage[] =
    "usage: bench_params --corpus DIR [--skip NAME]... --prose DIR [--code DIR] --out DIR\n"
    "                    [--configs K:W,...] [-n N] [--jobs N] [--seed S]\n"
    "  --corpus DIR   folder to index (the study's corpus subset)\n"
    "  --skip NAME    leave out the top-level folder NAME of DIR (repeatable)\n"
    "  --prose DIR    never-indexed prose: hosts for planted excerpts, unseen queries\n"
    "  --code DIR     never-indexed code: more unseen queries\n"
    "  --out DIR      indexes, span samples for inspection and params.md go here\n";

/* ---- document sets --------------------------------------------------------------------- */

typedef struct skiplist {
    const char *v[MAX_SKIPS];
    size_t n;
} skiplist;

/* Load every document's text; binary ones keep text == NULL. Returns bytes loaded. */
static uint64_t docset_load_all(bench_docset *s, size_t cap)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < s->n; i++)
        if (bench_read_text(s->v[i].path, cap, &s->v[i].text, &s->v[i].len) == 0)
            bytes += s->v[i].len;
    return bytes;
}

/* Pick up to n random text documents of at least min_len bytes from all (loading at most
 * cap bytes of each) into out; deterministic for a seed. Returns bytes picked. */
static uint64_t docset_sample(bench_docset *all, size_t n, size_t min_len, size_t cap,
                              uint64_t *rng, bench_docset *out)
{
    uint64_t bytes = 0;
    size_t *order = malloc((all->n ? all->n : 1) * sizeof *order);
    if (!order)
        return 0;
    for (size_t i = 0; i < all->n; i++)
        order[i] = i;
    for (size_t i = all->n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)bench_rng_below(rng, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < all->n && out->n < n; i++) {
        bench_doc *d = &all->v[order[i]];
        char *text;
        size_t len;
        if (bench_read_text(d->path, cap, &text, &len) != 0)
            continue;
        if (len < min_len || bench_docset_add(out, d->path, d->rel, d->size) != 0) {
            free(text);
            continue;
        }
        out->v[out->n - 1].text = text;
        out->v[out->n - 1].len = len;
        bytes += len;
    }
    free(order);
    return bytes;
}

/* ---- planted excerpts (recall) --------------------------------------------------------- */

typedef struct plant {
    char *text; /* host prefix + " " + excerpt + " " + host suffix */
    size_t len;
    size_t start, end;    /* the excerpt's byte range in text */
    const bench_doc *src; /* indexed document it was taken from */
    size_t src_off;       /* where the excerpt starts in src */
    uint32_t ntok;        /* tokens in the excerpt */
} plant;

/* Find an excerpt of exactly ntok tokens in a random indexed document. To know the token
 * count without the tokenizer, the excerpt and the bytes around it are ASCII only, where a
 * token is a maximal run of [A-Za-z0-9_] (docs/tokens.md), and no token is longer than
 * PV_TOKEN_MAX bytes (those would be cut into pieces). Returns 0 with *off, *len set. */
static int pick_excerpt(const bench_docset *ix, uint32_t ntok, uint64_t *rng, const bench_doc **src,
                        size_t *off, size_t *len)
{
    for (int tries = 0; tries < 10000; tries++) {
        const bench_doc *d = &ix->v[bench_rng_below(rng, ix->n)];
        const unsigned char *t = (const unsigned char *)d->text;
        if (!t || d->len < 64)
            continue;
        size_t p = (size_t)bench_rng_below(rng, d->len);
        /* move to the start of the next token that begins after an ASCII separator */
        while (p < d->len && (bench_is_word(t[p]) || t[p] >= 0x80))
            p++;
        while (p < d->len && !bench_is_word(t[p]) && t[p] < 0x80)
            p++;
        if (p >= d->len || !bench_is_word(t[p]))
            continue;
        size_t s = p, q = p;
        uint32_t n = 0;
        int ok = 1;
        while (n < ntok && ok) {
            size_t b = q;
            while (q < d->len && bench_is_word(t[q]))
                q++;
            if (q < d->len && t[q] >= 0x80)
                ok = 0; /* the token may go on with a non-ASCII letter */
            if (q - b > PV_TOKEN_MAX)
                ok = 0;
            n++;
            if (n == ntok)
                break;
            while (q < d->len && !bench_is_word(t[q]) && t[q] < 0x80)
                q++;
            if (q >= d->len || t[q] >= 0x80)
                ok = 0;
        }
        if (!ok || n != ntok)
            continue;
        *src = d;
        *off = s;
        *len = q - s;
        return 0;
    }
    return -1;
}

/* A window of about HOST_BYTES of unseen prose, cut on UTF-8 lead bytes, split at a space,
 * with the excerpt planted between the halves. */
static int make_plant(const bench_docset *ix, const bench_docset *prose, uint32_t ntok,
                      uint64_t *rng, plant *pl)
{
    const bench_doc *src;
    size_t off, elen;
    if (pick_excerpt(ix, ntok, rng, &src, &off, &elen) != 0)
        return -1;
    for (int tries = 0; tries < 1000; tries++) {
        const bench_doc *h = &prose->v[bench_rng_below(rng, prose->n)];
        size_t hs = 0, he = h->len, mid;
        if (h->len > HOST_BYTES) {
            hs = (size_t)bench_rng_below(rng, h->len - HOST_BYTES);
            he = hs + HOST_BYTES;
        }
        while (hs < he && ((unsigned char)h->text[hs] & 0xC0) == 0x80)
            hs++;
        while (he < h->len && ((unsigned char)h->text[he] & 0xC0) == 0x80)
            he++;
        mid = hs + (he - hs) / 2;
        while (mid < he && h->text[mid] != ' ' && h->text[mid] != '\n')
            mid++;
        if (he - hs < 200 || mid >= he)
            continue;
        pl->len = (mid - hs) + 1 + elen + 1 + (he - mid);
        pl->text = malloc(pl->len + 1);
        if (!pl->text)
            return -1;
        char *w = pl->text;
        memcpy(w, h->text + hs, mid - hs);
        w += mid - hs;
        *w++ = ' ';
        pl->start = (size_t)(w - pl->text);
        memcpy(w, src->text + off, elen);
        w += elen;
        pl->end = (size_t)(w - pl->text);
        *w++ = ' ';
        memcpy(w, h->text + mid, he - mid);
        pl->text[pl->len] = '\0';
        pl->src = src;
        pl->src_off = off;
        pl->ntok = ntok;
        return 0;
    }
    return -1;
}

/* Layout-free texts of the indexed documents, made on first use (about the corpus size). */
typedef struct normset {
    char **t;
    size_t *len;
    size_t n;
} normset;

static int normset_init(normset *ns, const bench_docset *ix)
{
    if (ns->t)
        return 0;
    ns->t = calloc(ix->n ? ix->n : 1, sizeof *ns->t);
    ns->len = calloc(ix->n ? ix->n : 1, sizeof *ns->len);
    if (!ns->t || !ns->len)
        return -1;
    ns->n = ix->n;
    for (size_t i = 0; i < ix->n; i++)
        if (ix->v[i].text)
            ns->t[i] = bench_token_text(ix->v[i].text, ix->v[i].len, &ns->len[i]);
    return 0;
}

static void normset_free(normset *ns)
{
    for (size_t i = 0; ns->t && i < ns->n; i++)
        free(ns->t[i]);
    free(ns->t);
    free(ns->len);
    memset(ns, 0, sizeof *ns);
}

/* How many indexed documents hold the tokens of passage (layout-free). */
static size_t docs_with(const normset *ns, const char *passage, size_t n)
{
    size_t count = 0, plen;
    char *p = bench_token_text(passage, n, &plen);
    for (size_t i = 0; p && i < ns->n; i++)
        if (ns->t[i] && memmem(ns->t[i], ns->len[i], p, plen))
            count++;
    free(p);
    return count;
}

/* ---- edited excerpts (robustness to small edits) -------------------------------------- */

#define EDIT_BYTES 2048 /* size of an edited excerpt */
#define EDIT_EVERY 200  /* one word changed in every stretch of this many bytes */

typedef struct edited {
    char *text;
    size_t len;
    const bench_doc *src;
} edited;

/* An excerpt of EDIT_BYTES from a random indexed document of at least that size, starting
 * on a UTF-8 lead byte, with one ASCII word in every EDIT_EVERY bytes replaced by other
 * characters of the same class (the same edits as bench_query's latency queries). */
static int make_edited(const bench_docset *ix, uint64_t *rng, edited *e)
{
    for (int tries = 0; tries < 10000; tries++) {
        const bench_doc *d = &ix->v[bench_rng_below(rng, ix->n)];
        size_t off;
        if (!d->text || d->len < EDIT_BYTES + 8)
            continue;
        off = (size_t)bench_rng_below(rng, d->len - EDIT_BYTES - 4);
        while (((unsigned char)d->text[off] & 0xC0) == 0x80)
            off++;
        e->text = malloc(EDIT_BYTES + 1);
        if (!e->text)
            return -1;
        memcpy(e->text, d->text + off, EDIT_BYTES);
        e->text[EDIT_BYTES] = '\0';
        e->len = EDIT_BYTES;
        e->src = d;
        bench_apply_edits(e->text, e->len, EDIT_EVERY, rng);
        return 0;
    }
    return -1;
}

/* ---- fingerprint document frequency (internal tokenizer) ------------------------------- */

typedef struct fpdoc {
    uint64_t fp;
    uint32_t doc;
} fpdoc;

static int cmp_fpdoc(const void *a, const void *b)
{
    const fpdoc *x = a, *y = b;
    if (x->fp != y->fp)
        return x->fp < y->fp ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

#define NBUCKETS 9
static const uint32_t bucket_hi[NBUCKETS] = {1, 2, 5, 10, 25, 50, 100, 1000, UINT32_MAX};
static const char *const bucket_name[NBUCKETS] = {"1",     "2",      "3-5",      "6-10", "11-25",
                                                  "26-50", "51-100", "101-1000", ">1000"};

typedef struct dfstats {
    uint64_t fps, postings;         /* distinct fingerprints, (fp, doc) pairs */
    uint64_t fps_in[NBUCKETS];      /* fingerprints whose df falls in each bucket */
    uint64_t postings_in[NBUCKETS]; /* postings of those */
    uint64_t fps_over[NTHRESH], postings_over[NTHRESH]; /* df > threshold */
    uint32_t max_df;
} dfstats;

/* Winnowed fingerprints of every indexed document, deduplicated per document, then counted
 * per fingerprint: the document frequency the index sees. */
typedef struct fpdf {
    uint64_t fp;
    uint32_t df;
} fpdf;

static int cmp_fpdf(const void *a, const void *b)
{
    const fpdf *x = a, *y = b;
    return (x->fp > y->fp) - (x->fp < y->fp);
}

static int df_measure(const bench_docset *ix, uint32_t k, uint32_t w, dfstats *st, fpdf **table,
                      size_t *ntable)
{
    int rc = -1;
    pv_tokens toks = {0};
    uint64_t *fps = NULL;
    uint32_t *sel = NULL;
    fpdoc *pairs = NULL;
    size_t npairs = 0, cap = 0, fcap = 0;

    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < ix->n; i++) {
        const bench_doc *d = &ix->v[i];
        size_t nk, nsel;
        if (!d->text)
            continue;
        toks.n = 0;
        if (pv_scanner__tokenize(d->text, d->len, PV_DEFAULT_SEED, &toks) != 0)
            goto done;
        if (toks.n < k)
            continue;
        if (toks.n > fcap) {
            free(fps);
            free(sel);
            fcap = toks.n;
            fps = malloc(fcap * sizeof *fps);
            sel = malloc(fcap * sizeof *sel);
            if (!fps || !sel)
                goto done;
        }
        nk = pv_scanner__kgrams(toks.v, toks.n, k, PV_DEFAULT_SEED, fps);
        nsel = pv_scanner__winnow(fps, nk, w, sel);
        if (npairs + nsel > cap) {
            size_t ncap = (npairs + nsel) * 2;
            fpdoc *np = realloc(pairs, ncap * sizeof *np);
            if (!np)
                goto done;
            pairs = np;
            cap = ncap;
        }
        for (size_t j = 0; j < nsel; j++)
            pairs[npairs++] = (fpdoc){fps[sel[j]], (uint32_t)i};
    }
    qsort(pairs, npairs, sizeof *pairs, cmp_fpdoc);
    *ntable = 0;
    *table = malloc((npairs ? npairs : 1) * sizeof **table);
    if (!*table)
        goto done;
    for (size_t i = 0; i < npairs;) {
        size_t j = i;
        uint32_t df = 0;
        while (j < npairs && pairs[j].fp == pairs[i].fp) {
            if (j == i || pairs[j].doc != pairs[j - 1].doc)
                df++;
            j++;
        }
        (*table)[(*ntable)++] = (fpdf){pairs[i].fp, df};
        st->fps++;
        st->postings += df;
        for (int b = 0; b < NBUCKETS; b++)
            if (df <= bucket_hi[b]) {
                st->fps_in[b]++;
                st->postings_in[b] += df;
                break;
            }
        for (int t = 0; t < NTHRESH; t++)
            if (df > thresholds[t]) {
                st->fps_over[t]++;
                st->postings_over[t] += df;
            }
        if (df > st->max_df)
            st->max_df = df;
        i = j;
    }
    rc = 0;
done:
    pv_scanner__tokens_free(&toks);
    free(fps);
    free(sel);
    free(pairs);
    return rc;
}

/* ---- one configuration ----------------------------------------------------------------- */

typedef struct span_counts {
    uint64_t spans, common, tokens;
    uint64_t short_spans;   /* non-common, fewer than t tokens */
    uint64_t license_spans; /* non-common, text mentions license/copyright words */
    uint64_t numeric_spans; /* non-common, every token a number or a single character */
} span_counts;

typedef struct result_row {
    uint32_t k, w;
    double build_s, mbps, index_pct;
    uint64_t input_bytes, index_bytes, documents, fingerprints, postings;
    uint64_t recall_named[2], recall_other[2], recall_none[2], recall_n[2];
    uint64_t recall_named_default[2]; /* named with the default --common */
    uint64_t recall_overcap[2];       /* misses whose every k-gram is over the posting cap */
    double edit_coverage;             /* mean coverage of the edited excerpts */
    uint64_t edit_named;              /* edited excerpts with a span naming their source */
    span_counts prose[NTHRESH], code[NTHRESH];
    dfstats df;
} result_row;

typedef struct study {
    const char *corpus, *prose_dir, *code_dir, *out;
    skiplist skip;
    uint32_t ks[MAX_CONFIGS], ws[MAX_CONFIGS];
    size_t nconfigs;
    uint64_t n, seed;
    unsigned jobs;
    bench_docset ix, prose, code;
    uint64_t ix_bytes, prose_bytes, code_bytes;
    plant *plants[2];
    size_t nplants[2];
    edited *edits;
    size_t nedits;
    uint32_t plant_tokens[2];
    uint64_t token_check_bad;
    normset norm;
} study;

static void diag_cb(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    if (sev >= PV_WARNING)
        fprintf(stderr, "bench_params: index: %s\n", msg);
}

static int contains_ci(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= n; i++) {
        size_t j = 0;
        while (j < wl && (s[i + j] | 0x20) == word[j])
            j++;
        if (j == wl)
            return 1;
    }
    return 0;
}

static int looks_like_license(const char *s, size_t n)
{
    static const char *const words[] = {
        "licen",      "copyright",  "warrant", "free software", "redistribut",
        "permission", "merchantab", "liable",  "public domain", "disclaim"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (contains_ci(s, n, words[i]))
            return 1;
    return 0;
}

/* A run of numbers or single characters ("0, 0, 0, 1", "0|1|2|...|F", "0xff, 0x00"):
 * tables of constants, where equal runs are a coincidence, not a copy. */
static int looks_numeric(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t b, len, digits = 0, hex = 0;
        while (i < n && !bench_is_word((unsigned char)s[i]))
            i++;
        for (b = i; i < n && bench_is_word((unsigned char)s[i]); i++) {
            char ch = (char)(s[i] | 0x20);
            digits += s[i] >= '0' && s[i] <= '9';
            hex += (s[i] >= '0' && s[i] <= '9') || (ch >= 'a' && ch <= 'f');
        }
        len = i - b;
        if (len > 1 && digits != len &&
            !(len > 2 && s[b] == '0' && (s[b + 1] | 0x20) == 'x' && hex == len - 1))
            return 0;
    }
    return 1;
}

/* Print bytes on one line, newlines shown as " | ", at most max bytes. */
static void print_excerpt(FILE *f, const char *s, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++) {
        char ch = s[i];
        if (ch == '\n')
            fputs(" | ", f);
        else if (ch == '\r' || ch == '\t')
            fputc(' ', f);
        else
            fputc(ch, f);
    }
    if (n > max)
        fputs(" ...", f);
    fputc('\n', f);
}

/* Lines [a, b] (1-based) of a text, as a byte range. */
static void line_range(const char *t, size_t len, uint32_t a, uint32_t b, size_t *s, size_t *e)
{
    uint32_t line = 1;
    size_t i = 0;
    while (i < len && line < a) {
        if (t[i++] == '\n')
            line++;
    }
    *s = i;
    while (i < len && line <= b) {
        if (t[i++] == '\n')
            line++;
    }
    *e = i;
}

typedef struct sample_span {
    const bench_doc *q;
    const char *kind;
    uint32_t start, end, line_start, line_end, tokens;
    char locator[512];
    uint32_t src_start, src_end;
} sample_span;

/* A uniform random sample of spans (reservoir sampling). */
typedef struct reservoir {
    sample_span v[SAMPLE_SPANS];
    size_t n;
    uint64_t seen;
} reservoir;

static void reservoir_add(reservoir *rv, uint64_t *rng, const bench_doc *d, const char *kind,
                          const pv_span *sp)
{
    size_t slot;
    rv->seen++;
    slot = rv->n < SAMPLE_SPANS ? rv->n++ : (size_t)bench_rng_below(rng, rv->seen);
    if (slot >= SAMPLE_SPANS)
        return;
    sample_span *ss = &rv->v[slot];
    ss->q = d;
    ss->kind = kind;
    ss->start = sp->start;
    ss->end = sp->end;
    ss->line_start = sp->line_start;
    ss->line_end = sp->line_end;
    ss->tokens = sp->tokens;
    ss->locator[0] = '\0';
    ss->src_start = ss->src_end = 0;
    if (sp->nsources && sp->sources[0].locator) {
        snprintf(ss->locator, sizeof ss->locator, "%s", sp->sources[0].locator);
        ss->src_start = sp->sources[0].line_start;
        ss->src_end = sp->sources[0].line_end;
    }
}

/* Match every unseen document with common = threshold and count spans; with samples (two
 * reservoirs: spans without, then with license words), keep non-common spans for
 * inspection. */
static int match_unseen(const pv_index *ix, const bench_docset *set, const char *kind, uint32_t t,
                        uint32_t common, span_counts *sc, reservoir *samples, uint64_t *rng)
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    mo.common = common;
    memset(sc, 0, sizeof *sc);
    for (size_t i = 0; i < set->n; i++) {
        const bench_doc *d = &set->v[i];
        pv_result *res = NULL;
        pv_err err = {0};
        if (pv_match_run(ix, d->text, d->len, &mo, &res, &err) != 0) {
            fprintf(stderr, "bench_params: match '%s': %s\n", d->path, err.msg);
            return -1;
        }
        for (size_t j = 0; j < res->nspans; j++) {
            const pv_span *sp = &res->spans[j];
            int lic;
            sc->spans++;
            sc->tokens += sp->tokens;
            if (sp->common) {
                sc->common++;
                continue;
            }
            if (sp->tokens < t)
                sc->short_spans++;
            lic = looks_like_license(d->text + sp->start, sp->end - sp->start);
            sc->license_spans += lic;
            sc->numeric_spans += !lic && looks_numeric(d->text + sp->start, sp->end - sp->start);
            if (samples)
                reservoir_add(&samples[lic], rng, d, kind, sp);
        }
        pv_result_free(res);
    }
    return 0;
}

static void write_spans(FILE *f, const study *S, const reservoir *rv)
{
    for (size_t i = 0; i < rv->n; i++) {
        const sample_span *ss = &rv->v[i];
        const bench_doc *src = bench_docset_find(&S->ix, ss->locator);
        fprintf(f, "[%zu] %s %s lines %u-%u, %u tokens\n    query : ", i + 1, ss->kind, ss->q->path,
                ss->line_start, ss->line_end, ss->tokens);
        print_excerpt(f, ss->q->text + ss->start, ss->end - ss->start, 400);
        fprintf(f, "    source: %s lines %u-%u\n    text  : ", ss->locator, ss->src_start,
                ss->src_end);
        if (src && src->text) {
            size_t s, e;
            line_range(src->text, src->len, ss->src_start, ss->src_end, &s, &e);
            print_excerpt(f, src->text + s, e - s, 400);
        } else {
            fputs("(not found)\n", f);
        }
        fputc('\n', f);
    }
}

static void write_sample(const study *S, const result_row *r, const reservoir samples[2])
{
    char path[PATH_MAX];
    FILE *f;
    snprintf(path, sizeof path, "%s/spans-k%u-w%u.txt", S->out, r->k, r->w);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_params: cannot write '%s'\n", path);
        return;
    }
    fprintf(f, "# k=%u w=%u common=%u: non-common spans on never-indexed text, sampled\n\n", r->k,
            r->w, thresholds[DEFAULT_THRESH_INDEX]);
    fprintf(f, "## without license words: %zu of %llu\n\n", samples[0].n,
            (unsigned long long)samples[0].seen);
    write_spans(f, S, &samples[0]);
    fprintf(f, "## with license words: %zu of %llu\n\n", samples[1].n,
            (unsigned long long)samples[1].seen);
    write_spans(f, S, &samples[1]);
    fclose(f);
}

/* The smallest document frequency among the fingerprints that winnowing keeps for src
 * inside [off, off + len): the fingerprints a query of that excerpt can find src by. 0 when
 * none is kept there (the t = k + w - 1 guarantee would be broken); at or over the posting
 * cap, all of them are common to the matcher, which then keeps only a few documents, so src
 * cannot be named: a miss by design. */
static uint32_t winnowed_min_df(const bench_doc *src, size_t off, size_t len, uint32_t k,
                                uint32_t w, const fpdf *table, size_t ntable)
{
    pv_tokens toks = {0};
    uint64_t *fps = NULL;
    uint32_t *sel = NULL, best = 0;
    if (pv_scanner__tokenize(src->text, src->len, PV_DEFAULT_SEED, &toks) != 0 || toks.n < k)
        goto done;
    fps = malloc(toks.n * sizeof *fps);
    sel = malloc(toks.n * sizeof *sel);
    if (!fps || !sel)
        goto done;
    size_t nk = pv_scanner__kgrams(toks.v, toks.n, k, PV_DEFAULT_SEED, fps);
    size_t nsel = pv_scanner__winnow(fps, nk, w, sel);
    for (size_t j = 0; j < nsel; j++) {
        const pv_token *a = &toks.v[sel[j]], *z = &toks.v[sel[j] + k - 1];
        fpdf key = {fps[sel[j]], 0};
        const fpdf *hit;
        if (a->start < off || (size_t)z->start + z->len > off + len)
            continue;
        hit = bsearch(&key, table, ntable, sizeof *table, cmp_fpdf);
        if (hit && (best == 0 || hit->df < best))
            best = hit->df;
    }
done:
    pv_scanner__tokens_free(&toks);
    free(fps);
    free(sel);
    return best;
}

/* Match every planted excerpt with the given common threshold and count, per excerpt
 * length, those with a span over the excerpt naming its document (named), with spans
 * naming other documents only (other), with no span (none); misses are described in miss.
 * other, none and miss may be NULL. */
static int recall(study *S, const pv_index *ix, uint32_t k, uint32_t w, const fpdf *table,
                  size_t ntable, uint32_t common, FILE *miss, uint64_t named_out[2],
                  uint64_t other_out[2], uint64_t none_out[2], uint64_t overcap_out[2])
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    mo.common = common;
    mo.max_sources = UINT32_MAX; /* list every document the matcher kept */
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < S->nplants[p]; i++) {
            const plant *pl = &S->plants[p][i];
            pv_result *res = NULL;
            pv_err err = {0};
            int named = 0, other = 0;
            size_t listed = 0;
            uint32_t copies = 0;
            if (pv_match_run(ix, pl->text, pl->len, &mo, &res, &err) != 0) {
                fprintf(stderr, "bench_params: match: %s\n", err.msg);
                return -1;
            }
            for (size_t j = 0; j < res->nspans; j++) {
                const pv_span *sp = &res->spans[j];
                if (sp->end <= pl->start || sp->start >= pl->end)
                    continue;
                other = 1;
                listed += sp->nsources;
                if (sp->nsources && sp->copies_total > copies)
                    copies = sp->copies_total;
                for (size_t m = 0; m < sp->nsources; m++)
                    if (sp->sources[m].locator && !strcmp(sp->sources[m].locator, pl->src->rel))
                        named = 1;
            }
            if (named)
                named_out[p]++;
            else if (other && other_out)
                other_out[p]++;
            else if (!other && none_out)
                none_out[p]++;
            if (!named && miss) {
                fprintf(miss, "%u tokens from %s @%zu (%s", pl->ntok, pl->src->rel, pl->src_off,
                        other ? "span names other documents" : "no span");
                if (other)
                    fprintf(miss, ": %zu listed, origin has %u copies", listed, copies);
                uint32_t mdf =
                    winnowed_min_df(pl->src, pl->src_off, pl->end - pl->start, k, w, table, ntable);
                if (mdf >= PV_DEFAULT_POSTING_CAP && overcap_out)
                    overcap_out[p]++;
                if (normset_init(&S->norm, &S->ix) == 0)
                    fprintf(miss, "; the passage is in %zu indexed documents",
                            docs_with(&S->norm, pl->text + pl->start, pl->end - pl->start));
                fprintf(miss,
                        "; its least frequent winnowed fingerprint in the source is in %u "
                        "documents%s):\n    ",
                        mdf,
                        mdf >= PV_DEFAULT_POSTING_CAP ? ", over the posting cap"
                        : mdf == 0                    ? ", NONE: GUARANTEE BROKEN"
                                                      : "");
                print_excerpt(miss, pl->text + pl->start, pl->end - pl->start, 600);
            }
            pv_result_free(res);
        }
    }
    return 0;
}

/* Edited excerpts, common off: mean coverage, and how many name their document. */
static int measure_edits(const study *S, const pv_index *ix, result_row *r)
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    double sum = 0;
    mo.common = UINT32_MAX;
    mo.max_sources = UINT32_MAX;
    for (size_t i = 0; i < S->nedits; i++) {
        const edited *e = &S->edits[i];
        pv_result *res = NULL;
        pv_err err = {0};
        if (pv_match_run(ix, e->text, e->len, &mo, &res, &err) != 0) {
            fprintf(stderr, "bench_params: match: %s\n", err.msg);
            return -1;
        }
        sum += res->coverage;
        r->edit_named += bench_result_names(res, e->src->rel);
        pv_result_free(res);
    }
    r->edit_coverage = S->nedits ? sum / (double)S->nedits : 0;
    return 0;
}

static int run_config(study *S, uint32_t k, uint32_t w, result_row *r)
{
    int rc = -1;
    char idx_path[PATH_MAX], miss_path[PATH_MAX], pattern[MAX_SKIPS][300];
    const char *excludes[MAX_SKIPS];
    const char *sources[1] = {S->corpus};
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_build_stats bs = {0};
    pv_index *ix = NULL;
    pv_err err = {0};
    reservoir *samples = NULL;
    fpdf *table = NULL;
    size_t ntable = 0;
    uint64_t rng = S->seed ^ 0x5eed;
    FILE *miss = NULL;
    double t0;

    memset(r, 0, sizeof *r);
    r->k = k;
    r->w = w;
    for (size_t i = 0; i < S->skip.n; i++) {
        snprintf(pattern[i], sizeof pattern[i], "^%s/", S->skip.v[i]);
        excludes[i] = pattern[i];
    }
    bo.k = k;
    bo.w = w;
    bo.jobs = S->jobs;
    bo.excludes = excludes;
    bo.nexcludes = S->skip.n;
    bo.diag = diag_cb;
    snprintf(idx_path, sizeof idx_path, "%s/params-k%u-w%u.pvx", S->out, k, w);

    t0 = bench_now_sec();
    if (pv_index_build(idx_path, sources, 1, &bo, &bs, &err) != 0) {
        fprintf(stderr, "bench_params: build k=%u w=%u: %s\n", k, w, err.msg);
        goto done;
    }
    r->build_s = bench_now_sec() - t0;
    r->input_bytes = bs.bytes;
    r->index_bytes = bs.index_bytes;
    r->documents = bs.documents;
    r->fingerprints = bs.fingerprints;
    r->postings = bs.postings;
    r->mbps = (double)bs.bytes / r->build_s / 1e6;
    r->index_pct = bs.bytes ? 100.0 * (double)bs.index_bytes / (double)bs.bytes : 0;
    fprintf(stderr,
            "bench_params: k=%u w=%u: built %llu documents, %.1f MB in %.2f s (%.1f MB/s), "
            "index %.2f%% of input; skipped %llu binary, %llu empty, %llu excluded, %llu large\n",
            k, w, (unsigned long long)bs.documents, (double)bs.bytes / 1e6, r->build_s, r->mbps,
            r->index_pct, (unsigned long long)bs.skipped_binary,
            (unsigned long long)bs.skipped_empty, (unsigned long long)bs.skipped_excluded,
            (unsigned long long)bs.skipped_large);
    if (pv_index_open(&ix, idx_path, &err) != 0) {
        fprintf(stderr, "bench_params: %s\n", err.msg);
        goto done;
    }

    /* (a) recall of planted excerpts: a span over the excerpt naming its document. With
     * common off, which tests the t = k + w - 1 guarantee: the matcher keeps only a few
     * documents of a common fingerprint, so a license passage found in hundreds of files
     * cannot name each of them; and with the default threshold, for comparison. */
    snprintf(miss_path, sizeof miss_path, "%s/recall-misses-k%u-w%u.txt", S->out, k, w);
    miss = fopen(miss_path, "w");
    /* (d) document frequency of the winnowed fingerprints, also used to explain misses */
    if (df_measure(&S->ix, k, w, &r->df, &table, &ntable) != 0) {
        fprintf(stderr, "bench_params: out of memory measuring document frequency\n");
        goto done;
    }
    fprintf(stderr, "bench_params: k=%u w=%u: document frequency measured (%.1f s)\n", k, w,
            bench_now_sec() - t0);
    if (recall(S, ix, k, w, table, ntable, UINT32_MAX, miss, r->recall_named, r->recall_other,
               r->recall_none, r->recall_overcap) ||
        recall(S, ix, k, w, table, ntable, thresholds[DEFAULT_THRESH_INDEX], NULL,
               r->recall_named_default, NULL, NULL, NULL))
        goto done;
    for (int p = 0; p < 2; p++)
        r->recall_n[p] = S->nplants[p];

    /* (b) and (d): spans on never-indexed text, at every common threshold */
    if (measure_edits(S, ix, r) != 0)
        goto done;
    fprintf(stderr, "bench_params: k=%u w=%u: recall measured (%.1f s)\n", k, w,
            bench_now_sec() - t0);
    samples = calloc(2, sizeof *samples);
    if (!samples)
        goto done;
    for (int t = 0; t < NTHRESH; t++) {
        int keep = t == DEFAULT_THRESH_INDEX;
        if (match_unseen(ix, &S->prose, "prose", k + w - 1, thresholds[t], &r->prose[t],
                         keep ? samples : NULL, &rng) != 0 ||
            match_unseen(ix, &S->code, "code", k + w - 1, thresholds[t], &r->code[t],
                         keep ? samples : NULL, &rng) != 0)
            goto done;
    }
    write_sample(S, r, samples);
    fprintf(stderr, "bench_params: k=%u w=%u: unseen text matched at %d thresholds (%.1f s)\n", k,
            w, NTHRESH, bench_now_sec() - t0);

    rc = 0;
done:
    if (miss)
        fclose(miss);
    free(samples);
    free(table);
    pv_index_free(ix);
    return rc;
}

/* ---- report ---------------------------------------------------------------------------- */

static double per_mb(uint64_t n, uint64_t bytes)
{
    return bytes ? (double)n / ((double)bytes / 1e6) : 0;
}

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0;
}

static void report(FILE *f, const study *S, const result_row *rows, size_t n)
{
    const int d = DEFAULT_THRESH_INDEX;
    fprintf(f, "Corpus: %s (%zu files", S->corpus, S->ix.n);
    for (size_t i = 0; i < S->skip.n; i++)
        fprintf(f, "%s%s/", i ? ", " : ", without ", S->skip.v[i]);
    fprintf(f,
            "), %.1f MB. Unseen: %zu prose files from %s (%.1f MB), %zu code files from "
            "%s (%.1f MB), each cut at %zu KiB. Planted: %zu x %u and %zu x %u tokens.\n\n",
            (double)S->ix_bytes / 1e6, S->prose.n, S->prose_dir, (double)S->prose_bytes / 1e6,
            S->code.n, S->code_dir ? S->code_dir : "-", (double)S->code_bytes / 1e6,
            UNSEEN_CAP >> 10, S->nplants[0], S->plant_tokens[0], S->nplants[1], S->plant_tokens[1]);

    fprintf(f,
            "(a)-(c) recall, spans on unseen text (common = %u), size and speed "
            "(build with --jobs %u):\n\n",
            thresholds[d], S->jobs);
    fprintf(f,
            "| k | w | t | recall %u tok | recall %u tok | named at --common %u (%u / %u "
            "tok) | spans/MB prose | "
            "of which < t tok | spans/MB code | of which < t tok | license words | number runs | "
            "index %% | build MB/s | fingerprints | postings |\n",
            S->plant_tokens[0], S->plant_tokens[1], thresholds[d], S->plant_tokens[0],
            S->plant_tokens[1]);
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const result_row *r = &rows[i];
        uint64_t nc_p = r->prose[d].spans - r->prose[d].common;
        uint64_t nc_c = r->code[d].spans - r->code[d].common;
        fprintf(f,
                "| %u | %u | %u | %.1f%% (%llu/%llu, %llu over cap) | %.1f%% (%llu/%llu, %llu over "
                "cap) | %.1f%% / %.1f%% | "
                "%.2f (%llu) | "
                "%llu | %.2f (%llu) | %llu | %llu | %llu | %.2f%% | %.1f | %llu | %llu |\n",
                r->k, r->w, r->k + r->w - 1, pct(r->recall_named[0], r->recall_n[0]),
                (unsigned long long)r->recall_named[0], (unsigned long long)r->recall_n[0],
                (unsigned long long)r->recall_overcap[0], pct(r->recall_named[1], r->recall_n[1]),
                (unsigned long long)r->recall_named[1], (unsigned long long)r->recall_n[1],
                (unsigned long long)r->recall_overcap[1],
                pct(r->recall_named_default[0], r->recall_n[0]),
                pct(r->recall_named_default[1], r->recall_n[1]), per_mb(nc_p, S->prose_bytes),
                (unsigned long long)nc_p, (unsigned long long)r->prose[d].short_spans,
                per_mb(nc_c, S->code_bytes), (unsigned long long)nc_c,
                (unsigned long long)r->code[d].short_spans,
                (unsigned long long)(r->prose[d].license_spans + r->code[d].license_spans),
                (unsigned long long)(r->prose[d].numeric_spans + r->code[d].numeric_spans),
                r->index_pct, r->mbps, (unsigned long long)r->fingerprints,
                (unsigned long long)r->postings);
    }

    fprintf(f,
            "\nRecall misses (common off) by kind: a span over the excerpt names other "
            "documents only / no span at all; of them, excerpts whose every k-gram is in "
            ">= %u documents (over the posting cap: the matcher keeps a few documents of such "
            "a fingerprint, so the right one cannot be named):\n\n",
            (unsigned)PV_DEFAULT_POSTING_CAP);
    for (size_t i = 0; i < n; i++)
        fprintf(
            f,
            "- k=%u w=%u: %u tokens %llu / %llu, over the cap %llu; %u tokens %llu / %llu, "
            "over the cap %llu\n",
            rows[i].k, rows[i].w, S->plant_tokens[0], (unsigned long long)rows[i].recall_other[0],
            (unsigned long long)rows[i].recall_none[0],
            (unsigned long long)rows[i].recall_overcap[0], S->plant_tokens[1],
            (unsigned long long)rows[i].recall_other[1], (unsigned long long)rows[i].recall_none[1],
            (unsigned long long)rows[i].recall_overcap[1]);

    fprintf(f,
            "\nSmall edits: %zu excerpts of %d bytes of indexed documents with one word "
            "changed every ~%d bytes (common off):\n\n| k | w | mean coverage | source "
            "named |\n|---|---|---|---|\n",
            S->nedits, EDIT_BYTES, EDIT_EVERY);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "| %u | %u | %.1f%% | %.1f%% |\n", rows[i].k, rows[i].w,
                100 * rows[i].edit_coverage, pct(rows[i].edit_named, S->nedits));

    fprintf(f, "\n(d) spans on unseen text (prose + code) flagged common, by --common:\n\n");
    fprintf(f, "| k | w | spans |");
    for (int t = 0; t < NTHRESH; t++)
        fprintf(f, " common at %u |", thresholds[t]);
    fprintf(f, "\n|---|---|---|");
    for (int t = 0; t < NTHRESH; t++)
        fprintf(f, "---|");
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        const result_row *r = &rows[i];
        fprintf(f, "| %u | %u | %llu |", r->k, r->w,
                (unsigned long long)(r->prose[d].spans + r->code[d].spans));
        for (int t = 0; t < NTHRESH; t++) {
            uint64_t c = r->prose[t].common + r->code[t].common;
            uint64_t all = r->prose[t].spans + r->code[t].spans;
            fprintf(f, " %llu of %llu (%.0f%%) |", (unsigned long long)c, (unsigned long long)all,
                    pct(c, all));
        }
        fputc('\n', f);
    }

    fprintf(f, "\n(d) document frequency of winnowed fingerprints in the index corpus "
               "(%% of distinct fingerprints / %% of postings):\n\n| k | w | fingerprints |");
    for (int b = 0; b < NBUCKETS; b++)
        fprintf(f, " df %s |", bucket_name[b]);
    fprintf(f, " max df |\n|---|---|---|");
    for (int b = 0; b < NBUCKETS; b++)
        fprintf(f, "---|");
    fprintf(f, "---|\n");
    for (size_t i = 0; i < n; i++) {
        const dfstats *st = &rows[i].df;
        fprintf(f, "| %u | %u | %llu |", rows[i].k, rows[i].w, (unsigned long long)st->fps);
        for (int b = 0; b < NBUCKETS; b++)
            fprintf(f, " %.2f / %.1f |", pct(st->fps_in[b], st->fps),
                    pct(st->postings_in[b], st->postings));
        fprintf(f, " %u |\n", st->max_df);
    }
    fprintf(f, "\nFingerprints over each --common threshold (%% of distinct / %% of "
               "postings):\n\n| k | w |");
    for (int t = 0; t < NTHRESH; t++)
        fprintf(f, " df > %u |", thresholds[t]);
    fprintf(f, "\n|---|---|");
    for (int t = 0; t < NTHRESH; t++)
        fprintf(f, "---|");
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        const dfstats *st = &rows[i].df;
        fprintf(f, "| %u | %u |", rows[i].k, rows[i].w);
        for (int t = 0; t < NTHRESH; t++)
            fprintf(f, " %.2f%% / %.1f%% |", pct(st->fps_over[t], st->fps),
                    pct(st->postings_over[t], st->postings));
        fputc('\n', f);
    }
    fprintf(f,
            "\nChecks: %llu of %zu planted excerpts tokenized to a count other than "
            "planned (must be 0); documents indexed vs files seen:",
            (unsigned long long)S->token_check_bad, S->nplants[0] + S->nplants[1]);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %llu", (unsigned long long)rows[i].documents);
    size_t ntext = 0;
    for (size_t i = 0; i < S->ix.n; i++)
        ntext += S->ix.v[i].text != NULL;
    fprintf(f, " vs %zu text files; distinct fingerprints in index vs measured:", ntext);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %llu/%llu", (unsigned long long)rows[i].fingerprints,
                (unsigned long long)rows[i].df.fps);
    fprintf(f, ".\n");
}

/* ---- main ------------------------------------------------------------------------------ */

static int parse_configs(const char *s, study *S)
{
    const char *p = s;
    S->nconfigs = 0;
    while (*p) {
        unsigned k, w;
        int used = 0;
        if (S->nconfigs == MAX_CONFIGS || sscanf(p, "%u:%u%n", &k, &w, &used) != 2 || k == 0 ||
            w == 0)
            return -1;
        S->ks[S->nconfigs] = k;
        S->ws[S->nconfigs] = w;
        S->nconfigs++;
        p += used;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return S->nconfigs ? 0 : -1;
}

/* Excerpts alone must tokenize to exactly the planned count, or recall means nothing. */
static void check_tokens(study *S, const pv_index *ix)
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < S->nplants[p]; i++) {
            const plant *pl = &S->plants[p][i];
            pv_result *res = NULL;
            pv_err err = {0};
            if (pv_match_run(ix, pl->text + pl->start, pl->end - pl->start, &mo, &res, &err) != 0 ||
                res->tokens != pl->ntok)
                S->token_check_bad++;
            pv_result_free(res);
        }
}

int main(int argc, char **argv)
{
    int rc = 3;
    study S = {0};
    result_row *rows = NULL;
    bench_docset prose_all = {0}, code_all = {0};
    uint64_t rng;
    char path[PATH_MAX];
    FILE *md = NULL;

    S.n = 500;
    S.seed = 1;
    S.jobs = 1;
    parse_configs("8:18,10:16,13:13,16:10,20:6", &S);
    S.plant_tokens[0] = 25;
    S.plant_tokens[1] = 40;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (!v)
            goto usage_error;
        i++;
        if (!strcmp(a, "--corpus"))
            S.corpus = v;
        else if (!strcmp(a, "--skip") && S.skip.n < MAX_SKIPS)
            S.skip.v[S.skip.n++] = v;
        else if (!strcmp(a, "--prose"))
            S.prose_dir = v;
        else if (!strcmp(a, "--code"))
            S.code_dir = v;
        else if (!strcmp(a, "--out"))
            S.out = v;
        else if (!strcmp(a, "--configs")) {
            if (parse_configs(v, &S))
                goto usage_error;
        } else if (!strcmp(a, "-n") && !bench_parse_u64(v, &u) && u > 0)
            S.n = u;
        else if (!strcmp(a, "--jobs") && !bench_parse_u64(v, &u) && u <= 256)
            S.jobs = (unsigned)u;
        else if (!strcmp(a, "--seed") && !bench_parse_u64(v, &u))
            S.seed = u;
        else
            goto usage_error;
    }
    if (!S.corpus || !S.prose_dir || !S.out)
        goto usage_error;
    if (mkdir(S.out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_params: cannot create '%s': %s\n", S.out, strerror(errno));
        goto done;
    }

    /* the index corpus, whole in memory (it is a subset: tens of MB) */
    if (bench_docset_load(&S.ix, S.corpus, S.skip.v, S.skip.n, "bench_params") != 0)
        goto done;
    S.ix_bytes = docset_load_all(&S.ix, BENCH_MAX_FILE_SIZE);

    /* never-indexed text */
    rng = S.seed;
    if (bench_docset_load(&prose_all, S.prose_dir, NULL, 0, "bench_params") != 0 ||
        (S.code_dir && bench_docset_load(&code_all, S.code_dir, NULL, 0, "bench_params") != 0))
        goto done;
    S.prose_bytes = docset_sample(&prose_all, S.n, 256, UNSEEN_CAP, &rng, &S.prose);
    S.code_bytes = docset_sample(&code_all, S.n, 256, UNSEEN_CAP, &rng, &S.code);
    fprintf(stderr,
            "bench_params: corpus %zu files, %.1f MB; unseen %zu prose (%.1f MB), %zu code "
            "(%.1f MB)\n",
            S.ix.n, (double)S.ix_bytes / 1e6, S.prose.n, (double)S.prose_bytes / 1e6, S.code.n,
            (double)S.code_bytes / 1e6);
    if (S.prose.n == 0 || S.ix.n == 0)
        goto done;

    /* the planted excerpts, the same for every configuration */
    for (int p = 0; p < 2; p++) {
        S.plants[p] = calloc(S.n, sizeof *S.plants[p]);
        if (!S.plants[p])
            goto done;
        for (uint64_t i = 0; i < S.n; i++)
            if (make_plant(&S.ix, &S.prose, S.plant_tokens[p], &rng, &S.plants[p][S.nplants[p]]) ==
                0)
                S.nplants[p]++;
    }

    S.edits = calloc(S.n, sizeof *S.edits);
    if (!S.edits)
        goto done;
    for (uint64_t i = 0; i < S.n; i++)
        if (make_edited(&S.ix, &rng, &S.edits[S.nedits]) == 0)
            S.nedits++;

    rows = calloc(S.nconfigs, sizeof *rows);
    if (!rows)
        goto done;
    for (size_t c = 0; c < S.nconfigs; c++) {
        if (run_config(&S, S.ks[c], S.ws[c], &rows[c]) != 0)
            goto done;
        if (c == 0) {
            pv_index *ix = NULL;
            pv_err err = {0};
            snprintf(path, sizeof path, "%s/params-k%u-w%u.pvx", S.out, S.ks[0], S.ws[0]);
            if (pv_index_open(&ix, path, &err) == 0)
                check_tokens(&S, ix);
            pv_index_free(ix);
        }
    }

    report(stdout, &S, rows, S.nconfigs);
    snprintf(path, sizeof path, "%s/params.md", S.out);
    md = fopen(path, "w");
    if (md) {
        report(md, &S, rows, S.nconfigs);
        fclose(md);
    }
    rc = 0;
    goto done;
usage_error:
    fputs(usage, stderr);
    rc = 2;
done:
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < S.nplants[p]; i++)
            free(S.plants[p][i].text);
        free(S.plants[p]);
    }
    for (size_t i = 0; i < S.nedits; i++)
        free(S.edits[i].text);
    free(S.edits);
    free(rows);
    normset_free(&S.norm);
    bench_docset_free(&S.ix);
    bench_docset_free(&S.prose);
    bench_docset_free(&S.code);
    bench_docset_free(&prose_all);
    bench_docset_free(&code_all);
    return rc;
}

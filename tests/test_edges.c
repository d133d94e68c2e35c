/*
 * test_edges.c - span edges (docs/attribution.md, "Span edges"): verbatim excerpts of real code
 * and prose (copies of this project's sources frozen in fixtures/edges, so that editing them
 * does not change the sample; the fixture corpus), planted in unrelated prose at thousands of
 * seeded positions, come back with both ends within one token of the copied run,
 * code with its exact lines; 70-word quotes of a Stack Exchange answer are credited in full;
 * and the give-back rules undo a chance agreement of the token checks next to a copy, but keep
 * a copied word case by case where the copy's other end is not at a line end; a blank line
 * the source does not have ends a span; lone CR line ends count as LF ones.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "provscan.h"
#include "scanner_int.h"
#include "util.h"

/* The indexed documents: code (whole-line excerpts) and prose (excerpts cut at any token). One
 * prose file is indexed with a line per paragraph, as forum posts and unwrapped Markdown are. */
typedef struct src_file {
    const char *path; /* in the repository */
    const char *name; /* in the indexed folder (the locator) */
    int code, unwrap;
} src_file;

static const src_file files[] = {
    {"fixtures/edges/build.c.txt", "code/build.c", 1, 0},
    {"fixtures/edges/source_feed.c.txt", "code/source_feed.c", 1, 0},
    {"fixtures/edges/source_warc.c.txt", "code/source_warc.c", 1, 0},
    {"fixtures/edges/source_git.c.txt", "code/source_git.c", 1, 0},
    {"fixtures/corpus/warcio/README.rst", "prose/warcio-README.rst", 0, 0},
    {"fixtures/corpus/warcio/LICENSE", "prose/warcio-LICENSE", 0, 0},
    {"fixtures/corpus/rss/README.md", "prose/rss-README.md", 0, 0},
    {"fixtures/licenses/WordPress__wordpress-importer__LICENSE", "prose/wordpress-LICENSE.txt", 0,
     1},
};
#define NFILES (sizeof files / sizeof *files)

/* Unrelated prose the excerpts are planted in (not indexed). */
#define FILLER_PATH "docs/tokens.md"

typedef struct doc {
    char *text;
    size_t len;
    pv_tokens tok;
    uint32_t *line_starts; /* byte offsets */
    size_t nlines;
    uint8_t *repeated; /* per token: the REPEAT_K tokens from it occur elsewhere in the text */
} doc;

#define REPEAT_K 10

static const char *tmpdir;
static pv_index *ix;
static pv_index_info info;
static doc docs[NFILES], filler;

/* text with the line ends inside each paragraph (a run of non-blank lines) made spaces. */
static char *unwrap(const char *text, size_t *len)
{
    char *out = strdup(text);
    size_t i, n = strlen(text);
    cr_assert_not_null(out);
    for (i = 0; i + 1 < n; i++)
        if (out[i] == '\n' && out[i + 1] != '\n' && i > 0 && out[i - 1] != '\n')
            out[i] = ' ';
    *len = n;
    return out;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* d->repeated: which runs of REPEAT_K tokens occur more than once in d (an excerpt holding one
 * may be matched at either place, so its source lines are not a test of the edges). */
static void mark_repeats(doc *d)
{
    size_t n = d->tok.n, nk, i;
    uint64_t *kg = malloc((n + 1) * sizeof *kg), *sorted = malloc((n + 1) * sizeof *kg);
    d->repeated = calloc(n + 1, 1);
    cr_assert(kg && sorted && d->repeated);
    nk = pv_scanner__kgrams(d->tok.v, n, REPEAT_K, info.seed, kg);
    memcpy(sorted, kg, nk * sizeof *kg);
    qsort(sorted, nk, sizeof *sorted, cmp_u64);
    for (i = 0; i < nk; i++) {
        uint64_t *at = bsearch(&kg[i], sorted, nk, sizeof *sorted, cmp_u64);
        d->repeated[i] =
            (at > sorted && at[-1] == kg[i]) || (at + 1 < sorted + nk && at[1] == kg[i]);
    }
    free(kg);
    free(sorted);
}

static void load_doc(doc *d, char *text, size_t len)
{
    d->text = text;
    d->len = len;
    memset(&d->tok, 0, sizeof d->tok);
    int rc = pv_scanner__tokenize(text, len, info.seed, &d->tok);
    cr_assert_eq(rc, 0, "tokenize: %d (%zu bytes)", rc, len);
    cr_assert_eq(pv_scanner__line_starts(text, len, &d->line_starts, &d->nlines), 0);
    mark_repeats(d);
}

static void setup(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *src[1];
    char *text[NFILES], rel[128];
    size_t len[NFILES], i, n;
    int rc;

    tmpdir = pv_test_tmpdir("pv-edges-");
    for (i = 0; i < NFILES; i++) {
        text[i] = pv_test_read_file(files[i].path, &len[i]);
        if (files[i].unwrap) {
            char *u = unwrap(text[i], &len[i]);
            free(text[i]);
            text[i] = u;
        }
        snprintf(rel, sizeof rel, "corpus/%s", files[i].name);
        pv_test_put(rel, text[i], len[i]);
    }
    src[0] = pv_test_path("corpus");
    o.jobs = 2;
    o.author = "Edge Author <edges@example.org>";
    rc = pv_index_build(pv_test_path("edges.pvx"), src, 1, &o, NULL, &err);
    cr_assert_eq(rc, 0, "build failed: %s", err.msg);
    cr_assert_eq(pv_index_open(&ix, pv_test_path("edges.pvx"), &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    for (i = 0; i < NFILES; i++)
        load_doc(&docs[i], text[i], len[i]);
    text[0] = pv_test_read_file(FILLER_PATH, &n);
    load_doc(&filler, text[0], n);
}

static void teardown(void)
{
    size_t i;
    for (i = 0; i < NFILES; i++) {
        free(docs[i].text);
        pv_scanner__tokens_free(&docs[i].tok);
        free(docs[i].line_starts);
        free(docs[i].repeated);
    }
    free(filler.text);
    pv_scanner__tokens_free(&filler.tok);
    free(filler.line_starts);
    free(filler.repeated);
    pv_index_free(ix);
    ix = NULL;
    pv_test_done();
}

TestSuite(edges, .init = setup, .fini = teardown);

/* xorshift64*: the cases are the same on every run */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(0x2545F4914F6CDD1D)) >> 32) % n;
}

/* A query being put together (a few KB: two filler windows and an excerpt). */
typedef struct qbuf {
    char s[1 << 16];
    size_t len;
} qbuf;

static void put(qbuf *b, const char *s, size_t n)
{
    cr_assert_lt(b->len + n, sizeof b->s);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

/* A window of 20 to 120 tokens of the filler, from its first token's first byte to its last
 * token's last byte. */
static void put_filler(qbuf *b)
{
    uint32_t n = 20 + rnd(101), a = rnd((uint32_t)filler.tok.n - n);
    const pv_token *f = &filler.tok.v[a], *l = &filler.tok.v[a + n - 1];
    put(b, filler.text + f->start, l->start + l->len - f->start);
}

/* Line (0-based) of byte offset off in d. */
static size_t line_at(const doc *d, uint32_t off)
{
    size_t lo = 0, hi = d->nlines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->line_starts[mid] <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

/* One planted excerpt: document tokens [a, b) of docs[f] at query tokens [qa, qb), widened to
 * the maximal run of equal tokens on that diagonal (the truth: filler next to the excerpt may
 * by chance continue the copy); the excerpt's own lines were [la, lb] (1-based). */
typedef struct planted {
    size_t f;
    uint32_t a, b, qa, qb;
    size_t la, lb;
} planted;

typedef struct tally {
    unsigned cases, ends_ok, ends_exact, lines_cases, lines_ok;
} tally;

/* Does document text [a, b) hold a run of REPEAT_K tokens found elsewhere in the document? */
static int ambiguous(const doc *d, uint32_t a, uint32_t b)
{
    uint32_t i;
    for (i = a; i + REPEAT_K <= b; i++)
        if (d->repeated[i])
            return 1;
    return 0;
}

/* Match the query, find the span over the planted run and score its ends (and, for code, the
 * source lines of its origin row). */
static void score(const qbuf *qb, planted *p, tally *t)
{
    const doc *d = &docs[p->f];
    pv_tokens q = {NULL, 0, 0, 0};
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    const pv_span *best = NULL;
    uint32_t best_overlap = 0;
    size_t i;

    cr_assert_eq(pv_scanner__tokenize(qb->s, qb->len, info.seed, &q), 0);
    while (p->qa > 0 && p->a > 0 && q.v[p->qa - 1].hash == d->tok.v[p->a - 1].hash)
        p->qa--, p->a--;
    while (p->qb < q.n && p->b < d->tok.n && q.v[p->qb].hash == d->tok.v[p->b].hash)
        p->qb++, p->b++;
    cr_assert_eq(pv_match_run(ix, qb->s, qb->len, NULL, &res, &err), 0, "%s", err.msg);
    for (i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        uint32_t lo = sp->tok_start > p->qa ? sp->tok_start : p->qa;
        uint32_t hi = sp->tok_end < p->qb ? sp->tok_end : p->qb;
        if (hi > lo && hi - lo > best_overlap) {
            best_overlap = hi - lo;
            best = sp;
        }
    }
    t->cases++;
    if (best) {
        int ds = (int)best->tok_start - (int)p->qa, de = (int)best->tok_end - (int)p->qb;
        t->ends_ok += ds >= -1 && ds <= 1 && de >= -1 && de <= 1;
        t->ends_exact += ds == 0 && de == 0;
        if (files[p->f].code && !ambiguous(d, p->a, p->b)) {
            t->lines_cases++;
            t->lines_ok += strcmp(best->sources[0].locator, files[p->f].name) == 0 &&
                           best->sources[0].line_start == p->la &&
                           best->sources[0].line_end == p->lb;
        }
    }
    pv_result_free(res);
    pv_scanner__tokens_free(&q);
}

/* Pick a file of the kind (code or prose), in proportion to its tokens. */
static size_t pick_file(int code)
{
    uint64_t total = 0, r;
    size_t i;
    for (i = 0; i < NFILES; i++)
        if (files[i].code == code)
            total += docs[i].tok.n;
    r = rnd((uint32_t)total);
    for (i = 0; i < NFILES; i++)
        if (files[i].code == code) {
            if (r < docs[i].tok.n)
                return i;
            r -= docs[i].tok.n;
        }
    return NFILES - 1;
}

/* When set, every line end of the queries is a lone \r. */
static int cr_only;

/* Plant one excerpt of 30 to 300 tokens of a file of the kind in filler and score it. Prose is
 * cut at any token and set inline, on a line of its own or as a Markdown quote; code is cut at
 * whole lines and set as a paragraph of its own. */
static void plant_one(int code, tally *t)
{
    size_t f = pick_file(code);
    const doc *d = &docs[f];
    uint32_t want = 30 + rnd(271), a, b;
    uint32_t from, to;
    static qbuf qb;
    planted p;
    size_t pre, i;

    if (!code) {
        cr_assert_gt(d->tok.n, want + 1, "%s: %zu tokens", files[f].name, d->tok.n);
        a = rnd((uint32_t)d->tok.n - want);
        b = a + want;
        from = d->tok.v[a].start;
        to = d->tok.v[b - 1].start + d->tok.v[b - 1].len;
    } else {
        /* from the start of a random line to the end of the line where want tokens are reached
         * (at most 300) */
        size_t l = line_at(d, d->tok.v[rnd((uint32_t)d->tok.n - 300)].start), last;
        a = 0;
        while (a < d->tok.n && d->tok.v[a].start < d->line_starts[l])
            a++;
        b = a;
        last = line_at(d, d->tok.v[a].start);
        for (;;) {
            uint32_t e = b;
            size_t next_start = last + 1 < d->nlines ? d->line_starts[last + 1] : d->len;
            while (e < d->tok.n && d->tok.v[e].start < next_start)
                e++;
            if (e - a > 300)
                break;
            b = e;
            if (b - a >= want || b >= d->tok.n)
                break;
            last = line_at(d, d->tok.v[b].start);
        }
        cr_assert_geq(b - a, 30, "%s: no 30-token excerpt at token %u", files[f].name, a);
        from = d->line_starts[line_at(d, d->tok.v[a].start)];
        to = d->tok.v[b - 1].start + d->tok.v[b - 1].len;
        while (to < d->len && d->text[to] != '\n' && d->text[to] != '\r')
            to++;
    }
    qb.len = 0;
    put_filler(&qb);
    if (code) {
        put(&qb, "\n\n", 2);
    } else {
        static const char *const seps[] = {" ", "\n", "\n\n> ", ": \""};
        const char *s = seps[rnd(4)];
        put(&qb, s, strlen(s));
    }
    pre = qb.len;
    put(&qb, d->text + from, to - from);
    put(&qb, code ? "\n\n" : rnd(2) ? " " : "\n\n", code ? 2 : rnd(2) + 1);
    put_filler(&qb);
    put(&qb, "\n", 1);
    for (i = 0; cr_only && i < qb.len; i++) /* a query with old Mac line ends */
        if (qb.s[i] == '\n')
            qb.s[i] = '\r';

    /* the excerpt's first query token */
    {
        pv_tokens q = {NULL, 0, 0, 0};
        cr_assert_eq(pv_scanner__tokenize(qb.s, qb.len, info.seed, &q), 0);
        for (i = 0; i < q.n && q.v[i].start < pre; i++)
            ;
        p.qa = (uint32_t)i;
        pv_scanner__tokens_free(&q);
    }
    p.f = f;
    p.a = a;
    p.b = b;
    p.qb = p.qa + (b - a);
    p.la = line_at(d, d->tok.v[a].start) + 1;
    p.lb = line_at(d, d->tok.v[b - 1].start) + 1;
    score(&qb, &p, t);
}

static double pct(unsigned n, unsigned of)
{
    return of ? 100.0 * n / of : 0.0;
}

/* n excerpts of the kind, from a generator seeded with seed. */
static tally plant_many(int code, unsigned n, uint64_t seed)
{
    tally t = {0, 0, 0, 0, 0};
    unsigned i;
    rng_state = seed;
    for (i = 0; i < n; i++)
        plant_one(code, &t);
    return t;
}

/* The goal: both ends within one token of the truth in >= 99% of cases. */
Test(edges, planted_prose_excerpts_end_within_one_token)
{
    tally t = plant_many(0, 5000, UINT64_C(0x70726f7365));
    printf("edges: prose, %u excerpts of 30-300 tokens: both ends within one token %.2f%%, "
           "exact %.2f%%\n",
           t.cases, pct(t.ends_ok, t.cases), pct(t.ends_exact, t.cases));
    cr_assert_geq(pct(t.ends_ok, t.cases), 99.0, "%u of %u", t.ends_ok, t.cases);
    /* docs/attribution.md publishes 90.64% */
    cr_assert_geq(pct(t.ends_exact, t.cases), 90.0, "%u of %u", t.ends_exact, t.cases);
}

/* Code is copied by whole lines: both ends within one token, and the origin's exact lines.
 * Without the give-back rules (match.c, PV_EDGE_GIVE_BACK=0) the lines are right in 97.7%. */
Test(edges, planted_code_excerpts_have_their_lines)
{
    tally t = plant_many(1, 3000, UINT64_C(0x636f6465));
    printf("edges: code, %u whole-line excerpts of 30-300 tokens: both ends within one token "
           "%.2f%%, exact %.2f%%; of the %u whose text occurs once in their file, exact source "
           "lines %.2f%%\n",
           t.cases, pct(t.ends_ok, t.cases), pct(t.ends_exact, t.cases), t.lines_cases,
           pct(t.lines_ok, t.lines_cases));
    cr_assert_geq(pct(t.ends_ok, t.cases), 99.0, "%u of %u", t.ends_ok, t.cases);
    cr_assert_geq(t.lines_cases, t.cases / 2);
    cr_assert_geq(pct(t.lines_ok, t.lines_cases), 99.0, "%u of %u", t.lines_ok, t.lines_cases);
    /* docs/attribution.md publishes 99.47% (98.23% without the give-back rules); the excerpts
     * are this project's sources, so the figure moves a little as they change */
    cr_assert_geq(pct(t.ends_exact, t.cases), 99.0, "%u of %u", t.ends_exact, t.cases);
}

/* A lone \r ends a line as \n does (old Mac text): the same code excerpts with every line end
 * of the query a \r give the same ends and the same source lines, case for case. */
Test(edges, code_excerpts_with_lone_cr_line_ends_give_the_same_lines)
{
    tally lf, cr;
    lf = plant_many(1, 1000, UINT64_C(0x0d0a));
    cr_only = 1;
    cr = plant_many(1, 1000, UINT64_C(0x0d0a));
    cr_only = 0;
    cr_assert_eq(cr.cases, lf.cases);
    cr_assert_eq(cr.ends_ok, lf.ends_ok);
    cr_assert_eq(cr.ends_exact, lf.ends_exact, "exact: %u with \\r, %u with \\n", cr.ends_exact,
                 lf.ends_exact);
    cr_assert_eq(cr.lines_cases, lf.lines_cases);
    cr_assert_eq(cr.lines_ok, lf.lines_ok, "lines: %u with \\r, %u with \\n", cr.lines_ok,
                 lf.lines_ok);
    cr_assert_geq(pct(cr.lines_ok, cr.lines_cases), 99.0);
}

/* ---- quotes of a Stack Exchange answer ---- */

static pv_index *se;

static void setup_se(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *src[] = {"fixtures/stackexchange"};
    tmpdir = pv_test_tmpdir("pv-edges-se-");
    o.jobs = 2;
    o.read.site = "french.meta.stackexchange.com";
    cr_assert_eq(pv_index_build(pv_test_path("se.pvx"), src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&se, pv_test_path("se.pvx"), &err), 0, "%s", err.msg);
    pv_index_get_info(se, &info);
}

static void teardown_se(void)
{
    pv_index_free(se);
    se = NULL;
    pv_test_done();
}

TestSuite(edges_se, .init = setup_se, .fini = teardown_se);

/* Paragraphs of answers in fixtures/stackexchange/Posts.xml (one line each in the indexed
 * text): https://french.meta.stackexchange.com/a/57 by Gilles and /a/13 by Benjamin, CC BY-SA
 * 3.0. */
static const char *const se_paragraphs[] = {
    "My take on this is: if you can look it up in a dictionary or encyclopedia, then the "
    "question is not interesting. It will be just as fast for you to look it up, you don't need "
    "someone else to do it for you. On the other hand, if your question fundamentally requires "
    "help for a human being, or if you've looked up the answer in a dictionary and not found it, "
    "or if you don't understand what you found in your dictionary, then it is a worthwhile "
    "question.",
    "I know that this opinion is disputed, though.  I just ask people to bear in mind: what "
    "would make a more active community?  An open one where as many questions as possible are "
    "accepted (nobody is forced to answer a question, after all), or one where many are shut "
    "down because they're not the right 'type' of French question?  It's my firm opinion that "
    "the Philosophy site suffered in terms of popularity and community because too many "
    "questions got shut down too easily.  Let's not make the same mistake with French Language "
    "& Usage.",
};

/* The example: a model output quoting 70 words of an answer, from the middle of a
 * paragraph, is credited >= 95% of the quote's tokens. Every 70-word window of two paragraphs,
 * as a Markdown quote between sentences of ours. (Index format 2, whose spans ended at their
 * last stored fingerprint or a whole matching line, credited 2,809 of these 3,263 tokens.) */
Test(edges_se, seventy_word_quotes_are_credited_in_full)
{
    size_t p, nquotes = 0;
    double credited = 0, quoted = 0, worst = 1;
    for (p = 0; p < sizeof se_paragraphs / sizeof *se_paragraphs; p++) {
        const char *para = se_paragraphs[p], *w[200];
        size_t nw = 0, i, first;
        for (i = 0; para[i]; i++)
            if (para[i] != ' ' && (i == 0 || para[i - 1] == ' '))
                w[nw++] = para + i;
        cr_assert_geq(nw, 80);
        for (first = 0; first + 70 <= nw; first++) {
            const char *end = first + 70 < nw ? w[first + 70] : para + strlen(para);
            static qbuf qb;
            pv_tokens qt = {NULL, 0, 0, 0};
            pv_result *res = NULL;
            pv_err err = {0, {0}};
            double got = 0;
            size_t a;
            qb.len = 0;
            put(&qb,
                "When I asked how strict the site should be, a moderator pointed me to this:"
                "\n\n> ",
                strlen("When I asked how strict the site should be, a moderator pointed me to "
                       "this:\n\n> "));
            put(&qb, w[first], (size_t)(end - w[first]));
            put(&qb, "\n\nSo I now read the rules twice before I post anything there.\n",
                strlen("\n\nSo I now read the rules twice before I post anything there.\n"));
            cr_assert_eq(pv_scanner__tokenize(w[first], (size_t)(end - w[first]), info.seed, &qt),
                         0);
            cr_assert_eq(pv_match_run(se, qb.s, qb.len, NULL, &res, &err), 0, "%s", err.msg);
            for (a = 0; a < res->nauthors; a++)
                got += res->authors[a].tokens;
            cr_assert_leq(got, (double)qt.n + 2, "words %zu-%zu: %.0f credited of %zu", first,
                          first + 70, got, qt.n);
            if (got / (double)qt.n < worst)
                worst = got / (double)qt.n;
            credited += got;
            quoted += (double)qt.n;
            nquotes++;
            pv_result_free(res);
            pv_scanner__tokens_free(&qt);
        }
    }
    printf("edges: Stack Exchange, %zu quotes of 70 words: %.0f of %.0f tokens credited "
           "(%.2f%%), the worst %.2f%%\n",
           nquotes, credited, quoted, 100 * credited / quoted, 100 * worst);
    cr_assert_geq(worst, 0.95);
}

/* ---- the give-back rules, case by case ---- */

/* The hash of one word as the tokenizer gives it. */
static uint64_t hash_of(const char *w)
{
    pv_tokens t = {NULL, 0, 0, 0};
    uint64_t h;
    cr_assert_eq(pv_scanner__tokenize(w, strlen(w), info.seed, &t), 0);
    cr_assert_eq(t.n, 1, "%s", w);
    h = t.v[0].hash;
    pv_scanner__tokens_free(&t);
    return h;
}

/* Puts " zqNx" for the first N from *n on whose token check at document position pos differs
 * from that of d's token there (a filler word the walk stops at), or with agree, is the same
 * (one it takes by chance); no document holds it. */
static void put_checked(qbuf *b, const doc *d, uint32_t pos, unsigned *n, int agree)
{
    char w[32];
    for (;; (*n)++) {
        snprintf(w, sizeof w, "zq%ux", *n);
        if ((pv_token_check(hash_of(w), pos) == pv_token_check(d->tok.v[pos].hash, pos)) == agree)
            break;
    }
    (*n)++;
    put(b, " ", 1);
    put(b, w, strlen(w));
}

/* Number of query tokens in b. */
static uint32_t ntokens(const qbuf *b)
{
    pv_tokens t = {NULL, 0, 0, 0};
    uint32_t n;
    cr_assert_eq(pv_scanner__tokenize(b->s, b->len, info.seed, &t), 0);
    n = (uint32_t)t.n;
    pv_scanner__tokens_free(&t);
    return n;
}

/* A case's query opens with filler that the walk stops at before document token before; returns
 * the query token the copy starts at. */
static uint32_t open_case(qbuf *b, const doc *d, uint32_t before)
{
    unsigned n = 0;
    put(b, "zqstart", 7);
    put_checked(b, d, before, &n, 0);
    put(b, " ", 1);
    return ntokens(b);
}

/* ... and closes with filler that the walk stops at on document token after. */
static void close_case(qbuf *b, const doc *d, uint32_t after)
{
    unsigned n = 1000;
    put_checked(b, d, after, &n, 0);
    put(b, " zqend\n", 7);
}

/* The query tokens of the span of res that starts nearest to token qa, or fails. */
static const pv_span *span_near(const pv_result *res, uint32_t qa, uint32_t qb)
{
    size_t i;
    for (i = 0; i < res->nspans; i++)
        if (res->spans[i].tok_start < qb && res->spans[i].tok_end > qa)
            return &res->spans[i];
    cr_assert_fail("no span over query tokens %u-%u", qa, qb);
    return NULL;
}

/* Tokens of d on line l (0-based): [*a, *b). */
static void line_tokens(const doc *d, size_t l, uint32_t *a, uint32_t *b)
{
    uint32_t end = l + 1 < d->nlines ? d->line_starts[l + 1] : (uint32_t)d->len;
    *a = 0;
    while (*a < d->tok.n && d->tok.v[*a].start < d->line_starts[l])
        (*a)++;
    *b = *a;
    while (*b < d->tok.n && d->tok.v[*b].start < end)
        (*b)++;
}

/* Runs cases over the lines of the first code file: for each line l (of 3 tokens or more,
 * followed by enough text that occurs once in the file), case(d, l, qb, qa, qb) builds a query
 * and the query tokens [qa, qe) the span must cover exactly. Returns the cases run. */
typedef int (*edge_case)(const doc *d, size_t l, qbuf *b, uint32_t *qa, uint32_t *qe);

static unsigned run_cases(edge_case make, const char *what)
{
    const doc *d = &docs[0];
    static qbuf b;
    unsigned ncases = 0, nexact = 0;
    size_t l;
    for (l = 10; l + 12 < d->nlines && ncases < 300; l += 7) {
        uint32_t qa, qe;
        pv_result *res = NULL;
        pv_err err = {0, {0}};
        const pv_span *sp;
        b.len = 0;
        if (!make(d, l, &b, &qa, &qe))
            continue;
        ncases++;
        cr_assert_eq(pv_match_run(ix, b.s, b.len, NULL, &res, &err), 0, "%s", err.msg);
        sp = span_near(res, qa, qe);
        nexact += sp->tok_start == qa && sp->tok_end == qe;
        cr_expect(sp->tok_start == qa && sp->tok_end == qe,
                  "%s, line %zu: span %u-%u, the copy %u-%u\n%s", what, l + 1, sp->tok_start,
                  sp->tok_end, qa, qe, b.s);
        pv_result_free(res);
    }
    printf("edges: %s: %u of %u cases exact\n", what, nexact, ncases);
    return ncases;
}

/* A quote cut mid-sentence whose first word is the last word of a line (the query starts a
 * line after it too): the word is kept, since the copy's other end is not at a line end. */
static int last_word_then_cut_mid_line(const doc *d, size_t l, qbuf *b, uint32_t *qa, uint32_t *qe)
{
    uint32_t a, e, x, y, cut;
    const pv_token *w;
    line_tokens(d, l, &a, &e);
    if (e - a < 3 || ambiguous(d, e - 1, e + 40))
        return 0;
    w = &d->tok.v[e - 1];
    /* 30 tokens on from the next line, cut inside a line */
    for (cut = e + 30; cut < e + 40; cut++) {
        line_tokens(d, line_at(d, d->tok.v[cut].start), &x, &y);
        if (cut >= x + 2 && cut < y) /* two tokens of the line or more before the cut */
            break;
    }
    if (cut == e + 40)
        return 0;
    *qa = open_case(b, d, e - 2);
    put(b, d->text + w->start, w->len);
    put(b, "\n", 1);
    put(b, d->text + d->line_starts[line_at(d, d->tok.v[e].start)],
        d->tok.v[cut - 1].start + d->tok.v[cut - 1].len -
            d->line_starts[line_at(d, d->tok.v[e].start)]);
    *qe = *qa + (cut - (e - 1));
    close_case(b, d, cut);
    return 1;
}

/* Whole lines set inline after filler (the query does not start a line where the copy
 * starts), then a line's first word alone on a query line: the word is kept, since the copy's
 * other end is not at a line end of the query. */
static int inline_lines_then_first_word(const doc *d, size_t l, qbuf *b, uint32_t *qa, uint32_t *qe)
{
    uint32_t a, e, x, y;
    size_t m;
    line_tokens(d, l, &a, &e);
    if (a == 0 || e - a < 2)
        return 0;
    for (m = l + 1; m < d->nlines; m++) { /* the lines copied: 30 tokens or more */
        line_tokens(d, m, &x, &y);
        if (x - a >= 30 && y - x >= 3)
            break;
    }
    if (m == d->nlines || ambiguous(d, a, x + 1))
        return 0;
    *qa = open_case(b, d, a - 1);
    /* lines l .. m - 1 whole, then the first token of line m */
    put(b, d->text + d->line_starts[l],
        d->tok.v[x - 1].start + d->tok.v[x - 1].len - d->line_starts[l]);
    put(b, "\n", 1);
    put(b, d->text + d->tok.v[x].start, d->tok.v[x].len);
    *qe = *qa + (x + 1 - a);
    close_case(b, d, x + 1);
    return 1;
}

/* A line's last word alone on a query line, then whole lines, the last one followed by filler
 * on the same query line: the word is kept, since the copy's other end is not at a line end of
 * the query. */
static int last_word_then_lines_set_inline(const doc *d, size_t l, qbuf *b, uint32_t *qa,
                                           uint32_t *qe)
{
    uint32_t a, e, x, y;
    size_t m;
    line_tokens(d, l, &a, &e);
    if (e - a < 3)
        return 0;
    for (m = l + 1; m < d->nlines; m++) { /* lines l + 1 .. m whole: 30 tokens or more */
        line_tokens(d, m, &x, &y);
        if (y - e >= 30 && y > x)
            break;
    }
    if (m == d->nlines || y >= d->tok.n || ambiguous(d, e - 1, y))
        return 0;
    *qa = open_case(b, d, e - 2);
    put(b, d->text + d->tok.v[e - 1].start, d->tok.v[e - 1].len);
    put(b, "\n", 1);
    put(b, d->text + d->tok.v[e].start,
        d->tok.v[y - 1].start + d->tok.v[y - 1].len - d->tok.v[e].start);
    *qe = *qa + (y - (e - 1));
    close_case(b, d, y);
    return 1;
}

/* Lines copied, then the query adds a blank line inside a source line, and after it a filler
 * word whose token check agrees with the document's next token: the span stops at the blank
 * line (a copied run does not go on across a paragraph break its source does not have). */
static int blank_line_inside_a_source_line(const doc *d, size_t l, qbuf *b, uint32_t *qa,
                                           uint32_t *qe)
{
    uint32_t a, e, x, y, cut;
    unsigned n = 2000;
    line_tokens(d, l, &a, &e);
    if (a == 0 || e - a < 3)
        return 0;
    for (cut = a + 30; cut < a + 60 && cut + 1 < d->tok.n; cut++) {
        line_tokens(d, line_at(d, d->tok.v[cut].start), &x, &y);
        if (cut >= x + 2 && cut + 1 < y) /* two tokens of its line before, two after */
            break;
    }
    if (cut >= a + 60 || cut + 1 >= d->tok.n || ambiguous(d, a, cut + 1))
        return 0;
    *qa = open_case(b, d, a - 1);
    put(b, d->text + d->line_starts[l],
        d->tok.v[cut - 1].start + d->tok.v[cut - 1].len - d->line_starts[l]);
    *qe = *qa + (cut - a);
    put(b, "\n\n", 2);
    put_checked(b, d, cut, &n, 1);
    close_case(b, d, cut + 1);
    return 1;
}

Test(edges, a_blank_line_the_source_does_not_have_ends_the_span)
{
    cr_assert_geq(run_cases(blank_line_inside_a_source_line, "blank line inside a source line"),
                  100);
}

Test(edges, a_lines_last_word_opening_lines_that_end_inline_is_kept)
{
    cr_assert_geq(run_cases(last_word_then_lines_set_inline, "last word, then lines inline"), 100);
}

Test(edges, a_lines_last_word_opening_a_quote_cut_mid_line_is_kept)
{
    cr_assert_geq(run_cases(last_word_then_cut_mid_line, "last word, then cut mid-line"), 100);
}

Test(edges, a_lines_first_word_closing_lines_set_inline_is_kept)
{
    cr_assert_geq(run_cases(inline_lines_then_first_word, "lines inline, then a first word"), 100);
}

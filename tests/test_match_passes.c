/*
 * test_match_passes.c - the matcher looks a query's k-grams up in passes over ranges of
 * fingerprints, so that memory holds one pass, not the whole query: the spans, their sources,
 * strength and credit are the same for any pass size, down to one bucket per pass.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"
#include "provscan.h"
#include "util.h"

static const char *tmpdir;
static pv_index *ix;

static void build_corpus_index(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    const char *src[] = {"fixtures/corpus"};
    pv_err err = {0, {0}};
    char path[256];
    tmpdir = pv_test_tmpdir("pvpass-");
    snprintf(path, sizeof path, "%s", pv_test_path("corpus.pvx"));
    o.jobs = 2;
    o.author = "Fixture Author <fixture@example.org>";
    cr_assert_eq(pv_index_build(path, src, 1, &o, NULL, &err), 0, "build failed: %s", err.msg);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "open failed: %s", err.msg);
}

static void teardown(void)
{
    pv_match__set_pass_kgrams(0);
    pv_index_free(ix);
    ix = NULL;
    pv_test_rmtree(tmpdir);
}

TestSuite(match_passes, .init = build_corpus_index, .fini = teardown);

/* Appends n bytes of s to the growing query. */
static void append(char **q, size_t *len, const char *s, size_t n)
{
    *q = realloc(*q, *len + n + 1);
    cr_assert_not_null(*q);
    memcpy(*q + *len, s, n);
    *len += n;
    (*q)[*len] = '\0';
}

/* Fixture files with prose between them: a license text (common), one file three times (the
 * same fingerprints at several query places, on several diagonals), and a table of numbers
 * (weak k-grams). */
static char *make_query(size_t *len)
{
    static const char *const files[] = {
        "fixtures/corpus/feedparser/README.rst", "fixtures/corpus/rss/README.md",
        "fixtures/corpus/warcio/README.rst",     "fixtures/corpus/rss/LICENSE-MIT",
        "fixtures/corpus/feedparser/README.rst", "fixtures/corpus/feedparser/README.rst",
    };
    static const char prose[] = "\nMeanwhile the assistant wrote a few words of its own about "
                                "gardens, tomatoes and the summer weather.\n";
    char *q = NULL, row[64];
    size_t i;

    *len = 0;
    for (i = 0; i < sizeof files / sizeof *files; i++) {
        size_t n;
        char *t = pv_test_read_file(files[i], &n);
        append(&q, len, t, n);
        append(&q, len, prose, sizeof prose - 1);
        free(t);
    }
    for (i = 0; i < 300; i++) {
        int m = snprintf(row, sizeof row, "%zu %zu %zu %zu\n", i, i * 7 % 13, i * i % 101, i % 4);
        append(&q, len, row, (size_t)m);
    }
    return q;
}

static void same_str(const char *a, const char *b, const char *what, size_t i)
{
    if (!a || !b)
        cr_assert(a == b, "span %zu: %s: one is NULL", i, what);
    else
        cr_assert_str_eq(a, b, "span %zu: %s", i, what);
}

static void same_result(const pv_result *a, const pv_result *b, size_t pass)
{
    size_t i, j;

    cr_assert_eq(a->tokens, b->tokens);
    cr_assert_eq(a->matched_tokens, b->matched_tokens, "passes of %zu: matched tokens", pass);
    cr_assert_eq(a->nspans, b->nspans, "passes of %zu: %zu spans, one pass %zu", pass, b->nspans,
                 a->nspans);
    for (i = 0; i < a->nspans; i++) {
        const pv_span *x = &a->spans[i], *y = &b->spans[i];
        cr_assert_eq(x->tok_start, y->tok_start, "passes of %zu: span %zu start", pass, i);
        cr_assert_eq(x->tok_end, y->tok_end, "passes of %zu: span %zu end", pass, i);
        cr_assert_eq(x->start, y->start);
        cr_assert_eq(x->end, y->end);
        cr_assert_eq(x->line_start, y->line_start);
        cr_assert_eq(x->line_end, y->line_end);
        cr_assert_eq(x->common, y->common, "passes of %zu: span %zu common", pass, i);
        same_str(x->common_license, y->common_license, "license", i);
        cr_assert_eq(x->strength, y->strength, "passes of %zu: span %zu strength %g vs %g", pass, i,
                     y->strength, x->strength);
        cr_assert_eq(x->nsources, y->nsources, "passes of %zu: span %zu sources", pass, i);
        for (j = 0; j < x->nsources; j++) {
            cr_assert_eq(x->sources[j].document, y->sources[j].document);
            cr_assert_eq(x->sources[j].line_start, y->sources[j].line_start);
            cr_assert_eq(x->sources[j].line_end, y->sources[j].line_end);
            cr_assert_eq(x->sources[j].matched_tokens, y->sources[j].matched_tokens);
            cr_assert_eq(x->sources[j].origin, y->sources[j].origin);
        }
        cr_assert_eq(x->copies_total, y->copies_total);
        cr_assert_eq(x->ncredits, y->ncredits, "passes of %zu: span %zu credits", pass, i);
        for (j = 0; j < x->ncredits; j++) {
            cr_assert_eq(x->credits[j].tok_start, y->credits[j].tok_start);
            cr_assert_eq(x->credits[j].tok_end, y->credits[j].tok_end);
        }
    }
    cr_assert_eq(a->nauthors, b->nauthors);
    for (i = 0; i < a->nauthors; i++)
        cr_assert_eq(a->authors[i].tokens, b->authors[i].tokens);
}

Test(match_passes, any_pass_size_gives_the_spans_of_one_pass)
{
    static const size_t sizes[] = {1, 7, 97, 1000};
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, {0}};
    pv_result *one = NULL, *some = NULL;
    size_t len, i, s, ncommon = 0;
    char *q = make_query(&len);

    /* one pass: the pass size over the query's k-grams */
    pv_match__set_pass_kgrams(len);
    cr_assert_eq(pv_match_run(ix, q, len, &mo, &one, &err), 0, "%s", err.msg);
    cr_assert_gt(one->tokens, 2000, "the query is big enough for many passes");
    cr_assert_geq(one->nspans, 4, "every fixture file comes back: %zu spans", one->nspans);
    for (i = 0; i < one->nspans; i++)
        ncommon += one->spans[i].common;
    cr_assert_lt(ncommon, one->nspans, "some spans earn credit");
    for (s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        pv_match__set_pass_kgrams(sizes[s]);
        cr_assert_eq(pv_match_run(ix, q, len, &mo, &some, &err), 0, "%s", err.msg);
        same_result(one, some, sizes[s]);
        pv_result_free(some);
        some = NULL;
    }
    pv_result_free(one);
    free(q);
}

/* A query of more than 64 Ki k-grams is fingerprinted in chunks (KGRAM_CHUNK): 70,000 tokens
 * of words the corpus does not hold, then fixture files, give the fixtures' spans and source
 * rows at their places, the filler's tokens after those the fixtures alone give. */
Test(match_passes, kgrams_past_the_first_chunk_keep_their_query_positions)
{
    enum { NFILL = 70000 };
    pv_err err = {0, {0}};
    pv_result *alone = NULL, *after = NULL;
    size_t len, flen = 0, i, j;
    char *q = make_query(&len), *f = NULL, word[32];

    for (i = 0; i < NFILL; i++) {
        int m = snprintf(word, sizeof word, "%szq%zux", i % 12 == 11 ? "\n" : " ", i);
        append(&f, &flen, word, (size_t)m);
    }
    append(&f, &flen, "\n\n", 2);
    append(&f, &flen, q, len);
    pv_match__set_pass_kgrams(0);
    cr_assert_eq(pv_match_run(ix, q, len, NULL, &alone, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, f, flen, NULL, &after, &err), 0, "%s", err.msg);
    cr_assert_eq(after->tokens, alone->tokens + NFILL);
    cr_assert_geq(alone->nspans, 4);
    cr_assert_eq(after->nspans, alone->nspans, "%zu spans, alone %zu", after->nspans,
                 alone->nspans);
    for (i = 0; i < alone->nspans; i++) {
        const pv_span *x = &alone->spans[i], *y = &after->spans[i];
        cr_assert_eq(y->tok_start, x->tok_start + NFILL, "span %zu", i);
        cr_assert_eq(y->tok_end, x->tok_end + NFILL, "span %zu", i);
        cr_assert_eq(y->common, x->common);
        cr_assert_eq(y->nsources, x->nsources, "span %zu", i);
        for (j = 0; j < x->nsources; j++) {
            cr_assert_eq(y->sources[j].document, x->sources[j].document);
            cr_assert_eq(y->sources[j].line_start, x->sources[j].line_start);
            cr_assert_eq(y->sources[j].line_end, x->sources[j].line_end);
        }
    }
    pv_result_free(alone);
    pv_result_free(after);
    free(q);
    free(f);
}

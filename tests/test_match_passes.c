/*
 * test_match_passes.c - the matcher looks a query's k-grams up in passes over ranges of
 * fingerprints, so that memory holds one pass, not the whole query, and keeps the query's
 * tokens compact, tokenized a block of text at a time (query_tokens.c): the spans, their
 * sources, strength and credit are the same for any pass size, down to one bucket per pass,
 * and for any block size, down to a block per separator.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "match_int.h"
#include "provscan.h"
#include "scanner_int.h"
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
    pv_match__set_block_bytes(0);
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

/* Text whose tokens are hard to cut into blocks: ideographs and kana with no separator
 * between them, combining marks, tokens longer than PV_TOKEN_MAX (ASCII, stable non-ASCII and
 * one NFKC changes), invalid UTF-8, "\r\n", "\r" and blank lines, numbers. */
static char *tricky_text(size_t *len)
{
    static const char part[] =
        "int main(void) { return foo_bar[42]->baz; }\r\n"
        "日本語のテキストは区切りがない。漢字かなカナ混じり\n"
        "cafe\xcc\x81 na\xc3\xafve re\xcc\x81sume\xcc\x81\r"
        "\xff\xfe broken \xe2\x82 utf-8 \xf0\x9f\x98\x80 emoji\n\n\n"
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 0x1f 0x2e\n"
        "\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81"
        "\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81"
        "\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81"
        "\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81\xef\xac\x81 ligatures\n";
    char *t = NULL, word[256];
    size_t i;
    *len = 0;
    for (i = 0; i < 3; i++)
        append(&t, len, part, sizeof part - 1);
    memset(word, 'a', 200); /* an ASCII token cut into pieces */
    append(&t, len, word, 200);
    append(&t, len, " ", 1);
    for (i = 0; i < 100; i++) /* a stable non-ASCII one */
        append(&t, len, "\xc3\xa9", 2);
    append(&t, len, "\n", 1);
    return t;
}

/* Every form pv_qtokens keeps of text, for blocks of block bytes, against the tokenizer's
 * tokens of the whole text. */
static void check_qtokens(const char *text, size_t len, size_t block)
{
    const uint32_t k = 4;
    const uint64_t seed = 0x5eed;
    pv_tokens t = {NULL, 0, 0, 0};
    pv_qtokens q, nohash;
    uint64_t *kg, *kg2;
    size_t i, nk, run = 0;

    pv_match__set_block_bytes(block);
    cr_assert_eq(pv_scanner__tokenize(text, len, seed, &t), 0);
    cr_assert_eq(pv_match__qtokens_scan(&q, text, len, k, seed, SIZE_MAX), 0);
    cr_assert_eq(pv_match__qtokens_scan(&nohash, text, len, k, seed, 0), 0);
    cr_assert_eq(q.n, t.n, "blocks of %zu: %zu tokens, the tokenizer %zu", block, q.n, t.n);
    cr_assert_eq(q.invalid_utf8, t.invalid_utf8);
    cr_assert_gt(q.nblk, block && block <= 7 ? 50 : 0, "blocks of %zu: %zu blocks", block, q.nblk);
    nk = t.n >= k ? t.n - k + 1 : 0;
    kg = malloc((t.n + 1) * sizeof *kg);
    kg2 = malloc((t.n + 1) * sizeof *kg2);
    cr_assert(kg && kg2);
    cr_assert_eq(pv_scanner__kgrams(t.v, t.n, k, seed, kg), nk);
    for (i = 0; i < t.n; i++) {
        uint32_t start, end, p;
        unsigned lines = 0, weak = 1;
        cr_assert_eq(q.hash[i], t.v[i].hash, "blocks of %zu: token %zu", block, i);
        cr_assert_eq(pv_match__qtokens_range(&nohash, i, &start, &end), 0);
        cr_assert_eq(start, t.v[i].start, "blocks of %zu: token %zu starts at %u, not %u", block, i,
                     start, t.v[i].start);
        cr_assert_eq(end, t.v[i].start + t.v[i].len, "blocks of %zu: token %zu", block, i);
        /* the line ends in the gap before the token, up to 2 */
        for (p = i ? t.v[i - 1].start + t.v[i - 1].len : 0; i && p < t.v[i].start; p++)
            lines += text[p] == '\n' || (text[p] == '\r' && text[p + 1] != '\n');
        cr_assert_eq(pv_match__qtokens_breaks(&q, (int64_t)i), i ? (lines < 2 ? lines : 2) : 2,
                     "blocks of %zu: token %zu", block, i);
        for (p = t.v[i].start; p < t.v[i].start + t.v[i].len; p++)
            weak &= text[p] >= '0' && text[p] <= '9';
        weak |= t.v[i].len == 1 && (unsigned char)text[t.v[i].start] < 0x80;
        run = weak ? run + 1 : 0;
        if (i + 1 >= k)
            cr_assert_eq((unsigned)(q.weak[(i + 1 - k) / 64] >> ((i + 1 - k) % 64) & 1), run >= k,
                         "blocks of %zu: k-gram %zu", block, i + 1 - k);
    }
    cr_assert_eq(pv_match__qtokens_breaks(&q, (int64_t)t.n), 2);
    for (i = 0; i < nk; i++)
        cr_assert_eq((uint64_t)q.fp_hi[i] << 32 | q.fp_lo[i], kg[i] >> PV_FP_SHIFT,
                     "blocks of %zu: k-gram %zu", block, i);
    /* the hashes not kept come back from the text, and give the same k-grams */
    cr_assert_null(nohash.hash);
    cr_assert_eq(pv_match__qtokens_hashes(&nohash), 0);
    cr_assert_eq(memcmp(nohash.hash, q.hash, t.n * sizeof *q.hash), 0);
    cr_assert_eq(pv_match__qtokens_kgrams(&nohash, 3, t.n - 3, kg2), nk - 3);
    cr_assert_eq(memcmp(kg2, kg + 3, (nk - 3) * sizeof *kg), 0);
    free(kg);
    free(kg2);
    pv_match__qtokens_free(&q);
    pv_match__qtokens_free(&nohash);
    pv_scanner__tokens_free(&t);
}

Test(match_passes, query_tokens_in_blocks_are_the_tokenizers)
{
    static const size_t blocks[] = {1, 2, 7, 100, 0};
    size_t len, s;
    char *text = tricky_text(&len);
    for (s = 0; s < sizeof blocks / sizeof *blocks; s++)
        check_qtokens(text, len, blocks[s]);
    free(text);
}

Test(match_passes, any_block_size_gives_the_spans_of_one_block)
{
    static const size_t blocks[] = {1, 7, 97, 1000, 0};
    static const size_t passes[] = {0, 0, 97, 0, 7};
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, {0}};
    pv_result *one = NULL, *some = NULL;
    size_t len, tlen, s;
    char *q = make_query(&len), *t = tricky_text(&tlen);

    append(&q, &len, t, tlen);
    pv_match__set_block_bytes(len); /* one block */
    cr_assert_eq(pv_match_run(ix, q, len, &mo, &one, &err), 0, "%s", err.msg);
    cr_assert_geq(one->nspans, 4, "every fixture file comes back: %zu spans", one->nspans);
    cr_assert_gt(one->invalid_utf8, 0);
    for (s = 0; s < sizeof blocks / sizeof *blocks; s++) {
        pv_match__set_block_bytes(blocks[s]);
        pv_match__set_pass_kgrams(passes[s]);
        cr_assert_eq(pv_match_run(ix, q, len, &mo, &some, &err), 0, "%s", err.msg);
        cr_assert_eq(some->invalid_utf8, one->invalid_utf8);
        same_result(one, some, passes[s]);
        pv_result_free(some);
        some = NULL;
    }
    pv_result_free(one);
    free(q);
    free(t);
}

/* A long query is tokenized in blocks and its k-grams made in chunks (query_tokens.c): 70,000
 * tokens of words the corpus does not hold, then fixture files, give the fixtures' spans and
 * source rows at their places, the filler's tokens after those the fixtures alone give. */
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

/*
 * test_match.c - the matcher on the bundled fixture corpus: verbatim excerpts pasted into
 * unrelated prose come back as one span with the exact file and line range; unrelated
 * text gives no span; origin ranking, common flag and credit.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match_int.h"
#include "provscan.h"
#include "scanner_int.h"
#include "util.h"

static const char *tmpdir;
static char index_path[128];
static pv_index *ix;

static const char *prose_before =
    "I asked the assistant about my garden and it answered with a long explanation\n"
    "about tomatoes, watering schedules and how much sunlight peppers really need.\n";
static const char *prose_after =
    "Then it went back to the garden: mulch keeps the soil moist during the summer,\n"
    "and rotating crops every season keeps the beds healthy for years to come.\n";

static void build_corpus_index(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    const char *src[] = {"fixtures/corpus"};
    pv_err err = {0, {0}};
    int rc;
    tmpdir = pv_test_tmpdir("pvtest-");
    snprintf(index_path, sizeof index_path, "%s", pv_test_path("corpus.pvx"));
    o.jobs = 2;
    o.author = "Fixture Author <fixture@example.org>";
    rc = pv_index_build(index_path, src, 1, &o, NULL, &err);
    cr_assert_eq(rc, 0, "build failed: %s", err.msg);
    rc = pv_index_open(&ix, index_path, &err);
    cr_assert_eq(rc, 0, "open failed: %s", err.msg);
}

static void teardown(void)
{
    pv_index_free(ix);
    ix = NULL;
    pv_test_rmtree(tmpdir);
}

/* Byte offsets of the starts of lines; returns the number of lines. */
static size_t split_lines(const char *text, size_t len, size_t *starts, size_t max)
{
    size_t n = 0, i;
    starts[n++] = 0;
    for (i = 0; i < len && n < max; i++)
        if (text[i] == '\n' && i + 1 < len)
            starts[n++] = i + 1;
    return n;
}

static int has_word(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (s[i] >= '0' && s[i] <= '9') || (unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
}

/* Paste lines [first, first+count) of a corpus file into prose and check the report. */
static void check_excerpt(const char *rel, size_t first, size_t count)
{
    char path[256];
    size_t len, starts[4096], nlines, a, b, elen, qlen, exp_first, exp_last, i;
    char *text, *query;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    const pv_span *sp = NULL;
    int found = 0;

    snprintf(path, sizeof path, "fixtures/corpus/%s", rel);
    text = pv_test_read_file(path, &len);
    nlines = split_lines(text, len, starts, 4096);
    cr_assert_leq(first + count, nlines, "%s has %zu lines", rel, nlines);
    a = starts[first];
    b = first + count < nlines ? starts[first + count] : len;
    /* the expected lines: the excerpt without word-less lines at its edges */
    exp_first = first;
    while (!has_word(text + starts[exp_first],
                     (exp_first + 1 < nlines ? starts[exp_first + 1] : len) - starts[exp_first]))
        exp_first++;
    exp_last = first + count - 1;
    while (!has_word(text + starts[exp_last],
                     (exp_last + 1 < nlines ? starts[exp_last + 1] : len) - starts[exp_last]))
        exp_last--;
    elen = b - a;
    qlen = strlen(prose_before) + elen + 1 + strlen(prose_after);
    query = malloc(qlen + 1);
    strcpy(query, prose_before);
    memcpy(query + strlen(prose_before), text + a, elen);
    query[strlen(prose_before) + elen] = '\n';
    strcpy(query + strlen(prose_before) + elen + 1, prose_after);

    cr_assert_eq(pv_match_run(ix, query, qlen, &mo, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1, "%s lines %zu-%zu: %zu spans", rel, first + 1, first + count,
                 res->nspans);
    sp = &res->spans[0];
    /* query lines: the prose takes 2 lines, so excerpt line j is query line j + 3 */
    cr_assert_eq(sp->line_start, exp_first - first + 3, "%s@%zu: query line_start %u", rel,
                 first + 1, sp->line_start);
    cr_assert_eq(sp->line_end, exp_last - first + 3, "%s@%zu: query line_end %u", rel, first + 1,
                 sp->line_end);
    /* the file is the origin, a partial holder or a copy (a license text held by two) */
    for (i = 0; i < sp->nsources + sp->ncopies; i++) {
        const pv_source_ref *s = i < sp->nsources ? &sp->sources[i] : &sp->copies[i - sp->nsources];
        if (strcmp(s->locator, rel) == 0) {
            found = 1;
            cr_assert_eq(s->line_start, exp_first + 1,
                         "%s lines %zu-%zu: source line_start %u, expected %zu", rel, first + 1,
                         first + count, s->line_start, exp_first + 1);
            cr_assert_eq(s->line_end, exp_last + 1,
                         "%s lines %zu-%zu: source line_end %u, expected %zu", rel, first + 1,
                         first + count, s->line_end, exp_last + 1);
        }
    }
    cr_assert(found, "%s lines %zu-%zu: the span does not name the file", rel, first + 1,
              first + count);
    pv_result_free(res);
    free(query);
    free(text);
}

TestSuite(match, .init = build_corpus_index, .fini = teardown);

/* The acceptance test: a verbatim 40-line excerpt of any fixture file, pasted into
 * unrelated prose, is one span naming that file and its exact line range. */
Test(match, forty_line_excerpts_of_every_corpus_file)
{
    static const char *files[] = {"warcio/README.rst",     "warcio/LICENSE",
                                  "rss/README.md",         "rss/LICENSE-APACHE",
                                  "feedparser/README.rst", "feedparser/LICENSE"};
    size_t f;
    for (f = 0; f < sizeof files / sizeof *files; f++) {
        char path[256];
        size_t len, starts[4096], nlines, first;
        char *text;
        snprintf(path, sizeof path, "fixtures/corpus/%s", files[f]);
        text = pv_test_read_file(path, &len);
        nlines = split_lines(text, len, starts, 4096);
        free(text);
        cr_assert_geq(nlines, 40, "%s", files[f]);
        /* every starting line from the first to the last possible, in steps */
        for (first = 0; first + 40 <= nlines; first += 7)
            check_excerpt(files[f], first, 40);
        check_excerpt(files[f], nlines - 40, 40);
    }
}

/* s with its first occurrence of from replaced by to (malloc'ed). */
static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    cr_assert_not_null(at, "'%s' not found", from);
    cr_assert_not_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

/* A chain follows a diagonal with a drift of a few tokens (docs/attribution.md, "Hits and
 * chains"): an excerpt with one word inserted and, some 80 tokens later, one word deleted is
 * still ONE span, with the excerpt's exact lines in the query and in the source. Without the
 * drift, the three stretches between the edits are three diagonals and three spans. */
Test(match, word_inserted_and_word_deleted_is_one_span)
{
    size_t len, starts[4096], nlines, a, b, qlen, i;
    char *text = pv_test_read_file("fixtures/corpus/warcio/README.rst", &len), *excerpt, *ins,
         *edited, *query;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    pv_index_info info;
    pv_tokens qt = {NULL, 0, 0, 0};
    const pv_span *sp;
    nlines = split_lines(text, len, starts, 4096);
    cr_assert_geq(nlines, 73);
    /* lines 42-73: prose, a code block, prose again */
    a = starts[41];
    b = starts[73];
    excerpt = strndup(text + a, b - a);
    cr_assert_not_null(excerpt);
    /* line 54 gains a word; line 72, 18 lines further, loses one */
    ins = replace_once(excerpt, "could be a file on disk", "could be a large file on disk");
    edited = replace_once(ins, "de-chunks the HTTP payload", "de-chunks the payload");
    qlen = strlen(prose_before) + strlen(edited) + strlen(prose_after);
    query = malloc(qlen + 1);
    cr_assert_not_null(query);
    snprintf(query, qlen + 1, "%s%s%s", prose_before, edited, prose_after);

    cr_assert_eq(pv_match_run(ix, query, qlen, NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1, "%zu spans", res->nspans);
    sp = &res->spans[0];
    /* the prose takes 2 lines: excerpt line j (from 0) is query line j + 3 */
    cr_assert_eq(sp->line_start, 3);
    cr_assert_eq(sp->line_end, 3 + 31);
    /* every token of the edited excerpt, and only those */
    pv_index_get_info(ix, &info);
    cr_assert_eq(pv_scanner__tokenize(edited, strlen(edited), info.seed, &qt), 0);
    cr_assert_eq(sp->tokens, qt.n);
    cr_assert_eq(sp->start, strlen(prose_before) + qt.v[0].start);
    cr_assert_eq(sp->end, strlen(prose_before) + qt.v[qt.n - 1].start + qt.v[qt.n - 1].len);
    pv_scanner__tokens_free(&qt);
    cr_assert_str_eq(sp->sources[0].locator, "warcio/README.rst");
    cr_assert_eq(sp->sources[0].line_start, 42);
    cr_assert_eq(sp->sources[0].line_end, 73);
    for (i = 0; i < sp->nsources; i++)
        cr_assert_eq(sp->sources[i].origin, i == 0);
    pv_result_free(res);
    free(query);
    free(edited);
    free(ins);
    free(excerpt);
    free(text);
}

Test(match, unrelated_prose_gives_no_span)
{
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    char q[1024];
    snprintf(q, sizeof q, "%s%s", prose_before, prose_after);
    cr_assert_eq(pv_match_run(ix, q, strlen(q), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 0);
    cr_assert_eq(res->matched_tokens, 0);
    cr_assert_gt(res->tokens, 40);
    cr_assert_eq(res->nauthors, 0);
    pv_result_free(res);
}

Test(match, reflowed_and_reindented_quote_still_matches)
{
    /* warcio README lines 54-57, reflowed into one Markdown quote line and lower-cased */
    const char *q = "as the docs put it: > the stream object could be a file on disk or a "
                    "remote network stream. the archiveiterator reads the warc content in a "
                    "single pass. the record is represented by an arcwarcrecord object which "
                    "contains the format (arc or warc), record type, the record headers\n";
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match_run(ix, q, strlen(q), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1);
    cr_assert_str_eq(res->spans[0].sources[0].locator, "warcio/README.rst");
    cr_assert_eq(res->spans[0].sources[0].line_start, 54);
    cr_assert_geq(res->spans[0].tokens, 30);
    pv_result_free(res);
}

Test(match, credit_goes_to_the_origin_author)
{
    size_t len;
    char *q = pv_test_read_file("fixtures/outputs/demo.md", &len);
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    size_t i;
    cr_assert_eq(pv_match_run(ix, q, len, NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_geq(res->nspans, 3);
    cr_assert_eq(res->nauthors, 1);
    cr_assert_str_eq(res->authors[0].name, "Fixture Author");
    cr_assert_str_eq(res->authors[0].email, "fixture@example.org");
    cr_assert_float_eq(res->authors[0].share, 1.0, 1e-9);
    for (i = 0; i < res->nspans; i++) {
        cr_assert_eq(res->spans[i].sources[0].origin, 1);
        cr_assert_leq(res->spans[i].tokens, res->tokens);
    }
    cr_assert_gt(res->coverage, 0.3);
    cr_assert_lt(res->coverage, 0.9);
    pv_result_free(res);
    free(q);
}

Test(match, license_text_in_two_files_lists_the_copy)
{
    /* the Apache-2.0 text is in warcio/LICENSE and rss/LICENSE-APACHE */
    const char *q = "\"License\" shall mean the terms and conditions for use, reproduction, "
                    "and distribution as defined by Sections 1 through 9 of this document. "
                    "\"Licensor\" shall mean the copyright owner or entity authorized by the "
                    "copyright owner that is granting the License.\n";
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match_run(ix, q, strlen(q), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1);
    /* both hold the whole span: one is the origin, the other a copy, listed apart */
    cr_assert_eq(res->spans[0].nsources, 1);
    cr_assert_eq(res->spans[0].sources[0].origin, 1);
    cr_assert_eq(res->spans[0].sources[0].full, 1);
    cr_assert_eq(res->spans[0].copies_total, 1);
    cr_assert_eq(res->spans[0].ncopies, 1);
    cr_assert_eq(res->spans[0].copies_in_source, 1); /* both in fixtures/corpus */
    cr_assert_eq(res->spans[0].copies[0].origin, 0);
    cr_assert_eq(res->spans[0].copies[0].full, 1);
    cr_assert_str_neq(res->spans[0].copies[0].locator, res->spans[0].sources[0].locator);
    cr_assert(strstr(res->spans[0].sources[0].license, "Apache-2.0") != NULL);
    cr_assert(strstr(res->spans[0].copies[0].license, "Apache-2.0") != NULL);
    /* files have no version and no link */
    cr_assert_null(res->spans[0].sources[0].commit);
    cr_assert_null(res->spans[0].sources[0].url);
    pv_result_free(res);
}

Test(match, common_fingerprints_earn_no_credit)
{
    const char *q = "\"License\" shall mean the terms and conditions for use, reproduction, "
                    "and distribution as defined by Sections 1 through 9 of this document. "
                    "\"Licensor\" shall mean the copyright owner or entity authorized by the "
                    "copyright owner that is granting the License.\n";
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    mo.common = 1; /* in more than one document: common */
    cr_assert_eq(pv_match_run(ix, q, strlen(q), &mo, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1);
    cr_assert_eq(res->spans[0].common, 1);
    cr_assert_eq(res->nauthors, 0);
    cr_assert_gt(res->matched_tokens, 0);
    pv_result_free(res);
}

Test(match, query_shorter_than_k_and_empty)
{
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match_run(ix, "", 0, NULL, &res, &err), 0);
    cr_assert_eq(res->tokens, 0);
    cr_assert_eq(res->nspans, 0);
    cr_assert_float_eq(res->coverage, 0.0, 1e-12);
    pv_result_free(res);
    cr_assert_eq(pv_match_run(ix, "the stream object", 17, NULL, &res, &err), 0);
    cr_assert_eq(res->tokens, 3);
    cr_assert_eq(res->nspans, 0);
    pv_result_free(res);
}

/* ---- links of source rows (match/permalink.c) ------------------------------------------- */

static const char *C40 = "0123456789abcdef0123456789abcdef01234567";

/* pv_match__url's answer, kept until the test ends (NULL when it gives none). */
static const char *url_of(const char *kind, const char *source, const char *locator,
                          const char *commit, uint32_t a, uint32_t b)
{
    char *u = NULL;
    cr_assert_eq(pv_match__url(kind, source, locator, commit, a, b, &u), 0);
    return u ? pv_test_keep(u) : NULL;
}

Test(permalink, github)
{
    cr_assert_str_eq(url_of("git", "https://github.com/o/n", "src/a.c", C40, 10, 40),
                     "https://github.com/o/n/blob/0123456789abcdef0123456789abcdef01234567/"
                     "src/a.c#L10-L40");
    cr_assert_str_eq(url_of("git", "https://github.com/o/n", "a.c", C40, 10, 10),
                     "https://github.com/o/n/blob/0123456789abcdef0123456789abcdef01234567/"
                     "a.c#L10");
    /* no lines: the file */
    cr_assert_str_eq(url_of("git", "https://GitHub.com/o/n", "a.c", C40, 0, 0),
                     "https://github.com/o/n/blob/0123456789abcdef0123456789abcdef01234567/a.c");
    pv_test_free_kept();
}

Test(permalink, gitlab_codeberg_bitbucket)
{
    cr_assert_str_eq(url_of("git", "https://gitlab.com/group/sub/n", "src/a.c", C40, 10, 40),
                     "https://gitlab.com/group/sub/n/-/blob/"
                     "0123456789abcdef0123456789abcdef01234567/src/a.c#L10-40");
    cr_assert_str_eq(url_of("git", "https://gitlab.com/o/n", "a.c", C40, 7, 7),
                     "https://gitlab.com/o/n/-/blob/0123456789abcdef0123456789abcdef01234567/"
                     "a.c#L7");
    cr_assert_str_eq(url_of("git", "https://codeberg.org/o/n", "src/a.c", C40, 10, 40),
                     "https://codeberg.org/o/n/src/commit/"
                     "0123456789abcdef0123456789abcdef01234567/src/a.c#L10-L40");
    cr_assert_str_eq(url_of("git", "https://bitbucket.org/o/n", "src/a.c", C40, 10, 40),
                     "https://bitbucket.org/o/n/src/0123456789abcdef0123456789abcdef01234567/"
                     "src/a.c#lines-10:40");
    cr_assert_str_eq(url_of("git", "https://bitbucket.org/o/n", "a.c", C40, 3, 3),
                     "https://bitbucket.org/o/n/src/0123456789abcdef0123456789abcdef01234567/"
                     "a.c#lines-3");
    pv_test_free_kept();
}

Test(permalink, path_bytes_are_percent_encoded)
{
    cr_assert_str_eq(url_of("git", "https://github.com/o/n", "docs/a b#?%\xc3\xa9.md", C40, 1, 2),
                     "https://github.com/o/n/blob/0123456789abcdef0123456789abcdef01234567/"
                     "docs/a%20b%23%3F%25%C3%A9.md#L1-L2");
    cr_assert_str_eq(url_of("git", "https://github.com/o/n", "x~_-.y", C40, 1, 2),
                     "https://github.com/o/n/blob/0123456789abcdef0123456789abcdef01234567/"
                     "x~_-.y#L1-L2");
    pv_test_free_kept();
}

Test(permalink, no_link_without_a_known_host_or_commit)
{
    cr_assert_null(url_of("git", "https://example.org/o/n", "a.c", C40, 1, 2));
    cr_assert_null(url_of("git", "jq", "a.c", C40, 1, 2));                   /* a folder's name */
    cr_assert_null(url_of("git", "https://github.com/o", "a.c", C40, 1, 2)); /* no NAME */
    cr_assert_null(url_of("git", "https://github.com.evil.org/o/n", "a.c", C40, 1, 2));
    cr_assert_null(url_of("git", "https://github.com/o/n", "a.c", NULL, 1, 2));
    cr_assert_null(url_of("file", "fixtures/corpus", "a/b.md", NULL, 1, 2));
}

Test(permalink, posts_and_pages_link_to_their_locator)
{
    cr_assert_str_eq(url_of("answer", "french.meta.stackexchange.com",
                            "https://french.meta.stackexchange.com/a/30", NULL, 3, 9),
                     "https://french.meta.stackexchange.com/a/30");
    cr_assert_str_eq(url_of("page", "crawl.warc.gz", "http://example.org/p", NULL, 0, 0),
                     "http://example.org/p");
    cr_assert_null(url_of("record", "data.jsonl", "data.jsonl:12", NULL, 1, 1));
    /* regression: a record's place in its shard is not part of its link */
    cr_assert_str_eq(url_of("record", "rc.jsonl.zst",
                            "https://www.reddit.com/r/x/comments/1/y/z/ (rc.jsonl.zst:7)", NULL, 1,
                            1),
                     "https://www.reddit.com/r/x/comments/1/y/z/");
    pv_test_free_kept();
}

/* ---- a document holding the passage twice (cmp_chain_q is a total order) ---------------- */

static const char *twice_passage =
    "Quarrelsome herons patrol the estuary at dawn, spearing eels between the reeds\n"
    "while the ferryman counts his copper coins and mutters about the price of tar.\n"
    "By noon the fog lifts off the salt marsh and the lighthouse keeper sleeps.\n";

/* The source row of a query holding the passage once, matched against an index of one
 * document holding it at lines 3-5 and again at lines 9-11, with the chains sorted from the
 * order they are made in, or from its reverse: the earlier place, both times. Before the
 * tie-break on document positions, the reversed order named lines 9-11 (glibc's qsort keeps
 * equal chains in the order they come). */
Test(match_twice, the_earlier_copy_in_a_document_is_named_whatever_the_chain_order)
{
    const char *dir = pv_test_tmpdir("pvtest-twice-");
    char doc[2048], pvx[256];
    const char *src[1];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_index *tix = NULL;
    pv_err err = {0, {0}};
    int rev;
    snprintf(doc, sizeof doc,
             "A first line about nothing in particular.\nA second line, also unrelated.\n%s"
             "Between the two copies there is a plain paragraph of other words,\n"
             "three lines of it, so that the copies stand apart in the document\n"
             "and their chains cannot be one.\n%s"
             "The end of the document.\n",
             twice_passage, twice_passage);
    pv_test_put_str("corpus/twice.txt", doc);
    src[0] = pv_test_path("corpus");
    snprintf(pvx, sizeof pvx, "%s", pv_test_path("twice.pvx"));
    o.jobs = 1;
    o.author = "Twice Author <twice@example.org>";
    cr_assert_eq(pv_index_build(pvx, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&tix, pvx, &err), 0, "%s", err.msg);
    for (rev = 0; rev < 2; rev++) {
        pv_result *res = NULL;
        pv_match__set_reverse_chains(rev);
        cr_assert_eq(pv_match_run(tix, twice_passage, strlen(twice_passage), NULL, &res, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(res->nspans, 1);
        cr_assert_eq(res->spans[0].nsources, 1);
        cr_assert_eq(res->spans[0].sources[0].line_start, 3, "reversed %d: line %u", rev,
                     res->spans[0].sources[0].line_start);
        cr_assert_eq(res->spans[0].sources[0].line_end, 5);
        pv_result_free(res);
    }
    pv_match__set_reverse_chains(0);
    pv_index_free(tix);
    pv_test_rmtree(dir);
}

/* ---- weak k-grams (query_tokens.c) ------------------------------------------------------ */

/* The weak bits of text's k-grams for k = 3 (at most 64 of them). */
static uint64_t weak_bits(const char *text)
{
    pv_qtokens qt;
    uint64_t weak;
    cr_assert_eq(pv_match__qtokens_scan(&qt, text, strlen(text), 3, 0, SIZE_MAX), 0);
    cr_assert_geq(qt.n, 3);
    cr_assert_leq(qt.n - 2, 64);
    weak = qt.weak[0];
    pv_match__qtokens_free(&qt);
    return weak;
}

/* A k-gram is weak when its k tokens all are (numbers, single ASCII characters): not when a
 * run of weak tokens is one short of k, nor when a word is in it; the first k-gram too. */
Test(match_weak, exact_bits_of_weak_kgrams)
{
    /* k-grams: 0 foo 1 2 | 1: 1 2 3 | 2: 2 3 bar | 3: 3 bar 4 | 4: bar 4 5 | 5: 4 5 6 |
     * 6: 5 6 7 */
    cr_assert_eq(weak_bits("foo 1 2 3 bar 4 5 6 7"), 0x62, "%#llx",
                 (unsigned long long)weak_bits("foo 1 2 3 bar 4 5 6 7"));
    /* 0: 1 2 3 | 1: 2 3 foo | 2: 3 foo 4 | 3: foo 4 5 */
    cr_assert_eq(weak_bits("1 2 3 foo 4 5"), 0x1);
    /* single letters are weak, a two-letter word is not: 0: x 1 y | 1: 1 y 22 | 2: y 22 ab */
    cr_assert_eq(weak_bits("x 1 y 22 ab"), 0x3);
}

/*
 * test_license_text.c - license text is common (attribution rule 3): a license pasted into a
 * model output is reported as a span marked with its license and earns no credit, whoever
 * committed the LICENSE file; ordinary text next to it keeps its credit. Also the embedded
 * texts themselves and the span test of match/license_text.c.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"
#include "provscan.h"
#include "scanner_int.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-lictext-");
    git_libgit2_init();
}

static void teardown(void)
{
    pv_test_done();
    git_libgit2_shutdown();
}

TestSuite(license_text, .init = setup, .fini = teardown);

static const char MIT_TEXT[] =
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    "of this software and associated documentation files (the \"Software\"), to deal\n"
    "in the Software without restriction, including without limitation the rights\n"
    "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
    "copies of the Software, and to permit persons to whom the Software is\n"
    "furnished to do so, subject to the following conditions:\n"
    "\n"
    "The above copyright notice and this permission notice shall be included in all\n"
    "copies or substantial portions of the Software.\n"
    "\n"
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
    "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
    "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
    "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
    "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
    "SOFTWARE.\n";

/* SPDX's BSD wordings ("the copyright holder"), not Debian's ("the University"). */
#define BSD_CLAUSES_1_2                                                                            \
    "Redistribution and use in source and binary forms, with or without\n"                         \
    "modification, are permitted provided that the following conditions are met:\n"                \
    "\n"                                                                                           \
    "1. Redistributions of source code must retain the above copyright notice, this\n"             \
    "   list of conditions and the following disclaimer.\n"                                        \
    "\n"                                                                                           \
    "2. Redistributions in binary form must reproduce the above copyright notice,\n"               \
    "   this list of conditions and the following disclaimer in the documentation\n"               \
    "   and/or other materials provided with the distribution.\n"                                  \
    "\n"
#define BSD_DISCLAIMER                                                                             \
    "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\"\n"              \
    "AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE\n"                  \
    "IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE\n"             \
    "DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE\n"               \
    "FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL\n"                 \
    "DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR\n"                 \
    "SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER\n"                 \
    "CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,\n"              \
    "OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE\n"              \
    "OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n"

static const char BSD3_TEXT[] =
    BSD_CLAUSES_1_2 "3. Neither the name of the copyright holder nor the names of its\n"
                    "   contributors may be used to endorse or promote products derived from\n"
                    "   this software without specific prior written permission.\n"
                    "\n" BSD_DISCLAIMER;

/* BSD-2-Clause: all but a few of its k-grams are in BSD-3-Clause too. */
static const char BSD2_TEXT[] = BSD_CLAUSES_1_2 BSD_DISCLAIMER;

/* Ordinary code, written by the repository's author: it must keep its credit. */
static const char RING_C[] =
    "int ring_push(struct ring_buffer *ring, const unsigned char *bytes, size_t count)\n"
    "{\n"
    "    size_t room_left = ring->capacity - ring->used_bytes;\n"
    "    if (count > room_left)\n"
    "        return RING_ERROR_FULL;\n"
    "    for (size_t offset = 0; offset < count; offset++)\n"
    "        ring->storage[(ring->head_index + offset) % ring->capacity] = bytes[offset];\n"
    "    ring->head_index = (ring->head_index + count) % ring->capacity;\n"
    "    ring->used_bytes += count;\n"
    "    return RING_OK;\n"
    "}\n";

static const char PROSE_BEFORE[] =
    "Sure, here is the license you asked about, followed by the buffer code:\n\n";
static const char PROSE_AFTER[] =
    "\nLet me know if the lighthouse keeper needs any more help with the harbour lamps.\n";

static pv_index *build(const char *src, const char *author)
{
    char idx[256];
    const char *srcs[1] = {src};
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    pv_index *ix = NULL;
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    o.jobs = 2;
    o.author = author;
    cr_assert_eq(pv_index_build(idx, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    return ix;
}

static pv_result *match(pv_index *ix, const char *q)
{
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match_run(ix, q, strlen(q), NULL, &res, &err), 0, "%s", err.msg);
    return res;
}

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = pv_test_keep(malloc(n));
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* A common span: shown with its sources, marked with the license, credited to no one. */
static void expect_license_span(const pv_span *sp, const char *license, const char *locator)
{
    cr_expect_eq(sp->common, 1);
    cr_assert_not_null(sp->common_license);
    cr_expect_str_eq(sp->common_license, license);
    cr_expect_eq(sp->ncredits, 0);
    cr_expect_eq(sp->nauthors, 0);
    cr_assert_geq(sp->nsources, 1);
    cr_expect_str_eq(sp->sources[0].locator, locator);
}

/* The MIT license, pasted into a model output with its own copyright line, matches the
 * LICENSE of an indexed folder whose every file has an author: common, no credit. */
Test(license_text, mit_license_in_an_output_earns_no_credit)
{
    pv_index *ix;
    pv_result *res;
    char *license = concat3("MIT License\n\nCopyright (c) 2021 Ada Lovelace\n\n", MIT_TEXT, "");
    pv_test_put_str("corpus/proj/LICENSE", license);
    ix = build(pv_test_path("corpus"), "Ada Lovelace <ada@example.org>");
    res = match(ix,
                concat3(PROSE_BEFORE, concat3("Copyright (c) 2024 Someone Else\n\n", MIT_TEXT, ""),
                        PROSE_AFTER));
    cr_assert_eq(res->nspans, 1);
    expect_license_span(&res->spans[0], "MIT", "proj/LICENSE");
    /* the whole license: query lines 5-21 (the copyright line differs), LICENSE lines 5-21 */
    cr_expect_eq(res->spans[0].line_start, 5);
    cr_expect_eq(res->spans[0].line_end, 21);
    cr_expect_eq(res->spans[0].sources[0].line_start, 5);
    cr_expect_eq(res->spans[0].sources[0].line_end, 21);
    cr_expect_eq(res->spans[0].tokens, res->matched_tokens);
    cr_expect_eq(res->nauthors, 0, "license text credited to %s",
                 res->nauthors ? res->authors[0].name : "");
    pv_result_free(res);
    pv_index_free(ix);
}

/* regression_: 30 lines of a BSD-3 LICENSE.txt committed by two people credited them 220
 * tokens (issue 9). The span is common BSD-3-Clause and neither is an author of the result. */
Test(license_text, regression_bsd3_license_in_git_credits_no_one)
{
    char dir[256], first[4096], second[4096];
    git_repository *repo = NULL;
    git_oid c1;
    pv_index *ix;
    pv_result *res;

    snprintf(first, sizeof first, "Copyright (c) 2019, Grace Hopper\nAll rights reserved.\n\n%s",
             BSD3_TEXT);
    snprintf(second, sizeof second,
             "Copyright (c) 2019-2024, Grace Hopper and Alan Turing\nAll rights reserved.\n\n%s",
             BSD3_TEXT);
    snprintf(dir, sizeof dir, "%s/repo", root);
    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
    c1 = pv_test_commit_file(repo, NULL, "LICENSE.txt", first, "Grace Hopper", "grace@example.org",
                             1500000000, "license\n");
    pv_test_commit_file(repo, &c1, "LICENSE.txt", second, "Alan Turing", "alan@example.org",
                        1600000000, "year\n");
    git_repository_free(repo);
    ix = build(dir, NULL);
    res = match(ix, concat3(PROSE_BEFORE, second, PROSE_AFTER));
    cr_assert_eq(res->nspans, 1);
    expect_license_span(&res->spans[0], "BSD-3-Clause", "LICENSE.txt");
    /* the whole file, its copyright lines included: most of the span is license text */
    cr_expect_eq(res->spans[0].tokens, 229);
    cr_expect_eq(res->spans[0].line_start, 3);
    cr_expect_eq(res->spans[0].line_end, 29);
    cr_expect_eq(res->spans[0].sources[0].line_start, 1);
    cr_expect_eq(res->spans[0].sources[0].line_end, 27);
    cr_expect_eq(res->nauthors, 0, "license text credited to %s",
                 res->nauthors ? res->authors[0].name : "");
    pv_result_free(res);
    pv_index_free(ix);
}

/* The demo's case: a sentence of the Apache-2.0 notice inside a model answer is common
 * (matching both LICENSE files of the fixture corpus); the README excerpts around it are
 * credited to the corpus author, 84 + 40 tokens, and nothing else is. */
Test(license_text, apache_excerpt_in_the_demo_is_common)
{
    char *q = pv_test_read_file("fixtures/outputs/demo.md", NULL);
    pv_index *ix = build("fixtures/corpus", "Fixture Author <fixture@example.org>");
    pv_result *res = match(ix, q);
    size_t i;
    cr_assert_eq(res->nspans, 3);
    for (i = 0; i < 2; i++) {
        cr_expect_eq(res->spans[i].common, 0);
        cr_expect_null(res->spans[i].common_license);
        cr_expect_gt(res->spans[i].ncredits, 0);
    }
    cr_expect_str_eq(res->spans[0].sources[0].locator, "warcio/README.rst");
    cr_expect_str_eq(res->spans[1].sources[0].locator, "rss/README.md");
    expect_license_span(&res->spans[2], "Apache-2.0", "rss/LICENSE-APACHE");
    cr_expect_eq(res->spans[2].line_start, 35);
    cr_expect_eq(res->spans[2].line_end, 37);
    cr_assert_eq(res->nauthors, 1);
    cr_expect_str_eq(res->authors[0].name, "Fixture Author");
    cr_expect_float_eq(res->authors[0].tokens, res->spans[0].tokens + res->spans[1].tokens, 1e-9);
    cr_expect_eq(res->spans[0].tokens, 84);
    cr_expect_eq(res->spans[1].tokens, 40);
    pv_result_free(res);
    pv_index_free(ix);
    free(q);
}

/* Ordinary code right after a pasted license keeps its credit: two spans, the license common,
 * the code credited in full to the author of the file it comes from. */
Test(license_text, code_next_to_license_text_earns_credit)
{
    pv_index *ix;
    pv_result *res;
    const pv_span *lic, *code;
    pv_test_put_str("corpus/proj/LICENSE", concat3("Copyright (c) 2021 Ada\n\n", MIT_TEXT, ""));
    pv_test_put_str("corpus/proj/ring.c", RING_C);
    ix = build(pv_test_path("corpus"), "Ada Lovelace <ada@example.org>");
    res = match(ix, concat3(PROSE_BEFORE, concat3(MIT_TEXT, "\n", RING_C), PROSE_AFTER));
    cr_assert_eq(res->nspans, 2);
    lic = &res->spans[0];
    code = &res->spans[1];
    expect_license_span(lic, "MIT", "proj/LICENSE");
    cr_expect_eq(code->common, 0);
    cr_expect_null(code->common_license);
    cr_expect_str_eq(code->sources[0].locator, "proj/ring.c");
    cr_expect_eq(code->sources[0].line_start, 1);
    cr_expect_eq(code->sources[0].line_end, 10);
    cr_assert_eq(res->nauthors, 1);
    cr_expect_str_eq(res->authors[0].name, "Ada Lovelace");
    cr_expect_float_eq(res->authors[0].tokens, code->tokens, 1e-9);
    cr_expect_float_eq(res->authors[0].share, 1.0, 1e-9);
    pv_result_free(res);
    pv_index_free(ix);
}

/* ---- the embedded texts and the span test ------------------------------------------------ */

/* Every embedded text the detector (scanner/license.c) names is named as its file says; the
 * two it does not know are Debian's Artistic (Perl) and the GFDLs. */
Test(license_text, embedded_texts_are_the_licenses_their_names_say)
{
    size_t i, unknown = 0;
    cr_assert_eq(pv_scanner__nlicense_texts, 24);
    for (i = 0; i < pv_scanner__nlicense_texts; i++) {
        const pv_license_text *t = &pv_scanner__license_texts[i];
        const char *id = pv_scanner__license_of_text(t->text, t->len);
        cr_expect_eq(strlen(t->text), t->len, "%s", t->spdx);
        if (i > 0)
            cr_expect_leq(strcmp(pv_scanner__license_texts[i - 1].spdx, t->spdx), 0);
        if (!id) {
            unknown++;
            cr_expect(strcmp(t->spdx, "Artistic-1.0-Perl") == 0 ||
                          strncmp(t->spdx, "GFDL-", 5) == 0,
                      "the detector does not know %s", t->spdx);
            continue;
        }
        cr_expect_str_eq(id, t->spdx);
    }
    cr_expect_eq(unknown, 3);
}

#define K 10
#define SEED UINT64_C(0x5eed)

/* All k-gram fingerprints of text, malloc'ed (kept); their count in *n. */
static uint64_t *kgrams_of(const char *text, size_t *n)
{
    pv_tokens tok = {NULL, 0, 0, 0};
    uint64_t *kg;
    cr_assert_eq(pv_scanner__tokenize(text, strlen(text), SEED, &tok), 0);
    cr_assert_geq(tok.n, K);
    kg = pv_test_keep(malloc(tok.n * sizeof *kg));
    *n = pv_scanner__kgrams(tok.v, tok.n, K, SEED, kg);
    pv_scanner__tokens_free(&tok);
    return kg;
}

static const char *license_of(const uint64_t *fp, size_t n)
{
    const char *lic = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match__license_text(K, SEED, fp, n, &lic, &err), 0, "%s", err.msg);
    return lic;
}

/* The license holding most of the k-grams names the span: BSD-2 text is BSD-2-Clause although
 * all but a few of its k-grams are in BSD-3 and BSD-4 too. */
Test(license_text, span_is_named_by_the_license_holding_most_of_it)
{
    size_t n;
    const uint64_t *fp;
    const char *lic;
    fp = kgrams_of(MIT_TEXT, &n);
    lic = license_of(fp, n);
    cr_assert_not_null(lic);
    cr_expect_str_eq(lic, "MIT");
    fp = kgrams_of(BSD3_TEXT, &n);
    lic = license_of(fp, n);
    cr_assert_not_null(lic);
    cr_expect_str_eq(lic, "BSD-3-Clause");
    fp = kgrams_of(BSD2_TEXT, &n);
    lic = license_of(fp, n);
    cr_assert_not_null(lic);
    cr_expect_str_eq(lic, "BSD-2-Clause");
    fp = kgrams_of(RING_C, &n);
    cr_expect_null(license_of(fp, n));
    cr_expect_null(license_of(fp, 0));
}

/* At least half of the span's k-grams must be license k-grams: m license k-grams and m
 * others pass, m and m + 1 do not. */
Test(license_text, half_of_the_kgrams_is_the_threshold)
{
    size_t nl, nc, m;
    const uint64_t *lic = kgrams_of(MIT_TEXT, &nl), *code = kgrams_of(RING_C, &nc);
    uint64_t *mix;
    const char *got;
    m = nc - 1 < nl ? nc - 1 : nl;
    mix = pv_test_keep(malloc((2 * m + 1) * sizeof *mix));
    memcpy(mix, code, (m + 1) * sizeof *mix);
    memcpy(mix + m + 1, lic, m * sizeof *mix);
    cr_expect_null(license_of(mix, 2 * m + 1), "%zu license k-grams of %zu", m, 2 * m + 1);
    got = license_of(mix + 1, 2 * m);
    cr_assert_not_null(got, "%zu license k-grams of %zu", m, 2 * m);
    cr_expect_str_eq(got, "MIT");
}

/* The fingerprints are built once per (k, seed); other parameters get their own. */
Test(license_text, another_k_and_seed_get_their_own_fingerprints)
{
    pv_tokens tok = {NULL, 0, 0, 0};
    uint64_t kg[512];
    size_t n;
    const char *lic = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_scanner__tokenize(MIT_TEXT, strlen(MIT_TEXT), 7, &tok), 0);
    cr_assert_leq(tok.n, 512);
    n = pv_scanner__kgrams(tok.v, tok.n, 6, 7, kg);
    cr_assert_eq(pv_match__license_text(6, 7, kg, n, &lic, &err), 0, "%s", err.msg);
    cr_assert_not_null(lic);
    cr_expect_str_eq(lic, "MIT");
    /* with the other parameters they are no license k-grams */
    cr_assert_eq(pv_match__license_text(K, SEED, kg, n, &lic, &err), 0, "%s", err.msg);
    cr_expect_null(lic);
    pv_scanner__tokens_free(&tok);
}

typedef struct racer {
    const uint64_t *fp;
    size_t n;
    const char *lic;
    int rc;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    r->rc = pv_match__license_text(K, SEED, r->fp, r->n, &r->lic, NULL);
    return NULL;
}

/* Queries on several threads at once, the first of the process, all get the answer. */
Test(license_text, first_use_from_several_threads)
{
    pthread_t th[4];
    racer r[4];
    size_t n, i;
    const uint64_t *fp = kgrams_of(BSD3_TEXT, &n);
    for (i = 0; i < 4; i++) {
        r[i].fp = fp;
        r[i].n = n;
        r[i].lic = NULL;
        r[i].rc = -1;
        cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_expect_eq(r[i].rc, 0);
        cr_assert_not_null(r[i].lic);
        cr_expect_str_eq(r[i].lic, "BSD-3-Clause");
    }
}

/* ---- reports ------------------------------------------------------------------------------ */

/* Everything cmd prints on stdout, kept; fails the test when it does not exit with 0. */
static char *run_cli(const char *cmd)
{
    char buf[4096];
    size_t n, len = 0;
    char *out = pv_test_keep(calloc(1, 1 << 16));
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0 && len + n < (1 << 16)) {
        memcpy(out + len, buf, n);
        len += n;
    }
    cr_assert_eq(pclose(p), 0, "%s", cmd);
    return out;
}

/* The text report says which license on the span line; JSON has "common_license". */
Test(license_text, reports_name_the_license)
{
    const char *bin = getenv("PROVSCAN_BIN") ? getenv("PROVSCAN_BIN") : "./provscan";
    char cmd[1024], query[256], idx[256];
    char *out;
    pv_test_put_str("corpus/proj/LICENSE", MIT_TEXT);
    pv_index_free(build(pv_test_path("corpus"), "Ada Lovelace <ada@example.org>"));
    snprintf(query, sizeof query, "%s", pv_test_put_str("q.md", MIT_TEXT));
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    snprintf(cmd, sizeof cmd, "%s match -x %s %s", bin, idx, query);
    out = run_cli(cmd);
    /* license text held once is no chance match (strong), yet it is common: it earns nothing */
    cr_expect(strstr(out, " 163 tokens, strength 8.4 [common: license MIT, earns no credit]\n") !=
                  NULL,
              "%s", out);
    cr_expect(strstr(out, "\nauthors: none credited\n") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "%s match --format=json -x %s %s", bin, idx, query);
    out = run_cli(cmd);
    cr_expect(strstr(out, "\"common\":\ttrue,\n\t\t\t\t\t\"common_license\":\t\"MIT\",\n") != NULL,
              "%s", out);
}

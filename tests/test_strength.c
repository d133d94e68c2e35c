/*
 * test_strength.c - the strength of a span (docs/attribution.md, "Strength of evidence") on an
 * index built here: common code held by many documents and a table of numbers score weak
 * (exactly -log10 of the search space: they carry no evidence), a distinctive paragraph scores
 * strong, a longer excerpt stronger than a shorter one; a table of numbers, or of one-letter
 * labels and digits, earns nothing, in a match and in a credit ledger; and a ledger with
 * min_strength lists a weaker span apart, where it earns nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provscan.h"
#include "util.h"

/* Thresholds of docs/attribution.md: below WEAK a match this good is expected by chance at
 * least once in the index; from STRONG on, less than once in a hundred such indexes. */
#define WEAK 0.0
#define STRONG 2.0
/* Documents holding the shared code: more than the default --common (25). */
#define NCODE 30

static const char *tmpdir;
static pv_index *ix;
static pv_index_info info;

/* Code every module of the corpus starts with: a header and a summing loop. */
static const char *common_code =
    "/* Part of the widget toolkit. Build with make; see the README for details. */\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "\n"
    "static int sum(const int *a, int n)\n"
    "{\n"
    "    int i, s = 0;\n"
    "    for (i = 0; i < n; i++)\n"
    "        s += a[i];\n"
    "    return s;\n"
    "}\n";

/* A table of numbers, in one indexed document; the query's copy comes from elsewhere. */
static const char *table = "| 2019 | 12 | 48 | 7 | 1 |\n"
                           "| 2020 | 15 | 51 | 9 | 0 |\n"
                           "| 2021 | 11 | 47 | 6 | 2 |\n"
                           "| 2022 | 18 | 55 | 8 | 3 |\n"
                           "| 2023 | 14 | 50 | 7 | 1 |\n";

/* One indexed essay: only this document holds it. */
static const char *essay =
    "Every autumn the beekeepers of the valley carry their hives down from the chestnut "
    "slopes, because the heather honey sets too hard once the first frost reaches the upper "
    "terraces. My grandmother kept a ledger of each crossing, noting the weight of every frame "
    "and the temper of the colony, and she swore that a calm queen in October meant a wet "
    "spring, a superstition the agronomist from the cooperative never managed to dislodge.\n";

/* A grid of one-letter labels and digits (a seating plan), in one indexed document: every
 * token is one character, so it coincides between unrelated documents (rule 3). */
static const char *grid = "| A | 1 | 0 | 1 | 1 | 0 | B |\n"
                          "| C | 0 | 1 | 1 | 0 | 1 | D |\n"
                          "| E | 1 | 1 | 0 | 0 | 1 | F |\n"
                          "| G | 0 | 0 | 1 | 1 | 1 | H |\n"
                          "| J | 1 | 0 | 0 | 1 | 0 | K |\n";

static const char *prose_before =
    "Here is what the assistant wrote when I asked it about the weather station logs:\n";
static const char *prose_after =
    "It then suggested comparing the readings against the regional averages published "
    "monthly.\n";

static void setup(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    const char *src[1];
    char rel[64], body[1024];
    pv_err err = {0, {0}};
    int i;
    tmpdir = pv_test_tmpdir("pv-strength-");
    for (i = 0; i < NCODE; i++) {
        /* each module: the common code, then a function of its own */
        snprintf(rel, sizeof rel, "corpus/src/mod%02d.c", i);
        snprintf(
            body, sizeof body,
            "%s\nint module_%02d_entry(void)\n{\n    return report_module_%02d(sum(table_%02d, "
            "%d));\n}\n",
            common_code, i, i, i, i + 3);
        pv_test_put_str(rel, body);
    }
    snprintf(body, sizeof body,
             "Station inventory, counted by the volunteers each spring:\n\n%s\n"
             "Counts before 2019 are in the paper archive.\n",
             table);
    pv_test_put_str("corpus/notes/inventory.md", body);
    pv_test_put_str("corpus/notes/essay.md", essay);
    snprintf(body, sizeof body, "Seating plan of the reading room, row by row:\n\n%s", grid);
    pv_test_put_str("corpus/notes/seating.md", body);
    src[0] = pv_test_path("corpus");
    o.jobs = 1;
    o.author = "Corpus Author <corpus@example.org>";
    cr_assert_eq(pv_index_build(pv_test_path("s.pvx"), src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, pv_test_path("s.pvx"), &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_assert_eq(info.documents, NCODE + 3);
}

static void teardown(void)
{
    pv_index_free(ix);
    ix = NULL;
    pv_test_rmtree(tmpdir);
}

TestSuite(strength, .init = setup, .fini = teardown);

/* Match excerpt, pasted between unrelated prose; asserts one span and returns the result. */
static pv_result *match_pasted(const char *excerpt)
{
    size_t n = strlen(prose_before) + strlen(excerpt) + strlen(prose_after) + 1;
    char *q = malloc(n);
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_not_null(q);
    snprintf(q, n, "%s%s%s", prose_before, excerpt, prose_after);
    cr_assert_eq(pv_match_run(ix, q, strlen(q), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1, "%zu spans", res->nspans);
    free(q);
    return res;
}

/* The strength of a span without any evidence: E = query k-grams x stored fingerprints. */
static double no_evidence(const pv_result *res)
{
    double e = log10((double)(res->tokens - info.k + 1)) + log10((double)info.postings);
    return round(-e * 100) / 100;
}

Test(strength, common_code_held_by_many_documents_scores_weak)
{
    pv_result *res = match_pasted(common_code);
    const pv_span *sp = &res->spans[0];
    cr_assert_eq(sp->common, 1);
    cr_assert_eq(res->nauthors, 0);
    cr_assert_eq(sp->copies_total + 1, 16, "a common span names 16 documents, got %u",
                 sp->copies_total + 1);
    /* every fingerprint is common: no evidence at all */
    cr_assert_float_eq(sp->strength, no_evidence(res), 1e-9, "strength %.2f", sp->strength);
    cr_assert_lt(sp->strength, WEAK);
    pv_result_free(res);
}

/* The weak k-gram rule (docs/attribution.md rule 3): a table of numbers coincides between
 * unrelated documents, so it is a common span that earns nothing, though one document only
 * holds it; and it carries no evidence. */
Test(strength, table_of_numbers_is_common_and_earns_nothing)
{
    pv_result *res = match_pasted(table);
    const pv_span *sp = &res->spans[0];
    cr_assert_str_eq(sp->sources[0].locator, "notes/inventory.md");
    cr_assert_eq(sp->sources[0].line_start, 3);
    cr_assert_eq(sp->sources[0].line_end, 7);
    cr_assert_eq(sp->line_start, 2);
    cr_assert_eq(sp->line_end, 6);
    cr_assert_eq(sp->common, 1, "a table of numbers must be common");
    cr_assert_null(sp->common_license);
    cr_assert_eq(sp->ncredits, 0);
    cr_assert_eq(sp->nauthors, 0);
    cr_assert_eq(res->nauthors, 0, "a table of numbers earned credit");
    cr_assert_float_eq(sp->strength, no_evidence(res), 1e-9, "strength %.2f", sp->strength);
    cr_assert_lt(sp->strength, WEAK);
    pv_result_free(res);
}

Test(strength, distinctive_paragraph_scores_strong)
{
    pv_result *res = match_pasted(essay), *code = match_pasted(common_code),
              *nums = match_pasted(table);
    const pv_span *sp = &res->spans[0];
    cr_assert_str_eq(sp->sources[0].locator, "notes/essay.md");
    cr_assert_eq(sp->common, 0);
    cr_assert_eq(res->nauthors, 1);
    cr_assert_geq(sp->strength, STRONG, "strength %.2f", sp->strength);
    cr_assert_gt(sp->strength, code->spans[0].strength);
    cr_assert_gt(sp->strength, nums->spans[0].strength);
    pv_result_free(res);
    pv_result_free(code);
    pv_result_free(nums);
}

/* More of the same text is more evidence: the essay's first sentence scores less than the
 * whole essay, and more than nothing. */
Test(strength, longer_excerpt_scores_stronger)
{
    char first[512];
    const char *dot = strchr(essay, '.');
    pv_result *part, *whole = match_pasted(essay);
    snprintf(first, sizeof first, "%.*s\n", (int)(dot - essay + 1), essay);
    part = match_pasted(first);
    cr_assert_str_eq(part->spans[0].sources[0].locator, "notes/essay.md");
    cr_assert_lt(part->spans[0].strength, whole->spans[0].strength, "%.2f vs %.2f",
                 part->spans[0].strength, whole->spans[0].strength);
    cr_assert_gt(part->spans[0].strength, no_evidence(part));
    pv_result_free(part);
    pv_result_free(whole);
}

/* The same query on the same index gives the same strength, to the bit. */
Test(strength, deterministic)
{
    pv_result *a = match_pasted(essay), *b = match_pasted(essay);
    cr_assert_eq(memcmp(&a->spans[0].strength, &b->spans[0].strength, sizeof(double)), 0);
    /* reported in steps of 0.01 */
    cr_assert_float_eq(a->spans[0].strength * 100, round(a->spans[0].strength * 100), 1e-6);
    pv_result_free(a);
    pv_result_free(b);
}

/* The weak k-gram rule also holds for one-character tokens: a grid of one-letter labels and
 * digits is common and earns nothing, though one document holds it. */
Test(strength, grid_of_one_letter_labels_is_common)
{
    pv_result *res = match_pasted(grid);
    const pv_span *sp = &res->spans[0];
    cr_assert_str_eq(sp->sources[0].locator, "notes/seating.md");
    cr_assert_eq(sp->common, 1, "a grid of one-character tokens must be common");
    cr_assert_eq(res->nauthors, 0, "a grid of one-character tokens earned credit");
    cr_assert_float_eq(sp->strength, no_evidence(res), 1e-9, "strength %.2f", sp->strength);
    pv_result_free(res);
}

/* Output text: prose_before, then each of the parts, then prose_after (malloc'ed). */
static char *pasted(const char *a, const char *b)
{
    size_t n = strlen(prose_before) + strlen(a) + strlen(b) + strlen(prose_after) + 1;
    char *q = malloc(n);
    cr_assert_not_null(q);
    snprintf(q, n, "%s%s%s%s", prose_before, a, b, prose_after);
    return q;
}

/* At the credit level: an output quoting the table of numbers and the essay pays the essay's
 * author for the essay alone; no evidence row names the table's document. */
Test(strength, table_of_numbers_earns_nothing_in_a_ledger)
{
    char *q = pasted(table, essay), *e = pasted(essay, "");
    pv_result *res = NULL;
    pv_credit *cr = NULL;
    const pv_credit_payee *p;
    const pv_credit_weak *w;
    size_t n, nw;
    uint64_t essay_tokens = 0, credited, weak_tokens;
    pv_err err = {0, {0}};

    /* the truth: the essay's credited tokens when it is quoted alone */
    cr_assert_eq(pv_match_run(ix, e, strlen(e), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1);
    essay_tokens = res->spans[0].tokens;
    pv_result_free(res);

    cr_assert_eq(pv_credit_new(ix, NULL, &cr, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_add(cr, "table-and-essay", q, strlen(q), &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_payees(cr, &p, &n, &err), 0, "%s", err.msg);
    pv_credit_totals(cr, NULL, NULL, &credited);
    pv_credit_weak_spans(cr, &w, &nw, &weak_tokens);
    cr_assert_eq(n, 1, "%zu payees", n);
    cr_assert_str_eq(p[0].name, "Corpus Author");
    for (size_t i = 0; i < p[0].nevidence; i++)
        cr_assert_str_eq(p[0].evidence[i].locator, "notes/essay.md");
    cr_assert_eq(p[0].tokens, essay_tokens, "%llu tokens credited, the essay has %llu",
                 (unsigned long long)p[0].tokens, (unsigned long long)essay_tokens);
    cr_assert_eq(credited, essay_tokens);
    cr_assert_eq(nw, 0);
    cr_assert_eq(weak_tokens, 0);
    pv_credit_free(cr);
    free(q);
    free(e);
}

/* min_strength: the essay's first sentence alone is a weaker span than the whole essay; with a
 * threshold between the two, the sentence earns nothing and is listed apart (who would have
 * earned it, its evidence and strength), the whole essay keeps its credit. */
Test(strength, span_under_min_strength_is_listed_apart_in_a_ledger)
{
    char first[512];
    const char *dot = strchr(essay, '.');
    char *part, *whole = pasted(essay, "");
    pv_result *rp = NULL, *rw = NULL;
    pv_credit_opts co = PV_CREDIT_OPTS_INIT;
    pv_credit *cr = NULL;
    const pv_credit_payee *p;
    const pv_credit_weak *w;
    size_t n, nw;
    uint64_t credited, weak_tokens;
    pv_err err = {0, {0}};

    snprintf(first, sizeof first, "%.*s\n", (int)(dot - essay + 1), essay);
    part = pasted(first, "");
    cr_assert_eq(pv_match_run(ix, part, strlen(part), NULL, &rp, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, whole, strlen(whole), NULL, &rw, &err), 0, "%s", err.msg);
    cr_assert_eq(rp->nspans, 1);
    cr_assert_eq(rw->nspans, 1);
    cr_assert_lt(rp->spans[0].strength + 0.5, rw->spans[0].strength);
    co.use_min_strength = 1;
    co.min_strength = (rp->spans[0].strength + rw->spans[0].strength) / 2;

    cr_assert_eq(pv_credit_new(ix, &co, &cr, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_add(cr, "first-sentence", part, strlen(part), &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_add(cr, "whole-essay", whole, strlen(whole), &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_payees(cr, &p, &n, &err), 0, "%s", err.msg);
    pv_credit_totals(cr, NULL, NULL, &credited);
    pv_credit_weak_spans(cr, &w, &nw, &weak_tokens);

    cr_assert_eq(n, 1);
    cr_assert_eq(p[0].tokens, rw->spans[0].tokens);
    cr_assert_eq(p[0].outputs, 1);
    cr_assert_str_eq(p[0].evidence[0].output_id, "whole-essay");
    cr_assert_eq(credited, rw->spans[0].tokens);
    cr_assert_eq(nw, 1);
    cr_assert_eq(w[0].kind, PV_PAYEE_PERSON);
    cr_assert_str_eq(w[0].name, "Corpus Author");
    cr_assert_str_eq(w[0].email, "corpus@example.org");
    cr_assert_str_eq(w[0].ev.output_id, "first-sentence");
    cr_assert_eq(w[0].ev.output, 0);
    cr_assert_str_eq(w[0].ev.locator, "notes/essay.md");
    cr_assert_eq(w[0].ev.src_line_start, 1);
    cr_assert_eq(w[0].ev.tokens, rp->spans[0].tokens);
    cr_assert_float_eq(w[0].ev.strength, rp->spans[0].strength, 1e-12);
    cr_assert_eq(weak_tokens, rp->spans[0].tokens);
    pv_credit_free(cr);
    pv_result_free(rp);
    pv_result_free(rw);
    free(part);
    free(whole);
}

/* docs/attribution.md's worked example, exactly: the index of `make demo` (78 documents,
 * N = 1,560 stored fingerprints) and fixtures/outputs/stackexchange-answer.md (134 tokens,
 * Q = 125): one 75-token span whose origin answer holds five non-overlapping fingerprints
 * (k-grams 42, 57, 73, 87 and 98) each stored once, strength 10.68. */
Test(strength_demo, worked_example_of_the_docs)
{
    const char *dir = pv_test_tmpdir("pv-strength-demo-");
    const char *src[] = {"fixtures/corpus", "fixtures/stackexchange/french.meta.subset.7z",
                         "fixtures/wordpress/small-export.xml",
                         "fixtures/feeds/rss-rss2sample.xml"};
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_index *dix = NULL;
    pv_index_info di;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    char path[256];
    size_t len;
    char *q = pv_test_read_file("fixtures/outputs/stackexchange-answer.md", &len);
    double e;
    snprintf(path, sizeof path, "%s", pv_test_path("demo.pvx"));
    o.jobs = 1;
    o.read.site = "french.meta.stackexchange.com";
    cr_assert_eq(pv_index_build(path, src, 4, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&dix, path, &err), 0, "%s", err.msg);
    pv_index_get_info(dix, &di);
    cr_assert_eq(di.documents, 78);
    cr_assert_eq(di.postings, 1560);
    cr_assert_eq(pv_match_run(dix, q, len, NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->tokens, 134);
    cr_assert_eq(res->nspans, 1);
    cr_assert_eq(res->spans[0].tokens, 75);
    cr_assert_str_eq(res->spans[0].sources[0].locator,
                     "https://french.meta.stackexchange.com/a/17");
    e = log10(125.0) + log10(1560.0) + 5 * log10(1.0 / 1560);
    cr_assert_float_eq(res->spans[0].strength, round(-e * 100) / 100, 1e-9);
    cr_assert_float_eq(res->spans[0].strength, 10.68, 1e-9, "strength %.2f",
                       res->spans[0].strength);
    pv_result_free(res);
    pv_index_free(dix);
    free(q);
    pv_test_rmtree(dir);
}

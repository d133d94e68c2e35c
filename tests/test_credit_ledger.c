/*
 * test_credit_ledger.c - the credit ledger over a batch (pv_credit_*): a git history built
 * here is indexed, two outputs are added, and the payees must come back with whole tokens,
 * co-authors split by whole tokens, distinct outputs counted, in a deterministic order.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provscan.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-ledger-");
    git_libgit2_init();
}

static void teardown(void)
{
    pv_test_rmtree(root);
    git_libgit2_shutdown();
}

TestSuite(credit_ledger, .init = setup, .fini = teardown);

#define PART_ALICE pv_test_widget_count /* tests/util.c */
#define PART_PAIR pv_test_widget_average

static const pv_credit_payee *payee_named(const pv_credit_payee *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].name && strcmp(p[i].name, name) == 0)
            return &p[i];
    return NULL;
}

Test(credit_ledger, whole_tokens_coauthors_split_and_outputs_counted)
{
    char dir[128], idx[128], both[4096];
    git_repository *repo = NULL;
    git_oid c1, c2;
    const char *src[1];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_credit *cr = NULL;
    const pv_credit_payee *p, *alice, *bob, *carol;
    size_t n, i, j;
    uint64_t outputs, tokens, credited, sum = 0, span_tokens = 0;

    snprintf(dir, sizeof dir, "%s/repo", root);
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
    c1 = pv_test_commit_file(repo, NULL, "widget.c", PART_ALICE, "Alice", "alice@example.org",
                             1500000000, "count widgets\n");
    snprintf(both, sizeof both, "%s\n%s", PART_ALICE, PART_PAIR);
    c2 = pv_test_commit_file(repo, &c1, "widget.c", both, "Bob", "bob@example.org", 1600000000,
                             "average weight\n\nCo-authored-by: Carol <carol@example.org>\n");
    (void)c2;
    git_repository_free(repo);
    src[0] = dir;
    cr_assert_eq(pv_index_build(idx, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);

    /* the truth, from the match itself: the tokens of the spans that are not common */
    cr_assert_eq(pv_match_run(ix, both, strlen(both), NULL, &res, &err), 0, "%s", err.msg);
    for (i = 0; i < res->nspans; i++)
        if (!res->spans[i].common)
            span_tokens += res->spans[i].tokens;
    pv_result_free(res);
    cr_assert_gt(span_tokens, 0);

    cr_assert_eq(pv_credit_new(ix, NULL, &cr, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_add(cr, "out-1", both, strlen(both), &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_add(cr, "out-2", PART_ALICE, strlen(PART_ALICE), &err), 0, "%s",
                 err.msg);
    cr_assert_eq(pv_credit_payees(cr, &p, &n, &err), 0, "%s", err.msg);
    pv_credit_totals(cr, &outputs, &tokens, &credited);
    cr_assert_eq(outputs, 2);
    cr_assert_eq(n, 3);
    alice = payee_named(p, n, "Alice");
    bob = payee_named(p, n, "Bob");
    carol = payee_named(p, n, "Carol");
    cr_assert(alice && bob && carol);
    /* Alice's text is in both outputs; Bob and Carol's only in the first */
    cr_assert_eq(alice->outputs, 2);
    cr_assert_eq(bob->outputs, 1);
    cr_assert_eq(carol->outputs, 1);
    cr_assert_str_eq(bob->email, "bob@example.org");
    /* co-authors split by whole tokens: the author gets the odd token first */
    cr_assert(bob->tokens == carol->tokens || bob->tokens == carol->tokens + 1,
              "bob %llu carol %llu", (unsigned long long)bob->tokens,
              (unsigned long long)carol->tokens);
    /* order: tokens descending, then name */
    for (i = 1; i < n; i++)
        cr_assert(p[i - 1].tokens > p[i].tokens ||
                  (p[i - 1].tokens == p[i].tokens && strcmp(p[i - 1].name, p[i].name) < 0));
    for (i = 0; i < n; i++) {
        uint64_t ev = 0;
        sum += p[i].tokens;
        cr_assert_eq(p[i].spans, p[i].nevidence);
        for (j = 0; j < p[i].nevidence; j++) {
            ev += p[i].evidence[j].tokens;
            cr_assert_str_eq(p[i].evidence[j].locator, "widget.c");
            if (j)
                cr_assert_leq(p[i].evidence[j - 1].output, p[i].evidence[j].output);
        }
        cr_assert_eq(ev, p[i].tokens);
    }
    cr_assert_eq(sum, credited);
    /* every token of the first output's spans went to exactly one payee: the second output
     * is Alice's part again, which she is paid for once more */
    cr_assert_eq(sum - alice->evidence[alice->nevidence - 1].tokens, span_tokens);
    cr_assert_eq(alice->evidence[alice->nevidence - 1].output, 1);
    cr_assert_str_eq(alice->evidence[alice->nevidence - 1].output_id, "out-2");
    pv_credit_free(cr);
    pv_index_free(ix);
}

/* The same text in a second repository, committed later, is a copy: only the origin's author
 * earns, and the evidence names the origin's file. Text of a plain folder (no author) is the
 * "unknown" line, after the persons, in no person's share. */
Test(credit_ledger, only_the_origin_earns_and_unknown_is_apart)
{
    char a[128], b[128], f[128], idx[128], text[4096];
    git_repository *repo = NULL;
    const char *src[3];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;
    pv_index *ix = NULL;
    pv_credit *cr = NULL;
    const pv_credit_payee *p;
    size_t n;
    uint64_t credited;

    snprintf(a, sizeof a, "%s/original", root);
    snprintf(b, sizeof b, "%s/fork", root);
    snprintf(f, sizeof f, "%s/plain", root);
    snprintf(idx, sizeof idx, "%s/y.pvx", root);
    cr_assert_eq(git_repository_init(&repo, a, 0), 0);
    pv_test_commit_file(repo, NULL, "widget.c", PART_PAIR, "Alice", "alice@example.org", 1400000000,
                        "weights\n");
    git_repository_free(repo);
    cr_assert_eq(git_repository_init(&repo, b, 0), 0);
    pv_test_commit_file(repo, NULL, "widget_vendored.c", PART_PAIR, "Mallory", "m@example.org",
                        1600000000, "vendor it\n");
    git_repository_free(repo);
    pv_test_put_str("plain/count.c", PART_ALICE);
    src[0] = b;
    src[1] = a;
    src[2] = f;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(idx, src, 3, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_new(ix, NULL, &cr, &err), 0, "%s", err.msg);
    snprintf(text, sizeof text, "%s\n%s", PART_PAIR, PART_ALICE);
    cr_assert_eq(pv_credit_add(cr, "o", text, strlen(text), &err), 0, "%s", err.msg);
    cr_assert_eq(pv_credit_payees(cr, &p, &n, &err), 0, "%s", err.msg);
    pv_credit_totals(cr, NULL, NULL, &credited);
    cr_assert_eq(n, 2);
    cr_assert_eq(p[0].kind, PV_PAYEE_PERSON);
    cr_assert_str_eq(p[0].name, "Alice");
    cr_assert_eq(p[0].nevidence, 1);
    cr_assert_str_eq(p[0].evidence[0].locator, "widget.c");
    cr_assert_eq(p[0].evidence[0].line_start, 1);
    cr_assert_float_eq(p[0].share, 1.0, 1e-12);
    cr_assert_eq(credited, p[0].tokens);
    cr_assert_eq(p[1].kind, PV_PAYEE_UNKNOWN);
    cr_assert_null(p[1].name);
    cr_assert_gt(p[1].tokens, 0);
    cr_assert_str_eq(p[1].evidence[0].locator, "count.c");
    cr_assert_float_eq(p[1].share, 0.0, 1e-12);
    pv_credit_free(cr);
    pv_index_free(ix);
}

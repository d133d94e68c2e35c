/*
 * test_credit_cli.c - `provscan credit` end to end: a git history built here (two identities
 * of one person, a co-authored commit, a license file) is indexed, a folder of outputs is
 * credited, and the JSON ledger must pay whole tokens, exact cents, the same bytes on every
 * run, and --verify must accept it and name the entry that was changed.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "provscan.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-credit-cli-");
    git_libgit2_init();
}

static void teardown(void)
{
    pv_test_rmtree(root);
    git_libgit2_shutdown();
}

TestSuite(credit_cli, .init = setup, .fini = teardown);

#define ALICE pv_test_widget_count /* tests/util.c */
static const char ALICE2[] =
    "static unsigned gadget_checksum(const unsigned char *bytes, size_t length_in_bytes)\n"
    "{\n"
    "    unsigned rolling_gadget_sum = 0x1234u;\n"
    "    while (length_in_bytes--)\n"
    "        rolling_gadget_sum = (rolling_gadget_sum << 5) ^ *bytes++ ^ 0x9e37u;\n"
    "    return rolling_gadget_sum;\n"
    "}\n";
#define PAIR pv_test_widget_average

static char idx[256], outs[256];

static void build(void)
{
    char dir[256], two[8192], args[1024];
    git_repository *repo = NULL;
    git_oid c1, c2, c3, c4;
    char *mit = pv_test_read_file("scanner/licenses/MIT.txt", NULL);

    snprintf(dir, sizeof dir, "%s/repo", root);
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    snprintf(outs, sizeof outs, "%s/outs", root);
    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
    c1 = pv_test_commit_file(repo, NULL, "widget.c", ALICE, "Alice", "alice@example.org",
                             1500000000, "count\n");
    c2 = pv_test_commit_file(repo, &c1, "LICENSE", mit, "Alice", "alice@example.org", 1500000100,
                             "license\n");
    /* the same person under another name: one payee */
    c3 = pv_test_commit_file(repo, &c2, "gadget.c", ALICE2, "A. Liddell", "alice@example.org",
                             1500000200, "checksum\n");
    snprintf(two, sizeof two, "%s\n%s", ALICE, PAIR);
    c4 = pv_test_commit_file(repo, &c3, "widget.c", two, "Bob", "bob@example.org", 1600000000,
                             "average\n\nCo-authored-by: Carol <carol@example.org>\n");
    (void)c4;
    git_repository_free(repo);
    snprintf(args, sizeof args, "index -o %s %s", idx, dir);
    cr_assert_eq(pv_test_run(args, pv_test_path("idx.out"), pv_test_path("idx.err")), 0);
    snprintf(two, sizeof two, "%s\n%s\n%s", PAIR, mit, ALICE2);
    pv_test_put_str("outs/b.txt", two);
    pv_test_put_str("outs/a/one.c", ALICE);
    free(mit);
}

Test(credit_cli, ledger_pays_whole_tokens_exact_cents_and_verifies)
{
    char args[1024];
    char *l1, *l2;
    size_t n1, n2;
    cJSON *j, *e, *it;
    long cents = 0, npersons = 0;
    double tokens = 0;

    build();
    snprintf(args, sizeof args, "credit -x %s --jobs 1 --format json --pool 0.10 %s -o %s", idx,
             outs, pv_test_path("l1.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    /* --jobs 2 matches on two threads: the same ledger, byte for byte */
    snprintf(args, sizeof args, "credit -x %s --jobs 2 --format json --pool 0.10 %s -o %s", idx,
             outs, pv_test_path("l2.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    l1 = pv_test_read_file(pv_test_path("l1.json"), &n1);
    l2 = pv_test_read_file(pv_test_path("l2.json"), &n2);
    cr_assert(n1 == n2 && memcmp(l1, l2, n1) == 0, "--jobs 1 and --jobs 2 give the same ledger");

    j = cJSON_Parse(l1);
    cr_assert_not_null(j);
    e = cJSON_GetObjectItem(j, "entries");
    cJSON_ArrayForEach(it, e)
    {
        const char *kind = cJSON_GetObjectItem(it, "kind")->valuestring;
        const char *email = cJSON_GetObjectItem(it, "email")->valuestring;
        cJSON *ev;
        if (strcmp(kind, "person") != 0)
            continue;
        npersons++;
        cents += lround(100 * atof(cJSON_GetObjectItem(it, "amount")->valuestring));
        tokens += cJSON_GetObjectItem(it, "tokens")->valuedouble;
        /* no evidence row points at the license: commons earn nothing */
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(it, "evidence"))
            cr_assert_str_neq(cJSON_GetObjectItem(ev, "locator")->valuestring, "LICENSE");
        /* 0.10 among 49, 18 and 17 tokens: 5.83, 2.14, 2.02 cents floor to 5, 2, 2; the
         * cent left goes to the largest remainder (Alice's .83) */
        if (strcmp(email, "bob@example.org") == 0) {
            cr_assert_str_eq(cJSON_GetObjectItem(it, "amount")->valuestring, "0.02");
            /* co-authors: 35 tokens dealt round-robin, the commit's author first */
            cr_assert_eq(cJSON_GetObjectItem(it, "tokens")->valueint, 18);
        }
        if (strcmp(email, "carol@example.org") == 0) {
            cr_assert_str_eq(cJSON_GetObjectItem(it, "amount")->valuestring, "0.02");
            cr_assert_eq(cJSON_GetObjectItem(it, "tokens")->valueint, 17);
        }
        if (strcmp(email, "alice@example.org") == 0) {
            cr_assert_str_eq(cJSON_GetObjectItem(it, "amount")->valuestring, "0.06");
            cr_assert_eq(cJSON_GetObjectItem(it, "tokens")->valueint, 49);
        }
        if (strcmp(email, "alice@example.org") == 0)
            /* two names, one email: one payee, in both outputs (folders sorted: a/one.c,
             * then b.txt) */
            cr_assert_eq(cJSON_GetObjectItem(it, "outputs")->valueint, 2);
    }
    cr_assert_eq(npersons, 3, "Alice (two identities), Bob, Carol");
    cr_assert_eq(cents, 10, "the amounts add up to the pool exactly");
    cr_assert_eq((double)tokens,
                 cJSON_GetObjectItem(cJSON_GetObjectItem(j, "totals"), "credited")->valuedouble);
    cJSON_Delete(j);

    /* the digest holds */
    snprintf(args, sizeof args, "credit --verify %s", pv_test_path("l1.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    snprintf(args, sizeof args, "credit --verify %s -x %s --pool 0.10 %s", pv_test_path("l1.json"),
             idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);

    /* an output changed: recomputing names the first entry that differs */
    pv_test_put_str("outs/a/one.c", "nothing of anybody's here at all, just some words\n");
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 1);
    {
        char *err = pv_test_read_file(pv_test_path("e"), NULL);
        cr_assert(strstr(err, "not the recomputed ledger"), "%s", err);
        free(err);
    }
    free(l1);
    free(l2);
}

/* The ledger's person entries: amount (string, or NULL when not paid) and unallocated flag
 * by email, and the totals. */
typedef struct paid {
    char alice[16], bob[16], carol[16];
    int carol_unallocated, bob_unallocated;
    char unallocated_amount[16];
    double unallocated_tokens;
} paid;

static void ledger_amounts(const char *extra, paid *p)
{
    char args[1024], *l;
    cJSON *j, *it, *t;
    memset(p, 0, sizeof *p);
    snprintf(args, sizeof args, "credit -x %s --format json %s %s -o %s", idx, extra, outs,
             pv_test_path("lp.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    l = pv_test_read_file(pv_test_path("lp.json"), NULL);
    j = cJSON_Parse(l);
    cr_assert_not_null(j);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "entries"))
    {
        const cJSON *em = cJSON_GetObjectItem(it, "email"), *am = cJSON_GetObjectItem(it, "amount");
        const char *a = cJSON_IsString(am) ? am->valuestring : "-";
        int un = cJSON_IsTrue(cJSON_GetObjectItem(it, "unallocated"));
        if (!cJSON_IsString(em))
            continue;
        if (!strcmp(em->valuestring, "alice@example.org"))
            snprintf(p->alice, sizeof p->alice, "%s", a);
        if (!strcmp(em->valuestring, "bob@example.org")) {
            snprintf(p->bob, sizeof p->bob, "%s", a);
            p->bob_unallocated = un;
        }
        if (!strcmp(em->valuestring, "carol@example.org")) {
            snprintf(p->carol, sizeof p->carol, "%s", a);
            p->carol_unallocated = un;
        }
    }
    t = cJSON_GetObjectItem(j, "totals");
    snprintf(p->unallocated_amount, sizeof p->unallocated_amount, "%s",
             cJSON_IsString(cJSON_GetObjectItem(t, "unallocated_amount"))
                 ? cJSON_GetObjectItem(t, "unallocated_amount")->valuestring
                 : "-");
    p->unallocated_tokens = cJSON_GetObjectItem(t, "unallocated_tokens")->valuedouble;
    cJSON_Delete(j);
    free(l);
}

/* 0.07 among 49, 18 and 17 tokens: 4.08, 1.50, 1.42 cents floor to 4, 1, 1; the cent left
 * goes to the largest remainder, Bob's .50, not to the first payee. */
Test(credit_cli, pool_cent_left_goes_to_the_largest_remainder)
{
    paid p;
    build();
    ledger_amounts("--pool 0.07", &p);
    cr_expect_str_eq(p.alice, "0.04");
    cr_expect_str_eq(p.bob, "0.02");
    cr_expect_str_eq(p.carol, "0.01");
    cr_expect_str_eq(p.unallocated_amount, "0.00");
}

/* Regression: --min-share left the small payees out of the split, so their money went to the
 * others and the unallocated amount was always 0.00. Their amounts are now unallocated: 1.00
 * among 49, 18, 17 tokens is 0.58, 0.22, 0.20 (largest remainder: Bob); Carol's share 0.202
 * is under 0.21, so her 0.20 is unallocated and the others are paid as without the threshold. */
Test(credit_cli, regression_min_share_moves_the_small_amounts_to_unallocated)
{
    paid p;
    build();
    ledger_amounts("--pool 1 --min-share 0.21", &p);
    cr_expect_str_eq(p.alice, "0.58");
    cr_expect_str_eq(p.bob, "0.22");
    cr_expect_str_eq(p.carol, "-", "not paid");
    cr_expect(p.carol_unallocated);
    cr_expect(!p.bob_unallocated);
    cr_expect_str_eq(p.unallocated_amount, "0.20");
    cr_expect_eq(p.unallocated_tokens, 17);
    /* without the threshold the same amounts, Carol's paid */
    ledger_amounts("--pool 1", &p);
    cr_expect_str_eq(p.alice, "0.58");
    cr_expect_str_eq(p.bob, "0.22");
    cr_expect_str_eq(p.carol, "0.20");
    cr_expect_str_eq(p.unallocated_amount, "0.00");
    /* a threshold over everyone: the whole pool is unallocated */
    ledger_amounts("--pool 1 --min-share 0.9", &p);
    cr_expect_str_eq(p.alice, "-");
    cr_expect_str_eq(p.unallocated_amount, "1.00");
}

/* "." is no amount. */
Test(credit_cli, pool_without_a_digit_is_a_usage_error)
{
    char args[1024];
    build();
    snprintf(args, sizeof args, "credit -x %s --pool . %s", idx, outs);
    cr_expect_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 2);
    snprintf(args, sizeof args, "credit -x %s --pool .5 %s", idx, outs);
    cr_expect_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
}

/* Regression: the credit text report printed output ids, names and locators as they came,
 * so an escape sequence in an output's id (or a git author's name) reached the terminal. */
Test(credit_cli, regression_text_report_shows_control_bytes_in_caret_notation)
{
    char args[1024], *out, *line;
    cJSON *rec = cJSON_CreateObject();
    build();
    cJSON_AddStringToObject(rec, "id", "evil\x1b[2J");
    cJSON_AddStringToObject(rec, "text", ALICE);
    line = cJSON_PrintUnformatted(rec);
    pv_test_put_str("evil.jsonl", line);
    snprintf(args, sizeof args, "credit -x %s --jsonl %s", idx, pv_test_path("evil.jsonl"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    out = pv_test_read_file(pv_test_path("o"), NULL);
    cr_expect_null(strchr(out, 0x1b), "%s", out);
    cr_expect_not_null(strstr(out, "  evil^[[2J:"), "%s", out);
    free(out);
    free(line);
    cJSON_Delete(rec);
}

Test(credit_cli, digest_changes_when_an_entry_changes)
{
    char args[1024], *l, *p;
    size_t n;

    build();
    snprintf(args, sizeof args, "credit -x %s --format json %s -o %s", idx, outs,
             pv_test_path("l.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    l = pv_test_read_file(pv_test_path("l.json"), &n);
    /* change the first evidence row's line number by one digit */
    p = strstr(l, "\"lines\":\t[");
    cr_assert_not_null(p);
    p += strlen("\"lines\":\t[");
    *p = *p == '9' ? '8' : (char)(*p + 1);
    pv_test_write_file(pv_test_path("bad.json"), l, n);
    snprintf(args, sizeof args, "credit --verify %s", pv_test_path("bad.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 1);
    /* with the index and the outputs, --verify names the entry that was changed */
    snprintf(args, sizeof args, "credit --verify %s -x %s %s", pv_test_path("bad.json"), idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 1);
    {
        char *err = pv_test_read_file(pv_test_path("e"), NULL);
        cr_assert(strstr(err, "digest mismatch"), "%s", err);
        cr_assert(strstr(err, "not the recomputed ledger: entry 1 (Alice <alice@example.org>) "
                              "differs: entries[0].evidence[0].lines[0] is "),
                  "%s", err);
        free(err);
    }
    snprintf(args, sizeof args, "credit --verify %s", pv_test_path("nope.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 3);
    free(l);
}

Test(credit_cli, jsonl_bad_records_skipped_counted_or_strict)
{
    char args[1024], line[8192], *err, *out;
    const char *jl;
    size_t n;

    build();
    n = (size_t)snprintf(line, sizeof line, "{\"request_id\": \"r1\", \"completion\": \"");
    for (const char *p = ALICE; *p; p++)
        n += (size_t)snprintf(line + n, sizeof line - n, *p == '\n' ? "\\n" : "%c", *p);
    snprintf(line + n, sizeof line - n, "\"}\n{not json\n{\"request_id\": \"r3\", \"other\": 1}\n");
    jl = pv_test_put_str("outs.jsonl", line);
    snprintf(args, sizeof args,
             "credit -x %s --format csv --jsonl --field text=completion,id=request_id %s", idx, jl);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    err = pv_test_read_file(pv_test_path("e"), NULL);
    out = pv_test_read_file(pv_test_path("o"), NULL);
    cr_assert(strstr(err, "outs.jsonl:2: not a JSON object"), "%s", err);
    cr_assert(strstr(err, "outs.jsonl:3: no string field 'completion'"), "%s", err);
    cr_assert(strstr(err, "2 bad records skipped"), "%s", err);
    cr_assert_str_eq(out, "name,identities,tokens,share,amount,outputs,spans\n"
                          "\"Alice\",\"alice@example.org\",28,1.000000,,1,1\n");
    free(err);
    free(out);
    /* the records go to the batch runner's threads too: the same report for any --jobs */
    for (const char *const *j = (const char *const[]){"1", "2", NULL}; *j; j++) {
        snprintf(
            args, sizeof args,
            "credit -x %s --jobs %s --format csv --jsonl --field text=completion,id=request_id "
            "%s %s",
            idx, *j, jl, jl);
        cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
        out = pv_test_read_file(pv_test_path("o"), NULL);
        cr_assert_str_eq(out,
                         "name,identities,tokens,share,amount,outputs,spans\n"
                         "\"Alice\",\"alice@example.org\",56,1.000000,,2,2\n",
                         "--jobs %s", *j);
        free(out);
    }
    /* --strict: the first bad record stops the run */
    snprintf(args, sizeof args, "credit -x %s --strict --jsonl --field text=completion %s", idx,
             jl);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 3);
    err = pv_test_read_file(pv_test_path("e"), NULL);
    cr_assert(strstr(err, "outs.jsonl:2: not a JSON object"), "%s", err);
    cr_assert_null(strstr(err, "outs.jsonl:3"), "%s", err);
    free(err);
}

/* The strengths of the spans that earn (not common) in the outputs of build(), lowest and
 * highest, from the library's own match. */
static void strength_range(double *lo, double *hi)
{
    static const char *rel[] = {"outs/a/one.c", "outs/b.txt"};
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    *lo = 1e9;
    *hi = -1e9;
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        char *text = pv_test_read_file(pv_test_path(rel[i]), &n);
        pv_result *res = NULL;
        cr_assert_eq(pv_match_run(ix, text, n, NULL, &res, &err), 0, "%s", err.msg);
        for (size_t j = 0; j < res->nspans; j++) {
            if (res->spans[j].common)
                continue;
            *lo = fmin(*lo, res->spans[j].strength);
            *hi = fmax(*hi, res->spans[j].strength);
        }
        pv_result_free(res);
        free(text);
    }
    pv_index_free(ix);
}

static cJSON *read_ledger(const char *rel)
{
    char *text = pv_test_read_file(pv_test_path(rel), NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(j, "%s is not JSON", rel);
    return j;
}

/* The known-truth batch with a span below --min-strength: it earns nothing, is listed apart in
 * weak[] with who would have earned it, the others keep their tokens and the pool goes to them
 * alone; the ledger states the option and --verify recomputes with it. */
Test(credit_cli, weak_span_below_min_strength_earns_nothing)
{
    char args[1024], s[32];
    double lo, hi, all_credited, weak_sum = 0;
    long cents = 0;
    cJSON *full, *l, *it, *ev;

    build();
    strength_range(&lo, &hi);
    cr_assert_lt(lo + 0.5, hi, "need a weak and a strong span: %.2f %.2f", lo, hi);
    snprintf(s, sizeof s, "%.2f", (lo + hi) / 2);
    snprintf(args, sizeof args, "credit -x %s --format json --pool 0.10 %s -o %s", idx, outs,
             pv_test_path("full.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    snprintf(args, sizeof args, "credit -x %s --format json --pool 0.10 --min-strength %s %s -o %s",
             idx, s, outs, pv_test_path("weak.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    full = read_ledger("full.json");
    l = read_ledger("weak.json");
    all_credited =
        cJSON_GetObjectItem(cJSON_GetObjectItem(full, "totals"), "credited")->valuedouble;
    cr_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(l, "options"), "min_strength")->valuestring, s);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "rules"), "version")->valuedouble,
                 PV_CREDIT_RULES_VERSION);
    cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(l, "weak")), 0, "no weak span");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(l, "weak"))
    {
        cr_assert_lt(cJSON_GetObjectItem(it, "strength")->valuedouble, atof(s));
        cr_assert_str_eq(cJSON_GetObjectItem(it, "kind")->valuestring, "person");
        cr_assert(cJSON_IsString(cJSON_GetObjectItem(it, "name")), "who would have earned it");
        cr_assert_str_neq(cJSON_GetObjectItem(it, "locator")->valuestring, "LICENSE");
        weak_sum += cJSON_GetObjectItem(it, "tokens")->valuedouble;
    }
    cr_assert_eq(weak_sum,
                 cJSON_GetObjectItem(cJSON_GetObjectItem(l, "totals"), "weak_tokens")->valuedouble);
    /* the weak tokens are exactly those that went out of the persons' credit */
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "totals"), "credited")->valuedouble +
                     weak_sum,
                 all_credited);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(l, "entries"))
    {
        cJSON_ArrayForEach(ev, cJSON_GetObjectItem(it, "evidence"))
            cr_assert_geq(cJSON_GetObjectItem(ev, "strength")->valuedouble, atof(s));
        if (cJSON_IsString(cJSON_GetObjectItem(it, "amount")))
            cents += lround(100 * atof(cJSON_GetObjectItem(it, "amount")->valuestring));
    }
    cr_assert_eq(cents, 10, "the pool goes to the spans that earn, to the cent");
    cJSON_Delete(full);
    cJSON_Delete(l);

    /* --verify takes the threshold from the ledger; another one is a usage error */
    snprintf(args, sizeof args, "credit --verify %s -x %s %s", pv_test_path("weak.json"), idx,
             outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    snprintf(args, sizeof args, "credit --verify %s -x %s --min-strength 99 %s",
             pv_test_path("weak.json"), idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 2);
    {
        char *err = pv_test_read_file(pv_test_path("e"), NULL), want[128];
        snprintf(want, sizeof want,
                 "--min-strength 99 contradicts the ledger: options.min_strength "
                 "is %s",
                 s);
        cr_assert(strstr(err, want), "%s", err);
        free(err);
    }

    /* the text and CSV reports list them apart too */
    snprintf(args, sizeof args, "credit -x %s --format csv --min-strength %s %s", idx, s, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    {
        char *out = pv_test_read_file(pv_test_path("o"), NULL), want[64];
        snprintf(want, sizeof want, "\n\"weak spans\",\"\",%.0f,0.000000,,", weak_sum);
        cr_assert(strstr(out, want), "%s", out);
        free(out);
    }
    snprintf(args, sizeof args, "credit -x %s --min-strength %s %s", idx, s, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    {
        char *out = pv_test_read_file(pv_test_path("o"), NULL), want[96];
        snprintf(want, sizeof want, "\nweak spans (strength under %s): tokens %.0f ", s, weak_sum);
        cr_assert(strstr(out, want), "%s", out);
        free(out);
    }
}

/* regression: --verify LEDGER -x INDEX OUTPUTS recomputed with the options given on the command
 * line, so a ledger made with --pool, --min-share or --min-strength "differed" unless the checker
 * knew and repeated them; it now takes them from the ledger, and an option that contradicts the
 * ledger is a usage error naming it. */
Test(credit_cli, regression_verify_recomputes_with_the_ledgers_options)
{
    char args[1024], *err;
    const char *jl;

    build();
    snprintf(args, sizeof args,
             "credit -x %s --format json --pool 7.5 --currency USD --min-share 0.2 --common 30 "
             "--min-tokens 12 %s -o %s",
             idx, outs, pv_test_path("l.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    /* the ledger, the index and the outputs are enough */
    snprintf(args, sizeof args, "credit --verify %s -x %s %s", pv_test_path("l.json"), idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    err = pv_test_read_file(pv_test_path("o"), NULL);
    cr_assert(strstr(err, "identical to the recomputed ledger"), "%s", err);
    free(err);
    /* the same options, written otherwise, agree */
    snprintf(args, sizeof args,
             "credit --verify %s -x %s --pool 7.50 --min-share 0.20 --common 30 %s",
             pv_test_path("l.json"), idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    /* one that contradicts the ledger: a usage error naming it */
    snprintf(args, sizeof args, "credit --verify %s -x %s --pool 8 %s", pv_test_path("l.json"), idx,
             outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 2);
    err = pv_test_read_file(pv_test_path("e"), NULL);
    cr_assert(strstr(err, "--pool 8 contradicts the ledger: options.pool is 7.50"), "%s", err);
    free(err);

    /* JSON lines: the fields come from the ledger too */
    jl = pv_test_put_str("o.jsonl", "{\"rid\": \"r1\", \"completion\": \"int widget_count(const "
                                    "struct widget_list *list)\\n{\\n    int total_widgets_seen = "
                                    "0;\\n    for (const struct widget *w = list->first; w != "
                                    "NULL; w = w->next_widget)\\n        total_widgets_seen += "
                                    "w->is_counted ? 1 : 0;\\n    return total_widgets_seen;\\n}"
                                    "\\n\"}\n");
    snprintf(args, sizeof args,
             "credit -x %s --format json --jsonl --field text=completion,id=rid %s -o %s", idx, jl,
             pv_test_path("j.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    {
        cJSON *l = read_ledger("j.json");
        cJSON *o = cJSON_GetObjectItem(l, "options");
        cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "jsonl")));
        cr_assert_str_eq(cJSON_GetObjectItem(o, "fields")->valuestring, "text=completion,id=rid");
        cr_assert_gt(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "totals"), "credited")->valuedouble,
                     0);
        cJSON_Delete(l);
    }
    snprintf(args, sizeof args, "credit --verify %s -x %s %s", pv_test_path("j.json"), idx, jl);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    snprintf(args, sizeof args, "credit --verify %s -x %s --field text=text %s",
             pv_test_path("j.json"), idx, jl);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 2);

    /* an output changed: the first entry that differs is named, with what differs in it */
    pv_test_put_str("outs/a/one.c", "nothing of anybody's here at all, just some words\n");
    snprintf(args, sizeof args, "credit --verify %s -x %s %s", pv_test_path("l.json"), idx, outs);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 1);
    err = pv_test_read_file(pv_test_path("e"), NULL);
    cr_assert(strstr(err, "not the recomputed ledger: entry 1 (Alice <alice@example.org>) differs: "
                          "entries[0]."),
              "%s", err);
    free(err);
}

/* Peak resident memory (KiB) of the largest child waited for so far, after crediting the
 * output outs/a/one.c given n times (--files-from) into a JSON ledger. */
static long credit_peak_kib(size_t n)
{
    char args[1024], list[256];
    struct rusage ru;
    FILE *f;

    snprintf(list, sizeof list, "%s", pv_test_path("many.list"));
    f = fopen(list, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s/a/one.c\n", outs);
    cr_assert_eq(fclose(f), 0);
    snprintf(args, sizeof args, "credit -x %s --format json --files-from %s -o %s", idx, list,
             pv_test_path("many.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    return ru.ru_maxrss;
}

/* regression: the JSON ledger was one cJSON tree of every evidence row, printed at the end, so
 * its memory grew with the batch (+14 MB from 2,000 to 10,000 bench outputs); it is now written
 * piece by piece. 5,000 evidence rows must cost less than 4 MiB more than 10. */
Test(credit_cli, regression_json_ledger_memory_does_not_grow_with_outputs)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("peak memory is not measurable under AddressSanitizer");
#endif
    long few, many;
    char args[1024];

    build();
    few = credit_peak_kib(10); /* few first: the children's maximum only grows */
    many = credit_peak_kib(5000);
    cr_expect_lt(many, few + 4096, "%ld KiB for 10 outputs, %ld KiB for 5,000", few, many);
    snprintf(args, sizeof args, "credit --verify %s", pv_test_path("many.json"));
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 0);
}

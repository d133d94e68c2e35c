/* Criterion suite for the library's check (pv_check_run, match/check.c), called as an outside
 * program would, without the command line: an index of a git repository holding
 * fixtures/corpus/feedparser's README.rst and its BSD-2-Clause LICENSE (committed by their
 * author inside the test, indexed with pv_index_build), and a repository made with libgit2
 * whose commits paste 31 lines of that README, reindented. Findings' paths, lines, rules and
 * fingerprints (the same when lines above move), baselines, the staged index, the policy, and
 * the errors (err may be NULL). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "provscan.h"
#include "util.h"

static const char *root;
static pv_index *ix;
static char app[512], readme_lines[31][256];

/* The index of a repository holding the README and its license, by Kurt McKee. */
static void setup(void)
{
    char dir[1024], idx[1024], src[1100];
    const char *paths[2] = {"README.rst", "LICENSE"}, *texts[2], *sources[1];
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_err err = {0, ""};
    char *readme, *p, *nl;
    int line = 1, k = 0, rc;

    root = pv_test_tmpdir("provscan-checklib-");
    readme = pv_test_keep(pv_test_read_file("fixtures/corpus/feedparser/README.rst", NULL));
    texts[0] = readme;
    texts[1] = pv_test_keep(pv_test_read_file("fixtures/corpus/feedparser/LICENSE", NULL));
    snprintf(dir, sizeof dir, "%s/feedparser", root);
    pv_test_git_commit(dir, paths, texts, 2, "Kurt McKee", "contactme@kurtmckee.org", 1600000000,
                       NULL);
    snprintf(idx, sizeof idx, "%s/corpus.pvx", root);
    snprintf(src, sizeof src, "git:%s", dir);
    sources[0] = src;
    bo.jobs = 1;
    bo.read.origin_name = "https://github.com/kurtmckee/feedparser";
    rc = pv_index_build(idx, sources, 1, &bo, NULL, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    /* lines 16-46 of the README: the copy the tests paste */
    for (p = readme; *p && k < 31; p = nl + 1, line++) {
        if (!(nl = strchr(p, '\n')))
            break;
        if (line >= 16 && line <= 46)
            snprintf(readme_lines[k++], sizeof readme_lines[0], "%.*s", (int)(nl - p), p);
    }
    cr_assert_eq(k, 31);
    snprintf(app, sizeof app, "%s/app", root);
}

static void teardown(void)
{
    pv_index_free(ix);
    ix = NULL;
    pv_test_done();
}

TestSuite(check_lib, .init = setup, .fini = teardown);

/* n unrelated lines, then the pasted lines reindented by indent spaces, then one more */
static char *pasted_indented(int lines_before, int indent)
{
    size_t cap = 16384, at = 0;
    char *t = pv_test_keep(malloc(cap));
    int i;
    for (i = 0; i < lines_before; i++)
        at += (size_t)snprintf(t + at, cap - at, "Note %d of the release checklist.\n", i + 1);
    for (i = 0; i < 31; i++)
        at += (size_t)snprintf(t + at, cap - at, "%*s%s\n", indent, "", readme_lines[i]);
    snprintf(t + at, cap - at, "End of the notes.\n");
    return t;
}

static char *pasted(int lines_before)
{
    return pasted_indented(lines_before, 2);
}

static const char notes[] = "Release notes are written by hand, in the order of the changes.\n";

/* A commit of the app repository holding NOTES.md and, when install is not NULL,
 * docs/install.md; its id in hex (41 bytes). */
static void commit(const char *install, int64_t when, char *hex)
{
    const char *paths[2] = {"NOTES.md", "docs/install.md"}, *texts[2] = {notes, install};
    pv_test_git_commit(app, paths, texts, install ? 2 : 1, "Dev", "dev@example.org", when, hex);
}

static pv_check_result *run(const pv_check_opts *o)
{
    pv_check_result *r = NULL;
    pv_err err = {0, ""};
    int rc = pv_check_run(ix, o, &r, &err);
    cr_assert_eq(rc, 0, "pv_check_run: %d %s", rc, err.msg);
    cr_assert_not_null(r);
    return r;
}

static int is_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || !s[i])
            return 0;
    return s[n] == '\0';
}

Test(check_lib, finds_the_pasted_lines_and_keeps_the_fingerprint_when_lines_move, .timeout = 120)
{
    pv_check_opts o = PV_CHECK_OPTS_INIT;
    pv_check_result *r1, *r2;
    const pv_check_finding *f1, *f2;
    char c1[41], c2[41], c3[41], fp[17];

    commit(NULL, 1700000000, c1);
    commit(pasted(5), 1700000100, c2); /* the copy is lines 6-36 */
    o.repo = app;
    r1 = run(&o); /* the default base: HEAD's parent */
    cr_assert_str_eq(r1->base, c1);
    cr_assert_str_eq(r1->head, c2);
    cr_assert_eq(r1->files, 1);
    cr_assert_eq(r1->added_lines, 5 + 31 + 1);
    cr_assert_eq(r1->skipped, 0);
    cr_assert_eq(r1->nfindings, 1);
    f1 = &r1->findings[0];
    cr_assert_str_eq(f1->path, "docs/install.md");
    cr_assert_eq(f1->span->line_start, 6);
    cr_assert_eq(f1->span->line_end, 36);
    cr_assert_geq(f1->span->tokens, PV_DEFAULT_FAIL_TOKENS);
    cr_assert_eq(f1->rules, 1u << PV_CHECK_TOKENS, "rules %#x", f1->rules);
    cr_assert_eq(f1->baselined, 0);
    cr_assert(is_hex(f1->fingerprint, 16), "%s", f1->fingerprint);
    cr_assert(is_hex(f1->sha1, 40), "%s", f1->sha1);
    cr_assert_str_eq(f1->span->sources[0].locator, "README.rst");
    cr_assert_str_eq(f1->span->sources[0].license, "BSD-2-Clause");
    cr_assert_str_eq(f1->span->sources[0].author_name, "Kurt McKee");
    cr_assert_eq(r1->failed, 1);
    memcpy(fp, f1->fingerprint, sizeof fp);

    /* ten lines more above the copy: other lines, the same fingerprint */
    commit(pasted(15), 1700000200, c3);
    o.base = c1;
    r2 = run(&o);
    cr_assert_str_eq(r2->head, c3);
    cr_assert_eq(r2->nfindings, 1);
    f2 = &r2->findings[0];
    cr_assert_eq(f2->span->line_start, 16);
    cr_assert_eq(f2->span->line_end, 46);
    cr_assert_str_eq(f2->fingerprint, fp);
    cr_assert_str_neq(f2->sha1, f1->sha1);
    pv_check_result_free(r2);

    /* reindented by six spaces instead of two: the same fingerprint */
    commit(pasted_indented(15, 6), 1700000300, NULL);
    o.base = c1;
    r2 = run(&o);
    cr_assert_eq(r2->nfindings, 1);
    cr_assert_str_eq(r2->findings[0].fingerprint, fp);
    pv_check_result_free(r2);

    /* only the ten new lines are added between c2 and c3: the copy is not in the change */
    o.base = c2;
    o.head = c3;
    r2 = run(&o);
    cr_assert_eq(r2->added_lines, 10);
    cr_assert_eq(r2->nfindings, 0);
    cr_assert_eq(r2->failed, 0);
    pv_check_result_free(r2);
    pv_check_result_free(r1);
}

Test(check_lib, a_baseline_written_and_read_back_accepts_the_finding_after_it_moved, .timeout = 120)
{
    pv_check_opts o = PV_CHECK_OPTS_INIT;
    pv_check_result *r;
    pv_check_baseline *bl = NULL;
    pv_err err = {0, ""};
    char c1[41], c2[41], path[1024];

    commit(NULL, 1700000000, c1);
    commit(pasted(2), 1700000100, c2);
    o.repo = app;
    r = run(&o);
    cr_assert_eq(r->nfindings, 1);
    snprintf(path, sizeof path, "%s/bl.json", root);
    cr_assert_eq(pv_check_baseline_write(path, r, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_check_baseline_read(path, &bl, &err), 0, "%s", err.msg);
    cr_assert(pv_check_baseline_has(bl, r->findings[0].fingerprint));
    cr_assert_not(pv_check_baseline_has(bl, "0123456789abcdef"));
    cr_assert_not(pv_check_baseline_has(NULL, r->findings[0].fingerprint));
    pv_check_result_free(r);

    commit(pasted(12), 1700000200, NULL);
    o.base = c1;
    o.baseline = bl;
    r = run(&o);
    cr_assert_eq(r->nfindings, 1);
    cr_assert_eq(r->findings[0].span->line_start, 13);
    cr_assert_eq(r->findings[0].baselined, 1);
    cr_assert_neq(r->findings[0].rules, 0, "still breaks the rule, accepted");
    cr_assert_eq(r->failed, 0);
    pv_check_result_free(r);
    pv_check_baseline_free(bl);

    /* not a baseline; a fingerprint that is not 16 hex digits; a missing file */
    pv_test_put_str("not.json", "{\"findings\": []}");
    cr_assert_eq(pv_check_baseline_read(pv_test_path("not.json"), &bl, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "not a provscan baseline"), "%s", err.msg);
    cr_assert_null(bl);
    pv_test_put_str("bad.json",
                    "{\"provscan_baseline\": 1, \"findings\": [{\"fingerprint\": \"xyz\"}]}");
    cr_assert_eq(pv_check_baseline_read(pv_test_path("bad.json"), &bl, NULL), PV_EFORMAT);
    cr_assert_eq(pv_check_baseline_read(pv_test_path("missing.json"), &bl, &err), PV_EIO);
    cr_assert(strstr(err.msg, "missing.json"), "%s", err.msg);
}

Test(check_lib, the_policy_decides_the_rules, .timeout = 120)
{
    pv_check_opts o = PV_CHECK_OPTS_INIT;
    pv_check_result *r;
    const char *bsd[] = {"bsd-2-clause"}, *mit[] = {"MIT"}, *both[] = {"MIT", "BSD-2-Clause"},
               *me[] = {"contactme@kurtmckee.org"};
    pv_err err = {0, ""};

    commit(NULL, 1700000000, NULL);
    commit(pasted(0), 1700000100, NULL);
    o.repo = app;
    o.policy.allow = bsd; /* ids compare without regard to case */
    o.policy.nallow = 1;
    r = run(&o);
    cr_assert_eq(r->nfindings, 1, "an allowed finding is still reported");
    cr_assert_eq(r->findings[0].rules, 0);
    cr_assert_eq(r->failed, 0);
    pv_check_result_free(r);

    o.policy.allow = mit; /* allow given: any other license is denied */
    r = run(&o);
    cr_assert_eq(r->findings[0].rules, (1u << PV_CHECK_TOKENS) | (1u << PV_CHECK_LICENSE_DENIED));
    pv_check_result_free(r);

    o.policy.allow = NULL;
    o.policy.nallow = 0;
    o.policy.fail_tokens = 0;
    o.policy.deny = both;
    o.policy.ndeny = 2;
    r = run(&o);
    cr_assert_eq(r->findings[0].rules, 1u << PV_CHECK_LICENSE_DENIED);
    cr_assert_eq(r->failed, 1);
    pv_check_result_free(r);

    o.policy.deny = NULL;
    o.policy.ndeny = 0;
    o.policy.fail_tokens = 100000;
    r = run(&o);
    cr_assert_eq(r->findings[0].rules, 0, "shorter than fail_tokens");
    pv_check_result_free(r);

    o.policy.ignore_authors = me;
    o.policy.nignore_authors = 1;
    r = run(&o);
    cr_assert_eq(r->nfindings, 0, "the origin's author is ignored");
    pv_check_result_free(r);

    /* a license both denied and allowed is refused, before anything is read */
    o.policy.deny = mit;
    o.policy.ndeny = 1;
    o.policy.allow = mit;
    o.policy.nallow = 1;
    cr_assert_eq(pv_check_policy_validate(&o.policy, &err), PV_EINVAL);
    cr_assert(strstr(err.msg, "'MIT' is both denied and allowed"), "%s", err.msg);
    cr_assert_eq(pv_check_policy_validate(&o.policy, NULL), PV_EINVAL);
    r = (pv_check_result *)1;
    cr_assert_eq(pv_check_run(ix, &o, &r, NULL), PV_EINVAL);
    cr_assert_null(r);

    cr_assert_str_eq(pv_check_rule_id(PV_CHECK_TOKENS), "copied-span");
    cr_assert_str_eq(pv_check_rule_id(PV_CHECK_LICENSE_DENIED), "license-denied");
    cr_assert_str_eq(pv_check_rule_id(PV_CHECK_LICENSE_UNKNOWN), "license-unknown");
    cr_assert_str_eq(pv_check_rule_id(PV_CHECK_NRULES), "unknown");
    cr_assert_str_eq(pv_check_rule_text(PV_CHECK_NRULES), "unknown rule");
}

Test(check_lib, the_staged_index_is_checked_against_head, .timeout = 120)
{
    pv_check_opts o = PV_CHECK_OPTS_INIT;
    pv_check_result *r;
    git_repository *repo = NULL;
    git_index *gi = NULL;
    git_index_entry e;
    const char *text;
    char c1[41];

    commit(NULL, 1700000000, c1);
    git_libgit2_init();
    cr_assert_eq(git_repository_open(&repo, app), 0);
    cr_assert_eq(git_repository_index(&gi, repo), 0);
    memset(&e, 0, sizeof e);
    e.path = "docs/install.md";
    e.mode = GIT_FILEMODE_BLOB;
    text = pasted(3);
    cr_assert_eq(git_index_add_from_buffer(gi, &e, text, strlen(text)), 0);
    cr_assert_eq(git_index_write(gi), 0);
    git_index_free(gi);
    git_repository_free(repo);
    git_libgit2_shutdown();

    o.repo = app;
    o.staged = 1;
    r = run(&o);
    cr_assert_str_eq(r->head, "STAGED");
    cr_assert_str_eq(r->base, c1);
    cr_assert_eq(r->nfindings, 1);
    cr_assert_str_eq(r->findings[0].path, "docs/install.md");
    cr_assert_eq(r->findings[0].span->line_start, 4);
    cr_assert_eq(r->findings[0].span->line_end, 34);
    cr_assert_eq(r->failed, 1);
    pv_check_result_free(r);
}

Test(check_lib, errors_name_what_failed_and_accept_err_null, .timeout = 120)
{
    pv_check_opts o = PV_CHECK_OPTS_INIT;
    pv_check_result *r = NULL;
    pv_err err = {0, ""};

    commit(NULL, 1700000000, NULL);
    o.repo = app;
    o.base = "no-such-rev";
    cr_assert_eq(pv_check_run(ix, &o, &r, &err), PV_EIO);
    cr_assert(strstr(err.msg, "--base 'no-such-rev' is not a commit"), "%s", err.msg);
    cr_assert_null(r);
    cr_assert_eq(pv_check_run(ix, &o, &r, NULL), PV_EIO);
    cr_assert_null(r);

    o.base = NULL;
    o.staged = 1;
    o.head = "HEAD";
    cr_assert_eq(pv_check_run(ix, &o, &r, &err), PV_EINVAL);
    cr_assert(strstr(err.msg, "--staged"), "%s", err.msg);

    o = (pv_check_opts)PV_CHECK_OPTS_INIT;
    o.repo = root; /* not a repository */
    cr_assert_eq(pv_check_run(ix, &o, &r, &err), PV_EIO);
    cr_assert(strstr(err.msg, root), "%s", err.msg);
    cr_assert_eq(pv_check_run(ix, &o, &r, NULL), PV_EIO);

    o.repo = app;
    o.version = 0;
    cr_assert_eq(pv_check_run(ix, &o, &r, NULL), PV_EINVAL);
    cr_assert_eq(pv_check_run(NULL, NULL, &r, NULL), PV_EINVAL);
    cr_assert_eq(pv_check_run(ix, NULL, NULL, NULL), PV_EINVAL);
    pv_check_result_free(NULL);
    pv_check_baseline_free(NULL);

    /* the root commit: everything is added, against no base */
    r = NULL;
    o.version = PV_CHECK_OPTS_VERSION;
    r = run(&o);
    cr_assert_str_eq(r->base, "");
    cr_assert_eq(r->files, 1);
    cr_assert_eq(r->nfindings, 0);
    pv_check_result_free(r);
}

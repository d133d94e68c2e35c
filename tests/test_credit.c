/*
 * test_credit.c - end to end through the public API: a git history built here with libgit2
 * is indexed with pv_index_build, and a verbatim excerpt is matched with pv_match_run. The span
 * must be ONE span naming the file at HEAD, with per-line credit to the commit that first
 * wrote each line, co-authors sharing their lines, and copies ranked by the earliest origin.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provscan.h"
#include "scanner_int.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-credit-");
    git_libgit2_init();
}

static void teardown(void)
{
    pv_test_rmtree(root);
    git_libgit2_shutdown();
}

TestSuite(credit, .init = setup, .fini = teardown);

#define PART_ALICE pv_test_widget_count /* tests/util.c */
#define PART_PAIR pv_test_widget_average

/* The largest commit and blob counts a build reported through its progress callback. */
typedef struct seen_progress {
    uint64_t commits, blobs, calls;
} seen_progress;

static void on_progress(void *ctx, const pv_progress *p)
{
    seen_progress *s = ctx;
    s->calls++;
    if (p->commits > s->commits)
        s->commits = p->commits;
    if (p->blobs > s->blobs)
        s->blobs = p->blobs;
}

Test(credit, one_span_with_per_line_authors_and_coauthors)
{
    seen_progress seen = {0, 0, 0};
    char dir[128], idx[128];
    git_repository *repo = NULL;
    git_oid c1, c2;
    char hex1[GIT_OID_HEXSZ + 1], hex2[GIT_OID_HEXSZ + 1], both[4096];
    const char *src[1];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_build_stats st;
    pv_err err;
    pv_index *ix = NULL;
    pv_result *res = NULL;
    double alice = 0, bob = 0, carol = 0;
    size_t i;

    snprintf(dir, sizeof dir, "%s/repo", root);
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
    c1 = pv_test_commit_file(repo, NULL, "widget.c", PART_ALICE, "Alice", "alice@example.org",
                             1500000000, "count widgets\n");
    snprintf(both, sizeof both, "%s\n%s", PART_ALICE, PART_PAIR);
    c2 = pv_test_commit_file(repo, &c1, "widget.c", both, "Bob", "bob@example.org", 1600000000,
                             "average weight\n\nCo-authored-by: Carol <carol@example.org>\n");
    git_oid_tostr(hex1, sizeof hex1, &c1);
    git_oid_tostr(hex2, sizeof hex2, &c2);
    git_repository_free(repo);

    src[0] = dir;
    o.jobs = 2;
    o.progress = on_progress;
    o.ctx = &seen;
    cr_assert_eq(pv_index_build(idx, src, 1, &o, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.commits, 2);
    /* the history walk reports its commits and blobs while it works */
    cr_assert_eq(seen.commits, 2, "progress saw %llu commits", (unsigned long long)seen.commits);
    cr_assert_eq(seen.blobs, 2, "progress saw %llu blobs", (unsigned long long)seen.blobs);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, both, strlen(both), NULL, &res, &err), 0, "%s", err.msg);

    /* one span: the whole file at HEAD */
    cr_assert_eq(res->nspans, 1);
    cr_assert_eq(res->spans[0].sources[0].line_start, 1);
    /* line 15 is a lone "}", which holds no token */
    cr_assert_eq(res->spans[0].sources[0].line_end, 14);
    cr_assert_str_eq(res->spans[0].sources[0].locator, "widget.c");
    /* the source row names one origin: who first wrote the matched text, in which commit and
     * when - Alice in c1, not the file's last author (Bob) next to Alice's date; its commit is
     * the one at which the path holds those lines (HEAD) */
    cr_assert_str_eq(res->spans[0].sources[0].author_name, "Alice");
    cr_assert_str_eq(res->spans[0].sources[0].first_commit, hex1);
    cr_assert_str_eq(res->spans[0].sources[0].commit, hex2);
    cr_assert_eq(res->spans[0].sources[0].date, 1500000000);
    /* per line: Alice's 7 lines from c1, then Bob and Carol's 7 lines from c2 */
    cr_assert_geq(res->spans[0].ncredits, 3);
    for (i = 0; i < res->spans[0].ncredits; i++) {
        const pv_span_credit *c = &res->spans[0].credits[i];
        cr_assert_not_null(c->name);
        if (strcmp(c->name, "Alice") == 0) {
            cr_assert_str_eq(c->commit, hex1);
            cr_assert_leq(c->line_end, 7, "Alice credited for line %u", c->line_end);
            alice += c->tokens;
        } else if (strcmp(c->name, "Bob") == 0) {
            cr_assert_str_eq(c->commit, hex2);
            cr_assert_geq(c->line_start, 8);
            cr_assert_str_eq(c->email, "bob@example.org");
            bob += c->tokens;
        } else {
            cr_assert_str_eq(c->name, "Carol");
            cr_assert_str_eq(c->commit, hex2);
            cr_assert_geq(c->line_start, 8);
            carol += c->tokens;
        }
    }
    cr_assert_gt(alice, 0);
    cr_assert_gt(bob, 0);
    cr_assert_float_eq(bob, carol, 1e-9, "co-authors share equally");
    cr_assert_float_eq(alice + bob + carol, res->spans[0].tokens, 1e-9);
    /* the totals agree with the spans */
    cr_assert_eq(res->nauthors, 3);
    for (i = 0; i < res->nauthors; i++)
        if (strcmp(res->authors[i].name, "Alice") == 0)
            cr_assert_float_eq(res->authors[i].tokens, alice, 1e-9);
    pv_result_free(res);
    pv_index_free(ix);
}

/* A file vendored into a second repository later is a copy; the first repository's text is
 * the origin, although the vendored file is the newer document. */
Test(credit, vendored_copy_in_a_later_repository_is_a_copy)
{
    char a[128], b[128], idx[128];
    git_repository *repo = NULL;
    git_oid c;
    const char *src[2];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;
    pv_index *ix = NULL;
    pv_result *res = NULL;

    snprintf(a, sizeof a, "%s/original", root);
    snprintf(b, sizeof b, "%s/fork", root);
    snprintf(idx, sizeof idx, "%s/y.pvx", root);
    cr_assert_eq(git_repository_init(&repo, a, 0), 0);
    c = pv_test_commit_file(repo, NULL, "widget.c", PART_PAIR, "Alice", "alice@example.org",
                            1400000000, "weights\n");
    git_repository_free(repo);
    /* the copy was committed later, and its file was touched again even later */
    cr_assert_eq(git_repository_init(&repo, b, 0), 0);
    c = pv_test_commit_file(repo, NULL, "widget_vendored.c", PART_PAIR, "Mallory", "m@example.org",
                            1300000000 + 300000000, "vendor it\n");
    git_repository_free(repo);
    (void)c;
    src[0] = b; /* listed first, so it gets the lower document id */
    src[1] = a;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(idx, src, 2, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, PART_PAIR, strlen(PART_PAIR), NULL, &res, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(res->nspans, 1);
    cr_assert_eq(res->spans[0].nsources, 1);
    cr_assert_str_eq(res->spans[0].sources[0].locator, "widget.c");
    cr_assert(res->spans[0].sources[0].origin);
    cr_assert_eq(res->spans[0].sources[0].date, 1400000000);
    cr_assert_eq(res->spans[0].ncopies, 1);
    cr_assert_eq(res->spans[0].copies_total, 1);
    cr_assert_eq(res->spans[0].copies_in_source, 0);
    cr_assert_str_eq(res->spans[0].copies[0].locator, "widget_vendored.c");
    cr_assert_eq(res->nauthors, 1);
    cr_assert_str_eq(res->authors[0].name, "Alice");
    pv_result_free(res);
    pv_index_free(ix);
}

/* Text of n words "<stem>0 <stem>1 ...", eight to a line, into buf. */
static void words(char *buf, size_t cap, const char *stem, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%d%s", stem, i, i % 8 == 7 ? "\n" : " ");
    if (len && buf[len - 1] != '\n')
        len += (size_t)snprintf(buf + len, cap - len, "\n");
}

/* A document can hold a span along two chains: the query's head (P Q1) along the file's old
 * top, and the longer Q1 Q2 found again at its bottom, where a newer commit wrote it. The
 * document is ranked by the origin its row names (the longer chain's), so an older copy in
 * another repository is the origin - not this document with a date from one chain and the
 * author and date of the other on its row. */
Test(credit, a_document_is_ranked_by_the_origin_its_row_names)
{
    char x[128], y[128], idx[128], p[512], q1[512], q2[2048], top[4096], both[8192], query[4096];
    git_repository *repo = NULL;
    git_oid c1;
    const char *src[2];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;
    pv_index *ix = NULL;
    pv_result *res = NULL;
    size_t i;

    words(p, sizeof p, "head", 16);
    words(q1, sizeof q1, "shared", 8);
    words(q2, sizeof q2, "tail", 88);
    snprintf(top, sizeof top, "%s%s", p, q1);
    snprintf(both, sizeof both, "%s\n%s%s", top, q1, q2);
    snprintf(query, sizeof query, "%s%s%s", p, q1, q2);
    snprintf(x, sizeof x, "%s/x", root);
    snprintf(y, sizeof y, "%s/y", root);
    snprintf(idx, sizeof idx, "%s/z.pvx", root);
    /* x: the head in 2015, then in 2021 the short Q1 again (too short to be a copy) and Q2 */
    cr_assert_eq(git_repository_init(&repo, x, 0), 0);
    c1 = pv_test_commit_file(repo, NULL, "x.txt", top, "Old", "old@example.org", 1420000000,
                             "top\n");
    pv_test_commit_file(repo, &c1, "x.txt", both, "New", "new@example.org", 1610000000, "more\n");
    git_repository_free(repo);
    /* y: the whole query in 2018 */
    cr_assert_eq(git_repository_init(&repo, y, 0), 0);
    pv_test_commit_file(repo, NULL, "y.txt", query, "Mid", "mid@example.org", 1520000000, "all\n");
    git_repository_free(repo);

    src[0] = x;
    src[1] = y;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(idx, src, 2, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, query, strlen(query), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(res->nspans, 1);
    /* x holds the whole span too (its longer chain): a copy */
    cr_assert_eq(res->spans[0].ncopies, 1);
    cr_assert_str_eq(res->spans[0].copies[0].locator, "x.txt");
    cr_assert_eq(res->spans[0].copies[0].date, 1610000000, "x's row names %lld",
                 (long long)res->spans[0].copies[0].date);
    for (i = 0; i < res->spans[0].nsources; i++)
        cr_assert_str_neq(res->spans[0].sources[i].locator, "x.txt");
    cr_assert_str_eq(res->spans[0].sources[0].locator, "y.txt");
    cr_assert_eq(res->spans[0].sources[0].date, 1520000000);
    pv_result_free(res);
    pv_index_free(ix);
}

/* ---- origin, copies, partial holders, writers, links ------------------------------------ */

static const char PART_CAROL[] = "static const char *widget_colour_name(enum widget_colour c)\n"
                                 "{\n"
                                 "    return c == WIDGET_RED ? \"red\" : \"other\";\n"
                                 "}\n";

#define T2010 1262304000 /* 2010-01-01 */
#define T2015 1420070400
#define T2016 1451606400
#define T2017 1483228800
#define T2019 1546300800

/* Tokens of text, with the index's seed: the credit of a part written whole by one author. */
static uint32_t tokens_of(const pv_index *ix, const char *text, size_t len)
{
    pv_index_info info;
    pv_tokens t = {NULL, 0, 0, 0};
    uint32_t n;
    pv_index_get_info(ix, &info);
    cr_assert_eq(pv_scanner__tokenize(text, len, info.seed, &t), 0);
    n = (uint32_t)t.n;
    pv_scanner__tokens_free(&t);
    return n;
}

/* The row's url must be github's permalink to its commit, path and lines, and the blob at
 * COMMIT:PATH, lines A..B, must tokenize to the span's query tokens. */
static void check_permalink(const pv_index *ix, const char *repo_dir, const pv_source_ref *s,
                            const char *query, const pv_span *sp)
{
    char want[512], spec[256];
    git_repository *repo = NULL;
    git_object *obj = NULL;
    pv_index_info info;
    pv_tokens qt = {NULL, 0, 0, 0}, bt = {NULL, 0, 0, 0};
    const char *text, *a, *b;
    size_t len, line = 1, i;

    snprintf(want, sizeof want, "https://github.com/o/n/blob/%s/%s#L%u-L%u", s->commit, s->locator,
             s->line_start, s->line_end);
    cr_assert_not_null(s->url, "%s has no url", s->locator);
    cr_assert_str_eq(s->url, want);
    cr_assert_eq(git_repository_open(&repo, repo_dir), 0);
    snprintf(spec, sizeof spec, "%s:%s", s->commit, s->locator);
    cr_assert_eq(git_revparse_single(&obj, repo, spec), 0, "git show %s fails", spec);
    text = git_blob_rawcontent((git_blob *)obj);
    len = (size_t)git_blob_rawsize((git_blob *)obj);
    for (a = text; line < s->line_start && a < text + len; a++)
        line += *a == '\n';
    for (b = a; b < text + len && line <= s->line_end; b++)
        line += *b == '\n';
    pv_index_get_info(ix, &info);
    cr_assert_eq(pv_scanner__tokenize(a, (size_t)(b - a), info.seed, &bt), 0);
    cr_assert_eq(pv_scanner__tokenize(query, strlen(query), info.seed, &qt), 0);
    cr_assert_eq(bt.n, sp->tok_end - sp->tok_start, "%s lines %u-%u: %zu tokens, span %u", spec,
                 s->line_start, s->line_end, bt.n, sp->tok_end - sp->tok_start);
    for (i = 0; i < bt.n; i++)
        cr_assert_eq(bt.v[i].hash, qt.v[sp->tok_start + i].hash, "%s: token %zu differs", spec, i);
    pv_scanner__tokens_free(&bt);
    pv_scanner__tokens_free(&qt);
    git_object_free(obj);
    git_repository_free(repo);
}

/* Three repositories with pinned dates and several authors:
 *   proj (origin https://github.com/o/n): src/w.c written by Alice (2015), Bob (2016) and
 *     Carol (2017); in 2017 a versioned copy docs/v1/w.c of it - its text dates from 2015
 *     too: a date tie, which goes to the document indexed first;
 *   fork: lib/w.c, the whole file copied by Mallory in 2019: a copy;
 *   older: part.c holds Bob's part alone, from 2010: earlier than all, but only part of the
 *     span, so neither the origin nor a copy.
 * The query is the whole file. */
typedef struct three_repos {
    char proj[128], fork[128], older[128], idx[128];
    char c1[GIT_OID_HEXSZ + 1], c3[GIT_OID_HEXSZ + 1];
    char whole[4096];
    pv_index *ix;
    pv_result *res; /* the whole file matched */
} three_repos;

static void make_three_repos(three_repos *t)
{
    char ab[4096];
    const char *one[] = {"src/w.c"}, *two[] = {"docs/v1/w.c", "src/w.c"};
    const char *c_ab[] = {ab}, *c_whole[] = {t->whole, t->whole};
    const char *c_alice[] = {PART_ALICE}, *c_pair[] = {PART_PAIR};
    const char *libcopy[] = {"lib/w.c"}, *part[] = {"part.c"};
    const char *src[3];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err;

    snprintf(t->proj, sizeof t->proj, "%s/proj", root);
    snprintf(t->fork, sizeof t->fork, "%s/fork", root);
    snprintf(t->older, sizeof t->older, "%s/older", root);
    snprintf(t->idx, sizeof t->idx, "%s/three.pvx", root);
    snprintf(ab, sizeof ab, "%s\n%s", PART_ALICE, PART_PAIR);
    snprintf(t->whole, sizeof t->whole, "%s\n%s\n%s", PART_ALICE, PART_PAIR, PART_CAROL);

    pv_test_git_commit(t->proj, one, c_alice, 1, "Alice", "alice@example.org", T2015, t->c1);
    pv_test_git_origin(t->proj, "https://github.com/o/n.git");
    pv_test_git_commit(t->proj, one, c_ab, 1, "Bob", "bob@example.org", T2016, NULL);
    pv_test_git_commit(t->proj, two, c_whole, 2, "Carol", "carol@example.org", T2017, t->c3);
    pv_test_git_commit(t->fork, libcopy, c_whole, 1, "Mallory", "m@example.org", T2019, NULL);
    pv_test_git_commit(t->older, part, c_pair, 1, "Zed", "zed@example.org", T2010, NULL);

    src[0] = t->proj;
    src[1] = t->fork;
    src[2] = t->older;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(t->idx, src, 3, &o, NULL, &err), 0, "%s", err.msg);
}

/* Make the three repositories, index them and match the whole file, listing at most
 * max_copies copies; the result's one span. */
static const pv_span *match_three(three_repos *t, uint32_t max_copies)
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err;
    make_three_repos(t);
    mo.max_copies = max_copies;
    cr_assert_eq(pv_index_open(&t->ix, t->idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(t->ix, t->whole, strlen(t->whole), &mo, &t->res, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(t->res->nspans, 1);
    {
        /* every row opens at its commit: git show COMMIT:PATH, lines A-B, are the span's text */
        const char *dirs[] = {t->proj, t->fork, t->older};
        pv_index_info info;
        pv_index_get_info(t->ix, &info);
        cr_assert_eq(pv_test_check_git_rows(t->res, t->whole, info.seed, dirs, 3),
                     t->res->spans[0].nsources + t->res->spans[0].ncopies);
    }
    return &t->res->spans[0];
}

static void three_free(three_repos *t)
{
    pv_result_free(t->res);
    pv_index_free(t->ix);
}

Test(credit, origin_copies_partial_holders_and_the_span_writers)
{
    three_repos t;
    const pv_span *sp = match_three(&t, PV_DEFAULT_MAX_COPIES);
    const pv_result *res = t.res;
    const pv_index *ix = t.ix;
    const pv_source_ref *s;
    uint32_t na, nb, nc;

    /* the origin: the earliest of the documents holding the whole span; of the two dated
     * 2015 (a tie), the one indexed first */
    s = &sp->sources[0];
    cr_assert(s->origin);
    cr_assert(s->full);
    cr_assert_str_eq(s->locator, "docs/v1/w.c");
    cr_assert_str_eq(s->source, "https://github.com/o/n");
    cr_assert_eq(s->date, T2015, "origin dated %lld", (long long)s->date);
    cr_assert_str_eq(s->author_name, "Alice");
    cr_assert_str_eq(s->commit, t.c3, "the row's commit holds its path and lines");
    cr_assert_str_eq(s->first_commit, t.c1);
    cr_assert_eq(s->line_start, 1);
    cr_assert_eq(s->line_end, 19); /* line 20 is a lone "}" */

    /* sources: the origin, then the document holding only part of the span */
    cr_assert_eq(sp->nsources, 2);
    s = &sp->sources[1];
    cr_assert_not(s->origin);
    cr_assert_not(s->full);
    cr_assert_str_eq(s->locator, "part.c");
    cr_assert_str_eq(s->source, "older");
    cr_assert_eq(s->date, T2010);
    cr_assert_null(s->url, "no remote, no link");

    /* copies: the other whole-span holders, earliest first; the partial holder is not one */
    cr_assert_eq(sp->copies_total, 2);
    cr_assert_eq(sp->ncopies, 2);
    cr_assert_eq(sp->copies_in_source, 1);
    cr_assert_str_eq(sp->copies[0].locator, "src/w.c");
    cr_assert_eq(sp->copies[0].date, T2015);
    cr_assert_lt(sp->sources[0].document, sp->copies[0].document, "the tie goes to the first");
    cr_assert_str_eq(sp->copies[1].locator, "lib/w.c");
    cr_assert_str_eq(sp->copies[1].source, "fork");
    cr_assert_eq(sp->copies[1].date, T2019);
    cr_assert_not(sp->copies[0].origin);
    cr_assert(sp->copies[0].full);

    /* who wrote the span: each part's tokens to its first writer, most first */
    na = tokens_of(ix, PART_ALICE, strlen(PART_ALICE));
    nb = tokens_of(ix, PART_PAIR, strlen(PART_PAIR));
    nc = tokens_of(ix, PART_CAROL, strlen(PART_CAROL));
    cr_assert_eq(sp->tokens, na + nb + nc);
    cr_assert_gt(nb, na);
    cr_assert_gt(na, nc);
    cr_assert_eq(sp->nauthors, 3);
    cr_assert_str_eq(sp->authors[0].name, "Bob");
    cr_assert_str_eq(sp->authors[0].email, "bob@example.org");
    cr_assert_float_eq(sp->authors[0].tokens, nb, 1e-9);
    cr_assert_float_eq(sp->authors[0].share, (double)nb / sp->tokens, 1e-9);
    cr_assert_str_eq(sp->authors[1].name, "Alice");
    cr_assert_float_eq(sp->authors[1].tokens, na, 1e-9);
    cr_assert_str_eq(sp->authors[2].name, "Carol");
    cr_assert_float_eq(sp->authors[2].tokens, nc, 1e-9);
    cr_assert_float_eq(sp->authors[2].share, (double)nc / sp->tokens, 1e-9);
    /* the result's totals are the same people */
    cr_assert_eq(res->nauthors, 3);
    cr_assert_str_eq(res->authors[0].name, "Bob");
    cr_assert_float_eq(res->authors[0].tokens, nb, 1e-9);
    three_free(&t);
}

/* docs/attribution.md rule 2: copies are the documents holding the whole span; a document
 * holding part of it was counted among them. */
Test(credit, regression_partial_holders_are_not_copies)
{
    three_repos t;
    const pv_span *sp = match_three(&t, 1);
    size_t i;
    cr_assert_eq(sp->copies_total, 2, "copies_total %u", sp->copies_total);
    cr_assert_eq(sp->ncopies, 1);
    cr_assert_str_eq(sp->copies[0].locator, "src/w.c");
    for (i = 0; i < sp->ncopies; i++)
        cr_assert_str_neq(sp->copies[i].locator, "part.c");
    three_free(&t);
}

/* Every row of a repository on github.com links to exactly its lines at its commit. */
Test(credit, github_permalinks_open_the_span_lines)
{
    three_repos t;
    const pv_span *sp = match_three(&t, PV_DEFAULT_MAX_COPIES);
    check_permalink(t.ix, t.proj, &sp->sources[0], t.whole, sp);
    check_permalink(t.ix, t.proj, &sp->copies[0], t.whole, sp);
    cr_assert_null(sp->copies[1].url, "fork has no remote");
    three_free(&t);
}

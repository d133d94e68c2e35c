/*
 * test_remove.c - removal with tombstones (`provscan remove`, pv_index_remove): an index of
 * several sources, documents and authors (the corpus fixtures, a copy of one of their files,
 * and a git history with a co-authored commit) is matched, credited and scanned before and
 * after each kind of removal; the removed author, document or source must be absent from the
 * whole output while the rest is unchanged. Corrupt, foreign and unknown tombstones are errors.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provscan.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-remove-");
    git_libgit2_init();
}

static void release(void);

static void teardown(void)
{
    release();
    git_libgit2_shutdown();
    pv_test_done();
}

TestSuite(remove, .init = setup, .fini = teardown);

#define ALICE pv_test_widget_count  /* Alice's function (tests/util.c) */
#define PAIR pv_test_widget_average /* Bob's, co-authored with Carol */
#define REPO_URL "https://github.com/example/widgets"

static char idx[512], repo[512], mirror[512];

/* The index: a git history (Alice writes widget.c; Bob adds a function to it in a commit
 * co-authored with Carol), the warcio and rss fixtures, and a copy of warcio's README.rst
 * dated later (its own source: a copy, never the origin while warcio's is indexed). */
static void build(const char *out)
{
    git_repository *r = NULL;
    git_oid c1;
    char two[8192];
    const char *readme = "fixtures/corpus/warcio/README.rst";
    char *text;
    size_t n;
    struct timeval tv[2] = {{2000000000, 0}, {2000000000, 0}};
    const char *srcs[4];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, ""};

    snprintf(repo, sizeof repo, "%s/widgets", root);
    snprintf(mirror, sizeof mirror, "%s/mirror", root);
    cr_assert_eq(git_repository_init(&r, repo, 0), 0);
    c1 = pv_test_commit_file(r, NULL, "widget.c", ALICE, "Alice", "alice@example.org", 1500000000,
                             "count\n");
    snprintf(two, sizeof two, "%s\n%s", ALICE, PAIR);
    pv_test_commit_file(r, &c1, "widget.c", two, "Bob", "bob@example.org", 1600000000,
                        "average\n\nCo-authored-by: Carol <carol@example.org>\n");
    git_repository_free(r);
    pv_test_git_origin(repo, REPO_URL);
    text = pv_test_read_file(readme, &n);
    pv_test_put("mirror/README.rst", text, n);
    free(text);
    cr_assert_eq(utimes(pv_test_path("mirror/README.rst"), tv), 0);
    srcs[0] = repo;
    srcs[1] = "fixtures/corpus/warcio";
    srcs[2] = "fixtures/corpus/rss";
    srcs[3] = mirror;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(out, srcs, 4, &o, NULL, &err), 0, "%s", err.msg);
}

static void build_default(void)
{
    snprintf(idx, sizeof idx, "%s/x.pvx", root);
    build(idx);
}

/* ---- what a result says, as text ---- */

static void put(char **s, size_t *n, const char *label, const char *v)
{
    size_t m = strlen(label) + (v ? strlen(v) : 4) + 3;
    *s = realloc(*s, *n + m + 1);
    cr_assert_not_null(*s);
    *n += (size_t)snprintf(*s + *n, m + 1, "%s=%s\n", label, v ? v : "NULL");
}

static void put_row(char **s, size_t *n, const char *what, const pv_source_ref *r)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s doc=%u lines=%u-%u tokens=%u origin=%d full=%d", what,
             r->document, r->line_start, r->line_end, r->matched_tokens, r->origin, r->full);
    put(s, n, "row", buf);
    put(s, n, " source", r->source);
    put(s, n, " locator", r->locator);
    put(s, n, " url", r->url);
    put(s, n, " first_commit", r->first_commit);
    put(s, n, " author", r->author_name);
    put(s, n, " email", r->author_email);
}

/* One span as text: its range, rows, and credits; everything a report can print of it. */
static char *span_text(const pv_span *sp)
{
    char *s = NULL, buf[256];
    size_t n = 0, j;
    snprintf(buf, sizeof buf, "%u-%u tokens=%u common=%d copies=%u", sp->tok_start, sp->tok_end,
             sp->tokens, sp->common, sp->copies_total);
    put(&s, &n, "span", buf);
    for (j = 0; j < sp->nsources; j++)
        put_row(&s, &n, "source", &sp->sources[j]);
    for (j = 0; j < sp->ncopies; j++)
        put_row(&s, &n, "copy", &sp->copies[j]);
    for (j = 0; j < sp->ncredits; j++) {
        snprintf(buf, sizeof buf, "%u-%u %.3f", sp->credits[j].tok_start, sp->credits[j].tok_end,
                 sp->credits[j].tokens);
        put(&s, &n, "credit", buf);
        put(&s, &n, " name", sp->credits[j].name);
        put(&s, &n, " email", sp->credits[j].email);
    }
    for (j = 0; j < sp->nauthors; j++) {
        snprintf(buf, sizeof buf, "%.3f", sp->authors[j].tokens);
        put(&s, &n, "author", buf);
        put(&s, &n, " name", sp->authors[j].name);
        put(&s, &n, " email", sp->authors[j].email);
    }
    if (!s)
        s = calloc(1, 1);
    return s;
}

/* The whole result as text. */
static char *result_text(const pv_result *res)
{
    char *s = NULL, buf[128];
    size_t n = 0, i;
    snprintf(buf, sizeof buf, "%u of %u", res->matched_tokens, res->tokens);
    put(&s, &n, "result", buf);
    for (i = 0; i < res->nspans; i++) {
        char *t = span_text(&res->spans[i]);
        put(&s, &n, "", t);
        free(t);
    }
    for (i = 0; i < res->nauthors; i++) {
        snprintf(buf, sizeof buf, "%.3f", res->authors[i].tokens);
        put(&s, &n, "total", buf);
        put(&s, &n, " name", res->authors[i].name);
        put(&s, &n, " email", res->authors[i].email);
    }
    return s;
}

/* Results and the indexes their strings are borrowed from, released by release(). */
static pv_index *opened[8];
static pv_result *results[8];
static size_t nopened;

static pv_result *match_text(const char *text)
{
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_err err = {0, ""};
    cr_assert_lt(nopened, 8);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, text, strlen(text), NULL, &res, &err), 0, "%s", err.msg);
    opened[nopened] = ix;
    results[nopened++] = res;
    return res;
}

static void release(void)
{
    while (nopened > 0) {
        nopened--;
        pv_result_free(results[nopened]);
        pv_index_free(opened[nopened]);
    }
}

static int mentions(const pv_span *sp, const char *needle)
{
    char *t = span_text(sp);
    int m = strstr(t, needle) != NULL;
    free(t);
    return m;
}

/* Every span of before that mentions none of the needles is in after, the same in every
 * field: removal changes nothing else. Returns how many were compared. */
static size_t rest_unchanged(const pv_result *before, const pv_result *after,
                             const char *const *needles, size_t nn)
{
    size_t i, j, k, compared = 0;
    for (i = 0; i < before->nspans; i++) {
        char *a = span_text(&before->spans[i]);
        int found = 0, touched = 0;
        for (k = 0; k < nn; k++)
            touched |= mentions(&before->spans[i], needles[k]);
        if (touched) {
            free(a);
            continue;
        }
        for (j = 0; j < after->nspans && !found; j++) {
            char *b = span_text(&after->spans[j]);
            found = strcmp(a, b) == 0;
            free(b);
        }
        cr_expect(found, "unchanged span missing after removal:\n%s", a);
        free(a);
        compared++;
    }
    return compared;
}

/* The query: the demo output (it quotes warcio's and rss's READMEs and a license sentence),
 * then both functions of widget.c. */
static char *query(void)
{
    char *demo = pv_test_read_file("fixtures/outputs/demo.md", NULL);
    size_t n = strlen(demo) + strlen(ALICE) + strlen(PAIR) + 8;
    char *q = malloc(n);
    cr_assert_not_null(q);
    snprintf(q, n, "%s\n\n%s\n%s", demo, ALICE, PAIR);
    free(demo);
    return q;
}

static const pv_span *span_from(const pv_result *res, const char *locator_part)
{
    size_t i;
    for (i = 0; i < res->nspans; i++)
        if (res->spans[i].nsources && strstr(res->spans[i].sources[0].locator, locator_part))
            return &res->spans[i];
    return NULL;
}

static const char *source_of(const pv_result *res, const char *locator_part)
{
    const pv_span *sp = span_from(res, locator_part);
    cr_assert_not_null(sp, "a span from %s", locator_part);
    return pv_test_keep_str(sp->sources[0].source);
}

static void remove_ok(pv_tomb_kind kind, const char *id, const char *source, uint64_t want)
{
    pv_err err = {0, ""};
    uint64_t matched = 0;
    int already = 1;
    cr_assert_eq(pv_index_remove(idx, kind, id, source, &matched, &already, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(already, 0);
    cr_assert_eq(matched, want, "%s matches %llu", id, (unsigned long long)matched);
}

/* Rows (sources and copies) of res naming document locator of source. */
static size_t rows_of(const pv_result *res, const char *source, const char *locator)
{
    size_t i, j, n = 0;
    for (i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        for (j = 0; j < sp->nsources + sp->ncopies; j++) {
            const pv_source_ref *r =
                j < sp->nsources ? &sp->sources[j] : &sp->copies[j - sp->nsources];
            n += strcmp(r->source, source) == 0 && strcmp(r->locator, locator) == 0;
        }
    }
    return n;
}

/* ---- documents and sources ---- */

Test(remove, document_as_if_never_indexed_next_copy_becomes_origin)
{
    char *q = query(), *after_text;
    pv_result *before, *after;
    const pv_span *sp;
    const char *warcio, *mirror_src;
    const char *needles[2];
    pv_err err = {0, ""};

    build_default();
    before = match_text(q);
    sp = span_from(before, "README.rst");
    cr_assert_not_null(sp);
    warcio = source_of(before, "README.rst");
    cr_assert(strstr(warcio, "warcio") != NULL, "warcio's README is the origin: %s", warcio);
    cr_assert_geq(sp->copies_total, 1, "the mirror is a copy");
    mirror_src = pv_test_keep_str(sp->copies[0].source);
    cr_assert(strstr(mirror_src, "mirror") != NULL);

    /* README.rst is the locator of two documents (warcio's and the mirror's) */
    cr_assert_eq(pv_index_remove(idx, PV_TOMB_DOCUMENT, "README.rst", NULL, NULL, NULL, &err),
                 PV_EINVAL);
    cr_assert(strstr(err.msg, "several sources") != NULL, "%s", err.msg);
    remove_ok(PV_TOMB_DOCUMENT, "README.rst", warcio, 1);

    after = match_text(q);
    after_text = result_text(after);
    cr_assert_eq(rows_of(after, warcio, "README.rst"), 0, "removed document still appears:\n%s",
                 after_text);
    cr_assert_gt(rows_of(before, warcio, "README.rst"), 0);
    /* as if never indexed: the copy is now the origin, with no copies left */
    sp = span_from(after, "README.rst");
    cr_assert_not_null(sp, "the mirror's README holds the span now");
    cr_assert_str_eq(sp->sources[0].source, mirror_src);
    cr_assert_eq(sp->sources[0].origin, 1);
    cr_assert_eq(sp->copies_total, 0);
    /* warcio's LICENSE is another document of the same source: still there */
    needles[0] = "README.rst";
    needles[1] = "widget";
    cr_assert_gt(rest_unchanged(before, after, needles, 1), 0);
    cr_assert(strstr(after_text, "rss") != NULL);
    free(after_text);
    free(q);
}

Test(remove, source_removes_every_document_of_it)
{
    char *q = query(), *after_text;
    pv_result *before, *after;
    const char *rss;
    const char *needles[1];

    build_default();
    before = match_text(q);
    rss = source_of(before, "README.md");
    cr_assert(strstr(rss, "rss") != NULL, "%s", rss);
    remove_ok(PV_TOMB_SOURCE, rss, NULL, 3); /* README.md, LICENSE-MIT, LICENSE-APACHE */
    after = match_text(q);
    after_text = result_text(after);
    cr_assert(strstr(after_text, rss) == NULL, "removed source still appears:\n%s", after_text);
    cr_assert_null(span_from(after, "README.md"), "nothing else holds rss's README text");
    needles[0] = rss;
    cr_assert_gt(rest_unchanged(before, after, needles, 1), 0);
    cr_assert_lt(after->matched_tokens, before->matched_tokens);
    free(after_text);
    free(q);
}

/* ---- authors ---- */

static const pv_span *widget_span(const pv_result *res)
{
    return span_from(res, "widget.c");
}

Test(remove, author_never_named_and_spans_wholly_theirs_vanish)
{
    char *q = query(), *after_text, *alone;
    pv_result *before, *after, *mine;
    const pv_span *sp;
    size_t i;
    double bob = 0, carol = 0, total = 0;
    const char *needles[1] = {"widget.c"};

    build_default();
    before = match_text(q);
    sp = widget_span(before);
    cr_assert_not_null(sp);
    cr_assert(mentions(sp, "alice@example.org"), "Alice is credited before");
    remove_ok(PV_TOMB_AUTHOR, "Alice <alice@example.org>", NULL, 1);

    after = match_text(q);
    after_text = result_text(after);
    cr_assert(strstr(after_text, "alice") == NULL && strstr(after_text, "Alice") == NULL,
              "a removed author is never named:\n%s", after_text);
    /* the span over both functions stays (Bob's and Carol's part is in it); Alice's tokens
       earn nothing, Bob and Carol split their own */
    sp = widget_span(after);
    cr_assert_not_null(sp);
    for (i = 0; i < sp->nauthors; i++) {
        total += sp->authors[i].tokens;
        if (strcmp(sp->authors[i].email, "bob@example.org") == 0)
            bob = sp->authors[i].tokens;
        if (strcmp(sp->authors[i].email, "carol@example.org") == 0)
            carol = sp->authors[i].tokens;
    }
    cr_assert_eq(sp->nauthors, 2);
    cr_assert_gt(bob, 0);
    cr_assert_float_eq(bob, carol, 1e-9);
    cr_assert_lt(total, sp->tokens, "Alice's part is credited to no one");
    cr_assert_str_eq(sp->sources[0].author_email, "bob@example.org");
    cr_assert_gt(rest_unchanged(before, after, needles, 1), 0);

    /* Alice's function alone: wholly hers, so no span from widget.c at all */
    alone = pv_test_keep_str(ALICE);
    mine = match_text(alone);
    cr_assert_null(widget_span(mine), "a span wholly the removed author's vanishes");
    free(after_text);
    free(q);
}

Test(remove, coauthor_removed_the_other_takes_the_shared_tokens)
{
    char *q = query(), *after_text;
    pv_result *before, *after;
    const pv_span *sp0, *sp;
    size_t i;
    double carol = 0, alice0 = 0, alice = 0, bob0 = 0, carol0 = 0;

    build_default();
    before = match_text(q);
    sp0 = widget_span(before);
    cr_assert_not_null(sp0);
    for (i = 0; i < sp0->nauthors; i++) {
        if (strcmp(sp0->authors[i].email, "alice@example.org") == 0)
            alice0 = sp0->authors[i].tokens;
        if (strcmp(sp0->authors[i].email, "bob@example.org") == 0)
            bob0 = sp0->authors[i].tokens;
        if (strcmp(sp0->authors[i].email, "carol@example.org") == 0)
            carol0 = sp0->authors[i].tokens;
    }
    cr_assert_gt(bob0, 0);
    /* Bob by his email alone */
    remove_ok(PV_TOMB_AUTHOR, "bob@example.org", NULL, 1);
    after = match_text(q);
    after_text = result_text(after);
    cr_assert(strstr(after_text, "bob") == NULL && strstr(after_text, "Bob") == NULL,
              "a removed co-author is never named:\n%s", after_text);
    sp = widget_span(after);
    cr_assert_not_null(sp);
    for (i = 0; i < sp->nauthors; i++) {
        if (strcmp(sp->authors[i].email, "alice@example.org") == 0)
            alice = sp->authors[i].tokens;
        if (strcmp(sp->authors[i].email, "carol@example.org") == 0)
            carol = sp->authors[i].tokens;
    }
    cr_assert_float_eq(alice, alice0, 1e-9, "Alice's credit is unchanged");
    cr_assert_float_eq(carol, bob0 + carol0, 1e-9, "Carol takes the tokens she shared with Bob");
    free(after_text);
    free(q);
}

/* ---- the command line: match, credit, scan, stats, errors ---- */

static int file_has(const char *path, const char *needle)
{
    char *t = pv_test_read_file(path, NULL);
    int m = strstr(t, needle) != NULL;
    free(t);
    return m;
}

Test(remove, cli_whole_outputs_of_match_credit_scan)
{
    char args[2048], *q = query();
    const char *qpath, *outs, *o = pv_test_path("o"), *e = pv_test_path("e");
    const char *cmds[3];
    size_t i;

    build_default();
    qpath = pv_test_put_str("outs/q.md", q);
    outs = pv_test_keep_str(pv_test_path("outs"));
    qpath = pv_test_keep_str(qpath);
    snprintf(args, sizeof args, "match -x %s --format json %s", idx, qpath);
    cmds[0] = pv_test_keep_str(args);
    snprintf(args, sizeof args, "credit -x %s --format json %s", idx, outs);
    cmds[1] = pv_test_keep_str(args);
    snprintf(args, sizeof args, "scan -x %s --format json fixtures/scan/blog.jsonl", idx);
    cmds[2] = pv_test_keep_str(args);
    for (i = 0; i < 3; i++) {
        cr_assert_eq(pv_test_run(cmds[i], o, e), 0, "%s", cmds[i]);
        if (i < 2)
            cr_assert(file_has(o, "alice@example.org"), "%s", cmds[i]);
        cr_assert(file_has(o, "corpus/rss"), "%s", cmds[i]);
    }
    snprintf(args, sizeof args, "remove -x %s --author alice@example.org", idx);
    cr_assert_eq(pv_test_run(args, o, e), 0);
    cr_assert(file_has(e, "removed 'alice@example.org'"));
    snprintf(args, sizeof args, "remove -x %s --source fixtures/corpus/rss", idx);
    cr_assert_eq(pv_test_run(args, o, e), 0, "the source as reports print it");
    for (i = 0; i < 3; i++) {
        cr_assert_eq(pv_test_run(cmds[i], o, e), 0, "%s", cmds[i]);
        cr_assert(!file_has(o, "alice") && !file_has(o, "Alice"), "%s names Alice", cmds[i]);
        cr_assert(!file_has(o, "corpus/rss"), "%s shows the removed source", cmds[i]);
        cr_assert(file_has(o, "corpus/warcio"), "%s lost warcio", cmds[i]);
        if (i < 2)
            cr_assert(file_has(o, "carol@example.org"), "%s lost Carol", cmds[i]);
    }
    /* stats lists them, as text and JSON */
    snprintf(args, sizeof args, "stats -x %s", idx);
    cr_assert_eq(pv_test_run(args, o, e), 0);
    cr_assert(file_has(o, "tombstones:"));
    cr_assert(file_has(o, "alice@example.org  (1 person)"));
    cr_assert(file_has(o, "fixtures/corpus/rss  (3 documents)"));
    snprintf(args, sizeof args, "stats -x %s --format json", idx);
    cr_assert_eq(pv_test_run(args, o, e), 0);
    cr_assert(file_has(o, "\"kind\":\t\"source\""));
    cr_assert(file_has(o, "\"name\":\t\"fixtures/corpus/rss\""));
    free(q);
}

Test(remove, unknown_names_are_errors_exit_3)
{
    char args[1024];
    const char *o = pv_test_path("o"), *e = pv_test_path("e");
    build_default();
    snprintf(args, sizeof args, "remove -x %s --author 'Nobody <no@example.org>'", idx);
    cr_assert_eq(pv_test_run(args, o, e), 3);
    cr_assert(file_has(e, "no author 'Nobody <no@example.org>' in index"));
    snprintf(args, sizeof args, "remove -x %s --document no/such/file.c", idx);
    cr_assert_eq(pv_test_run(args, o, e), 3);
    cr_assert(file_has(e, "no document 'no/such/file.c' in index"));
    snprintf(args, sizeof args, "remove -x %s --source https://example.org/none", idx);
    cr_assert_eq(pv_test_run(args, o, e), 3);
    cr_assert(file_has(e, "no source"));
    /* nothing recorded */
    snprintf(args, sizeof args, "%s.tomb", idx);
    cr_assert_eq(access(args, F_OK), -1);
    /* usage */
    snprintf(args, sizeof args, "remove -x %s", idx);
    cr_assert_eq(pv_test_run(args, o, e), 2);
    snprintf(args, sizeof args, "remove -x %s --author Bob --source x", idx);
    cr_assert_eq(pv_test_run(args, o, e), 2);
}

Test(remove, same_removal_twice_is_recorded_once)
{
    pv_index *ix = NULL;
    const pv_tombstone *v;
    size_t n;
    int already = 0;
    uint64_t m = 0;
    pv_err err = {0, ""};
    build_default();
    remove_ok(PV_TOMB_AUTHOR, "Carol", NULL, 1);
    cr_assert_eq(pv_index_remove(idx, PV_TOMB_AUTHOR, "Carol", NULL, &m, &already, &err), 0);
    cr_assert_eq(already, 1);
    cr_assert_eq(m, 1);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    pv_index_tombstones(ix, &v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(v[0].kind, PV_TOMB_AUTHOR);
    cr_assert_str_eq(v[0].id, "Carol");
    cr_assert_eq(v[0].authors, 1);
    pv_index_free(ix);
}

Test(remove, corrupt_tombstone_file_is_an_error)
{
    char path[600], args[1024];
    unsigned char *b;
    size_t n, i;
    pv_index *ix = NULL;
    pv_err err = {0, ""};
    build_default();
    remove_ok(PV_TOMB_AUTHOR, "Carol <carol@example.org>", NULL, 1);
    snprintf(path, sizeof path, "%s.tomb", idx);
    b = pv_test_read_file(path, &n);
    /* every byte flipped in turn: never read as if it were fine */
    for (i = 0; i < n; i++) {
        b[i] ^= 0x20;
        pv_test_write_file(path, b, n);
        cr_assert_lt(pv_index_open(&ix, idx, &err), 0, "byte %zu flipped was accepted", i);
        cr_assert_null(ix);
        b[i] ^= 0x20;
    }
    /* truncated */
    pv_test_write_file(path, b, n - 3);
    cr_assert_eq(pv_index_open(&ix, idx, &err), PV_ECORRUPT);
    cr_assert(strstr(err.msg, "corrupt tombstone file") != NULL, "%s", err.msg);
    /* the command line stops with exit 3, and remove does not overwrite it */
    snprintf(args, sizeof args, "match -x %s fixtures/outputs/demo.md", idx);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 3);
    cr_assert(file_has(pv_test_path("e"), "corrupt tombstone file"));
    snprintf(args, sizeof args, "remove -x %s --author bob@example.org", idx);
    cr_assert_eq(pv_test_run(args, pv_test_path("o"), pv_test_path("e")), 3);
    free(b);
    b = pv_test_read_file(path, &i);
    cr_assert_eq(i, n - 3, "a corrupt tombstone file is never rewritten");
    free(b);
}

Test(remove, tombstones_of_another_index_are_refused)
{
    char other[512], from[600], to[600];
    unsigned char *b;
    size_t n;
    pv_index *ix = NULL;
    pv_err err = {0, ""};
    const char *srcs[1] = {"fixtures/corpus/rss"};
    pv_build_opts o = PV_BUILD_OPTS_INIT;

    build_default();
    remove_ok(PV_TOMB_AUTHOR, "Carol <carol@example.org>", NULL, 1);
    snprintf(other, sizeof other, "%s/other.pvx", root);
    o.jobs = 1;
    cr_assert_eq(pv_index_build(other, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    snprintf(from, sizeof from, "%s.tomb", idx);
    snprintf(to, sizeof to, "%s.tomb", other);
    b = pv_test_read_file(from, &n);
    pv_test_write_file(to, b, n);
    free(b);
    cr_assert_eq(pv_index_open(&ix, other, &err), PV_ECORRUPT);
    cr_assert(strstr(err.msg, "belongs to another index") != NULL, "%s", err.msg);
    /* an index rebuilt at the same path (here without the mirror) is another index too */
    {
        const char *three[3] = {repo, "fixtures/corpus/warcio", "fixtures/corpus/rss"};
        cr_assert_eq(pv_index_build(idx, three, 3, &o, NULL, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(pv_index_open(&ix, idx, &err), PV_ECORRUPT);
    cr_assert(strstr(err.msg, "belongs to another index") != NULL, "%s", err.msg);
}

Test(remove, author_names_fold_case_unknown_is_not_found)
{
    pv_err err = {0, ""};
    build_default();
    /* "example.org" is no one's name; a name of two persons would be refused the same way */
    cr_assert_eq(pv_index_remove(idx, PV_TOMB_AUTHOR, "example.org", NULL, NULL, NULL, &err),
                 PV_ENOTFOUND);
    /* names fold ASCII case, as emails do */
    remove_ok(PV_TOMB_AUTHOR, "CAROL@EXAMPLE.ORG", NULL, 1);
}

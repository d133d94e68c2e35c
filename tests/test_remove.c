/*
 * test_remove.c - removal with tombstones (`provscan remove`, pv_index_remove): an index of
 * several sources, documents and authors (the corpus fixtures, a copy of one of their files,
 * and a git history with a co-authored commit) is matched, credited and scanned before and
 * after each kind of removal; the removed author, document or source must be absent from the
 * whole output while the rest is unchanged. Corrupt, foreign and unknown tombstones are errors.
 * A merge (`provscan merge -o OUT`) drops a removed author for good: their identity leaves the
 * file's bytes, text only they wrote leaves the postings, and what others wrote is found and
 * credited as before.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "index_int.h"
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

/* ---- merge: a removed author dropped for good ---- */

static char merged[512];

/* merge -o OUT of idx: OUT is the index queried from then on. */
static void merge_out(void)
{
    pv_err err = {0, ""};
    snprintf(merged, sizeof merged, "%s/merged.pvx", root);
    cr_assert_eq(pv_index_merge(idx, merged, NULL, &err), 0, "%s", err.msg);
    snprintf(idx, sizeof idx, "%s", merged);
}

/* Whether the bytes of the file at path hold needle anywhere. */
static int bytes_hold(const char *path, const char *needle)
{
    size_t n, m = strlen(needle);
    unsigned char *b = pv_test_read_file(path, &n);
    int found = n >= m && memmem(b, n, needle, m) != NULL;
    free(b);
    return found;
}

/* Whether a string of the index file path's STRS holds needle (ASCII case folded). */
static int strings_hold(const char *path, const char *needle)
{
    pv_index *ix = NULL;
    pv_index_raw raw;
    pv_err err = {0, ""};
    uint64_t off = 0;
    int found = 0;
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    pv_index__raw(ix, &raw);
    while (off < raw.strs_size && !found) {
        const char *str = (const char *)raw.strs + off;
        found = strcasestr(str, needle) != NULL;
        off += strlen(str) + 1;
    }
    pv_index_free(ix);
    return found;
}

/* Every form the index printed the person in is absent from the file at path. */
static void identity_gone(const char *path, const char *name, const char *email)
{
    cr_assert(!bytes_hold(path, email), "'%s' is in the bytes of %s", email, path);
    cr_assert(!bytes_hold(path, name), "'%s' is in the bytes of %s", name, path);
    cr_assert(!strings_hold(path, name), "a string of %s holds '%s'", path, name);
    cr_assert(!strings_hold(path, email), "a string of %s holds '%s'", path, email);
}

static int collect_fp(void *ctx, uint64_t fp)
{
    uint64_t **v = ctx;
    size_t n = (size_t)(*v)[0] + 1;
    *v = realloc(*v, (n + 1) * sizeof **v);
    cr_assert_not_null(*v);
    (*v)[n] = fp;
    (*v)[0] = n;
    return 0;
}

/* The distinct fingerprints of the index at path: v[1..v[0]], ascending (malloc'ed). */
static uint64_t *fingerprints_of(const char *path)
{
    pv_index *ix = NULL;
    pv_index_cursor *c = NULL;
    uint64_t *v = calloc(1, sizeof *v);
    pv_err err = {0, ""};
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__cursor_new(ix, &c, &err), 0);
    cr_assert_eq(pv_index__fingerprints(c, collect_fp, &v, &err), 0, "%s", err.msg);
    pv_index__cursor_free(c);
    pv_index_free(ix);
    return v;
}

static int count_postings(void *ctx, size_t i, const pv_posting *p, size_t np)
{
    uint64_t *counts = ctx;
    (void)p;
    counts[i] = np;
    return 0;
}

/* Postings of each fingerprint fps[0, n) in the index at path (its document frequency, the
 * count strength and --common read), into counts. */
static void postings_of(const char *path, const uint64_t *fps, size_t n, uint64_t *counts)
{
    pv_index *ix = NULL;
    pv_index_cursor *c = NULL;
    pv_err err = {0, ""};
    memset(counts, 0, n * sizeof *counts);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__cursor_new(ix, &c, &err), 0);
    cr_assert_eq(pv_index__lookup(c, fps, n, count_postings, counts, &err), 0, "%s", err.msg);
    pv_index__cursor_free(c);
    pv_index_free(ix);
}

/* A person's credited tokens in span sp (0 when not credited). */
static double tokens_of(const pv_span *sp, const char *email)
{
    size_t i;
    for (i = 0; i < sp->nauthors; i++)
        if (sp->authors[i].email && strcmp(sp->authors[i].email, email) == 0)
            return sp->authors[i].tokens;
    return 0;
}

Test(remove, merge_drops_a_removed_author_for_good)
{
    char *q = query(), alice_ix[512], tomb[600], *tomb_text, *after_text;
    const char *srcs[1];
    pv_result *with_tomb, *after, *mine;
    const pv_span *sp0, *sp;
    const char *needles[1] = {"widget.c"};
    uint64_t *fps, *before_n, *after_n, n, i, gone = 0, sum0 = 0, sum1 = 0;
    pv_index *ix = NULL;
    const pv_tombstone *tv;
    size_t nt;
    pv_index_info info0, info1;
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, ""};

    build_default();
    /* the fingerprints of Alice's function: an index of it alone, built the same way */
    pv_test_put_str("alice/widget.c", ALICE);
    snprintf(alice_ix, sizeof alice_ix, "%s/alice.pvx", root);
    srcs[0] = pv_test_path("alice");
    o.jobs = 1;
    cr_assert_eq(pv_index_build(alice_ix, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    fps = fingerprints_of(alice_ix);
    n = fps[0];
    cr_assert_geq(n, 1); /* her function is short: 28 tokens, one winnowed fingerprint */
    before_n = pv_test_keep(calloc(n, sizeof *before_n));
    after_n = pv_test_keep(calloc(n, sizeof *after_n));
    postings_of(idx, fps + 1, n, before_n);

    remove_ok(PV_TOMB_AUTHOR, "Alice <alice@example.org>", NULL, 1);
    with_tomb = match_text(q);
    tomb_text = result_text(with_tomb);
    sp0 = widget_span(with_tomb);
    cr_assert_not_null(sp0);
    cr_assert(bytes_hold(idx, "alice@example.org"), "before the merge the index holds her");
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info0);
    pv_index_free(ix);

    merge_out();
    /* her identity is nowhere in the merged file, and no tombstone is kept for it */
    identity_gone(merged, "Alice", "alice@example.org");
    snprintf(tomb, sizeof tomb, "%s.tomb", merged);
    cr_assert_eq(access(tomb, F_OK), -1, "%s kept", tomb);
    cr_assert_eq(pv_index_open(&ix, merged, &err), 0, "%s", err.msg);
    pv_index_tombstones(ix, &tv, &nt);
    cr_assert_eq(nt, 0);
    pv_index_get_info(ix, &info1);
    pv_index_free(ix);
    cr_assert_eq(info1.documents, info0.documents, "widget.c holds Bob's text: it stays");
    cr_assert_lt(info1.postings, info0.postings);

    /* her text no longer counts: every fingerprint of it has fewer postings, most none */
    postings_of(merged, fps + 1, n, after_n);
    for (i = 0; i < n; i++) {
        cr_assert_leq(after_n[i], before_n[i], "fingerprint %llu gained postings",
                      (unsigned long long)i);
        gone += before_n[i] > 0 && after_n[i] == 0;
        sum0 += before_n[i];
        sum1 += after_n[i];
    }
    cr_assert_gt(sum0, sum1);
    cr_assert_geq(2 * gone, n, "%llu of %llu fingerprints of her text left the index",
                  (unsigned long long)gone, (unsigned long long)n);

    /* a query of text wholly hers matches nothing */
    mine = match_text(pv_test_keep_str(ALICE));
    cr_assert_null(widget_span(mine), "text wholly the removed author's still matches");

    /* the span over both functions keeps Bob's and Carol's text, credited as before; her part
       is not matched any more, as with an index that never held it */
    after = match_text(q);
    after_text = result_text(after);
    cr_assert(!strcasestr(after_text, "alice"), "%s", after_text);
    sp = widget_span(after);
    cr_assert_not_null(sp);
    cr_assert_eq(sp->nauthors, 2);
    cr_assert_float_eq(tokens_of(sp, "bob@example.org"), tokens_of(sp0, "bob@example.org"), 1e-9);
    cr_assert_float_eq(tokens_of(sp, "carol@example.org"), tokens_of(sp0, "carol@example.org"),
                       1e-9);
    cr_assert_float_eq(tokens_of(sp, "bob@example.org") + tokens_of(sp, "carol@example.org"),
                       (double)sp->tokens, 1e-9, "every token matched is credited");
    cr_assert_lt(sp->tokens, sp0->tokens);
    cr_assert_str_eq(sp->sources[0].author_email, "bob@example.org");
    cr_assert_eq(after->matched_tokens, with_tomb->matched_tokens - (sp0->tokens - sp->tokens));
    /* the rest is as it was */
    cr_assert_gt(rest_unchanged(with_tomb, after, needles, 1), 0);
    free(tomb_text);
    free(after_text);
    free(fps);
    free(q);
}

Test(remove, merge_drops_a_removed_coauthor_the_other_keeps_the_shared_tokens)
{
    char *q = query(), *a, *b;
    pv_result *with_tomb, *after;
    build_default();
    remove_ok(PV_TOMB_AUTHOR, "bob@example.org", NULL, 1);
    with_tomb = match_text(q);
    merge_out();
    identity_gone(merged, "Bob", "bob@example.org");
    cr_assert(bytes_hold(merged, "carol@example.org"));
    /* no text was Bob's alone: the result is the one the tombstone gave, Carol holding the
       tokens they shared */
    after = match_text(q);
    a = result_text(with_tomb);
    b = result_text(after);
    cr_assert_str_eq(a, b);
    cr_assert(strstr(b, "carol@example.org") && strstr(b, "alice@example.org"), "%s", b);
    free(a);
    free(b);
    free(q);
}

/* The output of `provscan ARGS` (which must exit with code), without the lines that name the
 * index (its path, digests) or follow its size: strengths, and the count of authors a ledger
 * gives for the index. */
static int index_authors_line(const char *line)
{
    line += strspn(line, "\t ");
    return strncmp(line, "\"authors\":\t", 11) == 0 && line[11] >= '0' && line[11] <= '9';
}

static char *cli_report(const char *args, const char *ix, int code)
{
    const char *o = pv_test_path("cli.out");
    char *text, *line, *next, *out;
    size_t n = 0;
    int rc = pv_test_run(args, o, pv_test_path("cli.err"));
    cr_assert_eq(rc, code, "%s: exit %d", args, rc);
    text = pv_test_read_file(o, NULL);
    out = pv_test_keep(calloc(strlen(text) + 1, 1));
    for (line = text; *line; line = next) {
        int skip;
        next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        skip = memmem(line, (size_t)(next - line), ix, strlen(ix)) ||
               memmem(line, (size_t)(next - line), "\"strength\"", 10) ||
               memmem(line, (size_t)(next - line), "\"sha256\"", 8) ||
               memmem(line, (size_t)(next - line), "\"digest\"", 8) ||
               memmem(line, (size_t)(next - line), "\"path\"", 6) || index_authors_line(line);
        if (!skip) {
            memcpy(out + n, line, (size_t)(next - line));
            n += (size_t)(next - line);
        }
    }
    free(text);
    return out;
}

/* match, credit, scan and check over others' text give the same reports after the merge as
 * with the tombstone (strengths aside: the index is smaller) */
Test(remove, merge_cli_reports_over_others_text_are_unchanged)
{
    char args[2048], before_ix[512], *rep[2][4];
    const char *paths[1] = {"out.md"}, *texts[1], *change;
    int pass, i;

    build_default();
    snprintf(before_ix, sizeof before_ix, "%s", idx);
    change = pv_test_keep_str(pv_test_path("change"));
    texts[0] = "hello\n";
    pv_test_git_commit(change, paths, texts, 1, "Dev", "dev@example.org", 1700000000, NULL);
    texts[0] = pv_test_read_file("fixtures/outputs/demo.md", NULL);
    pv_test_git_commit(change, paths, texts, 1, "Dev", "dev@example.org", 1700000100, NULL);
    free((void *)texts[0]);
    snprintf(args, sizeof args, "remove -x %s --author alice@example.org", idx);
    cr_assert_eq(pv_test_run(args, "/dev/null", "/dev/null"), 0);
    for (pass = 0; pass < 2; pass++) {
        const char *ix = pass ? merged : before_ix;
        if (pass) {
            snprintf(args, sizeof args, "merge -x %s -o %s/merged.pvx", before_ix, root);
            cr_assert_eq(pv_test_run(args, "/dev/null", pv_test_path("merge.err")), 0, "%s",
                         (char *)pv_test_keep(pv_test_read_file(pv_test_path("merge.err"), NULL)));
            snprintf(merged, sizeof merged, "%s/merged.pvx", root);
            identity_gone(merged, "Alice", "alice@example.org");
        }
        snprintf(args, sizeof args, "match -x %s --format json fixtures/outputs/demo.md", ix);
        rep[pass][0] = cli_report(args, ix, 0);
        snprintf(args, sizeof args, "credit -x %s --format json fixtures/outputs/demo.md", ix);
        rep[pass][1] = cli_report(args, ix, 0);
        snprintf(args, sizeof args, "scan -x %s --format json fixtures/scan/blog.jsonl", ix);
        rep[pass][2] = cli_report(args, ix, 0);
        snprintf(args, sizeof args, "check -x %s --repo %s --base HEAD~1 --head HEAD --format json",
                 ix, change);
        rep[pass][3] = cli_report(args, ix, 1);
    }
    for (i = 0; i < 4; i++) {
        cr_assert(strstr(rep[0][i], "corpus/rss") || strstr(rep[0][i], "corpus/warcio"),
                  "report %d finds too little: %s", i, rep[0][i]);
        cr_assert_str_eq(rep[0][i], rep[1][i], "report %d differs after the merge", i);
    }
}

/* A line of Alice's between two functions of Bob's, short enough that the merged index
 * chains Bob's text across it: her tokens there are credited to the origin without author
 * that holds text cut from a removed author ("unknown": no name, no email, no commit; no
 * person earns it), never to her and never to Bob, whose credit is the tombstone's. */
Test(remove, merge_credits_a_short_cut_bridged_by_a_span_to_no_one)
{
    git_repository *r = NULL;
    git_oid c1;
    char dir[512], two[8192], text[8192], *q;
    const char *line = "/* scaled by the caller */\n";
    const char *srcs[1];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, ""};
    pv_result *with_tomb, *after;
    double bob0, bob = 0, nobody = 0;
    size_t i, j;

    snprintf(dir, sizeof dir, "%s/inset", root);
    cr_assert_eq(git_repository_init(&r, dir, 0), 0);
    snprintf(two, sizeof two, "%s\n%s", ALICE, PAIR); /* both Bob's here */
    c1 = pv_test_commit_file(r, NULL, "w.c", two, "Bob", "bob@example.org", 1500000000, "w\n");
    snprintf(text, sizeof text, "%s\n%s%s", ALICE, line, PAIR);
    pv_test_commit_file(r, &c1, "w.c", text, "Alice", "alice@example.org", 1600000000, "c\n");
    git_repository_free(r);
    snprintf(idx, sizeof idx, "%s/inset.pvx", root);
    srcs[0] = dir;
    o.jobs = 1;
    cr_assert_eq(pv_index_build(idx, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    remove_ok(PV_TOMB_AUTHOR, "alice@example.org", NULL, 1);
    q = pv_test_keep_str(text);
    with_tomb = match_text(q);
    merge_out();
    identity_gone(merged, "Alice", "alice@example.org");
    after = match_text(q);
    cr_assert_eq(with_tomb->nspans, 1);
    cr_assert_eq(after->nspans, 1, "%s", result_text(after));
    bob0 = tokens_of(&with_tomb->spans[0], "bob@example.org");
    for (i = 0; i < after->nspans; i++)
        for (j = 0; j < after->spans[i].ncredits; j++) {
            const pv_span_credit *c = &after->spans[i].credits[j];
            if (!c->name) {
                cr_assert_null(c->email);
                cr_assert_null(c->commit);
                nobody += c->tokens;
            } else {
                cr_assert_str_eq(c->email, "bob@example.org");
                bob += c->tokens;
            }
        }
    cr_assert_float_eq(bob, bob0, 1e-9, "Bob: %.1f, with the tombstone %.1f; no one %.1f: %s", bob,
                       bob0, nobody, result_text(after));
    cr_assert_gt(nobody, 0, "the span chains Bob's text across her line");
    cr_assert_leq(nobody, 6, "no more than her line's tokens are credited to no one");
    cr_assert_eq(after->nauthors, 2, "Bob, then unknown");
    cr_assert_str_eq(after->authors[0].name, "Bob");
    cr_assert_null(after->authors[1].name);
}

/*
 * test_segments.c - an index that is a folder of segments (`provscan index --add`, `merge`,
 * docs/index-format.md "Segments"): sources A then B added as segments give the same findings
 * (match, credit and scan reports whole) as one index of A and B, before and after merging;
 * document ids of earlier segments stay; a half-written manifest or an unlisted segment is
 * ignored; a corrupt segment or manifest is an error naming it; removals apply across segments
 * and merging drops the removed work for good.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index_int.h"
#include "provscan.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv-segments-");
    git_libgit2_init();
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
}

static void teardown(void)
{
    git_libgit2_shutdown();
    pv_test_done();
}

TestSuite(segments, .init = setup, .fini = teardown);

/* Lines of words drawn from a small vocabulary with a seeded generator: text no other
 * document shares by chance, the same on every run. */
static char *words(unsigned seed, int lines)
{
    static const char *const voc[] = {"alpha", "beta",  "gamma", "delta", "epsilon", "zeta",
                                      "eta",   "theta", "iota",  "kappa", "lambda",  "mu",
                                      "nu",    "xi",    "pi",    "rho",   "sigma",   "tau"};
    size_t cap = (size_t)lines * 12 * 9 + 1, n = 0;
    char *s = malloc(cap);
    int l, w;
    cr_assert_not_null(s);
    for (l = 0; l < lines; l++)
        for (w = 0; w < 12; w++) {
            seed = seed * 1103515245u + 12345u;
            n += (size_t)snprintf(s + n, cap - n, "%s%c", voc[(seed >> 16) % 18],
                                  w == 11 ? '\n' : ' ');
        }
    return pv_test_keep(s);
}

/* A git repository with three files by three authors, and a fourth commit by a person both
 * repositories share (the same name and email: one payee in one index). */
static void make_repo(const char *dir, unsigned seed)
{
    const char *paths[3] = {"one.txt", "two.txt", "three.txt"}, *texts[3];
    char name[32], email[64];
    int i;
    for (i = 0; i < 3; i++) {
        texts[i] = words(seed + (unsigned)i, 30);
        snprintf(name, sizeof name, "Writer %u-%d", seed, i);
        snprintf(email, sizeof email, "w%d@%u.example.org", i, seed);
        pv_test_git_commit(dir, paths, texts, (size_t)i + 1, name, email,
                           1500000000 + (int64_t)seed * 1000 + i, NULL);
    }
    {
        char *both = pv_test_keep(malloc(strlen(texts[0]) + strlen(words(seed + 7, 10)) + 1));
        strcpy(both, texts[0]);
        strcat(both, words(seed + 7, 10));
        texts[0] = both;
        pv_test_git_commit(dir, paths, texts, 3, "Shared Person", "shared@example.org",
                           1600000000 + (int64_t)seed, NULL);
    }
}

static char repo_a[512], repo_b[512], query[512];

/* Sources A (a repository and a folder) and B (another repository and folder), and a query
 * holding parts of every one. */
static void make_sources(void)
{
    FILE *f;
    char *t;
    size_t n;
    snprintf(repo_a, sizeof repo_a, "%s/ra", root);
    snprintf(repo_b, sizeof repo_b, "%s/rb", root);
    make_repo(repo_a, 11);
    make_repo(repo_b, 22);
    snprintf(query, sizeof query, "%s/q.txt", root);
    f = fopen(query, "w");
    cr_assert_not_null(f);
    fputs(words(11, 30) + 60, f); /* A's one.txt */
    fputs("\nour own words come between the parts here\n", f);
    fputs(words(22 + 7, 10), f);   /* B's shared person's lines */
    fputs(words(23, 30) + 200, f); /* B's two.txt */
    t = pv_test_read_file("fixtures/corpus/warcio/README.rst", &n);
    fwrite(t, 1, n > 1500 ? 1500 : n, f);
    free(t);
    t = pv_test_read_file("fixtures/corpus/rss/README.md", &n);
    fwrite(t, 1, n, f);
    free(t);
    fclose(f);
}

#define SRC_A "git:%s fixtures/corpus/warcio"
#define SRC_B "git:%s fixtures/corpus/rss"

/* `provscan ARGS`, which must succeed. */
static void ok(const char *fmt, ...) PV_PRINTF(1, 2);
static void ok(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    int rc;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    rc = pv_test_run(args, "/dev/null", pv_test_path("ok.err"));
    cr_assert_eq(rc, 0, "provscan %s: exit %d: %s", args, rc,
                 (char *)pv_test_read_file(pv_test_path("ok.err"), NULL));
}

/* The output of `provscan ARGS` (which must exit with code), without the lines that name
 * the index ix itself (its path, its SHA-256, the ledger digest that covers it). */
static char *run_report(const char *args, const char *ix, int code)
{
    char *text, *out, *line, *next;
    size_t n = 0;
    int rc = pv_test_run(args, pv_test_path("report.out"), pv_test_path("report.err"));
    cr_assert_eq(rc, code, "%s: exit %d: %s", args, rc,
                 (char *)pv_test_read_file(pv_test_path("report.err"), NULL));
    text = pv_test_read_file(pv_test_path("report.out"), NULL);
    out = pv_test_keep(calloc(strlen(text) + 1, 1));
    for (line = text; *line; line = next) {
        int skip;
        next = strchr(line, '\n');
        if (next)
            *next = 0; /* the line alone */
        skip = strstr(line, "\"path\":") || strstr(line, "\"sha256\":") ||
               strstr(line, "\"digest\":") || strstr(line, ix);
        if (next)
            *next++ = '\n';
        else
            next = line + strlen(line);
        if (skip)
            continue;
        memcpy(out + n, line, (size_t)(next - line));
        n += (size_t)(next - line);
    }
    free(text);
    return out;
}

/* `provscan CMD -x IX --format json QUERY`, as run_report gives it. */
static char *report(const char *cmd, const char *ix)
{
    char args[4096];
    snprintf(args, sizeof args, "%s -x %s --format json %s", cmd, ix, query);
    return run_report(args, ix, 0);
}

/* The counts `stats` shows (documents to input bytes), as text. */
static char *counts(const char *ix)
{
    char args[1024], *text, *a, *b;
    snprintf(args, sizeof args, "stats -x %s", ix);
    cr_assert_eq(pv_test_run(args, pv_test_path("stats.out"), "/dev/null"), 0, "%s", args);
    text = pv_test_keep(pv_test_read_file(pv_test_path("stats.out"), NULL));
    a = strstr(text, "counts:");
    b = strstr(text, "    file bytes");
    cr_assert(a && b);
    *b = 0;
    return a;
}

/* How many files of folder dir start with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    cr_assert_not_null(d, "%s", dir);
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static const char *const cmds[] = {"match", "credit", "scan"};

static void assert_same_findings(const char *one, const char *other)
{
    size_t i;
    for (i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char *x = report(cmds[i], one), *y = report(cmds[i], other);
        cr_assert(strstr(x, "one.txt") && strstr(x, "two.txt"), "%s finds too little: %s", cmds[i],
                  x);
        cr_assert_str_eq(x, y, "%s differs between %s and %s", cmds[i], one, other);
    }
    cr_assert_str_eq(counts(one), counts(other));
}

Test(segments, add_then_merge_gives_the_findings_of_one_build)
{
    char one[512], dir[512];
    make_sources();
    snprintf(one, sizeof one, "%s/one.pvx", root);
    snprintf(dir, sizeof dir, "%s/grow", root);
    ok("index -q -j 2 -o %s " SRC_A " " SRC_B, one, repo_a, repo_b);
    ok("index -q -j 2 -o %s " SRC_A, dir, repo_a);
    ok("index -q -j 2 --add %s " SRC_B, dir, repo_b);
    {
        struct stat st;
        cr_assert_eq(stat(dir, &st), 0);
        cr_assert(S_ISDIR(st.st_mode), "--add turns a file into a folder");
    }
    assert_same_findings(one, dir);
    /* the first reader kept the merged view for the next ones (the same bytes as one build) */
    cr_assert_eq(count_files(dir, ".view-"), 1);
    ok("index -q --add %s fixtures/corpus/feedparser", dir);
    cr_assert_eq(count_files(dir, ".view-"), 0, "a stale view is kept");
    ok("index -q -j 2 -o %s " SRC_A " " SRC_B " fixtures/corpus/feedparser", one, repo_a, repo_b);
    assert_same_findings(one, dir);
    ok("merge -x %s", dir);
    cr_assert_eq(count_files(dir, ".view-"), 0);
    assert_same_findings(one, dir);
    {
        /* the same bytes as one build of A then B (SOURCE_DATE_EPOCH is set): every chunk */
        size_t n1, n2, at;
        unsigned char *x = pv_test_read_file(one, &n1);
        unsigned char *y = pv_test_read_file(pv_test_path("grow/seg-000004.pvx"), &n2);
        for (at = 0; at < n1 && at < n2 && x[at] == y[at]; at++)
            ;
        cr_assert(n1 == n2 && at == n1,
                  "merged segment differs from one build at byte %zu (sizes %zu, %zu)", at, n1, n2);
        free(x);
        free(y);
    }
    {
        char *m = pv_test_read_file(pv_test_path("grow/MANIFEST"), NULL);
        cr_assert(strstr(m, "segment seg-000004.pvx"), "%s", m);
        cr_assert_null(strstr(m, "seg-000001"), "%s", m);
        cr_assert_neq(access(pv_test_path("grow/seg-000001.pvx"), F_OK), 0, "old segment kept");
        free(m);
    }
}

/* One person, one payee across segments: Ada met as "Ada Writer <ada@example.org>" in one
 * segment and as "ada w. <ADA@example.org>" in the other is one person after the merge, shown
 * as one build shows her, and the merged index is byte for byte one build's; a query over the
 * folder (its merged view) names her once. */
Test(segments, a_person_met_in_two_segments_under_two_spellings_is_one_payee)
{
    const char *paths[1] = {"notes.txt"}, *ta[1], *tb[1];
    char ra[512], rb[512], one[512], dir[512], merged[512], q[512], args[4096];
    char *x, *y, *names;
    size_t n1, n2, at;
    unsigned char *bx, *by;
    FILE *f;
    snprintf(ra, sizeof ra, "%s/ada-a", root);
    snprintf(rb, sizeof rb, "%s/ada-b", root);
    ta[0] = words(101, 20);
    tb[0] = words(202, 20);
    pv_test_git_commit(ra, paths, ta, 1, "Ada Writer", "ada@example.org", 1600000000, NULL);
    pv_test_git_commit(rb, paths, tb, 1, "ada w.", "ADA@example.org", 1600086400, NULL);
    snprintf(one, sizeof one, "%s/ada-one.pvx", root);
    snprintf(dir, sizeof dir, "%s/ada-seg.pvx", root);
    snprintf(merged, sizeof merged, "%s/ada-merged.pvx", root);
    ok("index -q -o %s git:%s git:%s", one, ra, rb);
    ok("index -q -o %s git:%s", dir, ra);
    ok("index -q --add %s git:%s", dir, rb);

    /* a query over the folder: the text of both repositories credits one person */
    snprintf(q, sizeof q, "%s/ada-q.txt", root);
    f = fopen(q, "w");
    cr_assert_not_null(f);
    fputs(ta[0], f);
    fputs(tb[0], f);
    fclose(f);
    snprintf(args, sizeof args, "credit -x %s --format json %s", dir, q);
    x = run_report(args, dir, 0);
    snprintf(args, sizeof args, "credit -x %s --format json %s", one, q);
    y = run_report(args, one, 0);
    cr_assert(strstr(x, "Ada Writer"), "%s", x);
    cr_assert_null(strstr(x, "\"ada w"), "two payees for one person: %s", x);
    cr_assert_str_eq(x, y, "the folder credits otherwise than one build");
    names = counts(dir);
    cr_assert(strstr(names, "    authors            1\n"), "%s", names);

    ok("merge -x %s -o %s", dir, merged);
    bx = pv_test_read_file(one, &n1);
    by = pv_test_read_file(merged, &n2);
    for (at = 0; at < n1 && at < n2 && bx[at] == by[at]; at++)
        ;
    cr_assert(n1 == n2 && at == n1,
              "merged index differs from one build at byte %zu (sizes %zu, %zu)", at, n1, n2);
    free(bx);
    free(by);
}

Test(segments, check_sees_every_segment)
{
    char one[512], dir[512], cr[512], args[4096], *x, *y;
    const char *paths[2] = {"a.txt", "b.txt"}, *texts[2];
    make_sources();
    snprintf(one, sizeof one, "%s/one.pvx", root);
    snprintf(dir, sizeof dir, "%s/grow", root);
    snprintf(cr, sizeof cr, "%s/change", root);
    ok("index -q -o %s " SRC_A " " SRC_B, one, repo_a, repo_b);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    ok("index -q --add %s " SRC_B, dir, repo_b);
    /* a change that adds text of both segments */
    texts[0] = "hello\n";
    pv_test_git_commit(cr, paths, texts, 1, "Dev", "dev@example.org", 1700000000, NULL);
    texts[1] = pv_test_read_file(query, NULL);
    pv_test_git_commit(cr, paths, texts, 2, "Dev", "dev@example.org", 1700000100, NULL);
    snprintf(args, sizeof args, "check -x %s --repo %s --base HEAD~1 --head HEAD --format json",
             one, cr);
    x = run_report(args, one, 1);
    snprintf(args, sizeof args, "check -x %s --repo %s --base HEAD~1 --head HEAD --format json",
             dir, cr);
    y = run_report(args, dir, 1);
    cr_assert(strstr(x, "one.txt") && strstr(x, "two.txt"), "%s", x);
    cr_assert_str_eq(x, y);
    free((void *)texts[1]);
}

Test(segments, concurrent_adds_are_both_kept)
{
    char dir[512], cmd[8192];
    int st;
    make_sources();
    snprintf(dir, sizeof dir, "%s/two", root);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    ok("index -q --add %s fixtures/corpus/feedparser", dir); /* a folder already */
    /* two additions at once: the folder's lock puts one after the other */
    snprintf(cmd, sizeof cmd,
             "%s index -q --add %s git:%s >/dev/null 2>&1 & "
             "%s index -q --add %s fixtures/corpus/rss >/dev/null 2>&1 & wait",
             pv_test_bin(), dir, repo_b, pv_test_bin(), dir);
    st = system(cmd);
    cr_assert_eq(st, 0);
    {
        char *m = pv_test_read_file(pv_test_path("two/MANIFEST"), NULL);
        cr_assert(strstr(m, "generation 4") && strstr(m, "seg-000003.pvx") &&
                      strstr(m, "seg-000004.pvx"),
                  "%s", m);
        free(m);
    }
    cr_assert(strstr(report("match", dir), "\"two.txt\""));
    cr_assert(strstr(report("match", dir), "README.md"));
    {
        /* stats --format json lists the four segments, in order */
        char args[1024], *j, *a, *b;
        snprintf(args, sizeof args, "stats -x %s --format json", dir);
        cr_assert_eq(pv_test_run(args, pv_test_path("st.json"), "/dev/null"), 0);
        j = pv_test_read_file(pv_test_path("st.json"), NULL);
        cr_assert(strstr(j, "\"segments\":"), "%s", j);
        a = strstr(j, "seg-000001.pvx");
        b = strstr(j, "seg-000004.pvx");
        cr_assert(a && b && a < b && strstr(a, "seg-000002.pvx") < b, "%s", j);
        free(j);
    }
}

Test(segments, leftovers_of_a_killed_conversion_are_removed)
{
    char dir[512], args[4096];
    make_sources();
    snprintf(dir, sizeof dir, "%s/conv", root);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    /* a conversion killed before its swap (a folder), and one killed after it (the old
       file's second name), by processes that are gone */
    pv_test_put_str("conv.seg.tmp.2147483600/seg-000001.pvx", "half");
    pv_test_put_str("conv.seg.tmp.2147483600/MANIFEST", "provscan-manifest 1\n");
    pv_test_put_str("conv.seg.tmp.2147483601", "the old file");
    ok("index -q --add %s " SRC_B, dir, repo_b);
    cr_assert_neq(access(pv_test_path("conv.seg.tmp.2147483600"), F_OK), 0);
    cr_assert_neq(access(pv_test_path("conv.seg.tmp.2147483601"), F_OK), 0);
    snprintf(args, sizeof args, "stats -x %s", dir);
    cr_assert_eq(pv_test_run(args, "/dev/null", "/dev/null"), 0);
}

Test(segments, a_folder_without_manifest_is_not_an_index)
{
    char args[1024], *e;
    pv_test_put_str("empty/readme.txt", "nothing here\n");
    snprintf(args, sizeof args, "stats -x %s", pv_test_path("empty"));
    cr_assert_eq(pv_test_run(args, "/dev/null", pv_test_path("e.err")), 3);
    e = pv_test_read_file(pv_test_path("e.err"), NULL);
    cr_assert(strstr(e, "without a MANIFEST"), "%s", e);
    free(e);
}

Test(segments, document_ids_of_earlier_segments_do_not_change)
{
    char dir[512], first[512];
    pv_index *before = NULL, *after = NULL;
    pv_index_info ib, ia;
    pv_err err = {0, ""};
    uint32_t d;
    make_sources();
    snprintf(dir, sizeof dir, "%s/ids", root);
    snprintf(first, sizeof first, "%s/ids-first.pvx", root);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    ok("index -q -o %s " SRC_A, first, repo_a);
    ok("index -q --add %s " SRC_B, dir, repo_b);
    ok("index -q --add %s fixtures/corpus/feedparser", dir);
    cr_assert_eq(pv_index_open(&before, first, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&after, dir, &err), 0, "%s", err.msg);
    pv_index_get_info(before, &ib);
    pv_index_get_info(after, &ia);
    cr_assert_gt(ia.documents, ib.documents);
    for (d = 0; d < ib.documents; d++) {
        pv_doc_view x, y;
        pv_index__doc(before, d, &x);
        pv_index__doc(after, d, &y);
        cr_assert_str_eq(x.locator, y.locator, "document %u", d);
        cr_assert_str_eq(x.source, y.source, "document %u", d);
        cr_assert_eq(x.date, y.date);
        cr_assert_eq(x.ntokens, y.ntokens);
    }
    {
        const pv_segment_info *s;
        size_t n;
        pv_index_segments(after, &s, &n);
        cr_assert_eq(n, 3);
        cr_assert_eq(s[0].documents, ib.documents);
        cr_assert_eq(s[0].documents + s[1].documents + s[2].documents, ia.documents);
    }
    pv_index_free(before);
    pv_index_free(after);
}

Test(segments, leftover_manifest_tmp_and_unlisted_segment_are_ignored)
{
    char dir[512];
    char *x, *y;
    make_sources();
    snprintf(dir, sizeof dir, "%s/left", root);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    ok("index -q --add %s " SRC_B, dir, repo_b);
    x = report("match", dir);
    /* a crash while writing the next manifest, and a segment built but never listed */
    pv_test_put_str("left/MANIFEST.tmp.99999", "provscan-manifest 1\ngeneration 9\nsegm");
    pv_test_put_str("left/seg-000007.pvx", "not an index at all");
    y = report("match", dir);
    cr_assert_str_eq(x, y);
    ok("merge -x %s", dir);
    cr_assert_neq(access(pv_test_path("left/seg-000007.pvx"), F_OK), 0,
                  "merge removes unlisted segments");
    cr_assert_str_eq(x, report("match", dir));
}

Test(segments, corrupt_segment_or_manifest_is_an_error_naming_it)
{
    char dir[512], args[4096], *e;
    unsigned char *b;
    size_t n;
    make_sources();
    snprintf(dir, sizeof dir, "%s/bad", root);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    ok("index -q --add %s " SRC_B, dir, repo_b);
    /* a flipped byte inside the second segment's postings */
    b = pv_test_read_file(pv_test_path("bad/seg-000002.pvx"), &n);
    b[n / 3] ^= 0x20;
    pv_test_write_file(pv_test_path("bad/seg-000002.pvx"), b, n);
    snprintf(args, sizeof args, "stats -x %s", dir);
    cr_assert_eq(pv_test_run(args, "/dev/null", pv_test_path("e.err")), 3);
    e = pv_test_read_file(pv_test_path("e.err"), NULL);
    cr_assert(strstr(e, "seg-000002.pvx"), "%s", e);
    free(e);
    b[n / 3] ^= 0x20;
    pv_test_write_file(pv_test_path("bad/seg-000002.pvx"), b, n);
    free(b);
    cr_assert_eq(pv_test_run(args, "/dev/null", "/dev/null"), 0);
    /* a segment replaced by another complete index: its checksum is not the manifest's */
    snprintf(args, sizeof args, "index -q -o %s/bad/seg-000002.pvx fixtures/corpus/rss", root);
    ok("%s", args);
    snprintf(args, sizeof args, "match -x %s %s", dir, query);
    cr_assert_eq(pv_test_run(args, "/dev/null", pv_test_path("e.err")), 3);
    e = pv_test_read_file(pv_test_path("e.err"), NULL);
    cr_assert(strstr(e, "seg-000002.pvx") && strstr(e, "manifest"), "%s", e);
    free(e);
    /* an edited manifest */
    b = pv_test_read_file(pv_test_path("bad/MANIFEST"), &n);
    b[strlen("provscan-manifest 1\ngeneration ")] = '7';
    pv_test_write_file(pv_test_path("bad/MANIFEST"), b, n);
    free(b);
    cr_assert_eq(pv_test_run(args, "/dev/null", pv_test_path("e.err")), 3);
    e = pv_test_read_file(pv_test_path("e.err"), NULL);
    cr_assert(strstr(e, "MANIFEST") && strstr(e, "checksum"), "%s", e);
    free(e);
}

/* Whether the text `provscan stats -x ix` prints holds needle. */
static int stats_has(const char *ix, const char *needle)
{
    char args[1024], *s;
    int has;
    snprintf(args, sizeof args, "stats -x %s", ix);
    cr_assert_eq(pv_test_run(args, pv_test_path("st.out"), "/dev/null"), 0, "%s", args);
    s = pv_test_read_file(pv_test_path("st.out"), NULL);
    has = strstr(s, needle) != NULL;
    free(s);
    return has;
}

/* The folder root/NAME (dir) of segments A then B, with the removals rm[0, nbefore) recorded
 * before B is added and the others after; fresh is the path for an index to compare it with,
 * root/NAME-fresh.pvx. */
static void grow_with_removals(const char *name, char *dir, char *fresh, const char *const *rm,
                               size_t n, size_t nbefore)
{
    size_t i;
    make_sources();
    snprintf(dir, 512, "%s/%s", root, name);
    snprintf(fresh, 512, "%s/%s-fresh.pvx", root, name);
    ok("index -q -o %s " SRC_A, dir, repo_a);
    for (i = 0; i < n; i++) {
        if (i == nbefore)
            ok("index -q --add %s " SRC_B, dir, repo_b);
        ok("remove -x %s %s", dir, rm[i]);
    }
    if (n <= nbefore)
        ok("index -q --add %s " SRC_B, dir, repo_b);
}

Test(segments, removal_across_segments_then_merge_drops_it)
{
    char dir[512], fresh[512], *x, *y;
    /* a removal recorded on the one-file index goes with it into the folder; a repository is
       named by its folder */
    static const char *const rm[] = {"--source fixtures/corpus/warcio", "--source rb",
                                     "--document README.md --source fixtures/corpus/rss"};
    grow_with_removals("rm", dir, fresh, rm, 3, 1);
    x = report("match", dir);
    cr_assert_null(strstr(x, "warcio"), "removed source found: %s", x);
    cr_assert_null(strstr(x, "\"rb\""), "removed source found: %s", x);
    cr_assert_null(strstr(x, "README.md"), "removed document found: %s", x);
    cr_assert(strstr(x, "\"one.txt\""), "%s", x);
    cr_assert(stats_has(dir, "tombstones:") && stats_has(dir, "segments:"));
    ok("merge -x %s", dir);
    cr_assert(!stats_has(dir, "tombstones:"), "a merge drops the tombstones");
    /* the removed work is gone from the index itself: the findings (strengths, which count
       documents, included) are those of an index that never held it */
    ok("index -q -o %s git:%s fixtures/corpus/rss --exclude 'README[.]md$'", fresh, repo_a);
    y = report("match", dir);
    cr_assert_str_eq(report("match", fresh), y);
    cr_assert_str_eq(report("credit", fresh), report("credit", dir));
    cr_assert_null(strstr(y, "warcio"), "%s", y);
}

/* A removed author whose files were wholly theirs (three.txt of either repository: commit 3
 * adds nothing else) is dropped by a merge like removed documents: the folder's findings,
 * strengths and counts are then those of a build without those files, the persons appear in
 * no byte of the merged segment, and no tombstone is left for them. */
Test(segments, removed_authors_then_merge_is_a_build_that_never_held_their_text)
{
    char dir[512], fresh[512], seg[600];
    unsigned char *b;
    size_t n;
    const char *forms[] = {"Writer 11-2", "w2@11.example.org", "Writer 22-2", "w2@22.example.org"};
    size_t i;
    static const char *const rm[] = {"--author 'Writer 11-2 <w2@11.example.org>'",
                                     "--author w2@22.example.org"};
    grow_with_removals("rma", dir, fresh, rm, 2, 1);
    cr_assert(stats_has(dir, "tombstones:"));
    ok("merge -x %s", dir);
    cr_assert(!stats_has(dir, "tombstones:"), "no tombstone is kept for the removed authors");
    snprintf(seg, sizeof seg, "%s/seg-000003.pvx", dir);
    b = pv_test_read_file(seg, &n);
    for (i = 0; i < sizeof forms / sizeof *forms; i++)
        cr_assert_null(memmem(b, n, forms[i], strlen(forms[i])), "'%s' is in %s", forms[i], seg);
    free(b);
    ok("index -q -o %s " SRC_A " " SRC_B " --exclude 'three[.]txt$'", fresh, repo_a, repo_b);
    assert_same_findings(fresh, dir);
}

/* merge -o OUT writes OUT as a build does: a folder named OUT is refused, and while another
 * process holds OUT.lock the merge stops at once naming it (two writers never replace each
 * other's index). */
Test(segments, merge_to_a_file_locks_it_and_refuses_a_folder)
{
    const char *src[] = {"fixtures/corpus/rss"};
    const char *idx = pv_test_keep_str(pv_test_path("one.pvx"));
    const char *out = pv_test_keep_str(pv_test_path("out.pvx"));
    char lock[1024], pid[32];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, ""};
    struct stat sb;
    int fd;
    cr_assert_eq(pv_index_build(idx, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(mkdir(out, 0755), 0);
    cr_expect_eq(pv_index_merge(idx, out, NULL, &err), PV_EIO);
    cr_expect(strstr(err.msg, "it is a directory"), "%s", err.msg);
    cr_assert_eq(rmdir(out), 0);
    /* another process's lock: an flock on OUT.lock and its PID inside */
    snprintf(lock, sizeof lock, "%s.lock", out);
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    fd = open(lock, O_RDWR | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    cr_assert_eq(write(fd, pid, strlen(pid)), (ssize_t)strlen(pid));
    cr_expect_eq(pv_index_merge(idx, out, NULL, &err), PV_EIO);
    cr_expect(strstr(err.msg, "being written by another build (process"), "%s", err.msg);
    cr_expect_neq(stat(out, &sb), 0, "%s was written under another's lock", out);
    close(fd);
    unlink(lock);
    /* unlocked: written, and its lock removed */
    cr_expect_eq(pv_index_merge(idx, out, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(stat(out, &sb), 0);
    cr_expect_neq(stat(lock, &sb), 0, "%s left behind", lock);
}

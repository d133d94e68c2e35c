/*
 * test_build.c - the build pipeline (build/): the same sources give the same index bytes
 * whatever the number of workers and the memory budget (runs spilled or not), with
 * SOURCE_DATE_EPOCH as the creation time; the options' version is checked; a NULL err is
 * accepted by every public build function; pv_init may be called again.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "provscan.h"
#include "segment_writer.h"
#include "util.h"

static const char *dir;

static void mk_tmp(void)
{
    dir = pv_test_tmpdir("pvbuild-");
}

static void rm_tmp(void)
{
    cr_assert_eq(pv_test_rmtree(dir), 0);
}

TestSuite(build, .init = mk_tmp, .fini = rm_tmp);

/* A small git history: two authors, a file changed and one renamed. */
static const char *make_repo(void)
{
    static char repo[256];
    const char *p1[] = {"src/a.c", "README.md"};
    const char *t1[] = {"int add(int a, int b)\n{\n    return a + b;\n}\n\n"
                        "int sub(int a, int b)\n{\n    return a - b;\n}\n",
                        "# adder\n\nA tiny library that adds and subtracts integers, written "
                        "to show how first writers are credited line by line.\n"};
    const char *p2[] = {"src/math.c", "README.md"};
    const char *t2[] = {"int add(int a, int b)\n{\n    return a + b;\n}\n\n"
                        "int sub(int a, int b)\n{\n    return a - b;\n}\n\n"
                        "int mul(int a, int b)\n{\n    int r = 0;\n    while (b-- > 0)\n"
                        "        r = add(r, a);\n    return r;\n}\n",
                        "# adder\n\nA tiny library that adds, subtracts and multiplies "
                        "integers, written to show how first writers are credited line by "
                        "line.\n"};
    snprintf(repo, sizeof repo, "%s/repo", dir);
    pv_test_git_commit(repo, p1, t1, 2, "Ada Writer", "ada@example.org", 1600000000, NULL);
    pv_test_git_commit(repo, p2, t2, 2, "Bo Coder", "bo@example.org", 1600086400, NULL);
    return repo;
}

/* Builds the sources into out with jobs workers and a memory budget. */
static void build(const char *out, const char *const *srcs, size_t n, unsigned jobs, size_t memory,
                  pv_build_stats *st)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    o.jobs = jobs;
    o.memory = memory;
    o.read.site = "french.meta.stackexchange.com"; /* the Stack Exchange dump's */
    cr_assert_eq(pv_index_build(out, srcs, n, &o, st, &err), 0, "%s", err.msg);
}

static void expect_same_bytes(const char *a, const char *b)
{
    size_t na, nb, i;
    unsigned char *x = pv_test_read_file(a, &na), *y = pv_test_read_file(b, &nb);
    cr_assert_eq(na, nb, "%s is %zu bytes, %s %zu", a, na, b, nb);
    for (i = 0; i < na && x[i] == y[i]; i++)
        ;
    cr_expect_eq(i, na, "%s and %s differ first at byte %zu", a, b, i);
    free(x);
    free(y);
}

Test(build, same_bytes_whatever_the_jobs_and_memory)
{
    const char *srcs[] = {NULL, "fixtures/corpus", "fixtures/feeds",
                          "fixtures/stackexchange/french.meta.subset.7z",
                          "fixtures/warc/warcio-example.warc.gz", "fixtures/datasets/the-stack",
                          "fixtures/wordpress/wxr-comprehensive.xml",
                          /* enough postings for 1 MiB to spill runs: this project's code */
                          "scanner", "match", "cli", "tests"};
    const size_t n = sizeof srcs / sizeof srcs[0];
    char one[256], two[256], spilled[256], three[256];
    pv_build_stats s1, s2, s3, s4;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, {0}};

    srcs[0] = make_repo();
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    snprintf(one, sizeof one, "%s/one.pvx", dir);
    snprintf(two, sizeof two, "%s/two.pvx", dir);
    snprintf(spilled, sizeof spilled, "%s/spilled.pvx", dir);
    snprintf(three, sizeof three, "%s/three.pvx", dir);
    build(one, srcs, n, 1, (size_t)1 << 30, &s1);
    build(two, srcs, n, 2, (size_t)1 << 30, &s2);
    build(spilled, srcs, n, 2, PV_MIN_MEMORY, &s3);
    /* three threads merge the spilled runs by range, reading them at offsets */
    build(three, srcs, n, 3, PV_MIN_MEMORY, &s4);
    /* every kind of source was read, and the small budget did spill runs */
    cr_assert_eq(s1.source_errors, 0);
    cr_assert_gt(s1.commits, 0);
    cr_assert_gt(s1.documents, 50, "only %llu documents", (unsigned long long)s1.documents);
    cr_assert_eq(s1.runs, 0);
    cr_assert_eq(s2.runs, 0);
    cr_assert_gt(s3.runs, 0, "the 1 MiB build spilled no run");
    cr_assert_gt(s4.runs, 0, "the 1 MiB build spilled no run");
    expect_same_bytes(one, two);
    expect_same_bytes(one, spilled);
    expect_same_bytes(one, three);
    cr_assert_eq(pv_index_open(&ix, one, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.created, 1700000000);
    cr_expect_eq(info.documents, s1.documents);
    pv_index_free(ix);
}

Test(build, creation_time_is_source_date_epoch_or_now)
{
    const char *srcs[] = {"fixtures/corpus/rss"};
    char out[256];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    pv_index *ix = NULL;
    pv_index_info info;
    time_t before = time(NULL);

    snprintf(out, sizeof out, "%s/t.pvx", dir);
    o.jobs = 1;
    setenv("SOURCE_DATE_EPOCH", "1234567890", 1);
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, out, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.created, 1234567890);
    pv_index_free(ix);

    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, out, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_geq(info.created, (int64_t)before);
    cr_expect_leq(info.created, (int64_t)time(NULL));
    pv_index_free(ix);

    /* not a count of seconds: refused before any work, the index left as it was */
    setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, NULL, &err), PV_EINVAL);
    cr_expect(strstr(err.msg, "SOURCE_DATE_EPOCH") && strstr(err.msg, "yesterday"), "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, out, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_geq(info.created, (int64_t)before);
    pv_index_free(ix);
}

Test(build, options_of_another_version_are_refused)
{
    const char *srcs[] = {"fixtures/corpus/rss"};
    char out[256];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    FILE *f;

    snprintf(out, sizeof out, "%s/v.pvx", dir);
    cr_assert_eq(o.version, PV_BUILD_OPTS_VERSION);
    o.version = 0; /* a zeroed struct, not started from PV_BUILD_OPTS_INIT */
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, NULL, &err), PV_EINVAL);
    cr_expect(strstr(err.msg, "version 0") && strstr(err.msg, "PV_BUILD_OPTS_INIT"), "%s", err.msg);
    o.version = PV_BUILD_OPTS_VERSION + 1;
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, NULL, &err), PV_EINVAL);
    {
        char want[96];
        snprintf(want, sizeof want, "version %d, this library reads version %d",
                 PV_BUILD_OPTS_VERSION + 1, PV_BUILD_OPTS_VERSION);
        cr_expect(strstr(err.msg, want), "%s", err.msg);
    }
    f = fopen(out, "rb");
    cr_expect_null(f, "an index was written with refused options");
    if (f)
        fclose(f);
    /* the defaults (opts NULL) are of the right version */
    cr_assert_eq(pv_index_build(out, srcs, 1, NULL, NULL, &err), 0, "%s", err.msg);
}

/* Every way the build fails, with err NULL: an error code, no crash. */
Test(build, null_err_is_accepted)
{
    const char *srcs[] = {"fixtures/corpus/rss"};
    const char *missing[] = {"fixtures/no-such-source"};
    const char *twice[] = {"fixtures/corpus", "files:fixtures/corpus/"};
    char out[256], cant[256];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_build_stats st;

    snprintf(out, sizeof out, "%s/n.pvx", dir);
    snprintf(cant, sizeof cant, "%s/no-such-folder/n.pvx", dir);
    cr_expect_eq(pv_index_build(out, srcs, 0, NULL, NULL, NULL), PV_EINVAL);
    o.k = 0;
    cr_expect_eq(pv_index_build(out, srcs, 1, &o, NULL, NULL), PV_EINVAL);
    o.k = PV_DEFAULT_K;
    o.tmpdir = cant; /* no temporary file can be made: the error path that crashed */
    cr_expect_eq(pv_index_build(out, srcs, 1, &o, NULL, NULL), PV_EIO);
    o.tmpdir = NULL;
    cr_expect_lt(pv_index_build(out, missing, 1, &o, NULL, NULL), 0);
    cr_expect_eq(pv_index_build(cant, srcs, 1, &o, NULL, NULL), PV_EIO);
    o.aliases = "fixtures/no-such-aliases";
    cr_expect_eq(pv_index_build(out, srcs, 1, &o, NULL, NULL), PV_EIO);
    o.aliases = NULL;
    cr_expect_eq(pv_sources_check(twice, 2, NULL, NULL), PV_EINVAL);
    cr_expect_eq(pv_sources_check(srcs, 1, "no-such-preset", NULL), PV_EINVAL);
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, &st, NULL), 0);
    cr_expect_gt(st.documents, 0);
}

/* pv_init may be called again (the cache limit changes), and a git build works after it. */
Test(build, init_again_then_git)
{
    const char *srcs[] = {NULL};
    char out[256];
    pv_build_stats st;
    pv_err err = {0, {0}};
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    const char *q = "int mul(int a, int b)\n{\n    int r = 0;\n    while (b-- > 0)\n"
                    "        r = add(r, a);\n    return r;\n}\n";

    cr_assert_eq(pv_init(0), 0);
    cr_assert_eq(pv_init((size_t)8 << 20), 0);
    cr_assert_eq(pv_init(0), 0);
    srcs[0] = make_repo();
    snprintf(out, sizeof out, "%s/g.pvx", dir);
    build(out, srcs, 1, 2, PV_DEFAULT_MEMORY, &st);
    cr_assert_eq(st.commits, 2);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(pv_index_open(&ix, out, &err), 0, "%s", err.msg);
    mo.min_tokens = 8;
    cr_assert_eq(pv_match_run(ix, q, strlen(q), &mo, &res, &err), 0, "%s", err.msg);
    cr_assert_geq(res->nspans, 1);
    cr_expect_str_eq(res->spans[0].sources[0].author_name, "Bo Coder");
    pv_result_free(res);
    pv_index_free(ix);
}

/* The stage times: each stage that ran has time, serial stages have no parallel part and the
 * workers' no serial part, and the CPU seconds of all the stages add up to the CPU time the
 * process spent in the build (every thread's work is counted once, nothing twice). */
static void expect_stage_times(unsigned jobs)
{
    const char *srcs[] = {"scanner", "match", "cli", "tests", "fixtures/corpus"};
    char out[256];
    pv_build_stats st;
    struct timespec c0, c1, t0, t1;
    double cpu, wall, serial = 0, parallel = 0;
    size_t i;

    snprintf(out, sizeof out, "%s/t%u.pvx", dir, jobs);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    build(out, srcs, sizeof srcs / sizeof srcs[0], jobs, PV_MIN_MEMORY, &st);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
    wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    cr_assert_gt(st.runs, 0, "no run spilled: the sort stage is not tested");
    for (i = 0; i < PV_NSTAGES; i++) {
        const pv_stage_time *t = &st.stages[i];
        const char *name = pv_build_stage_name((int)i);
        cr_expect_geq(t->serial, 0, "%s", name);
        cr_expect_geq(t->parallel, 0, "%s", name);
        cr_expect_leq(t->wall, wall, "%s: %.3f s of a %.3f s build", name, t->wall, wall);
        serial += t->serial;
        parallel += t->parallel;
    }
    cr_expect_gt(st.stages[PV_STAGE_READ].serial, 0);
    cr_expect_gt(st.stages[PV_STAGE_INDEX].parallel, 0);
    cr_expect_gt(st.stages[PV_STAGE_SORT].parallel, 0);
    cr_expect_gt(st.stages[PV_STAGE_MERGE].serial + st.stages[PV_STAGE_MERGE].parallel, 0);
    cr_expect_gt(st.stages[PV_STAGE_ENCODE].serial + st.stages[PV_STAGE_ENCODE].parallel, 0);
    cr_expect_gt(st.stages[PV_STAGE_TABLES].serial, 0);
    /* loading the folders' files is parallel work (the workers do it), even with one job */
    cr_expect_gt(st.stages[PV_STAGE_READ].parallel, 0);
    cr_expect_eq(st.stages[PV_STAGE_INDEX].serial, 0);
    cr_expect_eq(st.stages[PV_STAGE_SORT].serial, 0);
    cr_expect_leq(serial + parallel, cpu * 1.02 + 0.01, "stages %.3f s, process %.3f s CPU",
                  serial + parallel, cpu);
    cr_expect_geq(serial + parallel, cpu * 0.8, "stages %.3f s, process %.3f s CPU",
                  serial + parallel, cpu);
}

Test(build, stage_times_add_up_with_one_job)
{
    expect_stage_times(1);
}

Test(build, stage_times_add_up_with_two_jobs)
{
    expect_stage_times(2);
}

Test(build, stage_names)
{
    size_t i, j;
    for (i = 0; i < PV_NSTAGES; i++) {
        cr_expect_str_neq(pv_build_stage_name((int)i), "?");
        for (j = 0; j < i; j++)
            cr_expect_str_neq(pv_build_stage_name((int)i), pv_build_stage_name((int)j));
    }
    cr_expect_str_eq(pv_build_stage_name(PV_STAGE_READ), "read");
    cr_expect_str_eq(pv_build_stage_name(PV_NSTAGES), "?");
    cr_expect_str_eq(pv_build_stage_name(-1), "?");
}

/* ---- posting blocks: encoded anywhere, put in order, the same bytes ---- */

/* The segments of these tests hold TOKENS tokens: 2^8 fingerprint ranges (format.h). */
#define RANGE_BITS 8
#define TOKENS ((uint64_t)1 << (PV_RANGE_MIN_TOKENS_BITS + RANGE_BITS))

/* Groups of postings: 3,000 fingerprints, 1 to 1,100 postings each (some alone fill a
 * block), spread over about 60 fingerprint ranges, a seeded generator. */
typedef struct groups {
    pv_seg_posting *p;
    size_t n, *end, ngroups;
} groups;

static void make_groups(groups *g)
{
    uint64_t x = 88172645463325252ull, fp = 0;
    size_t cap = 0, i;
    memset(g, 0, sizeof *g);
    g->ngroups = 3000;
    g->end = calloc(g->ngroups, sizeof *g->end);
    cr_assert(g->end);
    for (i = 0; i < g->ngroups; i++) {
        size_t k, len;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        len = x % 97 == 0 ? 1 + x % 1100 : 1 + x % 7;
        /* every 50th group jumps about a range ahead */
        fp += i % 50 == 49 ? 1 + (x >> 20) % ((uint64_t)1 << (PV_FP_BITS - RANGE_BITS + 1))
                           : 1 + (x >> 20) % 100000;
        if (g->n + len > cap) {
            cap = (g->n + len) * 2;
            g->p = realloc(g->p, cap * sizeof *g->p);
            cr_assert(g->p);
        }
        for (k = 0; k < len; k++) {
            g->p[g->n + k].fp = fp;
            g->p[g->n + k].doc = (uint32_t)(k * 3 + x % 3);
            g->p[g->n + k].pos = (uint32_t)(x >> 40) % 5000;
        }
        g->n += len;
        g->end[i] = g->n;
    }
}

static int fill_nothing(void *ctx, pv_seg_writer *w, pv_err *err)
{
    (void)ctx, (void)w, (void)err;
    return 0;
}

/* A segment's content with nothing in it: every chunk's fill function does nothing. */
static void empty_content(pv_seg_content *c, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->k = PV_DEFAULT_K;
    c->w = PV_DEFAULT_W;
    c->posting_cap = 2048;
    c->seed = PV_DEFAULT_SEED;
    c->ctx = ctx;
    c->postings = c->authors = c->sources = c->origins = c->lines = c->docs = c->strings =
        fill_nothing;
}

/* Writes the segment c to DIR/NAME.pvx, whose path goes to path (256 bytes). */
static void write_segment(const pv_seg_content *c, const char *name, char *path, pv_seg_result *r)
{
    char tmp[256];
    pv_err err = {0, {0}};
    snprintf(path, 256, "%s/%s.pvx", dir, name);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    cr_assert_eq(pv_seg__write(path, tmp, c, r, &err), 0, "%s", err.msg);
}

/* The writer cuts and encodes. */
static int fill_groups(void *ctx, pv_seg_writer *w, pv_err *err)
{
    const groups *g = ctx;
    size_t i;
    int rc = 0;
    for (i = 0; i < g->ngroups && rc == 0; i++) {
        size_t from = i ? g->end[i - 1] : 0;
        rc = pv_seg__put_postings(w, g->p + from, g->end[i] - from, err);
    }
    return rc;
}

/* Cut by the rule segment_writer.h states, every block encoded first (last block first,
 * by two encoders in turn), then all put in order. */
static int fill_blocks(void *ctx, pv_seg_writer *w, pv_err *err)
{
    const groups *g = ctx;
    size_t *cut = calloc(g->ngroups + 1, sizeof *cut), ncut = 0, from = 0, i;
    pv_seg_block *blk;
    pv_seg_encoder *enc[2];
    int rc = 0;
    cr_assert(cut);
    for (i = 0; i < g->ngroups; i++)
        if (g->end[i] - from >= PV_BLOCK_POSTINGS || i + 1 == g->ngroups ||
            g->p[g->end[i]].fp >> (PV_FP_BITS - RANGE_BITS) !=
                g->p[from].fp >> (PV_FP_BITS - RANGE_BITS))
            from = cut[ncut++] = g->end[i];
    blk = calloc(ncut, sizeof *blk);
    cr_assert(blk);
    cr_assert_eq(pv_seg__encoder_new(&enc[0]), 0);
    cr_assert_eq(pv_seg__encoder_new(&enc[1]), 0);
    for (i = ncut; i-- > 0 && rc == 0;) {
        size_t a = i ? cut[i - 1] : 0;
        rc = pv_seg__encode_block(enc[i % 2], g->p + a, cut[i] - a, &blk[i], err);
    }
    for (i = 0; i < ncut && rc == 0; i++)
        rc = pv_seg__put_block(w, &blk[i], err);
    for (i = 0; i < ncut; i++)
        free(blk[i].data);
    free(blk);
    free(cut);
    pv_seg__encoder_free(enc[0]);
    pv_seg__encoder_free(enc[1]);
    return rc;
}

Test(build, blocks_encoded_on_any_thread_give_the_writers_bytes)
{
    groups g;
    pv_seg_content c;
    pv_seg_result r1, r2;
    char a[256], b[256];

    make_groups(&g);
    empty_content(&c, &g);
    c.tokens = TOKENS;
    c.postings = fill_groups;
    write_segment(&c, "writer", a, &r1);
    c.postings = fill_blocks;
    write_segment(&c, "blocks", b, &r2);
    cr_expect_eq(r1.postings, g.n);
    cr_expect_eq(r1.fingerprints, g.ngroups);
    cr_expect_eq(r2.postings, g.n);
    cr_expect_eq(r2.fingerprints, g.ngroups);
    expect_same_bytes(a, b);
    free(g.p);
    free(g.end);
}

/* Builds folder with 1 job, with 2, and with 3 in the least memory (SOURCE_DATE_EPOCH set), into
 * DIR/one.pvx, two.pvx and small.pvx, with their stats in st[0..3): the same bytes. */
static void build_folder_three_ways(const char *folder, pv_build_stats *st)
{
    char one[256], two[256], small[256];
    const char *srcs[1];
    srcs[0] = folder;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    snprintf(one, sizeof one, "%s/one.pvx", dir);
    snprintf(two, sizeof two, "%s/two.pvx", dir);
    snprintf(small, sizeof small, "%s/small.pvx", dir);
    build(one, srcs, 1, 1, (size_t)1 << 30, &st[0]);
    build(two, srcs, 1, 2, (size_t)1 << 30, &st[1]);
    build(small, srcs, 1, 3, PV_MIN_MEMORY, &st[2]);
    expect_same_bytes(one, two);
    expect_same_bytes(one, small);
}

/* Text enough to match, of file i of files_loaded_ahead_give_the_same_index (its length). */
static int tagged_text(char *out, size_t size, unsigned i)
{
    return snprintf(out, size,
                    "static int checked_sum_%u(const int *values, int count, int limit)\n{\n"
                    "    int total = %u, k;\n    for (k = 0; k < count; k++)\n"
                    "        if (values[k] < limit && values[k] > -limit)\n"
                    "            total += values[k] * %u;\n    return total;\n}\n",
                    i, i * 3, i + 11);
}

/* The document at locator in the index at path (built by files_loaded_ahead_give_the_same_index)
 * has the license want ("(none)": none): found by a query of its own text. */
static void expect_license(const char *path, const char *locator, const char *want)
{
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, {0}};
    char q[600];
    size_t k, m;
    int found = 0;
    tagged_text(q, sizeof q, (unsigned)atoi(strrchr(locator, 'f') + 1));
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    mo.min_tokens = 8;
    cr_assert_eq(pv_match_run(ix, q, strlen(q), &mo, &res, &err), 0, "%s", err.msg);
    for (k = 0; k < res->nspans; k++)
        for (m = 0; m < res->spans[k].nsources + res->spans[k].ncopies; m++) {
            const pv_source_ref *r = m < res->spans[k].nsources
                                         ? &res->spans[k].sources[m]
                                         : &res->spans[k].copies[m - res->spans[k].nsources];
            if (strcmp(r->locator, locator) == 0) {
                cr_expect_str_eq(r->license ? r->license : "(none)", want, "%s in %s", locator,
                                 path);
                found = 1;
            }
        }
    cr_expect(found, "%s not found in %s", locator, path);
    pv_result_free(res);
    pv_index_free(ix);
}

/* The number of fingerprint ranges grows with the tokens: one range (the cut by count alone)
 * up to 2^18 tokens, then one more bit for each doubling, at most 2^PV_RANGE_BITS_MAX. */
Test(build, fingerprint_ranges_grow_with_the_tokens)
{
    cr_expect_eq(pv_seg__range_bits(0), 0);
    cr_expect_eq(pv_seg__range_bits(((uint64_t)1 << 18) - 1), 0);
    cr_expect_eq(pv_seg__range_bits((uint64_t)1 << 18), 1);
    cr_expect_eq(pv_seg__range_bits(TOKENS), RANGE_BITS);
    cr_expect_eq(pv_seg__range_bits(23167194), 7); /* the bench corpus */
    cr_expect_eq(pv_seg__range_bits((uint64_t)1 << 40), PV_RANGE_BITS_MAX);
    cr_expect_eq(pv_seg__range_bits(UINT64_MAX), PV_RANGE_BITS_MAX);
}

/* PSTG written range by range on several threads (pv_seg__put_ranges): ranges claimed in
 * any order by the threads, waiting for their turn in memory (buffer) or in the file (a
 * buffer of 1 byte: every block waits for the ranges before it). */
typedef struct by_range {
    const groups *g;
    int fail_at; /* a range whose fill fails, or -1 */
} by_range;

static int fill_range(void *ctx, unsigned thread, uint64_t lo, uint64_t hi, pv_seg_range *r,
                      pv_err *err)
{
    const by_range *br = ctx;
    const groups *g = br->g;
    size_t i;
    int rc = 0;
    (void)thread;
    cr_assert_eq(hi - lo, (uint64_t)1 << (PV_FP_BITS - RANGE_BITS));
    if ((int)(lo >> (PV_FP_BITS - RANGE_BITS)) == br->fail_at)
        return pv_err__set(err, PV_EIO, "cannot read range %d", br->fail_at);
    for (i = 0; i < g->ngroups && rc == 0; i++) {
        size_t from = i ? g->end[i - 1] : 0;
        if (g->p[from].fp >= lo && g->p[from].fp < hi)
            rc = pv_seg__range_put(r, g->p + from, g->end[i] - from, err);
    }
    return rc;
}

static unsigned range_threads;
static size_t range_buffer;

static int fill_ranges(void *ctx, pv_seg_writer *w, pv_err *err)
{
    return pv_seg__put_ranges(w, range_threads, range_buffer, fill_range, ctx, err);
}

Test(build, ranges_written_on_several_threads_give_the_writers_bytes)
{
    groups g;
    by_range br;
    pv_seg_content c;
    pv_seg_result r1, r2;
    pv_err err = {0, {0}};
    char a[256], b[256], ta[256], tb[256];
    static const unsigned threads[] = {1, 2, 3, 8};
    size_t t, buf;

    make_groups(&g);
    cr_assert_gt(g.p[g.n - 1].fp >> (PV_FP_BITS - RANGE_BITS), 40, "too few ranges");
    br.g = &g;
    br.fail_at = -1;
    memset(&c, 0, sizeof c);
    c.k = PV_DEFAULT_K;
    c.w = PV_DEFAULT_W;
    c.posting_cap = 2048;
    c.seed = PV_DEFAULT_SEED;
    c.tokens = TOKENS;
    c.authors = c.sources = c.origins = c.lines = c.docs = c.strings = fill_nothing;
    snprintf(a, sizeof a, "%s/writer.pvx", dir);
    snprintf(b, sizeof b, "%s/ranges.pvx", dir);
    snprintf(ta, sizeof ta, "%s/writer.tmp", dir);
    snprintf(tb, sizeof tb, "%s/ranges.tmp", dir);
    c.ctx = &g;
    c.postings = fill_groups;
    cr_assert_eq(pv_seg__write(a, ta, &c, &r1, &err), 0, "%s", err.msg);
    c.ctx = &br;
    c.postings = fill_ranges;
    for (t = 0; t < sizeof threads / sizeof *threads; t++)
        for (buf = 0; buf < 2; buf++) {
            range_threads = threads[t];
            range_buffer = buf ? (size_t)64 << 20 : 1;
            cr_assert_eq(pv_seg__write(b, tb, &c, &r2, &err), 0, "%s", err.msg);
            cr_expect_eq(r2.postings, g.n);
            cr_expect_eq(r2.fingerprints, g.ngroups);
            cr_expect_eq(r2.file_bytes, r1.file_bytes, "%u threads", range_threads);
            expect_same_bytes(a, b);
        }
    /* a range that fails stops the others: its error, no file */
    br.fail_at = 37;
    range_threads = 3;
    cr_assert_eq(pv_seg__write(b, tb, &c, &r2, &err), PV_EIO);
    cr_expect_str_eq(err.msg, "cannot read range 37");
    cr_expect_eq(access(tb, F_OK), -1);
    free(g.p);
    free(g.end);
}

/* The workers load a folder's files ahead for the reader: the documents, the binary files
 * skipped (found by the worker that loads them), their order and the bytes are those of one
 * job that reads every file itself; a small --memory bounds what is loaded ahead. */
Test(build, files_loaded_ahead_give_the_same_index)
{
    char folder[256];
    pv_build_stats st[3];
    unsigned i;

    snprintf(folder, sizeof folder, "%s/files", dir);
    for (i = 0; i < 300; i++) {
        char rel[64];
        char text[1000];
        int n = snprintf(text, sizeof text,
                         "/* file %u */\nint f%u(int x)\n{\n    return x * %u + %u;\n}\n"
                         "static const char *name%u = \"widget number %u of the %s series\";\n",
                         i, i, i * 7 + 1, i % 13, i, i, i % 3 ? "blue" : "green");
        snprintf(rel, sizeof rel, "files/d%u/f%03u.c", i % 7, i);
        if (i % 37 == 5) /* binary: a NUL byte */
            text[10] = '\0';
        if (i % 10 == 3) /* a license tag, found by the worker that loads the file */
            n += snprintf(text + n, sizeof text - (size_t)n, "// SPDX-License-Identifier: MIT\n");
        if (i % 10 == 3 || i % 10 == 4) /* enough text to find the file by */
            n += tagged_text(text + n, sizeof text - (size_t)n, i);
        pv_test_put(rel, text, (size_t)n);
    }
    build_folder_three_ways(folder, st);
    for (i = 0; i < 3; i++) {
        static const char *const names[] = {"one", "two", "small"};
        char path[256];
        snprintf(path, sizeof path, "%s/%s.pvx", dir, names[i]);
        expect_license(path, "d6/f013.c", "MIT");
        expect_license(path, "d0/f014.c", "(none)");
    }
    cr_expect_eq(st[0].skipped_binary, 8);
    cr_expect_eq(st[1].skipped_binary, 8);
    cr_expect_eq(st[2].skipped_binary, 8);
    cr_expect_eq(st[0].documents, 292);
    cr_expect_eq(st[1].documents, 292);
    cr_expect_gt(st[1].stages[PV_STAGE_READ].parallel, 0);
}

/* ---- LINE: byte strings placed, then written by other threads: the same bytes ---- */

/* 400 byte strings of 1 to 3,000 bytes (a few under 16, some repeated), a seeded generator. */
typedef struct strings {
    unsigned char *data[400];
    size_t len[400];
    pv_seg_key key[400];
    uint64_t at[400];
    int is_new[400];
} strings;

static void make_strings(strings *s)
{
    uint64_t x = 2463534242ull;
    size_t i, j;
    for (i = 0; i < 400; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (i > 10 && x % 5 == 0) { /* a copy of an earlier string */
            size_t from = (size_t)(x >> 8) % i;
            s->len[i] = s->len[from];
            s->data[i] = malloc(s->len[i]);
            cr_assert(s->data[i]);
            memcpy(s->data[i], s->data[from], s->len[i]);
        } else {
            s->len[i] = x % 11 == 0 ? 1 + x % 15 : 1 + (x >> 16) % 3000;
            s->data[i] = malloc(s->len[i]);
            cr_assert(s->data[i]);
            for (j = 0; j < s->len[i]; j++)
                s->data[i][j] = (unsigned char)((x >> (j % 56)) + j);
        }
        pv_seg__key(s->data[i], s->len[i], &s->key[i]);
    }
}

static int fill_shared(void *ctx, pv_seg_writer *w, pv_err *err)
{
    const strings *s = ctx;
    size_t i;
    (void)err;
    for (i = 0; i < 400; i++)
        pv_seg__put_shared(w, s->data[i], s->len[i]);
    return 0;
}

/* The new strings written with pwrite, last first (as threads would, in any order). */
static int write_placed(void *ctx, int fd, uint64_t chunk_at, int *write_errno, pv_err *err)
{
    const strings *s = ctx;
    size_t i;
    (void)err;
    for (i = 400; i-- > 0;)
        if (s->is_new[i] &&
            pwrite(fd, s->data[i], s->len[i], (off_t)(chunk_at + s->at[i])) != (ssize_t)s->len[i])
            *write_errno = errno;
    return 0;
}

static int fill_placed(void *ctx, pv_seg_writer *w, pv_err *err)
{
    strings *s = ctx;
    size_t i, repeats = 0;
    for (i = 0; i < 400; i++) {
        s->at[i] = pv_seg__place_shared(w, &s->key[i], s->len[i], &s->is_new[i]);
        repeats += !s->is_new[i];
    }
    cr_expect_gt(repeats, 40, "only %zu strings shared", repeats);
    return pv_seg__fill_placed(w, write_placed, s, err);
}

Test(build, bytes_placed_then_written_anywhere_give_the_writers_bytes)
{
    strings s;
    pv_seg_content c;
    char a[256], b[256];
    size_t i;

    memset(&s, 0, sizeof s);
    make_strings(&s);
    empty_content(&c, &s);
    c.lines = fill_shared;
    write_segment(&c, "put", a, NULL);
    c.lines = fill_placed;
    write_segment(&c, "placed", b, NULL);
    expect_same_bytes(a, b); /* LINE's bytes and its checksum in the chunk table */
    for (i = 0; i < 400; i++)
        free(s.data[i]);
}

/* Copies of files in several folders share one line table in LINE; the tables are copied by
 * every job's thread, and the bytes are those of one job. */
static uint64_t line_size(const pv_index_info *info)
{
    size_t i;
    for (i = 0; i < info->nchunks; i++)
        if (strcmp(info->chunks[i].id, PV_ID_LINE) == 0)
            return info->chunks[i].size;
    cr_assert_fail("no LINE chunk");
    return 0;
}

Test(build, line_tables_copied_on_every_job_give_the_same_index)
{
    char folder[256], one[256];
    pv_build_stats st[3];
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    pv_index_info info;
    const char *srcs[1];
    uint64_t all;
    unsigned i;

    snprintf(folder, sizeof folder, "%s/copies", dir);
    for (i = 0; i < 240; i++) {
        char rel[64], text[2000];
        int n = 0, l;
        for (l = 0; l < 30 && n < 1800; l++) /* copies: the same text in four folders */
            n += snprintf(text + n, sizeof text - (size_t)n, "line %u of text %u: %s\n", l, i % 60,
                          l % 4 ? "alpha beta gamma delta" : "epsilon");
        snprintf(rel, sizeof rel, "copies/d%u/t%03u.txt", i / 60, i);
        pv_test_put(rel, text, (size_t)n);
    }
    build_folder_three_ways(folder, st);
    cr_expect_eq(st[0].documents, 240);
    /* LINE's copies count as the tables' parallel work */
    cr_expect_gt(st[0].stages[PV_STAGE_TABLES].parallel, 0);
    cr_expect_gt(st[2].stages[PV_STAGE_TABLES].parallel, 0);
    /* the copies share the tables of the first folder: LINE is as large as its alone */
    snprintf(one, sizeof one, "%s/one.pvx", dir);
    cr_assert_eq(pv_index_open(&ix, one, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.documents, 240);
    all = line_size(&info);
    pv_index_free(ix);
    snprintf(folder, sizeof folder, "%s/copies/d0", dir);
    srcs[0] = folder;
    snprintf(one, sizeof one, "%s/d0.pvx", dir);
    build(one, srcs, 1, 2, (size_t)1 << 30, NULL);
    cr_assert_eq(pv_index_open(&ix, one, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.documents, 60);
    cr_expect_eq(line_size(&info), all);
    cr_expect_gt(all, 0);
    pv_index_free(ix);
}

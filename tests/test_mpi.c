/*
 * test_mpi.c - `provscan index --mpi` under OpenMPI's mpirun with 2 and 3 ranks, as root
 * (the allow-root variables, --oversubscribe): the index is byte-identical to one process
 * building the same SOURCEs (SOURCE_DATE_EPOCH fixed), also when a rank gets no source and
 * when the same person writes in the runs of two ranks; a rank that reads only bad records
 * names them and the others' work is indexed, as in one process. Runs the binary (env PROVSCAN_BIN,
 * default ./provscan).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static const char *g_tmp;

static void setup(void)
{
    g_tmp = pv_test_tmpdir("provscan-mpi-");
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    pv_test_mpi_env();
}

TestSuite(mpi, .init = setup, .fini = pv_test_done, .timeout = 300);

static const char *mpirun(void)
{
    return access("/usr/bin/mpirun", X_OK) == 0 ? "/usr/bin/mpirun" : "mpirun";
}

/* Two git repositories in which the same person writes, so that the runs of two ranks meet
 * the same person (under the same name and email: docs/scale.md says why). */
static void make_repos(const char **a, const char **b)
{
    static const char *pa[] = {"src/parse.c", "README.md"};
    static const char *ta[] = {
        "int parse_header(const char *line, struct header *out)\n{\n    const char *colon = "
        "strchr(line, ':');\n    if (!colon)\n        return -1;\n    out->name_len = (size_t)"
        "(colon - line);\n    out->value = colon + 1;\n    return 0;\n}\n",
        "# parse\n\nA small parser of headers, written for the tests of provscan's MPI build.\n"};
    static const char *pb[] = {"lib/walk.py"};
    static const char *tb[] = {
        "def walk(tree, visit):\n    stack = [tree]\n    while stack:\n        node = stack.pop()"
        "\n        visit(node)\n        stack.extend(reversed(node.children))\n"};
    char *ra = pv_test_keep(malloc(1024)), *rb = pv_test_keep(malloc(1024));
    snprintf(ra, 1024, "%s/repo-a", g_tmp);
    snprintf(rb, 1024, "%s/repo-b", g_tmp);
    pv_test_git_commit(ra, pa, ta, 2, "Ada Writer", "ada@example.org", 1600000000, NULL);
    pv_test_git_commit(rb, pb, tb, 1, "ada w.", "ADA@example.org", 1600086400, NULL);
    *a = ra;
    *b = rb;
}

/* Runs `provscan index -q -o OUT SOURCES` (mpi_ranks 0) or the same with --mpi under mpirun
 * with that many ranks; returns the exit status; OUT is DIR/NAME.pvx. */
static int build(const char *name, int mpi_ranks, const char *const *sources, char *out,
                 size_t outsz)
{
    const char *args[64];
    char nranks[16];
    int n = 0, i, status;
    snprintf(out, outsz, "%s/%s.pvx", g_tmp, name);
    snprintf(nranks, sizeof nranks, "%d", mpi_ranks);
    if (mpi_ranks > 0) {
        args[n++] = "--oversubscribe";
        args[n++] = "-n";
        args[n++] = nranks;
        args[n++] = pv_test_bin();
    }
    args[n++] = "index";
    args[n++] = "-q";
    args[n++] = "-j";
    args[n++] = "1";
    if (mpi_ranks > 0)
        args[n++] = "--mpi";
    args[n++] = "-o";
    args[n++] = out;
    for (i = 0; sources[i]; i++)
        args[n++] = sources[i];
    args[n] = NULL;
    status =
        pv_test_wait(pv_test_spawn(g_tmp, name, mpi_ranks > 0 ? mpirun() : pv_test_bin(), args));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Asserts that the index files a and b hold the same bytes, naming the first that differs. */
static void expect_same_bytes(const char *a, const char *b)
{
    size_t na, nb, i;
    unsigned char *x = pv_test_keep(pv_test_read_file(a, &na));
    unsigned char *y = pv_test_keep(pv_test_read_file(b, &nb));
    for (i = 0; i < na && i < nb && x[i] == y[i]; i++)
        ;
    cr_expect(na == nb && i == na, "%s (%zu bytes) and %s (%zu bytes) differ at byte %zu", a, na, b,
              nb, i);
}

static void expect_built(const char *name, int rc)
{
    cr_assert_eq(rc, 0, "%s: exit %d\nstdout:\n%s\nstderr:\n%s", name, rc,
                 pv_test_output(g_tmp, name, "out"), pv_test_output(g_tmp, name, "err"));
}

Test(mpi, two_ranks_write_the_bytes_one_process_writes)
{
    const char *ra, *rb;
    char one[1024], two[1024], three[1024];
    make_repos(&ra, &rb);
    {
        const char *sources[] = {"--site",
                                 "french.meta.stackexchange.com",
                                 ra,
                                 "fixtures/corpus/feedparser",
                                 "fixtures/datasets/the-stack/v2-style.jsonl",
                                 rb,
                                 "fixtures/stackexchange/french.meta.subset.7z",
                                 "fixtures/warc/warcio-example.warc.gz",
                                 "fixtures/wordpress/small-export.xml",
                                 NULL};
        expect_built("one", build("one", 0, sources, one, sizeof one));
        expect_built("two", build("two", 2, sources, two, sizeof two));
        expect_built("three", build("three", 3, sources, three, sizeof three));
    }
    expect_same_bytes(one, two);
    expect_same_bytes(one, three);
    /* rank 0 reports each rank, and what they sent it */
    cr_expect(strstr(pv_test_output(g_tmp, "two", "out"), "rank 1: "), "%s",
              pv_test_output(g_tmp, "two", "out"));
    cr_expect(strstr(pv_test_output(g_tmp, "three", "out"), "exchanged "), "%s",
              pv_test_output(g_tmp, "three", "out"));
}

Test(mpi, a_rank_without_sources_changes_nothing)
{
    char one[1024], three[1024];
    const char *sources[] = {"fixtures/corpus/rss", "fixtures/corpus/warcio", NULL};
    expect_built("one", build("one", 0, sources, one, sizeof one));
    expect_built("three", build("three", 3, sources, three, sizeof three));
    expect_same_bytes(one, three);
    cr_expect(strstr(pv_test_output(g_tmp, "three", "out"), ": 0 sources"), "%s",
              pv_test_output(g_tmp, "three", "out"));
}

/* The runs are cut by the sources' bytes on disk, not by their number: of 4 KB, 16 KB,
 * 26 KB and 41 KB, the first three go to rank 0 and the last to rank 1. */
Test(mpi, the_runs_share_the_bytes)
{
    char one[1024], two[1024];
    const char *sources[] = {"fixtures/corpus/feedparser", "fixtures/corpus/rss",
                             "fixtures/corpus/warcio",
                             "fixtures/datasets/dolma/cc_en_head-0091.jsonl.gz", NULL};
    expect_built("one", build("one", 0, sources, one, sizeof one));
    expect_built("two", build("two", 2, sources, two, sizeof two));
    expect_same_bytes(one, two);
    cr_expect(strstr(pv_test_output(g_tmp, "two", "out"), "rank 0: 3 sources") &&
                  strstr(pv_test_output(g_tmp, "two", "out"), "rank 1: 1 source,"),
              "%s", pv_test_output(g_tmp, "two", "out"));
}

Test(mpi, a_rank_that_reads_only_bad_records_is_skipped_as_by_one_process)
{
    char one[1024], two[1024], bad[1024], bad2[1024];
    struct stat sb;
    const char *sources[] = {"fixtures/corpus/rss", bad, NULL};
    const char *only_bad[] = {bad, bad2, NULL};
    /* JSON-lines datasets of which no line is JSON: the build of rank 1 reads no record */
    snprintf(bad, sizeof bad, "jsonl:%s", pv_test_put_str("bad.jsonl", "not json\nnor this\n"));
    snprintf(bad2, sizeof bad2, "jsonl:%s", pv_test_put_str("bad2.jsonl", "{\"text\": \n"));
    cr_expect_eq(build("one", 0, sources, one, sizeof one), 0, "%s",
                 pv_test_output(g_tmp, "one", "err"));
    cr_expect_eq(build("two", 2, sources, two, sizeof two), 0, "%s",
                 pv_test_output(g_tmp, "two", "err"));
    cr_expect(strstr(pv_test_output(g_tmp, "two", "err"), "bad.jsonl: line 2: invalid JSON"), "%s",
              pv_test_output(g_tmp, "two", "err"));
    expect_same_bytes(one, two);
    /* bad records on every rank: no index, as one process says */
    cr_expect_eq(build("none", 2, only_bad, two, sizeof two), 3, "%s",
                 pv_test_output(g_tmp, "none", "err"));
    cr_expect(strstr(pv_test_output(g_tmp, "none", "err"), "no document indexed"), "%s",
              pv_test_output(g_tmp, "none", "err"));
    cr_expect_neq(stat(two, &sb), 0, "%s exists", two);
}

/* The parts are joined with pv_index_add_file: a part built with other parameters is refused,
 * naming it, and the index is left as it was. */
Test(mpi, a_part_built_with_other_parameters_is_refused)
{
    char a[1024], b[1024];
    const char *src[] = {"fixtures/corpus/rss"};
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, ""};
    struct stat sb;
    snprintf(a, sizeof a, "%s/a.pvx", g_tmp);
    snprintf(b, sizeof b, "%s/b.pvx", g_tmp);
    cr_assert_eq(pv_index_build(a, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    o.k = PV_DEFAULT_K + 1;
    cr_assert_eq(pv_index_build(b, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(pv_index_add_file(a, b, &err), PV_EINVAL);
    cr_expect(strstr(err.msg, "b.pvx") && strstr(err.msg, "other parameters"), "%s", err.msg);
    cr_assert_eq(stat(a, &sb), 0);
    cr_expect(S_ISREG(sb.st_mode), "%s is no longer a file", a);
    cr_assert_eq(pv_index_open(&ix, a, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.k, PV_DEFAULT_K);
    pv_index_free(ix);
    /* the same parameters: the part becomes the second segment */
    o.k = PV_DEFAULT_K;
    cr_assert_eq(pv_index_build(b, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(pv_index_add_file(a, b, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, a, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_expect_eq(info.documents, 6);
    pv_index_free(ix);
}

/* An INDEX that is a folder is refused before any rank reads a source (exit 3, named). */
Test(mpi, a_folder_as_index_is_refused_before_the_build)
{
    char out[1024];
    const char *sources[] = {"fixtures/corpus/rss", "fixtures/corpus/warcio", NULL};
    snprintf(out, sizeof out, "%s/dir.pvx", g_tmp); /* the path build() writes */
    cr_assert_eq(mkdir(out, 0755), 0, "%s", out);
    cr_expect_eq(build("dir", 2, sources, out, sizeof out), 3);
    cr_expect(strstr(pv_test_output(g_tmp, "dir", "err"), "it is a directory"), "%s",
              pv_test_output(g_tmp, "dir", "err"));
    cr_expect_null(strstr(pv_test_output(g_tmp, "dir", "out"), "rank 0:"), "%s",
                   pv_test_output(g_tmp, "dir", "out"));
}

/* An option the library refuses (a bad --exclude pattern) is a usage error under MPI too,
 * told once by each rank that met it, not twice. */
Test(mpi, an_option_the_library_refuses_is_a_usage_error)
{
    char out[1024];
    const char *e;
    const char *sources[] = {"--exclude", "(", "fixtures/corpus/rss", "fixtures/corpus/warcio",
                             NULL};
    cr_expect_eq(build("bad", 2, sources, out, sizeof out), 2);
    e = pv_test_output(g_tmp, "bad", "err");
    /* each rank that built told it once: two ranks, two lines, no third */
    {
        const char *p = e;
        int n = 0;
        while ((p = strstr(p, "bad --exclude pattern")) != NULL && ++n)
            p++;
        cr_expect_eq(n, 2, "%s", e);
    }
}

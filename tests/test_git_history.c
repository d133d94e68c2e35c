/*
 * test_git_history.c - where the git reader's history begins and who shares a commit's credit:
 * --since and shallow clones credit the text already there to one "before DATE" origin (never
 * to the first commit walked), through the reader and through pv_index_build + pv_match_run;
 * Co-authored-by trailers naming the author, listed twice, mailmapped or without an e-mail.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "common_int.h"
#include "format.h"
#include "provscan.h"
#include "source.h"
#include "util.h"

static const char *root;

static void make_root(void)
{
    root = pv_test_tmpdir("pv_hist_");
    git_libgit2_init();
}

static void remove_root(void)
{
    pv_test_free_kept();
    pv_test_rmtree(root);
    git_libgit2_shutdown();
}

TestSuite(git_history, .init = make_root, .fini = remove_root);

/* ---- building repositories (pinned dates, several authors) ----------------------------- */

#define D2013 ((git_time_t)1362096000)  /* 2013-03-01 */
#define D2014 ((git_time_t)1393632000)  /* 2014-03-01 */
#define D2019 ((git_time_t)1559347200)  /* 2019-06-01 */
#define D2025 ((git_time_t)1738368000)  /* 2025-02-01 */
#define SINCE2019 ((int64_t)1546300800) /* 2019-01-01 */
#define SINCE2025 ((int64_t)1735689600) /* 2025-01-01 */
#define SINCE2030 ((int64_t)1893456000) /* 2030-01-01 */

typedef struct file {
    const char *path, *data;
} file;

/* Commits files[0..n) (flat paths) as the whole tree, by name <email> at when, on top of
 * parents[0..np), moving ref. */
static git_oid commit_at(git_repository *repo, const char *ref, const git_oid *parents, size_t np,
                         const char *name, const char *email, git_time_t when, const char *msg,
                         const file *files, size_t n)
{
    git_treebuilder *tb = NULL;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    const git_commit *pc[2] = {NULL, NULL};
    git_oid id;

    cr_assert_leq(np, 2);
    cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(git_blob_create_from_buffer(&id, repo, files[i].data, strlen(files[i].data)),
                     0);
        cr_assert_eq(git_treebuilder_insert(NULL, tb, files[i].path, &id, GIT_FILEMODE_BLOB), 0);
    }
    cr_assert_eq(git_treebuilder_write(&id, tb), 0);
    cr_assert_eq(git_tree_lookup(&tree, repo, &id), 0);
    cr_assert_eq(git_signature_new(&sig, name, *email ? email : "none@invalid", when, 0), 0);
    for (size_t i = 0; i < np; i++)
        cr_assert_eq(git_commit_lookup((git_commit **)&pc[i], repo, &parents[i]), 0);
    if (*email) {
        cr_assert_eq(git_commit_create(&id, repo, ref, sig, sig, NULL, msg, tree, np, pc), 0, "%s",
                     git_error_last()->message);
    } else { /* libgit2 makes no signature without an e-mail: "<>" is written by hand */
        git_buf raw = {0};
        git_reference *r = NULL;
        char *text, *at;
        cr_assert_eq(git_commit_create_buffer(&raw, repo, sig, sig, NULL, msg, tree, np, pc), 0);
        text = pv_test_keep_str(raw.ptr);
        while ((at = strstr(text, "<none@invalid>")) != NULL)
            memmove(at + 1, at + 13, strlen(at + 13) + 1);
        cr_assert_eq(git_commit_create_with_signature(&id, repo, text, NULL, NULL), 0, "%s",
                     git_error_last()->message);
        cr_assert_eq(git_reference_create(&r, repo, ref, &id, 1, "test"), 0);
        git_reference_free(r);
        git_buf_dispose(&raw);
    }
    for (size_t i = 0; i < np; i++)
        git_commit_free((git_commit *)pc[i]);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
    return id;
}

#define OLD                                                                                        \
    "int ada_parse_header(const char *header_text, size_t header_length)\n"                        \
    "{\n"                                                                                          \
    "    return parse_fields_of_header(header_text, header_length, ADA_HEADER_FLAGS);\n"           \
    "}\n"
#define MID                                                                                        \
    "int ben_check_totals(const struct ledger *ledger_entries, int ledger_count)\n"                \
    "{\n"                                                                                          \
    "    return verify_ledger_balance(ledger_entries, ledger_count, BEN_TOLERANCE_LIMIT);\n"       \
    "}\n"
#define NEW                                                                                        \
    "int cy_render_widget(struct canvas *target_canvas, const struct widget *shown_widget)\n"      \
    "{\n"                                                                                          \
    "    return draw_widget_outline(target_canvas, shown_widget, CY_OUTLINE_THICKNESS);\n"         \
    "}\n"
#define SIDE                                                                                       \
    "Dan's side notes describe how the sorting routine treats equal keys and why it\n"             \
    "stays stable when two records carry the very same key in different orders.\n"

static const char *repo_dir;

/* The linear history every boundary test reads, in a bare repository:
 *   c[0] Ada  2013-03-01  lib.c = OLD
 *   c[1] Ben  2019-06-01  lib.c = OLD MID
 *   c[2] Cy   2025-02-01  lib.c = OLD MID NEW   (HEAD, master) */
static void build_linear(git_oid c[3])
{
    git_repository *repo = NULL;
    file f = {"lib.c", OLD};
    repo_dir = pv_test_keep_str(pv_test_path("linear.git"));
    cr_assert_eq(git_repository_init(&repo, repo_dir, 1), 0);
    c[0] = commit_at(repo, "refs/heads/master", NULL, 0, "Ada", "ada@example.com", D2013,
                     "Parse headers\n", &f, 1);
    f.data = OLD MID;
    c[1] = commit_at(repo, "refs/heads/master", &c[0], 1, "Ben", "ben@example.com", D2019,
                     "Check totals\n", &f, 1);
    f.data = OLD MID NEW;
    c[2] = commit_at(repo, "refs/heads/master", &c[1], 1, "Cy", "cy@example.com", D2025,
                     "Render widgets\n", &f, 1);
    git_repository_free(repo);
}

/* git clone --depth depth file://repo_dir into root/name; returns the clone's path. */
static const char *shallow_clone(const char *name, int depth)
{
    char cmd[1024];
    const char *dst = pv_test_keep_str(pv_test_path(name));
    snprintf(cmd, sizeof cmd, "git clone -q --depth %d file://%s %s 2>&1", depth, repo_dir, dst);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    return dst;
}

static const char *hex(const git_oid *id)
{
    static char buf[8][GIT_OID_HEXSZ + 1];
    static int next;
    return git_oid_tostr(buf[next++ % 8], GIT_OID_HEXSZ + 1, id);
}

/* ---- reading with a recording sink ----------------------------------------------------- */

typedef pv_test_origin rec_origin;

typedef struct recorder {
    pv_test_rec docs;
    rec_origin origins[PV_TEST_MAX_ORIGINS];
    size_t norigins;
} recorder;

static recorder rec;
static pv_reader_stats st;
static pv_err err;

static int rec_origin_cb(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    recorder *r = ctx;
    return pv_test_rec_origin(r->origins, &r->norigins, o, id);
}

static int rec_doc_cb(void *ctx, const pv_doc_in *d)
{
    return pv_test_rec_doc(&((recorder *)ctx)->docs, d);
}

static int rec_source_cb(void *ctx, const char *name, const char *kind)
{
    return pv_test_rec_source(&((recorder *)ctx)->docs, name, kind);
}

static int run_reader(const char *path, int64_t since)
{
    pv_reader_opts o = {0};
    pv_sink sink = {
        .source = rec_source_cb, .origin = rec_origin_cb, .doc = rec_doc_cb, .ctx = &rec};
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    o.diag = pv_test_rec_diag;
    o.ctx = &rec.docs;
    o.k = PV_DEFAULT_K;
    o.seed = PV_DEFAULT_SEED;
    o.since = since;
    return pv_git__read(path, &o, &sink, &st, &err);
}

static const pv_test_doc *doc_at(const char *locator)
{
    for (size_t i = 0; i < rec.docs.n; i++)
        if (strcmp(rec.docs.v[i].locator, locator) == 0)
            return &rec.docs.v[i];
    cr_assert_fail("no document %s", locator);
    return NULL;
}

/* The origin of the line of doc holding fragment. */
static const rec_origin *origin_at(const pv_test_doc *d, const char *fragment)
{
    const char *hit = strstr(d->text, fragment);
    const pv_run_in *run = NULL;
    size_t line;
    cr_assert_not_null(hit, "'%s' not in %s", fragment, d->locator);
    line = (size_t)(hit - d->text);
    while (line > 0 && d->text[line - 1] != '\n')
        line--;
    for (size_t i = 0; i < d->nruns && d->runs[i].start <= line; i++)
        run = &d->runs[i];
    cr_assert_not_null(run);
    return &rec.origins[run->origin];
}

/* x is the boundary's "before" origin at date: no author, no commit. */
static void expect_before(const rec_origin *x, int64_t date)
{
    cr_expect_eq(x->before, 1);
    cr_expect_null(x->name);
    cr_expect_null(x->email);
    cr_expect_null(x->commit);
    cr_expect_eq(x->nco, 0);
    cr_expect_eq(x->date, date, "date %lld, expected %lld", (long long)x->date, (long long)date);
}

static void expect_commit(const rec_origin *x, const char *name, const git_oid *c, int64_t date)
{
    cr_expect_eq(x->before, 0);
    cr_expect_str_eq(x->name, name);
    cr_expect_str_eq(x->commit, hex(c));
    cr_expect_eq(x->date, date);
}

static size_t befores(void)
{
    size_t n = 0;
    for (size_t i = 0; i < rec.norigins; i++)
        n += rec.origins[i].before;
    return n;
}

/* Reads the linear history (c: its commits) with o->since = since, which walks ncommits of
 * them. Returns the document lib.c. */
static const pv_test_doc *read_linear(git_oid c[3], int64_t since, uint64_t ncommits)
{
    build_linear(c);
    cr_assert_eq(run_reader(repo_dir, since), 0, "%s", err.msg);
    cr_expect_eq(st.commits, ncommits);
    return doc_at("lib.c");
}

/* ---- --since --------------------------------------------------------------------------- */

Test(git_history, no_boundary_without_since)
{
    git_oid c[3];
    const pv_test_doc *d = read_linear(c, 0, 3);
    expect_commit(origin_at(d, "ADA_HEADER_FLAGS"), "Ada", &c[0], D2013);
    expect_commit(origin_at(d, "BEN_TOLERANCE_LIMIT"), "Ben", &c[1], D2019);
    expect_commit(origin_at(d, "CY_OUTLINE_THICKNESS"), "Cy", &c[2], D2025);
    cr_expect_eq(befores(), 0);
}

/* Before the fix the first commit walked (Cy's) compared with an empty tree took 2013 text. */
Test(git_history, regression_since_credits_older_text_before_the_date)
{
    git_oid c[3];
    const pv_test_doc *d = read_linear(c, SINCE2025, 1); /* the boundary is not counted */
    cr_expect_str_eq(d->commit, hex(&c[2]));
    expect_before(origin_at(d, "ADA_HEADER_FLAGS"), SINCE2025);
    expect_before(origin_at(d, "BEN_TOLERANCE_LIMIT"), SINCE2025);
    expect_commit(origin_at(d, "CY_OUTLINE_THICKNESS"), "Cy", &c[2], D2025);
    /* one before origin, and no origin of the commits before the date */
    cr_expect_eq(befores(), 1);
    cr_expect_eq(rec.norigins, 2);
}

Test(git_history, since_keeps_the_commits_after_the_date)
{
    git_oid c[3];
    const pv_test_doc *d = read_linear(c, SINCE2019, 2);
    expect_before(origin_at(d, "ADA_HEADER_FLAGS"), SINCE2019);
    expect_commit(origin_at(d, "BEN_TOLERANCE_LIMIT"), "Ben", &c[1], D2019);
    expect_commit(origin_at(d, "CY_OUTLINE_THICKNESS"), "Cy", &c[2], D2025);
    /* the file's own origin (its content's first commit) is Cy's */
    cr_expect_str_eq(d->name, "Cy");
}

/* Before the fix the only commit walked (HEAD) took everything. */
Test(git_history, regression_since_after_head_credits_everything_before)
{
    git_oid c[3];
    const pv_test_doc *d = read_linear(c, SINCE2030, 1);
    cr_expect_str_eq(d->commit, hex(&c[2])); /* still located at HEAD */
    cr_assert_eq(d->nruns, 1);
    expect_before(&rec.origins[d->runs[0].origin], SINCE2030);
    cr_expect_eq(rec.norigins, 1);
    /* the document's own origin is the boundary too */
    cr_expect_null(d->name);
    cr_expect_null(d->origin_commit);
    cr_expect_eq(d->date, SINCE2030);
}

/* A branch forked before the date and merged after: its text is not the merge's. */
Test(git_history, regression_since_merged_branch_older_than_the_date_is_before)
{
    git_repository *repo = NULL;
    git_oid c1, s1, c2, m, p[2];
    file f[2] = {{"lib.c", OLD}, {"side.md", SIDE}};
    const pv_test_doc *d;

    repo_dir = pv_test_keep_str(pv_test_path("merge.git"));
    cr_assert_eq(git_repository_init(&repo, repo_dir, 1), 0);
    c1 = commit_at(repo, "refs/heads/master", NULL, 0, "Ada", "ada@example.com", D2013, "c1\n", f,
                   1);
    s1 =
        commit_at(repo, "refs/heads/side", &c1, 1, "Dan", "dan@example.com", D2014, "side\n", f, 2);
    f[0].data = OLD MID;
    c2 =
        commit_at(repo, "refs/heads/master", &c1, 1, "Ben", "ben@example.com", D2019, "c2\n", f, 1);
    p[0] = c2;
    p[1] = s1;
    m = commit_at(repo, "refs/heads/master", p, 2, "Eve", "eve@example.com", D2025, "merge\n", f,
                  2);
    git_repository_free(repo);

    cr_assert_eq(run_reader(repo_dir, SINCE2019), 0, "%s", err.msg);
    cr_expect_eq(st.commits, 2);
    d = doc_at("side.md");
    cr_expect_str_eq(d->commit, hex(&m));
    expect_before(origin_at(d, "equal keys"), SINCE2019);
    expect_before(origin_at(d, "very same key"), SINCE2019);
    d = doc_at("lib.c");
    expect_before(origin_at(d, "ADA_HEADER_FLAGS"), SINCE2019);
    expect_commit(origin_at(d, "BEN_TOLERANCE_LIMIT"), "Ben", &c2, D2019);
    for (size_t i = 0; i < rec.norigins; i++)
        cr_expect(!rec.origins[i].commit || strcmp(rec.origins[i].commit, hex(&m)) != 0,
                  "the merge took credit");
}

/* ---- shallow clones -------------------------------------------------------------------- */

static size_t notes_with(const char *word)
{
    size_t n = 0;
    for (size_t i = 0; i < rec.docs.ndiag && i < PV_TEST_NDIAG; i++)
        n += strstr(rec.docs.diag[i], word) != NULL;
    return n;
}

/* Reads a clone of the linear history made with git clone --depth depth (c: its commits):
 * one note says it is shallow. Returns the document lib.c. */
static const pv_test_doc *read_clone(git_oid c[3], int depth)
{
    char name[32];
    build_linear(c);
    snprintf(name, sizeof name, "depth%d", depth);
    cr_assert_eq(run_reader(shallow_clone(name, depth), 0), 0, "%s", err.msg);
    cr_expect_eq(notes_with("shallow"), 1);
    return doc_at("lib.c");
}

/* Before the fix: "cannot walk the history: object not found". */
Test(git_history, regression_shallow_clone_depth_1_is_read_and_all_before)
{
    git_oid c[3];
    const pv_test_doc *d = read_clone(c, 1);
    cr_expect_eq(rec.docs.ndiag, 1);
    cr_expect_eq(rec.docs.sev[0], PV_WARNING);
    cr_expect_eq(st.commits, 1);
    cr_expect_eq(st.bad, 0);
    cr_expect_str_eq(d->commit, hex(&c[2]));
    cr_assert_eq(d->nruns, 1);
    /* the boundary commit's own date: what it holds was there by then */
    expect_before(&rec.origins[d->runs[0].origin], D2025);
    cr_expect_eq(rec.norigins, 1);
}

Test(git_history, shallow_clone_depth_2_credits_the_commits_after_its_boundary)
{
    git_oid c[3];
    const pv_test_doc *d = read_clone(c, 2);
    cr_expect_eq(st.commits, 2);
    expect_before(origin_at(d, "ADA_HEADER_FLAGS"), D2019);
    expect_before(origin_at(d, "BEN_TOLERANCE_LIMIT"), D2019);
    expect_commit(origin_at(d, "CY_OUTLINE_THICKNESS"), "Cy", &c[2], D2025);
    cr_expect_eq(befores(), 1);
}

/* ---- through the index and the matcher ------------------------------------------------- */

/* Indexes src (with since, and author as --author when not NULL) and matches query. */
static pv_result *build_and_match(const char *src, int64_t since, const char *author,
                                  const char *query, pv_index **ix, pv_build_stats *bst)
{
    const char *idx = pv_test_keep_str(pv_test_path("x.pvx"));
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_result *res = NULL;
    o.jobs = 1;
    o.read.since = since;
    o.author = author;
    cr_assert_eq(pv_index_build(idx, &src, 1, &o, bst, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(*ix, query, strlen(query), NULL, &res, &err), 0, "%s", err.msg);
    /* every row opens at its commit, shallow clone or not */
    cr_assert_gt(pv_test_check_git_rows(res, query, o.seed, &src, 1), 0);
    return res;
}

Test(git_history, shallow_clone_span_credit_is_before_and_nobody_is_credited)
{
    git_oid c[3];
    pv_index *ix = NULL;
    pv_build_stats bst;
    pv_result *res;
    const char *q = OLD MID NEW;

    build_linear(c);
    res = build_and_match(shallow_clone("depth1", 1), 0, NULL, q, &ix, &bst);
    cr_assert_eq(res->nspans, 1);
    cr_assert_geq(res->spans[0].ncredits, 1);
    for (size_t i = 0; i < res->spans[0].ncredits; i++) {
        const pv_span_credit *sc = &res->spans[0].credits[i];
        cr_expect_eq(sc->before, 1);
        cr_expect_null(sc->name);
        cr_expect_null(sc->email);
        cr_expect_null(sc->commit);
        cr_expect_eq(sc->date, D2025);
    }
    cr_expect_eq(res->nauthors, 0); /* "before" is nobody's credit */
    pv_result_free(res);
    pv_index_free(ix);
}

Test(git_history, since_span_credits_before_then_the_later_author)
{
    git_oid c[3];
    pv_index *ix = NULL;
    pv_build_stats bst;
    pv_result *res;
    double before = 0, cy = 0;
    const char *q = OLD MID NEW;

    build_linear(c);
    res = build_and_match(repo_dir, SINCE2025, NULL, q, &ix, &bst);
    cr_assert_eq(res->nspans, 1);
    for (size_t i = 0; i < res->spans[0].ncredits; i++) {
        const pv_span_credit *sc = &res->spans[0].credits[i];
        if (sc->before) {
            cr_expect_null(sc->name);
            cr_expect_null(sc->commit);
            cr_expect_eq(sc->date, SINCE2025);
            cr_expect_leq(sc->line_end, 8, "before credited for line %u", sc->line_end);
            before += sc->tokens;
        } else {
            cr_expect_str_eq(sc->name, "Cy");
            cr_expect_str_eq(sc->commit, hex(&c[2]));
            cr_expect_eq(sc->date, D2025);
            cr_expect_geq(sc->line_start, 9);
            cy += sc->tokens;
        }
    }
    cr_expect_gt(before, 0);
    cr_expect_gt(cy, 0);
    cr_assert_eq(res->nauthors, 1);
    cr_expect_str_eq(res->authors[0].name, "Cy");
    cr_expect_eq(res->authors[0].tokens, cy);
    cr_expect_eq(res->authors[0].share, 1.0);
    pv_result_free(res);
    pv_index_free(ix);
}

/* --author names who wrote text whose author is unknown; text older than the history walked
 * stays nobody's. */
Test(git_history, before_is_not_given_to_the_default_author)
{
    git_oid c[3];
    pv_index *ix = NULL;
    pv_build_stats bst;
    pv_result *res;
    build_linear(c);
    res = build_and_match(repo_dir, SINCE2030, "Max <max@example.com>", OLD MID, &ix, &bst);
    cr_assert_eq(res->nspans, 1);
    cr_assert_geq(res->spans[0].ncredits, 1);
    for (size_t i = 0; i < res->spans[0].ncredits; i++) {
        cr_expect_eq(res->spans[0].credits[i].before, 1);
        cr_expect_null(res->spans[0].credits[i].name);
        cr_expect_eq(res->spans[0].credits[i].date, SINCE2030);
    }
    cr_expect_eq(res->nauthors, 0);
    pv_result_free(res);
    pv_index_free(ix);
}

/* The ORIG chunk stores the before flag (bit 0 of its flags); any other bit is refused. */
Test(git_history, origin_flags_stored_and_unknown_bits_corrupt)
{
    git_oid c[3];
    const char *idx = pv_test_keep_str(pv_test_path("x.pvx"));
    pv_index *ix = NULL;
    pv_index_info info;
    pv_build_stats bst;
    size_t len, i, norig, before = 0, nch;
    unsigned char *b, *e, *tmp;
    uint64_t off, size;

    build_linear(c);
    pv_result_free(build_and_match(repo_dir, SINCE2025, NULL, OLD, &ix, &bst));
    pv_index_get_info(ix, &info);
    for (i = 0; i < info.nchunks; i++)
        if (strcmp(info.chunks[i].id, PV_ID_ORIG) == 0)
            break;
    cr_assert_lt(i, info.nchunks);
    off = info.chunks[i].offset;
    size = info.chunks[i].size;
    pv_index_free(ix);
    b = pv_test_read_file(idx, &len);
    norig = (size_t)(size / PV_ORIG_ENTRY);
    cr_assert_eq(norig, 2, "%zu origins", norig); /* the before origin and Cy's */
    for (size_t j = 0; j < norig; j++) {
        uint32_t flags = pv_load32(b + off + j * PV_ORIG_ENTRY + PV_ORIG_FLAGS);
        cr_expect_leq(flags, PV_ORIG_BEFORE);
        before += flags;
    }
    cr_expect_eq(before, 1);
    /* a flag bit no version defines, with every checksum made right again */
    e = b + off + PV_ORIG_FLAGS;
    pv_store32(e, pv_load32(e) | 2);
    pv_store64(b + PV_HDR_SIZE + i * PV_CHUNK_ENTRY + PV_CHUNK_CHECKSUM,
               pv_hash64(b + off, (size_t)size, 0));
    nch = pv_load32(b + PV_HDR_NCHUNKS);
    tmp = malloc(56 + nch * PV_CHUNK_ENTRY);
    cr_assert_not_null(tmp);
    memcpy(tmp, b, 56);
    memcpy(tmp + 56, b + PV_HDR_SIZE, nch * PV_CHUNK_ENTRY);
    pv_store64(b + PV_HDR_CHECKSUM, pv_hash64(tmp, 56 + nch * PV_CHUNK_ENTRY, 0));
    free(tmp);
    pv_test_write_file(idx, b, len);
    free(b);
    ix = NULL;
    cr_assert_eq(pv_index_open(&ix, idx, &err), PV_ECORRUPT);
    cr_expect(strstr(err.msg, "origin table") != NULL, "%s", err.msg);
    cr_assert_null(ix);
}

/* ---- co-authors ------------------------------------------------------------------------ */

#define D_C                                                                                        \
    "int dan_merge_lists(struct node *left_list, struct node *right_list, int merge_flags)\n"      \
    "{\n"                                                                                          \
    "    return splice_sorted_nodes(left_list, right_list, merge_flags | DAN_STABLE_MERGE);\n"     \
    "}\n"
#define E_C                                                                                        \
    "int zed_close_stream(struct stream *open_stream, int close_reason_code)\n"                    \
    "{\n"                                                                                          \
    "    return flush_and_release_stream(open_stream, close_reason_code, ZED_CLOSE_MODE);\n"       \
    "}\n"

/*
 *   c[0] Ada <ada@example.com>    a.c   Co-authored-by: herself, other case and name
 *   c[1] Ben                      b.c   Co-authored-by: Benny <ada@old.example> (Ada after the
 *                                       mailmap) and Ada <ada@example.com> again
 *   c[2] Cy <cy@old.example>      c.c, d.c   (Cy <cy@example.com> after the mailmap)
 *                                       Co-authored-by: Cy <cy@example.com>, Just A Name,
 *                                       Eve <not-an-email>, Dan <dan@example.com>
 *   c[3] Zed (no e-mail)          e.c   Co-authored-by: Zed <zed@example.com>
 */
static void build_coauthors(git_oid c[4])
{
    git_repository *repo = NULL;
    file f[7] = {{".mailmap", "Ada <ada@example.com> <ada@old.example>\n"
                              "Cy <cy@example.com> <cy@old.example>\n"},
                 {"a.c", OLD},
                 {"b.c", MID},
                 {"c.c", NEW},
                 {"d.c", D_C},
                 {"e.c", E_C}};
    repo_dir = pv_test_keep_str(pv_test_path("co.git"));
    cr_assert_eq(git_repository_init(&repo, repo_dir, 1), 0);
    c[0] = commit_at(repo, "refs/heads/master", NULL, 0, "Ada", "ada@example.com", D2013,
                     "Parse headers\n\nCo-authored-by: Ada Lovelace <ADA@Example.com>\n", f, 2);
    c[1] = commit_at(repo, "refs/heads/master", &c[0], 1, "Ben", "ben@example.com", D2014,
                     "Check totals\n\nCo-authored-by: Benny <ada@old.example>\n"
                     "Co-authored-by: Ada <ada@example.com>\n",
                     f, 3);
    c[2] = commit_at(repo, "refs/heads/master", &c[1], 1, "Cy", "cy@old.example", D2019,
                     "Render and merge\n\nCo-authored-by: Cy <cy@example.com>\n"
                     "Co-authored-by: Just A Name\nCo-authored-by: Eve <not-an-email>\n"
                     "Co-authored-by: Dan <dan@example.com>\n",
                     f, 5);
    c[3] = commit_at(repo, "refs/heads/master", &c[2], 1, "Zed", "", D2025,
                     "Close streams\n\nCo-authored-by: Zed <zed@example.com>\n", f, 6);
    git_repository_free(repo);
}

static void read_coauthors(git_oid c[4])
{
    build_coauthors(c);
    cr_assert_eq(run_reader(repo_dir, 0), 0, "%s", err.msg);
}

Test(git_history, coauthor_naming_the_author_adds_nobody)
{
    git_oid c[4];
    const rec_origin *x;
    read_coauthors(c);
    x = origin_at(doc_at("a.c"), "ADA_HEADER_FLAGS");
    expect_commit(x, "Ada", &c[0], D2013);
    cr_expect_eq(x->nco, 0); /* the same e-mail, whatever its case and the name */
    x = origin_at(doc_at("c.c"), "CY_OUTLINE_THICKNESS");
    expect_commit(x, "Cy", &c[2], D2019);
    cr_expect_str_eq(x->email, "cy@example.com"); /* the author's mailmapped e-mail */
    cr_assert_eq(x->nco, 1);                      /* Cy is not his own co-author: Dan only */
    cr_expect_str_eq(x->co_name[0], "Dan");
    cr_expect_str_eq(x->co_email[0], "dan@example.com");
    x = origin_at(doc_at("e.c"), "ZED_CLOSE_MODE");
    expect_commit(x, "Zed", &c[3], D2025);
    cr_expect_null(x->email);
    cr_expect_eq(x->nco, 0); /* an author with no e-mail: the same name */
}

/* Before the fix: "cannot read commit ...: Signature cannot have an empty name or email"
 * stopped the whole repository. */
Test(git_history, regression_author_without_email_does_not_stop_the_reader)
{
    git_oid c[4];
    const pv_test_doc *d;
    read_coauthors(c);
    d = doc_at("e.c");
    cr_expect_str_eq(d->name, "Zed");
    cr_expect_null(d->email);
    cr_expect_str_eq(d->origin_commit, hex(&c[3]));
}

Test(git_history, mailmapped_coauthor_listed_twice_counts_once)
{
    git_oid c[4];
    const rec_origin *x;
    read_coauthors(c);
    x = origin_at(doc_at("b.c"), "BEN_TOLERANCE_LIMIT");
    expect_commit(x, "Ben", &c[1], D2014);
    cr_assert_eq(x->nco, 1);
    cr_expect_str_eq(x->co_name[0], "Ada");
    cr_expect_str_eq(x->co_email[0], "ada@example.com");
}

Test(git_history, regression_coauthor_trailer_without_email_is_ignored_and_counted)
{
    git_oid c[4];
    const rec_origin *x;
    size_t named = 0;
    read_coauthors(c);
    /* two files of that commit: counted once each, not per document */
    cr_expect_eq(st.ignored_trailers, 2);
    x = origin_at(doc_at("d.c"), "DAN_STABLE_MERGE");
    cr_expect_str_eq(x->commit, hex(&c[2]));
    cr_assert_eq(x->nco, 1);
    cr_expect_str_eq(x->co_name[0], "Dan");
    for (size_t i = 0; i < rec.docs.ndiag && i < PV_TEST_NDIAG; i++)
        if (strstr(rec.docs.diag[i], "Co-authored-by")) {
            cr_expect(strstr(rec.docs.diag[i], hex(&c[2])) != NULL, "%s", rec.docs.diag[i]);
            cr_expect_eq(rec.docs.sev[i], PV_NOTE);
            named++;
        }
    cr_expect_eq(named, 2);
    cr_expect_eq(notes_with("Just A Name"), 1);
    cr_expect_eq(notes_with("not-an-email"), 1);
}

Test(git_history, ignored_trailers_reach_the_build_stats)
{
    git_oid c[4];
    pv_index *ix = NULL;
    pv_build_stats bst;
    pv_result *res;
    build_coauthors(c);
    res = build_and_match(repo_dir, 0, NULL, NEW, &ix, &bst);
    cr_expect_eq(bst.ignored_trailers, 2);
    /* Cy and Dan share the lines of c.c */
    cr_assert_eq(res->nauthors, 2);
    cr_expect_eq(res->authors[0].share, 0.5);
    cr_expect_eq(res->authors[1].share, 0.5);
    pv_result_free(res);
    pv_index_free(ix);
}

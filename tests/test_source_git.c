/*
 * test_source_git.c - the git reader (scanner/source_git.c) on small repositories each test
 * builds with libgit2 under a mkdtemp folder: documents, per-line origins, skips and errors.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "common_int.h"
#include "index_int.h"
#include "scanner_int.h"
#include "source.h"
#include "util.h"

/* ---- a temporary folder per test ------------------------------------------------------- */

static const char *root;

static void make_root(void)
{
    root = pv_test_tmpdir("pv_git_");
    git_libgit2_init();
}

/* The sink's copies are kept until here. */
static void remove_root(void)
{
    pv_test_free_kept();
    pv_test_rmtree(root);
    git_libgit2_shutdown();
}

TestSuite(git, .init = make_root, .fini = remove_root);

/* ---- building repositories ------------------------------------------------------------- */

typedef struct file {
    const char *path;
    const char *data;
    size_t len; /* 0: strlen(data) */
} file;

#define T0 ((git_time_t)1500000000)

/* The tree of the files of files[0..n) under prefix ("" or "dir/"). */
static git_oid tree_of(git_repository *repo, const file *files, size_t n, const char *prefix)
{
    const size_t plen = strlen(prefix);
    git_treebuilder *tb = NULL;
    git_oid id;

    cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        const char *rest = files[i].path + plen, *slash;
        if (strncmp(files[i].path, prefix, plen) != 0)
            continue;
        slash = strchr(rest, '/');
        if (!slash) {
            cr_assert_eq(
                git_blob_create_from_buffer(&id, repo, files[i].data,
                                            files[i].len ? files[i].len : strlen(files[i].data)),
                0);
            cr_assert_eq(git_treebuilder_insert(NULL, tb, rest, &id, GIT_FILEMODE_BLOB), 0);
        } else {
            char name[128], sub[256];
            snprintf(name, sizeof name, "%.*s", (int)(slash - rest), rest);
            if (git_treebuilder_get(tb, name))
                continue;
            snprintf(sub, sizeof sub, "%s%s/", prefix, name);
            id = tree_of(repo, files, n, sub);
            cr_assert_eq(git_treebuilder_insert(NULL, tb, name, &id, GIT_FILEMODE_TREE), 0);
        }
    }
    cr_assert_eq(git_treebuilder_write(&id, tb), 0);
    git_treebuilder_free(tb);
    return id;
}

/* Commits the complete file set files[0..n) with the given author at T0 + minutes, on top of
 * parents, updating ref (or no ref when NULL). Returns the commit id. */
static git_oid commit_files(git_repository *repo, const char *ref, const git_oid *parents,
                            size_t nparents, const char *name, const char *email, int minutes,
                            const char *msg, const file *files, size_t n)
{
    git_oid tree_id, id;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    const git_commit *pc[4] = {NULL};

    tree_id = tree_of(repo, files, n, "");
    cr_assert_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
    cr_assert_eq(git_signature_new(&sig, name, email, T0 + minutes * 60, 0), 0);
    for (size_t i = 0; i < nparents; i++)
        cr_assert_eq(git_commit_lookup((git_commit **)&pc[i], repo, &parents[i]), 0);
    cr_assert_eq(git_commit_create(&id, repo, NULL, sig, sig, NULL, msg, tree, nparents, pc), 0,
                 "%s", git_error_last()->message);
    if (ref) {
        git_reference *r = NULL;
        cr_assert_eq(git_reference_create(&r, repo, ref, &id, 1, "test"), 0);
        git_reference_free(r);
    }
    for (size_t i = 0; i < nparents; i++)
        git_commit_free((git_commit *)pc[i]);
    git_signature_free(sig);
    git_tree_free(tree);
    return id;
}

/* ---- the sample repository ------------------------------------------------------------- */

static const char MAILMAP[] = "Bob <bob@example.com> Bobby <bob@old.example>\n";

static const char MIT[] =
    "MIT License\n\nCopyright (c) 2017 Alice\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    "of this software and associated documentation files (the \"Software\"), to deal\n"
    "in the Software without restriction, including without limitation the rights\n"
    "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
    "copies of the Software, and to permit persons to whom the Software is\n"
    "furnished to do so, subject to the following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in all\n"
    "copies or substantial portions of the Software.\n";

static const char README1[] = "# Widgets\n\n"
                              "Widgets turns plain descriptions of gadgets into working widgets\n"
                              "for every household that wants more of them than it can use.\n";
static const char README2[] = "# Widgets\n\n"
                              "Widgets turns plain descriptions of gadgets into working widgets\n"
                              "for every household that wants more of them than it can use.\n"
                              "Bob wrote this sentence about installing widgets on rainy days.\n";

#define A_C                                                                                        \
    "/* a.c - the first file */\n"                                                                 \
    "int alpha_function(int first_argument, int second_argument)\n"                                \
    "{\n"                                                                                          \
    "    return first_argument * second_argument + alpha_constant_value;\n"                        \
    "}\n"                                                                                          \
    "\n"                                                                                           \
    "int beta_function(const char *message_text, size_t message_length)\n"                         \
    "{\n"                                                                                          \
    "    return write_output_message(message_text, message_length, beta_flags);\n"                 \
    "}\n"
#define GAMMA                                                                                      \
    "int gamma_function(double gamma_input_value, double gamma_scale_factor)\n"                    \
    "{\n"                                                                                          \
    "    double gamma_adjusted = gamma_input_value * gamma_scale_factor + gamma_offset;\n"         \
    "    log_gamma_progress(gamma_adjusted, gamma_limit, \"gamma computed\");\n"                   \
    "    return compute_gamma_series(gamma_input_value, gamma_scale_factor, gamma_limit);\n"       \
    "}\n"

static const char A1[] = A_C;
static const char A2[] = A_C "\n" GAMMA;
static const char UTIL[] =
    "/* util.c - helpers moved here by carol */\n" GAMMA "\n"
    "int delta_function(void)\n"
    "{\n"
    "    return delta_helper_routine(delta_first_value, delta_second_value, delta_third);\n"
    "}\n";
static const char OLD_MD[] = "Old notes about widgets that will move to a new name one day,\n"
                             "kept word for word when they move.\n";
static const char NOTES[] = "Carol keeps notes here about the widgets she is testing right now,\n"
                            "until she deletes this file again.\n";
static const char GUIDE[] = "The guide to widgets, written on a side branch by Alice,\n"
                            "explains how the merge brings it into the main line.\n";
static const char CO_C[] = "int paired_function(int pair_left, int pair_right)\n"
                           "{\n"
                           "    return pair_left + pair_right + paired_programming_bonus;\n"
                           "}\n";
static const char SPDX_C[] = "// SPDX-License-Identifier: Apache-2.0\n"
                             "int licensed_function(int apache_value)\n"
                             "{\n"
                             "    return apache_value * apache_multiplier + apache_offset;\n"
                             "}\n";
static const char VENDOR[] = "int vendored_library_function(int vendored_value)\n"
                             "{ return vendored_value * vendored_factor + vendored_base; }\n";
static const char PARSER[] =
    "/* A Bison parser, generated by GNU Bison 3.8.2. */\n"
    "int yyparse(void) { return parser_state_machine(yytable, yycheck); }\n";
static const char MINJS[] = "function a(b){return b*2+widget_counter_value+another_value}\n";
static const char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";

/* Commit ids of the sample repository. */
typedef struct sample {
    git_oid c1, c2, c3, c4, s1, c5, m, c6, c7;
} sample;

/*
 * The sample history, main line master:
 *   c1 Alice   README, LICENSE (MIT), .mailmap, src/a.c (alpha, beta), docs/old.md
 *   c2 Bobby   (Bob after the mailmap) adds gamma to a.c; logo.png, vendor/, gen/parser.c,
 *              web/app.min.js, src/empty.h
 *   c3 Carol   renames docs/old.md to docs/new.md, adds notes.txt
 *   c4 Carol   moves gamma from a.c to the new src/util.c, adds delta (a.c is back to c1's)
 *   s1 Alice   on branch side (from c4): doc/guide.md
 *   c5 Bob     adds a README line
 *   m  Carol   merges side into master
 *   c6 Bob     src/co.c, Co-authored-by: Dave
 *   c7 Alice   deletes notes.txt, adds src/spdx.c (SPDX Apache-2.0)
 */
static git_repository *build_sample(const char *dir, sample *s)
{
    git_repository *repo = NULL;
    file f[16];
    size_t n = 0;

    cr_assert_eq(git_repository_init(&repo, dir, 0), 0);
#define ADD(p, d) (f[n++] = (file){(p), (d), sizeof(d) - 1})
#define SET(p, d)                                                                                  \
    do {                                                                                           \
        size_t i_;                                                                                 \
        for (i_ = 0; i_ < n && strcmp(f[i_].path, (p)) != 0; i_++)                                 \
            ;                                                                                      \
        f[i_] = (file){(p), (d), sizeof(d) - 1};                                                   \
        n += i_ == n;                                                                              \
    } while (0)
#define DEL(p)                                                                                     \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < n; i_++)                                                          \
            if (strcmp(f[i_].path, (p)) == 0) {                                                    \
                f[i_] = f[--n];                                                                    \
                break;                                                                             \
            }                                                                                      \
    } while (0)
    ADD(".mailmap", MAILMAP);
    ADD("LICENSE", MIT);
    ADD("README.md", README1);
    ADD("src/a.c", A1);
    ADD("docs/old.md", OLD_MD);
    s->c1 = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0,
                         "Start\n", f, n);
    SET("src/a.c", A2);
    ADD("logo.png", PNG);
    ADD("vendor/lib.c", VENDOR);
    ADD("gen/parser.c", PARSER);
    ADD("web/app.min.js", MINJS);
    ADD("src/empty.h", "");
    s->c2 = commit_files(repo, "refs/heads/master", &s->c1, 1, "Bobby", "bob@old.example", 10,
                         "Gamma and assets\n", f, n);
    DEL("docs/old.md");
    ADD("docs/new.md", OLD_MD);
    ADD("notes.txt", NOTES);
    s->c3 = commit_files(repo, "refs/heads/master", &s->c2, 1, "Carol", "carol@example.com", 20,
                         "Rename, notes\n", f, n);
    SET("src/a.c", A1);
    ADD("src/util.c", UTIL);
    s->c4 = commit_files(repo, "refs/heads/master", &s->c3, 1, "Carol", "carol@example.com", 30,
                         "Move gamma to util.c\n", f, n);
    {
        file g[16];
        size_t gn = n;
        memcpy(g, f, sizeof g);
        g[gn++] = (file){"doc/guide.md", GUIDE, sizeof GUIDE - 1};
        s->s1 = commit_files(repo, "refs/heads/side", &s->c4, 1, "Alice", "alice@example.com", 40,
                             "Guide\n", g, gn);
    }
    SET("README.md", README2);
    s->c5 = commit_files(repo, "refs/heads/master", &s->c4, 1, "Bob", "bob@example.com", 50,
                         "README: rainy days\n", f, n);
    ADD("doc/guide.md", GUIDE);
    {
        git_oid p[2] = {s->c5, s->s1};
        s->m = commit_files(repo, "refs/heads/master", p, 2, "Carol", "carol@example.com", 60,
                            "Merge side\n", f, n);
    }
    ADD("src/co.c", CO_C);
    s->c6 = commit_files(repo, "refs/heads/master", &s->m, 1, "Bob", "bob@example.com", 70,
                         "Add co.c\n\nCo-authored-by: Dave <dave@example.com>\n", f, n);
    DEL("notes.txt");
    ADD("src/spdx.c", SPDX_C);
    s->c7 = commit_files(repo, "refs/heads/master", &s->c6, 1, "Alice", "alice@example.com", 80,
                         "Drop notes, add spdx.c\n", f, n);
#undef ADD
#undef SET
#undef DEL
    return repo;
}

/* ---- the recording sink (tests/util.h), with the origins the reader registers ---------- */

typedef pv_test_origin rec_origin;

typedef struct recorder {
    pv_test_rec docs; /* the documents, the source and the diagnostics */
    rec_origin origins[PV_TEST_MAX_ORIGINS];
    size_t norigins;
} recorder;

static int rec_source(void *ctx, const char *name, const char *kind)
{
    recorder *r = ctx;
    cr_assert_eq(r->docs.sources, 0, "source named twice");
    return pv_test_rec_source(&r->docs, name, kind);
}

static int rec_origin_cb(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    recorder *r = ctx;
    return pv_test_rec_origin(r->origins, &r->norigins, o, id);
}

static size_t fail_after; /* the sink fails once this many were recorded; 0 = never */

static int rec_doc_cb(void *ctx, const pv_doc_in *d)
{
    recorder *r = ctx;
    if (fail_after && r->docs.n == fail_after)
        return PV_EIO;
    /* runs are sorted, the first at 0, every origin registered */
    for (size_t i = 0; i < d->nruns; i++) {
        cr_assert(i ? d->runs[i].start > d->runs[i - 1].start : d->runs[i].start == 0);
        cr_assert_lt(d->runs[i].origin, r->norigins);
        cr_assert(!i || d->runs[i].origin != d->runs[i - 1].origin, "runs not merged");
    }
    return pv_test_rec_doc(&r->docs, d);
}

static recorder rec;
static pv_reader_stats st;
static pv_err err;

static int run_reader(const char *path, pv_reader_opts *o)
{
    pv_sink sink = {.source = rec_source, .origin = rec_origin_cb, .doc = rec_doc_cb, .ctx = &rec};
    memset(&rec, 0, sizeof rec); /* what it copied stays kept until the test ends */
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    o->diag = pv_test_rec_diag;
    o->ctx = &rec.docs;
    if (!o->k)
        o->k = PV_DEFAULT_K;
    if (!o->seed)
        o->seed = PV_DEFAULT_SEED;
    return pv_git__read(path, o, &sink, &st, &err);
}

static const pv_test_doc *doc_at(const char *locator)
{
    for (size_t i = 0; i < rec.docs.n; i++)
        if (strcmp(rec.docs.v[i].locator, locator) == 0)
            return &rec.docs.v[i];
    return NULL;
}

/* The origin of the line of doc holding fragment. */
static const rec_origin *origin_of(const pv_test_doc *d, const char *fragment)
{
    const char *hit = strstr(d->text, fragment);
    size_t off, line;
    const pv_run_in *run = NULL;
    cr_assert_not_null(hit, "'%s' not in %s", fragment, d->locator);
    off = (size_t)(hit - d->text);
    line = off;
    while (line > 0 && d->text[line - 1] != '\n')
        line--;
    for (size_t i = 0; i < d->nruns && d->runs[i].start <= line; i++)
        run = &d->runs[i];
    cr_assert_not_null(run);
    return &rec.origins[run->origin];
}

static const char *hex(const git_oid *id)
{
    static char buf[8][GIT_OID_HEXSZ + 1];
    static int next;
    char *p = buf[next++ % 8];
    return git_oid_tostr(p, GIT_OID_HEXSZ + 1, id);
}

static const char *repo_dir; /* the repository a test built */

static git_repository *sample_repo(sample *s)
{
    repo_dir = pv_test_keep_str(pv_test_path("widgets"));
    return build_sample(repo_dir, s);
}

/* A bare repository under root named name, for the small histories below. */
static git_repository *small_repo(const char *name)
{
    git_repository *repo;
    repo_dir = pv_test_keep_str(pv_test_path(name));
    cr_assert_eq(git_repository_init(&repo, repo_dir, 1), 0);
    return repo;
}

/* Builds the sample repository (its commit ids in s) and reads it with o (NULL: the
 * defaults); returns the reader's result. */
static int read_sample(sample *s, pv_reader_opts *o)
{
    pv_reader_opts defaults = {0};
    git_repository_free(sample_repo(s));
    return run_reader(repo_dir, o ? o : &defaults);
}

/* ---- documents ------------------------------------------------------------------------- */

Test(git, documents_at_rev_then_deleted_files)
{
    static const char *const want[] = {".mailmap",    "LICENSE",  "README.md", "doc/guide.md",
                                       "docs/new.md", "src/a.c",  "src/co.c",  "src/spdx.c",
                                       "src/util.c",  "notes.txt"};
    sample s;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.docs.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < rec.docs.n; i++) {
        cr_expect_str_eq(rec.docs.v[i].locator, want[i]);
        cr_expect_str_eq(rec.docs.v[i].kind, "git");
    }
    cr_expect_eq(st.documents, rec.docs.n);
    cr_expect_eq(st.commits, 9);
    cr_expect_str_eq(rec.docs.source_kind, "git");
    cr_expect_str_eq(rec.docs.source_name, "widgets"); /* no remote: the folder's name */
    /* documents at REV point at it; the deleted notes.txt at the commit before its deletion;
     * docs/old.md, renamed without change, is not repeated */
    cr_expect_str_eq(doc_at("README.md")->commit, hex(&s.c7));
    cr_expect_str_eq(doc_at("notes.txt")->commit, hex(&s.c6));
    cr_expect_str_eq(doc_at("notes.txt")->text, NOTES);
    cr_expect_null(doc_at("docs/old.md"));
}

Test(git, licenses_dates_and_default_origins)
{
    sample s;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    cr_expect_str_eq(doc_at("README.md")->license, "MIT");
    cr_expect_str_eq(doc_at("src/spdx.c")->license, "Apache-2.0");
    cr_expect_str_eq(doc_at("notes.txt")->license, "MIT");
    /* the date and default origin are those of the commit that made this version */
    cr_expect_eq(doc_at("README.md")->date, T0 + 50 * 60);
    cr_expect_str_eq(doc_at("README.md")->name, "Bob");
    cr_expect_str_eq(doc_at("README.md")->origin_commit, hex(&s.c5));
    /* a.c went back to c1's content: the same blob, made by c1 */
    cr_expect_eq(doc_at("src/a.c")->date, T0);
    cr_expect_str_eq(doc_at("src/a.c")->origin_commit, hex(&s.c1));
    cr_expect_eq(doc_at("doc/guide.md")->date, T0 + 40 * 60);
    cr_expect_str_eq(doc_at("doc/guide.md")->name, "Alice");
    cr_expect_str_eq(doc_at("docs/new.md")->origin_commit, hex(&s.c1));
}

Test(git, license_noassertion_or_none)
{
    git_repository *repo = small_repo("lic");
    file f[2] = {
        {"COPYING.txt", "You may do what the author allows, nothing more.\n", 0},
        {"main.c", "int main(void) { return run_the_program(argument_count, vector); }\n", 0}};
    pv_reader_opts o = {0};
    git_oid c;

    c = commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "one\n", f, 2);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_str_eq(doc_at("main.c")->license, "NOASSERTION");
    commit_files(repo, "refs/heads/master", &c, 1, "A", "a@x.org", 1, "two\n", f + 1, 1);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_null(doc_at("main.c")->license);
    cr_expect_str_eq(rec.docs.source_name, "lic");
    git_repository_free(repo);
}

/* ---- origins --------------------------------------------------------------------------- */

Test(git, lines_credited_to_the_commit_that_wrote_them)
{
    sample s;
    const pv_test_doc *d;
    const rec_origin *x;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    d = doc_at("README.md");
    x = origin_of(d, "Widgets turns plain");
    cr_expect_str_eq(x->commit, hex(&s.c1));
    cr_expect_str_eq(x->name, "Alice");
    cr_expect_str_eq(x->email, "alice@example.com");
    cr_expect_eq(x->date, T0);
    x = origin_of(d, "Bob wrote this sentence");
    cr_expect_str_eq(x->commit, hex(&s.c5));
    cr_expect_str_eq(x->name, "Bob");
    cr_expect_eq(x->date, T0 + 50 * 60);
    cr_expect_eq(d->nruns, 2);
    /* a.c: alpha and beta are c1's, although gamma came and went in between */
    d = doc_at("src/a.c");
    cr_expect_eq(d->nruns, 1);
    cr_expect_str_eq(origin_of(d, "beta_flags")->commit, hex(&s.c1));
}

Test(git, moved_function_keeps_its_first_author_after_mailmap)
{
    static const char *const gamma_lines[] = {
        "int gamma_function", "gamma_adjusted =", "log_gamma_progress", "compute_gamma_series"};
    sample s;
    const pv_test_doc *d;
    const rec_origin *x;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    d = doc_at("src/util.c");
    /* gamma was written by "Bobby <bob@old.example>" in c2; the mailmap names him Bob */
    for (size_t i = 0; i < sizeof gamma_lines / sizeof gamma_lines[0]; i++) {
        x = origin_of(d, gamma_lines[i]);
        cr_expect_str_eq(x->commit, hex(&s.c2), "%s", gamma_lines[i]);
        cr_expect_str_eq(x->name, "Bob");
        cr_expect_str_eq(x->email, "bob@example.com");
    }
    /* the header and delta are Carol's, from the commit that moved gamma */
    x = origin_of(d, "helpers moved here");
    cr_expect_str_eq(x->commit, hex(&s.c4));
    cr_expect_str_eq(x->name, "Carol");
    cr_expect_str_eq(origin_of(d, "int delta_function")->commit, hex(&s.c4));
    cr_expect_str_eq(origin_of(d, "delta_helper_routine")->commit, hex(&s.c4));
    /* three runs: header, gamma (with the blank line after it), delta */
    cr_expect_eq(d->nruns, 3);
}

Test(git, merged_branch_text_keeps_the_branch_commit)
{
    sample s;
    const rec_origin *x;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    x = origin_of(doc_at("doc/guide.md"), "merge brings it");
    cr_expect_str_eq(x->commit, hex(&s.s1));
    cr_expect_str_eq(x->name, "Alice");
    /* the merge commit wrote nothing: it is never registered */
    for (size_t i = 0; i < rec.norigins; i++)
        cr_expect_str_neq(rec.origins[i].commit, hex(&s.m));
}

Test(git, coauthors_come_from_trailers)
{
    sample s;
    const rec_origin *x;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    x = origin_of(doc_at("src/co.c"), "paired_programming_bonus");
    cr_expect_str_eq(x->commit, hex(&s.c6));
    cr_expect_str_eq(x->name, "Bob");
    cr_assert_eq(x->nco, 1);
    cr_expect_str_eq(x->co_name[0], "Dave");
    cr_expect_str_eq(x->co_email[0], "dave@example.com");
    /* others have none */
    cr_expect_eq(origin_of(doc_at("README.md"), "Widgets turns")->nco, 0);
}

Test(git, deleted_and_short_files)
{
    sample s;
    const rec_origin *x;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    x = origin_of(doc_at("notes.txt"), "deletes this file");
    cr_expect_str_eq(x->commit, hex(&s.c3));
    cr_expect_str_eq(x->name, "Carol");
    /* the renamed file keeps c1 */
    cr_expect_str_eq(origin_of(doc_at("docs/new.md"), "word for word")->commit, hex(&s.c1));
    /* .mailmap has fewer than k tokens: the commit that brought the blob in */
    cr_expect_str_eq(origin_of(doc_at(".mailmap"), "Bobby")->commit, hex(&s.c1));
}

Test(git, origins_registered_once_and_only_when_used)
{
    sample s;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    /* used: c1, c2, c3, c4, s1, c5, c6, c7 (spdx.c); not the merge */
    cr_expect_eq(rec.norigins, 8);
    for (size_t i = 0; i < rec.norigins; i++)
        for (size_t j = 0; j < i; j++)
            cr_expect_str_neq(rec.origins[i].commit, rec.origins[j].commit);
}

/* A bare repository name (see small_repo) holding v1[0..n1) committed by Alice at T0, then
 * v2[0..n2) by Bob a minute later with the message msg2, their ids in c[0] and c[1]; reads it
 * with the default options and returns the reader's result. */
static int read_two_versions(const char *name, const file *v1, size_t n1, const file *v2, size_t n2,
                             const char *msg2, git_oid c[2])
{
    git_repository *repo = small_repo(name);
    pv_reader_opts o = {0};
    c[0] = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                        v1, n1);
    c[1] = commit_files(repo, "refs/heads/master", &c[0], 1, "Bob", "bob@example.com", 1, msg2, v2,
                        n2);
    git_repository_free(repo);
    return run_reader(repo_dir, &o);
}

/* A line of a document, and which of the two commits (1 or 2) must be credited for it. */
typedef struct line_credit {
    const char *fragment;
    int commit;
} line_credit;

/* Reads the two versions v1 and v2 of one file (read_two_versions, msg2) and checks that the
 * line of the document at v2's path holding want[i].fragment is credited to the commit
 * want[i].commit, for each i. Returns that document. */
static const pv_test_doc *expect_credits(const char *name, const file *v1, const file *v2,
                                         const char *msg2, const line_credit *want, size_t n)
{
    git_oid c[2];
    const pv_test_doc *d;
    cr_assert_eq(read_two_versions(name, v1, 1, v2, 1, msg2, c), 0, "%s", err.msg);
    d = doc_at(v2->path);
    cr_assert_not_null(d, "no document %s", v2->path);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(origin_of(d, want[i].fragment)->commit, hex(&c[want[i].commit - 1]), "%s",
                         want[i].fragment);
    return d;
}

Test(git, short_lines_keep_their_commit_when_their_neighbours_change)
{
    static const line_credit want[] = {
        {"gamma.h", 1}, {"beta.h", 1}, {"delta.h", 1}, {"new_one.h", 2}, {"new_two.h", 2}};
    file f1 = {"inc.h",
               "#include <alpha.h>\n#include <beta.h>\n#include <gamma.h>\n#include <delta.h>\n"
               "#include <epsilon.h>\n#include <zeta.h>\n",
               0};
    file f2 = {
        "inc.h",
        "#include <alpha.h>\n#include <beta.h>\n#include <new_one.h>\n#include <gamma.h>\n"
        "#include <new_two.h>\n#include <delta.h>\n#include <epsilon.h>\n#include <zeta.h>\n",
        0};
    const pv_test_doc *d;

    /* every k-gram around gamma.h is new in c2, but the line itself is c1's */
    d = expect_credits("includes.git", &f1, &f2, "2\n", want, sizeof want / sizeof want[0]);
    cr_expect_eq(d->nruns, 5);
}

Test(git, a_short_phrase_met_elsewhere_does_not_take_the_credit)
{
    file f[2] = {{"a.txt",
                  "Alice opens the file with her own words about rivers and boats.\n"
                  "Licensed under the terms of the license found in the file LICENSE\n"
                  "Alice closes the file with more words about mountains and lakes.\n",
                  0},
                 {"b.txt",
                  "Bob writes his first line about trains and the stations they stop at.\n"
                  "Licensed under the terms of the license found in the file LICENSE\n"
                  "Bob ends with a line about buses that never come on time at all.\n",
                  0}};
    git_oid c[2];

    cr_assert_eq(read_two_versions("phrase.git", f, 1, f, 2, "2\n", c), 0, "%s", err.msg);
    /* 12 tokens in common: fewer than 2k, a coincidence rather than a copy */
    cr_expect_str_eq(origin_of(doc_at("b.txt"), "Licensed under")->commit, hex(&c[1]));
    cr_expect_str_eq(origin_of(doc_at("a.txt"), "Licensed under")->commit, hex(&c[0]));
}

Test(git, renamed_and_edited_file_keeps_its_line_history)
{
    static const line_credit want[] = {{"damson", 1}, {"CHANGED", 2}, {"jackfruit", 1}};
    file f1 = {"old/fruit.txt",
               "apple banana cherry\ndamson elder fig\ngrape honeydew ice\n"
               "jackfruit kiwi lemon\nmango nectarine olive\npapaya quince raspberry\n"
               "strawberry tangerine ugli\nvanilla watermelon xigua\n",
               0};
    file f2 = {"new/fruit.txt",
               "apple banana cherry\ndamson elder fig\ngrape honeydew CHANGED\n"
               "jackfruit kiwi lemon\nmango nectarine olive\npapaya quince raspberry\n"
               "strawberry tangerine ugli\nvanilla watermelon xigua\n",
               0};

    expect_credits("rename.git", &f1, &f2, "mv\n", want, sizeof want / sizeof want[0]);
}

Test(git, merge_resolution_keeps_each_branch_lines)
{
    git_repository *repo = small_repo("merge.git");
    file base = {"m.txt",
                 "one two three\nfour five six\nseven eight nine\nten eleven twelve\n"
                 "thirteen fourteen\nfifteen sixteen\n",
                 0};
    file side = {"m.txt",
                 "one two three\nbob changed this\nseven eight nine\nten eleven twelve\n"
                 "thirteen fourteen\nfifteen sixteen\n",
                 0};
    file main = {"m.txt",
                 "one two three\nfour five six\nseven eight nine\nten eleven twelve\n"
                 "carol changed that\nfifteen sixteen\n",
                 0};
    file both = {"m.txt",
                 "one two three\nbob changed this\nseven eight nine\nten eleven twelve\n"
                 "carol changed that\nfifteen sixteen\n",
                 0};
    pv_reader_opts o = {0};
    git_oid c1, s1, c2, m;
    const pv_test_doc *d;

    c1 = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                      &base, 1);
    s1 =
        commit_files(repo, "refs/heads/side", &c1, 1, "Bob", "bob@example.com", 1, "s\n", &side, 1);
    c2 = commit_files(repo, "refs/heads/master", &c1, 1, "Carol", "carol@example.com", 2, "c\n",
                      &main, 1);
    {
        git_oid p[2] = {c2, s1};
        m = commit_files(repo, "refs/heads/master", p, 2, "Dave", "dave@example.com", 3, "merge\n",
                         &both, 1);
    }
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    d = doc_at("m.txt");
    cr_expect_str_eq(origin_of(d, "bob changed")->commit, hex(&s1));
    cr_expect_str_eq(origin_of(d, "carol changed")->commit, hex(&c2));
    cr_expect_str_eq(origin_of(d, "seven eight")->commit, hex(&c1));
    for (size_t i = 0; i < rec.norigins; i++)
        cr_expect_str_neq(rec.origins[i].commit, hex(&m));
    git_repository_free(repo);
}

/* ---- skips ----------------------------------------------------------------------------- */

Test(git, skips_binary_vendored_generated_minified_empty)
{
    sample s;

    cr_assert_eq(read_sample(&s, NULL), 0, "%s", err.msg);
    cr_expect_null(doc_at("logo.png"));
    cr_expect_null(doc_at("vendor/lib.c"));
    cr_expect_null(doc_at("gen/parser.c"));
    cr_expect_null(doc_at("web/app.min.js"));
    cr_expect_null(doc_at("src/empty.h"));
    cr_expect_eq(st.skipped_binary, 1);
    cr_expect_eq(st.skipped_vendored, 2);  /* vendor/lib.c, and app.min.js (minified) */
    cr_expect_eq(st.skipped_generated, 1); /* parser.c says so */
    cr_expect_eq(st.skipped_empty, 1);
    cr_expect_eq(st.skipped_excluded, 0);
    cr_expect_eq(st.skipped_large, 0);
    cr_expect_eq(st.skipped, 5);
    cr_expect_eq(st.bad, 0);
    /* unique blobs: 17 in all, each read or skipped */
    cr_expect_eq(st.records, 17);
}

Test(git, minified_by_long_lines_and_generated_by_their_first_lines)
{
    git_repository *repo = small_repo("rules.git");
    static char longjs[1300];
    file f[5] = {
        {"web/bundle.js", longjs, 0},
        {"web/app.js", "function add(a, b) { return a + b + widget_offset_value; }\n", 0},
        {"gen.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage widgets\n", 0},
        {"late.txt",
         "one\ntwo\nthree\nfour\nfive\nsix: this file was generated by hand, honestly\n", 0},
        {"Early.TXT", "line one\n# AUTOGENERATED, keep out\n", 0}};
    pv_reader_opts o = {0};

    memset(longjs, 'x', sizeof longjs - 2);
    memcpy(longjs, "var minified_widget_code = \"", 28);
    longjs[sizeof longjs - 2] = '\n';
    commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "1\n", f, 5);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_null(doc_at("web/bundle.js"));
    cr_expect_not_null(doc_at("web/app.js"));
    cr_expect_null(doc_at("gen.go"));
    cr_expect_not_null(doc_at("late.txt")); /* the marker is on line 6 */
    cr_expect_null(doc_at("Early.TXT"));
    cr_expect_eq(st.skipped_vendored, 1); /* minified */
    cr_expect_eq(st.skipped_generated, 2);
    cr_expect_eq(st.skipped, 3);
    cr_expect_eq(st.records, 5);
    git_repository_free(repo);
}

Test(git, gitattributes_mark_generated_and_vendored_files)
{
    git_repository *repo = small_repo("attrs.git");
    file f[4] = {
        {".gitattributes",
         "# generated files\ngen/*.c linguist-generated=true\n"
         "external/** linguist-vendored\ndocs/*.md -linguist-generated\n",
         0},
        {"gen/tables.c", "int generated_table[] = {first_entry, second_entry, third};\n", 0},
        {"external/lib/helper.c",
         "int helper_from_elsewhere(int value) { return value + helper_offset; }\n", 0},
        {"src/main.c", "int main(void) { return run_the_widget_program(argc, argv); }\n", 0}};
    const char *inc[] = {"^gen/"};
    pv_reader_opts o = {0};

    commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "1\n", f, 4);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_null(doc_at("gen/tables.c"));
    cr_expect_null(doc_at("external/lib/helper.c"));
    cr_expect_not_null(doc_at("src/main.c"));
    cr_expect_eq(st.skipped_generated, 1);
    cr_expect_eq(st.skipped_vendored, 1);
    /* an include pattern overrides what the attributes say */
    o.includes = inc;
    o.nincludes = 1;
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_not_null(doc_at("gen/tables.c"));
    cr_expect_eq(st.skipped_generated, 0);
    git_repository_free(repo);
}

Test(git, includes_override_rules_and_excludes_skip)
{
    sample s;
    const char *inc[] = {"^vendor/", "\\.min\\.js$"};
    const char *exc[] = {"^docs/", "^src/(co|util)\\.c$"};
    pv_reader_opts o = {0};

    o.includes = inc;
    o.nincludes = 2;
    o.excludes = exc;
    o.nexcludes = 2;
    cr_assert_eq(read_sample(&s, &o), 0, "%s", err.msg);
    cr_expect_not_null(doc_at("vendor/lib.c"));
    cr_expect_not_null(doc_at("web/app.min.js"));
    cr_expect_null(doc_at("docs/new.md"));
    cr_expect_null(doc_at("src/co.c"));
    cr_expect_null(doc_at("src/util.c"));
    cr_expect_not_null(doc_at("src/a.c"));
    /* docs/old.md and docs/new.md share one blob */
    cr_expect_eq(st.skipped_excluded, 3);
    cr_expect_eq(st.skipped_vendored, 0);
    cr_expect_eq(st.skipped_generated, 1);
}

Test(git, bad_pattern_is_an_error)
{
    sample s;
    const char *exc[] = {"(unclosed"};
    pv_reader_opts o = {0};

    o.excludes = exc;
    o.nexcludes = 1;
    cr_assert_eq(read_sample(&s, &o), PV_EINVAL);
    cr_expect(strstr(err.msg, "(unclosed") != NULL, "%s", err.msg);
}

Test(git, large_files_skipped)
{
    sample s;
    pv_reader_opts o = {0};

    o.max_doc_size = 150;
    cr_assert_eq(read_sample(&s, &o), 0, "%s", err.msg);
    cr_expect_null(doc_at("LICENSE"));
    cr_expect_null(doc_at("src/a.c"));
    cr_expect_null(doc_at("README.md"));
    cr_expect_not_null(doc_at("src/co.c"));
    /* over 150 bytes: LICENSE, both versions of a.c, util.c, the second README */
    cr_expect_eq(st.skipped_large, 5);
}

/* ---- walking options ------------------------------------------------------------------- */

Test(git, rev_and_all_refs)
{
    sample s;
    git_repository *repo = sample_repo(&s);
    pv_reader_opts o = {0};
    file f[1] = {
        {"feature.txt", "A feature that only lives on its own branch, never merged.\n", 0}};
    git_oid fc;

    /* --rev c4: no README line from Bob, notes.txt still there, no guide */
    o.rev = hex(&s.c4);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_eq(st.commits, 4);
    cr_expect_not_null(doc_at("notes.txt"));
    cr_expect_str_eq(doc_at("notes.txt")->commit, hex(&s.c4));
    cr_expect_null(doc_at("doc/guide.md"));
    cr_expect_str_eq(doc_at("src/a.c")->commit, hex(&s.c4));

    fc = commit_files(repo, "refs/heads/feature", &s.c1, 1, "Eve", "eve@example.com", 90,
                      "Feature\n", f, 1);
    o.rev = "side";
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_not_null(doc_at("doc/guide.md"));
    cr_expect_null(doc_at("feature.txt"));
    /* with every branch, the branch-only file is a document at its branch's tip */
    o.rev = NULL;
    o.all_refs = 1;
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_eq(st.commits, 10);
    cr_assert_not_null(doc_at("feature.txt"));
    cr_expect_str_eq(doc_at("feature.txt")->commit, hex(&fc));
    cr_expect_str_eq(origin_of(doc_at("feature.txt"), "never merged")->name, "Eve");
    git_repository_free(repo);
}

Test(git, origin_name_from_remote_url)
{
    static const char *const urls[][2] = {
        {"git@github.com:Example/Widgets.git", "https://github.com/Example/Widgets"},
        {"ssh://git@GitLab.com:2222/group/sub/proj.git/", "https://gitlab.com/group/sub/proj"},
        {"https://user@github.com/owner/name.git", "https://github.com/owner/name"},
        {"git://example.org/owner/name", "https://example.org/owner/name"},
        {"/srv/git/widgets.git", "/srv/git/widgets.git"},
    };
    sample s;
    git_repository *repo = sample_repo(&s);
    git_config *cfg = NULL;
    pv_reader_opts o = {0};

    /* git_remote_create would do, but leaks in libgit2 1.5.1 */
    cr_assert_eq(git_repository_config(&cfg, repo), 0);
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        cr_assert_eq(git_config_set_string(cfg, "remote.origin.url", urls[i][0]), 0);
        cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
        cr_expect_str_eq(rec.docs.source_name, urls[i][1]);
    }
    o.origin_name = "widgets-by-name";
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_str_eq(rec.docs.source_name, "widgets-by-name");
    git_config_free(cfg);
    git_repository_free(repo);
}

Test(git, partitions_give_the_same_runs)
{
    static recorder one; /* the first run's documents and origins */
    sample s;
    pv_reader_opts o = {0};
    int noted = 0;

    o.k = 3; /* many fingerprints for small documents */
    cr_assert_eq(read_sample(&s, &o), 0, "%s", err.msg);
    one = rec;    /* run_reader empties rec; what it copied stays kept */
    o.memory = 1; /* the smallest table: several passes */
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    for (size_t i = 0; i < rec.docs.ndiag && i < PV_TEST_NDIAG; i++)
        noted |= strstr(rec.docs.diag[i], "passes over the history") != NULL;
    cr_expect(noted, "no note about passes");
    cr_assert_eq(rec.docs.n, one.docs.n);
    cr_assert_eq(rec.norigins, one.norigins);
    for (size_t i = 0; i < one.docs.n; i++) {
        const pv_test_doc *a = &rec.docs.v[i], *b = &one.docs.v[i];
        cr_assert_eq(a->nruns, b->nruns, "%s", b->locator);
        for (size_t j = 0; j < b->nruns; j++) {
            cr_expect_eq(a->runs[j].start, b->runs[j].start);
            cr_expect_str_eq(rec.origins[a->runs[j].origin].commit,
                             one.origins[b->runs[j].origin].commit);
        }
    }
}

/* ---- errors ---------------------------------------------------------------------------- */

Test(git, missing_revision_names_the_repository)
{
    sample s;
    pv_reader_opts o = {0};
    char want[512];

    o.rev = "no-such-branch";
    cr_assert_eq(read_sample(&s, &o), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: cannot resolve revision 'no-such-branch': ", repo_dir);
    cr_expect(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    cr_expect_eq(rec.docs.n, 0);
}

Test(git, not_a_repository)
{
    pv_reader_opts o = {0};
    cr_assert_eq(run_reader(root, &o), PV_EIO);
    cr_expect(strstr(err.msg, root) != NULL && strstr(err.msg, "cannot open the repository"), "%s",
              err.msg);
}

/* Overwrites the loose object id with bytes that do not inflate. */
static void corrupt_object(const char *gitdir, const git_oid *id)
{
    static const char junk[] = "this is not a zlib stream at all";
    char path[512], h[GIT_OID_HEXSZ + 1];
    git_oid_tostr(h, sizeof h, id);
    snprintf(path, sizeof path, "%s/objects/%.2s/%s", gitdir, h, h + 2);
    cr_assert_eq(chmod(path, 0644), 0, "%s", path);
    pv_test_write_file(path, junk, sizeof junk - 1);
}

Test(git, corrupt_blob_is_reported_and_skipped_or_fatal_with_strict)
{
    git_repository *repo = small_repo("corrupt.git");
    file f[2] = {
        {"good.txt", "A good file with enough words to make several fingerprints here.\n", 0},
        {"bad.txt", "A file whose loose object will be damaged before it is read.\n", 0}};
    pv_reader_opts o = {0};
    git_oid bad_id;
    char want[512];

    commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "one\n", f, 2);
    cr_assert_eq(git_odb_hash(&bad_id, f[1].data, strlen(f[1].data), GIT_OBJECT_BLOB), 0);
    corrupt_object(repo_dir, &bad_id);

    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_eq(st.bad, 1);
    cr_expect_eq(rec.docs.n, 1);
    cr_expect_str_eq(rec.docs.v[0].locator, "good.txt");
    snprintf(want, sizeof want, "%s: cannot read blob %s: ", repo_dir, hex(&bad_id));
    cr_assert_eq(rec.docs.ndiag, 1);
    cr_expect(strncmp(rec.docs.diag[0], want, strlen(want)) == 0, "%s", rec.docs.diag[0]);

    o.strict = 1;
    cr_assert_eq(run_reader(repo_dir, &o), PV_EFORMAT);
    cr_expect(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    cr_expect_eq(rec.docs.n, 0);
    git_repository_free(repo);
}

Test(git, sink_error_stops_the_reader)
{
    sample s;

    fail_after = 2;
    cr_assert_eq(read_sample(&s, NULL), PV_EIO);
    cr_expect_eq(rec.docs.n, 2);
    cr_expect_eq(st.documents, 2);
}

/* ---- first writers: layout changes and edits ------------------------------------------ */

Test(git, regression_whitespace_only_edit_keeps_the_first_writer)
{
    static const line_credit want[] = {{"total_value =", 1},
                                       {"record_progress", 1},
                                       {"normalise_total", 1},
                                       {"def first_helper", 1},
                                       {"print(", 1}};
    file f1 = {"r.py",
               "def first_helper(alpha, beta):\n"
               "  total_value = alpha + beta * scale_factor\n"
               "  checked_value = validate_total(total_value, strict_mode)\n"
               "  logged_value = record_progress(checked_value, progress_log)\n"
               "  scaled_value = rescale_amount(logged_value, scale_divisor, rounding_mode)\n"
               "  stored_value = persist_result(scaled_value, storage_backend, retry_limit)\n"
               "  return normalise_total(stored_value, lower_bound, upper_bound)\n"
               "print(first_helper(one_value, two_value))\n",
               0};
    file f2 = {"r.py",
               "def first_helper(alpha, beta):\n"
               "    total_value = alpha + beta * scale_factor\n"
               "    checked_value = validate_total(total_value, strict_mode)\n"
               "    logged_value = record_progress(checked_value, progress_log)\n"
               "    scaled_value = rescale_amount(logged_value, scale_divisor, rounding_mode)\n"
               "    stored_value = persist_result(scaled_value, storage_backend, retry_limit)\n"
               "    return normalise_total(stored_value, lower_bound, upper_bound)\n"
               "print(first_helper(one_value, two_value))\n",
               0};
    const pv_test_doc *d;

    /* re-indenting writes nothing: every line stays Alice's (git blame would say Bob's) */
    d = expect_credits("reindent.git", &f1, &f2, "indent\n", want, sizeof want / sizeof want[0]);
    cr_expect_eq(d->nruns, 1);
}

Test(git, one_word_edits_are_credited_like_git_blame)
{
    static const line_credit want[] = {
        {"Autumn:", 2}, {"Barley:", 2}, {"Blue:", 2}, {"City:", 2}, {"Nothing else", 1}};
    file f1 = {"e.txt",
               "Spring: the river carries small boats past the old mill on every fine morning\n"
               "Flour: the miller counts the sacks that are stacked by the door of the mill\n"
               "Red: his daughter writes the numbers into a ledger bound in soft old leather\n"
               "Town: the merchants arrive in the afternoon from across the wide green valley\n"
               "Nothing else changes in this last line of the little story told here today\n",
               0};
    file f2 = {"e.txt",
               "Autumn: the river carries small boats past the old mill on every fine morning\n"
               "Barley: the miller counts the sacks that are stacked by the door of the mill\n"
               "Blue: his daughter writes the numbers into a ledger bound in soft old leather\n"
               "City: the merchants arrive in the afternoon from across the wide green valley\n"
               "Nothing else changes in this last line of the little story told here today\n",
               0};

    /* the first word changed on each of four lines: most of their tokens are covered by a k-gram
     * of c1, but git blame (and each line's newest token) says c2 */
    expect_credits("edits.git", &f1, &f2, "edit\n", want, sizeof want / sizeof want[0]);
}

Test(git, older_version_that_looks_generated_still_carries_its_lines_history)
{
    static const line_credit want[] = {{"try_exit", 1}, {"pop_lexer_state", 1}, {"#include", 2}};
    /* the first version says "generated by" in a comment about another file (as jq's lexer.l
     * did): it is not a document, but git blame still follows its lines */
    file f1 = {"lexer.l",
               "%{\n#include \"parser.h\"  /* Generated by bison. */\n%}\n"
               "static int try_exit(int closing_char, int lexer_state, void *scanner_handle)\n"
               "{\n    return pop_lexer_state(scanner_handle, closing_char, lexer_state);\n}\n",
               0};
    file f2 = {"lexer.l",
               "%{\n#include \"parser.h\"\n%}\n"
               "static int try_exit(int closing_char, int lexer_state, void *scanner_handle)\n"
               "{\n    return pop_lexer_state(scanner_handle, closing_char, lexer_state);\n}\n",
               0};

    expect_credits("lexer.git", &f1, &f2, "2\n", want, sizeof want / sizeof want[0]);
    /* the old version still counts as a skipped generated file */
    cr_expect_eq(st.skipped_generated, 1);
}

/* ---- file lineages --------------------------------------------------------------------- */

#define CHAIN_B                                                                                    \
    "int beta_function(const char *message_text, size_t message_length)\n"                         \
    "{\n"                                                                                          \
    "    return write_output_message(message_text, message_length, beta_flags);\n"                 \
    "}\n"
#define CHAIN_V1                                                                                   \
    "/* a.c - the first file */\n"                                                                 \
    "int alpha_function(int first_argument, int second_argument)\n"                                \
    "{\n"                                                                                          \
    "    return first_argument * second_argument + alpha_constant_value;\n"                        \
    "}\n"                                                                                          \
    "\n" CHAIN_B
#define CHAIN_V2                                                                                   \
    "/* a.c - the first file */\n"                                                                 \
    "int alpha_function(int first_argument, int second_argument)\n"                                \
    "{\n"                                                                                          \
    "    return first_argument * second_argument + bob_changed_this_value;\n"                      \
    "}\n"                                                                                          \
    "\n" CHAIN_B
#define CHAIN_V3 CHAIN_V2 "int carol_final_function(void) { return carol_final_value_for_tests; }\n"
#define NOTE_V1                                                                                    \
    "Notes on the widget lineage, written by Alice on the first day of the project,\n"             \
    "about the rivers and boats the widgets are named after, one line after another.\n"
#define NOTE_V2 NOTE_V1 "Bob added this closing line about trains before the notes went away.\n"

/* Commits of the chain repository. */
typedef struct chain {
    git_oid c1, c2, c3, c4;
} chain;

/*
 *   c1 Alice  a.c (v1), keep.txt, notes/x.txt
 *   c2 Bob    a.c -> c/a.c, edited (v2); notes/x.txt -> y/x.txt, a line added
 *   c3 Carol  c/a.c -> src/a.c, a function added (v3)
 *   c4 Dave   deletes y/x.txt; a new a.c (a new lineage at a path the first one left)
 */
static void build_chain(chain *c)
{
    static const char KEEP[] =
        "keep.txt stays where it is, a file of its own with its own words.\n";
    static const char NEW_A[] = "int unrelated_new_file(void) { return dave_wrote_this_one; }\n";
    git_repository *repo = small_repo("chain.git");
    file f1[] = {{"a.c", CHAIN_V1, 0}, {"keep.txt", KEEP, 0}, {"notes/x.txt", NOTE_V1, 0}};
    file f2[] = {{"c/a.c", CHAIN_V2, 0}, {"keep.txt", KEEP, 0}, {"y/x.txt", NOTE_V2, 0}};
    file f3[] = {{"keep.txt", KEEP, 0}, {"src/a.c", CHAIN_V3, 0}, {"y/x.txt", NOTE_V2, 0}};
    file f4[] = {{"a.c", NEW_A, 0}, {"keep.txt", KEEP, 0}, {"src/a.c", CHAIN_V3, 0}};

    c->c1 = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                         f1, 3);
    c->c2 = commit_files(repo, "refs/heads/master", &c->c1, 1, "Bob", "bob@example.com", 10, "2\n",
                         f2, 3);
    c->c3 = commit_files(repo, "refs/heads/master", &c->c2, 1, "Carol", "carol@example.com", 20,
                         "3\n", f3, 3);
    c->c4 = commit_files(repo, "refs/heads/master", &c->c3, 1, "Dave", "dave@example.com", 30,
                         "4\n", f4, 3);
    git_repository_free(repo);
}

Test(git, regression_renamed_and_edited_file_is_one_document_named_by_its_last_path)
{
    static const char *const want[] = {"a.c", "keep.txt", "src/a.c", "y/x.txt"};
    pv_reader_opts o = {0};
    const pv_test_doc *d;
    chain c;

    build_chain(&c);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.docs.n, 4);
    for (size_t i = 0; i < rec.docs.n; i++)
        cr_expect_str_eq(rec.docs.v[i].locator, want[i]);
    /* src/a.c carries its lines' history through a.c and c/a.c */
    d = doc_at("src/a.c");
    cr_expect_str_eq(d->commit, hex(&c.c4));
    cr_expect_str_eq(origin_of(d, "int alpha_function")->commit, hex(&c.c1));
    cr_expect_str_eq(origin_of(d, "beta_flags")->name, "Alice");
    cr_expect_str_eq(origin_of(d, "bob_changed_this_value")->commit, hex(&c.c2));
    cr_expect_str_eq(origin_of(d, "carol_final_function")->commit, hex(&c.c3));
    /* the deleted lineage is named by its last path, at the last commit that held it */
    d = doc_at("y/x.txt");
    cr_expect_str_eq(d->commit, hex(&c.c3));
    cr_expect_str_eq(origin_of(d, "rivers and boats")->commit, hex(&c.c1));
    cr_expect_str_eq(origin_of(d, "closing line about trains")->commit, hex(&c.c2));
    /* a.c re-created after its file moved away is a new lineage, Dave's */
    d = doc_at("a.c");
    cr_expect_str_eq(d->commit, hex(&c.c4));
    cr_expect_str_eq(origin_of(d, "unrelated_new_file")->commit, hex(&c.c4));
}

Test(git, regression_excerpt_of_a_renamed_file_names_its_last_path_once)
{
    static const char excerpt[] = CHAIN_V3;
    const char *idx = pv_test_path("chain.pvx");
    char src[512];
    const char *sources[1] = {src};
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_build_stats bst = {0};
    pv_index *ix = NULL;
    pv_result *res = NULL;
    size_t named = 0;
    chain c;

    build_chain(&c);
    snprintf(src, sizeof src, "git:%s", repo_dir);
    idx = pv_test_keep_str(idx);
    bo.jobs = 1;
    cr_assert_eq(pv_index_build(idx, sources, 1, &bo, &bst, &err), 0, "%s", err.msg);
    cr_assert_eq(bst.documents, 4);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, excerpt, sizeof excerpt - 1, &mo, &res, &err), 0, "%s", err.msg);
    cr_assert_gt(res->nspans, 0);
    for (size_t i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        size_t here = 0;
        for (size_t j = 0; j < sp->nsources; j++) {
            cr_expect_str_eq(sp->sources[j].locator, "src/a.c");
            here++;
        }
        for (size_t j = 0; j < sp->ncopies; j++)
            cr_expect_str_eq(sp->copies[j].locator, "src/a.c", "a copy under an old path");
        cr_expect_eq(sp->copies_total, 0);
        cr_expect_eq(here, 1, "span %zu names src/a.c %zu times", i, here);
        named += here;
    }
    cr_expect_gt(named, 0);
    {
        /* the row's commit holds src/a.c with those lines: git show COMMIT:src/a.c */
        const char *dirs[] = {repo_dir};
        char *q = strndup(excerpt, sizeof excerpt - 1);
        cr_expect_eq(pv_test_check_git_rows(res, q, bo.seed, dirs, 1), named);
        free(q);
    }
    pv_result_free(res);
    pv_index_free(ix);
}

/* The locator of the one document holding the blob of text, or "" when none does, "(n)"
 * when n > 1 do. */
static const char *blob_holder(const pv_index *ix, const char *text)
{
    static char many[16];
    git_oid id;
    uint32_t docs[4];
    pv_doc_view v;
    size_t n;
    cr_assert_eq(git_odb_hash(&id, text, strlen(text), GIT_OBJECT_BLOB), 0);
    n = pv_index__blob_docs(ix, id.id, docs, 4);
    if (n != 1) {
        snprintf(many, sizeof many, n ? "(%zu)" : "", n);
        return many;
    }
    pv_index__doc(ix, docs[0], &v);
    return v.locator;
}

Test(git, every_version_of_a_lineage_is_known_by_its_blob_id)
{
    static const char NEW_A[] = "int unrelated_new_file(void) { return dave_wrote_this_one; }\n";
    static const char KEEP[] =
        "keep.txt stays where it is, a file of its own with its own words.\n";
    const char *idx = pv_test_keep_str(pv_test_path("blobs.pvx"));
    char src[512];
    const char *sources[1] = {src};
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_build_stats bst = {0};
    pv_index *ix = NULL;
    chain c;

    build_chain(&c);
    snprintf(src, sizeof src, "git:%s", repo_dir);
    bo.jobs = 1;
    cr_assert_eq(pv_index_build(idx, sources, 1, &bo, &bst, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    /* the version at HEAD and every version it replaced, across renames, name the lineage */
    cr_expect_str_eq(blob_holder(ix, CHAIN_V3), "src/a.c");
    cr_expect_str_eq(blob_holder(ix, CHAIN_V2), "src/a.c");
    cr_expect_str_eq(blob_holder(ix, CHAIN_V1), "src/a.c");
    cr_expect_str_eq(blob_holder(ix, NEW_A), "a.c");
    cr_expect_str_eq(blob_holder(ix, KEEP), "keep.txt");
    /* a deleted lineage keeps its versions too */
    cr_expect_str_eq(blob_holder(ix, NOTE_V2), "y/x.txt");
    cr_expect_str_eq(blob_holder(ix, NOTE_V1), "y/x.txt");
    /* a blob the repository never held, and a version with one byte more */
    cr_expect_str_eq(blob_holder(ix, "int never_committed(void);\n"), "");
    cr_expect_str_eq(blob_holder(ix, CHAIN_V3 "\n"), "");
    pv_index_free(ix);
}

/* ---- layout changes and ignore-revs ---------------------------------------------------- */

#define LAY_V1                                                                                     \
    "def load_settings(path, defaults):\n"                                                         \
    "    raw_text = read_whole_file(path, encoding='utf-8')\n"                                     \
    "    parsed_settings = parse_settings_text(raw_text, strict_parsing)\n"                        \
    "    merged_settings = merge_with_defaults(parsed_settings, defaults)\n"                       \
    "    return validate_settings(merged_settings, schema_version, allow_unknown_keys)\n"          \
    "\n"                                                                                           \
    "def save_settings(path, settings):\n"                                                         \
    "    write_whole_file(path, render_settings(settings), backup_old_copy)\n"
/* Bob re-indents with tabs (a formatter nobody listed) */
#define LAY_V2                                                                                     \
    "def load_settings(path, defaults):\n"                                                         \
    "\traw_text = read_whole_file(path, encoding='utf-8')\n"                                       \
    "\tparsed_settings = parse_settings_text(raw_text, strict_parsing)\n"                          \
    "\tmerged_settings = merge_with_defaults(parsed_settings, defaults)\n"                         \
    "\treturn validate_settings(merged_settings, schema_version, allow_unknown_keys)\n"            \
    "\n"                                                                                           \
    "def save_settings(path, settings):\n"                                                         \
    "\twrite_whole_file(path, render_settings(settings), backup_old_copy)\n"
/* Carol re-wraps: a line split in two, two lines joined, quotes changed */
#define LAY_TOP                                                                                    \
    "def load_settings(path, defaults):\n"                                                         \
    "\traw_text = read_whole_file(path,\n"                                                         \
    "\t\tencoding=\"utf-8\")\n"                                                                    \
    "\tparsed_settings = parse_settings_text(raw_text, strict_parsing); merged_settings = "        \
    "merge_with_defaults(parsed_settings, defaults)\n"                                             \
    "\treturn validate_settings(merged_settings, schema_version, allow_unknown_keys)\n"            \
    "\n"                                                                                           \
    "def save_settings(path, settings):\n"
#define LAY_V3 LAY_TOP "\twrite_whole_file(path, render_settings(settings), backup_old_copy)\n"
/* Dave really changes one line */
#define LAY_V4                                                                                     \
    LAY_TOP "\twrite_whole_file(path, render_settings(settings, dave_pretty_printer), "            \
            "backup_old_copy)\n"

/* The first writer of a line is the first commit that added its text, layout aside
 * (DESIGN.md): Bob's re-indent changes no line's whitespace-free text, so every line keeps
 * Alice; Carol's split, join and quote change make new text (lines nobody wrote before), which
 * is hers, as the first-writer measure of make bench counts it; the lines she left alone keep
 * Alice although she re-wrapped their neighbours. */
Test(git, regression_reindenting_keeps_the_first_writer_rewrapping_writes_new_lines)
{
    static const char *const alice[] = {"def load_settings", "validate_settings",
                                        "def save_settings"};
    static const char *const carol[] = {"raw_text =", "encoding=", "parsed_settings ="};
    git_repository *repo = small_repo("layout.git");
    file f1 = {"settings.py", LAY_V1, 0}, f2 = {"settings.py", LAY_V2, 0},
         f3 = {"settings.py", LAY_V3, 0}, f4 = {"settings.py", LAY_V4, 0};
    pv_reader_opts o = {0};
    const pv_test_doc *d;
    git_oid c[4];

    c[0] = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                        &f1, 1);
    c[1] = commit_files(repo, "refs/heads/master", &c[0], 1, "Bob", "bob@example.com", 10,
                        "Reindent\n", &f2, 1);
    c[2] = commit_files(repo, "refs/heads/master", &c[1], 1, "Carol", "carol@example.com", 20,
                        "Rewrap\n", &f3, 1);
    c[3] = commit_files(repo, "refs/heads/master", &c[2], 1, "Dave", "dave@example.com", 30,
                        "Pretty printer\n", &f4, 1);
    git_repository_free(repo);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    d = doc_at("settings.py");
    cr_assert_not_null(d);
    for (size_t i = 0; i < sizeof alice / sizeof alice[0]; i++) {
        cr_expect_str_eq(origin_of(d, alice[i])->commit, hex(&c[0]), "%s", alice[i]);
        cr_expect_str_eq(origin_of(d, alice[i])->name, "Alice");
    }
    for (size_t i = 0; i < sizeof carol / sizeof carol[0]; i++) {
        cr_expect_str_eq(origin_of(d, carol[i])->commit, hex(&c[2]), "%s", carol[i]);
        cr_expect_str_eq(origin_of(d, carol[i])->name, "Carol");
    }
    cr_expect_str_eq(origin_of(d, "dave_pretty_printer")->commit, hex(&c[3]));
    cr_expect_str_eq(origin_of(d, "dave_pretty_printer")->name, "Dave");
    /* the re-indenting commit is never an origin */
    for (size_t i = 0; i < rec.norigins; i++)
        cr_expect_str_neq(rec.origins[i].commit, hex(&c[1]));
    cr_expect_eq(st.ignored_commits, 0);
}

#define FMT_V1                                                                                     \
    "static int count_widgets(const struct shelf *shelf_pointer, int widget_kind)\n"               \
    "{\n"                                                                                          \
    "  int widget_counter = 0;\n"                                                                  \
    "  for (size_t slot_index = 0; slot_index < shelf_pointer->slot_count; slot_index++)\n"        \
    "    widget_counter += shelf_pointer->slots[slot_index].kind == widget_kind;\n"                \
    "  return widget_counter;\n"                                                                   \
    "}\n"
/* the formatting commit: re-indented, a variable renamed on two lines, a comment added */
#define FMT_V2                                                                                     \
    "static int count_widgets(const struct shelf *shelf_pointer, int widget_kind)\n"               \
    "{\n"                                                                                          \
    "    /* formatted by the house style tool */\n"                                                \
    "    int widget_total = 0;\n"                                                                  \
    "    for (size_t slot_index = 0; slot_index < shelf_pointer->slot_count; slot_index++)\n"      \
    "        widget_total += shelf_pointer->slots[slot_index].kind == widget_kind;\n"              \
    "    return widget_counter;\n"                                                                 \
    "}\n"

/* A bare repository "name": FMT_V1 by Alice, then FMT_V2 by Bob (the formatting commit), then
 * (with listed) Carol adds a .git-blame-ignore-revs naming Bob's commit; ids in c[0..3). */
static void build_formatted(const char *name, int listed, git_oid c[3])
{
    git_repository *repo = small_repo(name);
    file f[2] = {{"count.c", FMT_V1, 0}, {".git-blame-ignore-revs", NULL, 0}};
    char list[512];

    c[0] = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                        f, 1);
    f[0].data = FMT_V2;
    c[1] = commit_files(repo, "refs/heads/master", &c[0], 1, "Bob", "bob@example.com", 10,
                        "Format\n", f, 1);
    c[2] = c[1];
    if (listed) {
        /* a comment, a blank line, the commit (indented, with a trailing comment), and a name
         * that is no commit of this repository (noted, skipped) */
        snprintf(list, sizeof list,
                 "# formatting commits\n\n  %s  # house style\n"
                 "0123456789012345678901234567890123456789\n",
                 hex(&c[1]));
        f[1].data = list;
        c[2] = commit_files(repo, "refs/heads/master", &c[1], 1, "Carol", "carol@example.com", 20,
                            "Ignore the formatting commit\n", f, 2);
    }
    git_repository_free(repo);
}

/* Every line of count.c is Alice's: the listed commit wrote nothing. */
static void expect_all_alice(const git_oid c[3])
{
    static const char *const lines[] = {"count_widgets", "formatted by",    "widget_total = 0",
                                        "for (size_t",   "widget_total +=", "return widget"};
    const pv_test_doc *d = doc_at("count.c");
    cr_assert_not_null(d);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        cr_expect_str_eq(origin_of(d, lines[i])->commit, hex(&c[0]), "%s", lines[i]);
    cr_expect_eq(d->nruns, 1);
    for (size_t i = 0; i < rec.norigins; i++)
        cr_expect_str_neq(rec.origins[i].commit, hex(&c[1]));
    cr_expect_eq(st.ignored_commits, 1);
}

Test(git, regression_commits_in_git_blame_ignore_revs_never_take_credit)
{
    pv_reader_opts o = {0};
    git_oid c[3];
    char at[GIT_OID_HEXSZ + 1];

    build_formatted("ignored.git", 1, c);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    expect_all_alice(c);
    cr_expect_eq(rec.docs.ndiag, 1);
    cr_expect(strstr(rec.docs.diag[0], "'0123456789012345678901234567890123456789' is not a "
                                       "commit here: not ignored") != NULL,
              "%s", rec.docs.diag[0]);
    /* at Bob's commit there is no list yet: the renamed lines and the comment are his */
    o.rev = strcpy(at, hex(&c[1]));
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_expect_str_eq(origin_of(doc_at("count.c"), "widget_total +=")->commit, hex(&c[1]));
    cr_expect_str_eq(origin_of(doc_at("count.c"), "formatted by")->commit, hex(&c[1]));
    cr_expect_str_eq(origin_of(doc_at("count.c"), "for (size_t")->commit, hex(&c[0]));
    cr_expect_eq(st.ignored_commits, 0);
}

Test(git, ignore_rev_and_ignore_revs_file_options)
{
    pv_reader_opts o = {0};
    const char *list;
    const char *revs[1];
    char name[GIT_OID_HEXSZ + 8], text[256];
    git_oid c[3];

    build_formatted("options.git", 0, c);
    snprintf(name, sizeof name, "%s", hex(&c[1]));
    revs[0] = name;
    o.ignore_revs = revs;
    o.nignore_revs = 1;
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    expect_all_alice(c);
    /* a revision expression works as well */
    snprintf(name, sizeof name, "master");
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    expect_all_alice(c);
    /* the file form */
    o.nignore_revs = 0;
    snprintf(text, sizeof text, "# mine\r\n%s\r\n", hex(&c[1]));
    list = pv_test_keep_str(pv_test_put_str("ignore-list", text));
    o.ignore_revs_file = list;
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    expect_all_alice(c);
}

Test(git, bad_ignore_revs_file_is_a_usage_error)
{
    pv_reader_opts o = {0};
    const char *list;
    char want[600];
    git_oid c[3];

    build_formatted("badlist.git", 0, c);
    list = pv_test_keep_str(pv_test_put_str("bad-list", "# ok so far\nHEAD~1\n"));
    o.ignore_revs_file = list;
    cr_assert_eq(run_reader(repo_dir, &o), PV_EINVAL);
    snprintf(want, sizeof want, "%s:2: not a full object name: 'HEAD~1'", list);
    cr_expect_str_eq(err.msg, want);
    cr_expect_eq(rec.docs.n, 0);
    list = pv_test_keep_str(pv_test_path("no-such-list"));
    o.ignore_revs_file = list;
    cr_assert_eq(run_reader(repo_dir, &o), PV_EINVAL);
    snprintf(want, sizeof want, "cannot read ignore-revs file '%s': No such file or directory",
             list);
    cr_expect_str_eq(err.msg, want);
}

Test(git, a_file_renamed_on_a_branch_and_edited_on_both_sides_is_one_document)
{
    static const char BASE[] = "one apple two apples three apples for the basket of Alice\n"
                               "four pears five pears six pears in the basket of Alice too\n"
                               "seven plums eight plums nine plums in the last basket of Alice\n";
    static const char SIDE[] = "one apple two apples three apples for the basket of Alice\n"
                               "four pears five pears six pears in the basket of Alice too\n"
                               "seven plums eight plums nine plums in the last basket of Alice\n"
                               "Bob renamed the file on his branch and wrote this line there\n";
    static const char MAIN[] = "Carol wrote this first line on the main line meanwhile\n"
                               "one apple two apples three apples for the basket of Alice\n"
                               "four pears five pears six pears in the basket of Alice too\n"
                               "seven plums eight plums nine plums in the last basket of Alice\n";
    static const char BOTH[] = "Carol wrote this first line on the main line meanwhile\n"
                               "one apple two apples three apples for the basket of Alice\n"
                               "four pears five pears six pears in the basket of Alice too\n"
                               "seven plums eight plums nine plums in the last basket of Alice\n"
                               "Bob renamed the file on his branch and wrote this line there\n";
    git_repository *repo = small_repo("branchmove.git");
    file f1 = {"fruit.txt", BASE, 0}, fs = {"basket/fruit.txt", SIDE, 0},
         fm = {"fruit.txt", MAIN, 0}, fb = {"basket/fruit.txt", BOTH, 0};
    pv_reader_opts o = {0};
    const pv_test_doc *d;
    git_oid c1, s1, c2, m;

    c1 = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                      &f1, 1);
    s1 =
        commit_files(repo, "refs/heads/side", &c1, 1, "Bob", "bob@example.com", 10, "mv\n", &fs, 1);
    c2 = commit_files(repo, "refs/heads/master", &c1, 1, "Carol", "carol@example.com", 20, "2\n",
                      &fm, 1);
    {
        git_oid p[2] = {c2, s1};
        m = commit_files(repo, "refs/heads/master", p, 2, "Dave", "dave@example.com", 30,
                         "Merge side\n", &fb, 1);
    }
    git_repository_free(repo);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.docs.n, 1);
    d = doc_at("basket/fruit.txt");
    cr_assert_not_null(d);
    cr_expect_str_eq(d->commit, hex(&m));
    cr_expect_str_eq(origin_of(d, "three apples")->commit, hex(&c1));
    cr_expect_str_eq(origin_of(d, "last basket")->commit, hex(&c1));
    cr_expect_str_eq(origin_of(d, "Bob renamed")->commit, hex(&s1));
    cr_expect_str_eq(origin_of(d, "Carol wrote")->commit, hex(&c2));
}

Test(git, exact_renames_are_followed_whatever_their_number)
{
    enum { NFILES = 1100 }; /* beyond libgit2's rename limit (1000) */
    git_repository *repo = small_repo("manymoves.git");
    static file f[NFILES];
    static char names[NFILES][32], texts[NFILES][96];
    pv_reader_opts o = {0};
    git_oid c1, c2;

    for (size_t i = 0; i < NFILES; i++) {
        snprintf(names[i], sizeof names[i], "old/f%04zu.txt", i);
        snprintf(texts[i], sizeof texts[i],
                 "file number %zu holds words of its own: w%zu x%zu y%zu\n", i, i * 7, i * 13,
                 i * 29);
        f[i] = (file){names[i], texts[i], 0};
    }
    c1 = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n", f,
                      NFILES);
    for (size_t i = 0; i < NFILES; i++)
        memcpy(names[i], "src", 3); /* old/ -> src/ */
    c2 = commit_files(repo, "refs/heads/master", &c1, 1, "Bob", "bob@example.com", 10, "mv\n", f,
                      NFILES);
    git_repository_free(repo);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.docs.n, NFILES);
    for (size_t i = 0; i < rec.docs.n; i++)
        cr_assert(strncmp(rec.docs.v[i].locator, "src/", 4) == 0, "%s", rec.docs.v[i].locator);
    cr_expect_str_eq(origin_of(doc_at("src/f0042.txt"), "holds words")->commit, hex(&c1));
    cr_expect_str_eq(doc_at("src/f0042.txt")->commit, hex(&c2));
}

/* A distinctive line (12 non-whitespace bytes or more, one line of the files at REV) goes to
 * its first writer wherever that commit wrote it: Alice wrote the retry line in net.c, Bob
 * deleted the file, Carol wrote it again, alone, in a new file (too short a stretch for the
 * k-gram copy rule): it is Alice's. A line met twice at REV (no single first writer) and a
 * short line keep their line history, although Alice wrote them first too: Carol's. */
Test(git, regression_a_distinctive_line_goes_to_its_first_writer)
{
    git_repository *repo = small_repo("first_writer.git");
    file a = {"net.c",
              "int connect_to_server(void)\n{\n    retry_with_backoff(socket_fd, 5);\n"
              "    open_the_log(log_fd);\n    x = 1;\n}\n",
              0};
    file gone = {"README", "Nothing here yet about the network code at all.\n", 0};
    file b[] = {{"client.c",
                 "void start(void)\n{\n    retry_with_backoff(socket_fd, 5);\n"
                 "    open_the_log(log_fd);\n    x = 1;\n}\n"
                 "void again(void)\n{\n    open_the_log(log_fd);\n}\n",
                 0},
                {"README", "Nothing here yet about the network code at all.\n", 0}};
    pv_reader_opts o = {0};
    const pv_test_doc *d;
    git_oid c[3];

    c[0] = commit_files(repo, "refs/heads/master", NULL, 0, "Alice", "alice@example.com", 0, "1\n",
                        &a, 1);
    c[1] = commit_files(repo, "refs/heads/master", &c[0], 1, "Bob", "bob@example.com", 10,
                        "Remove net.c\n", &gone, 1);
    c[2] = commit_files(repo, "refs/heads/master", &c[1], 1, "Carol", "carol@example.com", 20,
                        "Client\n", b, 2);
    git_repository_free(repo);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    d = doc_at("client.c");
    cr_assert_not_null(d);
    cr_expect_str_eq(origin_of(d, "retry_with_backoff")->commit, hex(&c[0]));
    cr_expect_str_eq(origin_of(d, "retry_with_backoff")->name, "Alice");
    cr_expect_str_eq(origin_of(d, "void start")->name, "Carol");
    cr_expect_str_eq(origin_of(d, "open_the_log")->name, "Carol");
    cr_expect_str_eq(origin_of(d, "x = 1")->name, "Carol");
}

/* Every reader counts a bad record the same way, strict or not (pv_source__bad). */
Test(git, regression_strict_counts_the_bad_object)
{
    git_repository *repo = small_repo("strict-count.git");
    file f[2] = {
        {"good.txt", "A good file with enough words to make several fingerprints here.\n", 0},
        {"bad.txt", "A file whose loose object will be damaged before it is read.\n", 0}};
    pv_reader_opts o = {0};
    git_oid bad_id;

    commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "one\n", f, 2);
    cr_assert_eq(git_odb_hash(&bad_id, f[1].data, strlen(f[1].data), GIT_OBJECT_BLOB), 0);
    corrupt_object(repo_dir, &bad_id);
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    o.strict = 1;
    cr_assert_eq(run_reader(repo_dir, &o), PV_EFORMAT);
    cr_assert_eq(st.bad, 1, "strict counted %llu bad objects", (unsigned long long)st.bad);
    git_repository_free(repo);
}

/* Every skipped file is named with its reason, as a note (-v). */
Test(git, regression_skipped_files_are_named)
{
    git_repository *repo = small_repo("skipped-named.git");
    static const char bin[] = "GIF89a\0\0\0binary\0bytes";
    char big[400];
    file f[3] = {{"good.txt", "A good file with enough words to make several fingerprints.\n", 0},
                 {"image.gif", bin, sizeof bin - 1},
                 {"big.txt", big, 0}};
    pv_reader_opts o = {0};
    size_t i;
    int binary = 0, large = 0;

    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (i = 10; i < sizeof big - 1; i += 10)
        big[i] = ' ';
    commit_files(repo, "refs/heads/master", NULL, 0, "A", "a@x.org", 0, "one\n", f, 3);
    o.max_doc_size = 300;
    cr_assert_eq(run_reader(repo_dir, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.docs.n, 1);
    cr_assert_eq(st.skipped_binary, 1);
    cr_assert_eq(st.skipped_large, 1);
    for (i = 0; i < rec.docs.ndiag; i++) {
        binary += strstr(rec.docs.diag[i], ": image.gif: skipped: binary") != NULL;
        large +=
            strstr(rec.docs.diag[i], ": big.txt: skipped: larger than --max-file-size") != NULL;
    }
    cr_assert_eq(binary, 1, "no note names image.gif (%zu diagnostics)", rec.docs.ndiag);
    cr_assert_eq(large, 1, "no note names big.txt (%zu diagnostics)", rec.docs.ndiag);
    git_repository_free(repo);
}

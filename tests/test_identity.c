/*
 * test_identity.c - one person, one payee (common/identity.c and the build's author
 * table): identities merged by the same email, by an aliases file and by .mailmap, on git
 * repositories and datasets each test builds, indexed with pv_index_build and matched with
 * pv_match_run; the aliases file's syntax errors, through the library and the CLI.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

#include "build_int.h"
#include "provscan.h"
#include "util.h"

extern char **environ;

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("pv_ident_");
    git_libgit2_init();
}

static void teardown(void)
{
    pv_test_done();
    git_libgit2_shutdown();
}

TestSuite(identity, .init = setup, .fini = teardown);

/* ---- text written by different people (each longer than k + w - 1 = 25 tokens) -------- */

static const char P1[] =
    "The lighthouse keeper counted every ship that passed the northern reef at night,\n"
    "writing their names in a ledger bound with cracked leather and brass corners.\n";
static const char P2[] =
    "Copper kettles hung above the bakery ovens where apprentices learned to fold\n"
    "dough seven times before dawn while the master baker hummed old harbour songs.\n";
static const char P3[] =
    "Migrating cranes rest on the frozen marsh for three days each spring, and the\n"
    "village children climb the watchtower to count them through borrowed binoculars.\n";
static const char P4[] =
    "An orchard of forty pear trees grew behind the abandoned railway station, tended\n"
    "by a retired signalman who grafted new varieties onto every crooked branch.\n";

/* ---- git repositories ------------------------------------------------------------------ */

#define T0 ((git_time_t)1500000000)

typedef struct file {
    const char *path; /* at the top of the tree */
    const char *data;
} file;

/* Commits the complete (flat) file set files[0..n) on top of HEAD (if any) as "name <email>"
 * at T0 + minutes, with message msg. */
static void commit(git_repository *repo, const char *name, const char *email, int minutes,
                   const char *msg, const file *files, size_t n)
{
    git_treebuilder *tb = NULL;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    git_commit *parent = NULL;
    git_oid blob, tree_id, id, head;
    const git_commit *parents[1];

    cr_assert_eq(git_treebuilder_new(&tb, repo, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(git_blob_create_from_buffer(&blob, repo, files[i].data, strlen(files[i].data)),
                     0);
        cr_assert_eq(git_treebuilder_insert(NULL, tb, files[i].path, &blob, GIT_FILEMODE_BLOB), 0);
    }
    cr_assert_eq(git_treebuilder_write(&tree_id, tb), 0);
    cr_assert_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
    cr_assert_eq(git_signature_new(&sig, name, email, T0 + minutes * 60, 0), 0);
    if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
        cr_assert_eq(git_commit_lookup(&parent, repo, &head), 0);
    parents[0] = parent;
    cr_assert_eq(
        git_commit_create(&id, repo, "HEAD", sig, sig, NULL, msg, tree, parent ? 1 : 0, parents), 0,
        "%s", git_error_last()->message);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_treebuilder_free(tb);
}

/* A new repository in the test folder at rel; returns its path (a kept copy). */
static const char *new_repo(const char *rel, git_repository **repo)
{
    const char *path = pv_test_keep_str(pv_test_path(rel));
    cr_assert_eq(git_repository_init(repo, path, 0), 0);
    return path;
}

/* One person writes one more file per commit: the files of the earlier commits stay. */
typedef struct step {
    const char *name, *email;
    const char *path, *data;
    const char *msg; /* NULL: "add PATH" */
} step;

static const char *repo_of(const char *rel, const step *steps, size_t n)
{
    git_repository *repo = NULL;
    const char *path = new_repo(rel, &repo);
    file files[16];
    char msg[128];
    cr_assert_leq(n, 16);
    for (size_t i = 0; i < n; i++) {
        files[i].path = steps[i].path;
        files[i].data = steps[i].data;
        snprintf(msg, sizeof msg, "add %s\n", steps[i].path);
        commit(repo, steps[i].name, steps[i].email, (int)i + 1, steps[i].msg ? steps[i].msg : msg,
               files, i + 1);
    }
    git_repository_free(repo);
    return path;
}

/* ---- building and matching ------------------------------------------------------------- */

/* Builds an index of the sources at rel with aliases (or NULL) and jobs workers; returns the
 * open index. */
static pv_index *build(const char *rel, const char *const *sources, size_t n, const char *aliases,
                       unsigned jobs)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    pv_index *ix = NULL;
    const char *out = pv_test_keep_str(pv_test_path(rel));
    o.jobs = jobs;
    o.aliases = aliases;
    cr_assert_eq(pv_index_build(out, sources, n, &o, NULL, &err), 0, "build: %s", err.msg);
    cr_assert_eq(pv_index_open(&ix, out, &err), 0, "open: %s", err.msg);
    return ix;
}

static pv_index *build1(const char *source, const char *aliases)
{
    const char *src[] = {source};
    return build("ix.pvx", src, 1, aliases, 2);
}

static pv_result *match(const pv_index *ix, const char *text)
{
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_match_run(ix, text, strlen(text), &mo, &res, &err), 0, "match: %s", err.msg);
    return res;
}

static char *cat(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = b ? strlen(b) : 0, nc = c ? strlen(c) : 0;
    char *s = pv_test_keep(malloc(na + nb + nc + 1));
    memcpy(s, a, na);
    memcpy(s + na, b ? b : "", nb);
    memcpy(s + na + nb, c ? c : "", nc + 1);
    return s;
}

/* p with its line ends made spaces (a JSON string needs no other escape here). */
static const char *one_line(const char *p)
{
    char *s = pv_test_keep_str(p);
    for (char *c = s; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return s;
}

static uint64_t authors_in(const pv_index *ix)
{
    pv_index_info info;
    pv_index_get_info(ix, &info);
    return info.authors;
}

/* Asserts author i of the result: name, email (NULL for none) and tokens. */
static void expect_author(const pv_result *res, size_t i, const char *name, const char *email,
                          double tokens)
{
    cr_assert_lt(i, res->nauthors);
    cr_expect_str_eq(res->authors[i].name, name);
    if (email)
        cr_expect_str_eq(res->authors[i].email, email);
    else
        cr_expect_null(res->authors[i].email, "email %s", res->authors[i].email);
    cr_expect_float_eq(res->authors[i].tokens, tokens, 1e-9, "%s: %f tokens, want %f", name,
                       res->authors[i].tokens, tokens);
}

/* Indexes a repository of steps (with aliases, or NULL) and matches query, all of whose tokens
 * must be credited to one person, the only one in the index: name, email. */
static void expect_one_person(const step *steps, size_t n, const char *aliases, const char *query,
                              const char *name, const char *email, double tokens)
{
    pv_index *ix = build1(repo_of("r", steps, n), aliases);
    pv_result *res = match(ix, query);
    cr_expect_eq(res->matched_tokens, (uint32_t)tokens);
    cr_assert_eq(res->nauthors, 1);
    expect_author(res, 0, name, email, tokens);
    cr_expect_float_eq(res->authors[0].share, 1.0, 1e-9);
    /* the identities merged away are not in AUTH */
    cr_expect_eq(authors_in(ix), 1);
    pv_result_free(res);
    pv_index_free(ix);
}

/* Tokens of P1..P4 (the tokenizer's words: none of them is split or joined). */
#define TOK_P1 26
#define TOK_P2 25
#define TOK_P3 25
#define TOK_P4 25

/* ---- the same email ---------------------------------------------------------------------- */

/* Before: "unknown <e@x>" and "Edward G <e@x>" were two payees of one person. */
Test(identity, regression_same_email_under_two_names_is_one_payee)
{
    const step steps[] = {
        {"unknown", "ed@example.org", "a.txt", P1, NULL},
        {"Edward G", "ed@example.org", "b.txt", P2, NULL},
        {"Edward G", "ed@example.org", "c.txt", P3, NULL},
    };
    expect_one_person(steps, 3, NULL, cat(P1, P2, NULL), "Edward G", "ed@example.org",
                      TOK_P1 + TOK_P2);
}

Test(identity, unknown_as_a_name_is_shown_only_when_there_is_no_other)
{
    const step steps[] = {
        {"unknown", "ed@example.org", "a.txt", P1, NULL},
        {"unknown", "ed@example.org", "b.txt", P2, NULL},
        {"UNKNOWN", "ed@example.org", "c.txt", P3, NULL},
        {"Edward G", "ed@example.org", "d.txt", P4, NULL},
    };
    expect_one_person(steps, 4, NULL, cat(P1, P4, P3), "Edward G", "ed@example.org",
                      TOK_P1 + TOK_P4 + TOK_P3);
}

Test(identity, most_used_name_wins_counting_every_email_of_the_person)
{
    /* "Ed" is met in 3 commits under two spellings of the email, "Edward" in 2 */
    const step steps[] = {
        {"Edward", "ed@example.org", "a.txt", P1, NULL},
        {"Ed", "ED@example.org", "b.txt", P2, NULL},
        {"Edward", "ed@example.org", "c.txt", P3, NULL},
        {"Ed", "ed@example.org", "d.txt", P4, NULL},
        {"Ed", "ed@example.org", "e.txt", "Ed adds a short file.\n", NULL},
    };
    /* with "Ed", the identity met most often: ed@example.org (twice) over ED@ (once) */
    expect_one_person(steps, 5, NULL, cat(P1, P2, P3), "Ed", "ed@example.org",
                      TOK_P1 + TOK_P2 + TOK_P3);
}

Test(identity, a_tie_goes_to_the_name_that_sorts_first)
{
    const step steps[] = {
        {"Zed Q", "zq@example.org", "a.txt", P1, NULL},
        {"Ada Q", "zq@example.org", "b.txt", P2, NULL},
    };
    expect_one_person(steps, 2, NULL, cat(P1, P2, NULL), "Ada Q", "zq@example.org",
                      TOK_P1 + TOK_P2);
}

Test(identity, email_case_differs_is_merged)
{
    const step steps[] = {
        {"Ann Berg", "Ann.Berg@Example.ORG", "a.txt", P1, NULL},
        {"Ann Berg", "ann.berg@example.org", "b.txt", P2, NULL},
        {"Ann Berg", "ann.berg@example.org", "c.txt", P3, NULL},
    };
    expect_one_person(steps, 3, NULL, cat(P1, P2, NULL), "Ann Berg", "ann.berg@example.org",
                      TOK_P1 + TOK_P2);
}

Test(identity, different_emails_under_one_name_stay_two_people)
{
    const step steps[] = {
        {"Sam Lee", "sam@one.example", "a.txt", P1, NULL},
        {"Sam Lee", "sam@two.example", "b.txt", P2, NULL},
    };
    pv_index *ix = build1(repo_of("r", steps, 2), NULL);
    pv_result *res = match(ix, cat(P1, P2, NULL));
    cr_assert_eq(res->nauthors, 2);
    expect_author(res, 0, "Sam Lee", "sam@one.example", TOK_P1);
    expect_author(res, 1, "Sam Lee", "sam@two.example", TOK_P2);
    cr_expect_eq(authors_in(ix), 2);
    pv_result_free(res);
    pv_index_free(ix);
}

Test(identity, a_person_named_unknown_keeps_the_email)
{
    const step steps[] = {{"unknown", "u@example.org", "a.txt", P1, NULL}};
    pv_index *ix = build1(repo_of("r", steps, 1), NULL);
    pv_result *res = match(ix, P1);
    cr_assert_eq(res->nauthors, 1);
    expect_author(res, 0, "unknown", "u@example.org", TOK_P1);
    cr_assert_eq(res->nspans, 1);
    cr_assert_eq(res->spans[0].nsources, 1);
    cr_expect_str_eq(res->spans[0].sources[0].author_name, "unknown");
    cr_expect_str_eq(res->spans[0].sources[0].author_email, "u@example.org");
    pv_result_free(res);
    pv_index_free(ix);
}

/* The AUTH and ORIG chunks of the index at path. */
static char *chunks_of(const char *path, size_t *n)
{
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, {0}};
    size_t len, out = 0;
    char *data, *res;
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    data = pv_test_read_file(path, &len);
    res = pv_test_keep(malloc(len));
    for (size_t i = 0; i < info.nchunks; i++)
        if (!strcmp(info.chunks[i].id, "AUTH") || !strcmp(info.chunks[i].id, "ORIG")) {
            memcpy(res + out, data + info.chunks[i].offset, info.chunks[i].size);
            out += info.chunks[i].size;
        }
    free(data);
    pv_index_free(ix);
    *n = out;
    return res;
}

Test(identity, merged_tables_do_not_depend_on_jobs)
{
    const step steps[] = {
        {"unknown", "ed@example.org", "a.txt", P1, NULL},
        {"Sam Lee", "sam@one.example", "b.txt", P2, NULL},
        {"Edward G", "ED@example.org", "c.txt", P3, NULL},
        {"Sam", "sam@one.example", "d.txt", P4, NULL},
    };
    const char *src[] = {repo_of("r", steps, 4)};
    size_t n1, n4;
    const char *one, *four;
    pv_index_free(build("one.pvx", src, 1, NULL, 1));
    pv_index_free(build("four.pvx", src, 1, NULL, 4));
    one = chunks_of(pv_test_path("one.pvx"), &n1);
    four = chunks_of(pv_test_path("four.pvx"), &n4);
    cr_assert_eq(n1, n4);
    cr_expect_eq(memcmp(one, four, n1), 0);
    /* two persons: 2 AUTH entries of 12 bytes */
    cr_expect_gt(n1, 2 * 12);
}

/* ---- .mailmap ---------------------------------------------------------------------------- */

Test(identity, mailmap_maps_emails_and_names)
{
    static const char MAILMAP[] = "# who is who\n"
                                  "Bob Real <bob@real.org> <bob@old.org>\n"
                                  "Carol Proper <carol@x.org> Caz <caz@y.org>\n"
                                  "Dan Proper <dan@x.org>\n";
    git_repository *repo = NULL;
    const char *path = new_repo("r", &repo);
    file files[5] = {
        {".mailmap", MAILMAP}, {"a.txt", P1}, {"b.txt", P2}, {"c.txt", P3}, {"d.txt", P4}};
    commit(repo, "bob", "bob@old.org", 1, "mailmap and a\n", files, 2);
    commit(repo, "Caz", "caz@y.org", 2, "b\n", files, 3);
    commit(repo, "dan", "dan@x.org", 3, "c\n", files, 4);
    commit(repo, "Bob Real", "bob@real.org", 4, "d\n", files, 5);
    git_repository_free(repo);
    pv_index *ix = build1(path, NULL);
    pv_result *res = match(ix, cat(cat(P1, P2, P3), P4, NULL));
    cr_assert_eq(res->nauthors, 3);
    expect_author(res, 0, "Bob Real", "bob@real.org", TOK_P1 + TOK_P4);
    /* equal credit: by name */
    expect_author(res, 1, "Carol Proper", "carol@x.org", TOK_P2);
    expect_author(res, 2, "Dan Proper", "dan@x.org", TOK_P3);
    pv_result_free(res);
    pv_index_free(ix);
}

/* ---- aliases ----------------------------------------------------------------------------- */

Test(identity, aliases_file_merges_two_emails)
{
    const step steps[] = {
        {"A. Lovelace", "ada@old.org", "a.txt", P1, NULL},
        {"Ada Lovelace", "ada@new.org", "b.txt", P2, NULL},
        {"Charles B", "cb@engine.org", "c.txt", P3, NULL},
    };
    const char *aliases =
        pv_test_put_str("aliases.txt", "# people\n"
                                       "\n"
                                       "Ada Lovelace <ada@new.org> = <ADA@old.org>\n");
    pv_index *ix = build1(repo_of("r", steps, 3), aliases);
    pv_result *res = match(ix, cat(P1, P2, P3));
    cr_assert_eq(res->nauthors, 2);
    expect_author(res, 0, "Ada Lovelace", "ada@new.org", TOK_P1 + TOK_P2);
    expect_author(res, 1, "Charles B", "cb@engine.org", TOK_P3);
    cr_expect_eq(authors_in(ix), 2);
    pv_result_free(res);
    pv_index_free(ix);
}

Test(identity, aliases_person_is_shown_as_the_left_side_says)
{
    /* neither identity is the left side: the person is shown as the file names them, and
     * the same left side on two lines is one person */
    const step steps[] = {
        {"A. Lovelace", "ada@old.org", "a.txt", P1, NULL},
        {"ada", "ada@home.example", "b.txt", P2, NULL},
    };
    const char *aliases = pv_test_put_str(
        "aliases.txt", "Augusta Ada King <ada@lovelace.example> = A. Lovelace "
                       "<ada@old.org>\r\n"
                       "  augusta ada king <ADA@lovelace.example>= <ada@home.example>\n");
    expect_one_person(steps, 2, aliases, cat(P1, P2, NULL), "Augusta Ada King",
                      "ada@lovelace.example", TOK_P1 + TOK_P2);
}

Test(identity, aliases_merge_a_forum_account_with_a_git_email)
{
    char rec[1024];
    const step steps[] = {{"Ada Lovelace", "ada@new.org", "a.txt", P1, NULL}};
    const char *aliases =
        pv_test_put_str("aliases.txt", "Ada Lovelace <ada@new.org> = id:t2_ada\n"
                                       "Ada Lovelace <ada@new.org> = ada_the_poet\n");
    const char *src[3];
    src[0] = repo_of("r", steps, 1);
    /* a Reddit comment by the account t2_ada (another name), and a dataset record by name */
    snprintf(rec, sizeof rec,
             "{\"subreddit\":\"engines\",\"id\":\"c1\",\"link_id\":\"t3_x\",\"author\":"
             "\"countess\",\"author_fullname\":\"t2_ada\",\"created_utc\":1500000000,"
             "\"body\":\"%s\"}\n",
             one_line(P2));
    src[1] = pv_test_keep_str(pv_test_put_str("reddit.jsonl", rec));
    snprintf(rec, sizeof rec, "{\"text\":\"%s\",\"author\":\"ada_the_poet\"}\n", one_line(P3));
    src[2] = pv_test_keep_str(pv_test_put_str("poems.jsonl", rec));
    pv_index *ix = build("ix.pvx", src, 3, aliases, 2);
    pv_result *res = match(ix, cat(P1, P2, P3));
    cr_assert_eq(res->nauthors, 1);
    expect_author(res, 0, "Ada Lovelace", "ada@new.org", TOK_P1 + TOK_P2 + TOK_P3);
    cr_expect_eq(authors_in(ix), 1);
    pv_result_free(res);
    pv_index_free(ix);
}

Test(identity, a_co_author_merged_into_the_author_takes_no_half)
{
    const step steps[] = {
        {"Bo", "bo@work.example", "a.txt", P1,
         "add a\n\nCo-authored-by: Bo Svensson <bo@home.example>\n"},
        {"Cy", "cy@work.example", "b.txt", P2,
         "add b\n\nCo-authored-by: Bo Svensson <bo@home.example>\n"},
    };
    const char *aliases =
        pv_test_put_str("aliases.txt", "Bo Svensson <bo@work.example> = <bo@home.example>\n");
    pv_index *ix = build1(repo_of("r", steps, 2), aliases);
    pv_result *res = match(ix, cat(P1, P2, NULL));
    cr_assert_eq(res->nauthors, 2);
    /* P1: all Bo's (one person, not two halves); P2: half Bo's, half Cy's */
    expect_author(res, 0, "Bo Svensson", "bo@work.example", TOK_P1 + TOK_P2 / 2.0);
    expect_author(res, 1, "Cy", "cy@work.example", TOK_P2 / 2.0);
    cr_assert_eq(res->nspans, 2);
    cr_expect_eq(res->spans[0].ncredits, 1, "P1 is Bo's alone");
    cr_expect_eq(res->spans[1].ncredits, 2, "P2 is Cy's and Bo's");
    pv_result_free(res);
    pv_index_free(ix);
}

/* ---- the aliases file's syntax ------------------------------------------------------------ */

Test(identity, aliases_lines_parse_to_persons)
{
    static const char TEXT[] = "# comment\n"
                               "   \t\n"
                               "Ada <ada@x.org> = Other Name <other@y.org>\n"
                               "Ada <ada@x.org>=<bare@y.org>\n"
                               "Bo Q = Bo id:12345\n"
                               "Cy <cy@z.org> id:77 = id:88\n";
    pv_aliases *a = NULL;
    pv_err err = {0, {0}};
    const pv_identity *p;
    cr_assert_eq(pv_aliases__parse(&a, "al.txt", TEXT, sizeof TEXT - 1, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_aliases__count(a), 4);
    p = pv_aliases__person(a, 0);
    cr_expect_str_eq(p->name, "Ada");
    cr_expect_str_eq(p->email, "ada@x.org");
    cr_expect_null(p->id);
    p = pv_aliases__person(a, 2);
    cr_expect_str_eq(p->name, "Bo Q");
    cr_expect_null(p->email);
    p = pv_aliases__person(a, 3);
    cr_expect_str_eq(p->name, "Cy");
    cr_expect_str_eq(p->email, "cy@z.org");
    cr_expect_str_eq(p->id, "77");
    pv_aliases__free(a);
}

Test(identity, bad_aliases_lines_name_the_file_and_line)
{
    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"Ada <ada@x.org> Other <o@y.org>", "al.txt:2: no '='"},
        {"Ada <ada@x.org> = <o@y.org> = <p@y.org>", "al.txt:2: more than one '='"},
        {"<ada@x.org> = <o@y.org>", "al.txt:2: the person on the left of '=' has no name"},
        {"Ada <ada@x.org = <o@y.org>", "al.txt:2: '<' without '>'"},
        {"Ada <ada@x.org> = ", "al.txt:2: nothing on the right of '='"},
        {"Ada <ada@x.org> = Other <o@y.org> trailing", "al.txt:2: unexpected text after the email"},
        {"Ada <> = Other", "al.txt:2: empty email '<>'"},
        {"Ada > = Other", "al.txt:2: '>' without '<'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        pv_aliases *a = NULL;
        pv_err err = {0, {0}};
        snprintf(text, sizeof text, "# first line\n%s\nAda <a@x> = <b@x>\n", bad[i].line);
        cr_expect_eq(pv_aliases__parse(&a, "al.txt", text, strlen(text), &err), PV_EINVAL, "%s",
                     bad[i].line);
        cr_expect_null(a);
        cr_expect_eq(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)), 0, "'%s': got '%s'",
                     bad[i].line, err.msg);
    }
}

Test(identity, bad_aliases_line_stops_the_build)
{
    const step steps[] = {{"Ada", "ada@x.org", "a.txt", P1, NULL}};
    const char *src[] = {repo_of("r", steps, 1)};
    const char *aliases =
        pv_test_keep_str(pv_test_put_str("people.txt", "Ada <ada@x.org> = <a@y.org>\n"
                                                       "# fine so far\n"
                                                       "Ada <ada@x.org> <a@z.org>\n"));
    char want[1200];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *out = pv_test_keep_str(pv_test_path("ix.pvx"));
    o.aliases = aliases;
    cr_assert_eq(pv_index_build(out, src, 1, &o, NULL, &err), PV_EINVAL);
    snprintf(want, sizeof want, "%s:3: no '='", aliases);
    cr_expect_eq(strncmp(err.msg, want, strlen(want)), 0, "got '%s'", err.msg);
    cr_expect_neq(access(out, F_OK), 0, "no index is written");
    o.aliases = pv_test_path("missing.txt");
    cr_expect_eq(pv_index_build(out, src, 1, &o, NULL, &err), PV_EIO);
    cr_expect(strstr(err.msg, "missing.txt") != NULL, "%s", err.msg);
}

/* Runs PROVSCAN_BIN (default ./provscan) with args; returns its exit code, stderr in *errs. */
static int run_cli(const char *const *args, char **errs)
{
    const char *bin =
        getenv("PROVSCAN_BIN") && *getenv("PROVSCAN_BIN") ? getenv("PROVSCAN_BIN") : "./provscan";
    const char *errp = pv_test_keep_str(pv_test_path("stderr.txt"));
    char *argv[32];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status, n = 0;
    argv[n++] = (char *)bin;
    for (; args[n - 1]; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_eq(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0,
                 "cannot run %s (build it, or set PROVSCAN_BIN)", bin);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    *errs = pv_test_keep(pv_test_read_file(errp, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(identity, cli_exits_2_on_a_bad_aliases_line_3_on_a_missing_file)
{
    const step steps[] = {{"Ada", "ada@x.org", "a.txt", P1, NULL}};
    const char *repo = repo_of("r", steps, 1);
    const char *aliases = pv_test_keep_str(pv_test_put_str("bad.txt", "\nAda = \n"));
    const char *good = pv_test_keep_str(pv_test_put_str("good.txt", "Ada <a@x> = <ada@x.org>\n"));
    const char *out = pv_test_keep_str(pv_test_path("ix.pvx"));
    char want[1200], *errs;
    const char *bad_args[] = {"index", "-q", "-o", out, "--aliases", aliases, repo, NULL};
    const char *good_args[] = {"index", "-q", "-o", out, "--aliases", good, repo, NULL};
    const char *missing_args[] = {"index", "-q", "-o", out, "--aliases", NULL, repo, NULL};
    cr_expect_eq(run_cli(bad_args, &errs), 2, "stderr: %s", errs);
    snprintf(want, sizeof want, "%s:2: nothing on the right of '='", aliases);
    cr_expect(strstr(errs, want) != NULL, "stderr: %s", errs);
    cr_expect_eq(run_cli(good_args, &errs), 0, "stderr: %s", errs);
    missing_args[5] = pv_test_path("missing.txt");
    cr_expect_eq(run_cli(missing_args, &errs), 3, "stderr: %s", errs);
    cr_expect(strstr(errs, "missing.txt") != NULL, "stderr: %s", errs);
}

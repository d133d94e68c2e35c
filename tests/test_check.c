/* Criterion suite for `provscan check` and `provscan hook` (cli/cmd_check.c): an index of a git
 * repository (fixtures/corpus/feedparser's README.rst and its BSD-2-Clause LICENSE, committed
 * by their author inside the test), and a second repository whose commits paste 31 lines of
 * that README, reindented, or change unrelated text. The policy's exit codes, the lines of the
 * findings in the head version, licenses allowed and denied, a baseline that survives lines
 * moving above its finding, a shallow clone, and the pre-commit hook blocking a copied span. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <git2.h>

#include "util.h"

static const char *root;

static void setup(void)
{
    root = pv_test_tmpdir("provscan-check-");
}

TestSuite(check, .init = setup, .fini = pv_test_done);

/* The binary, as an absolute path: commands run in other folders. */
static const char *bin(void)
{
    static char abs[4096];
    const char *b = getenv("PROVSCAN_BIN");
    if (!abs[0])
        cr_assert_not_null(realpath(b && *b ? b : "./provscan", abs), "no provscan binary");
    return abs;
}

/* Run a shell command line in folder dir (NULL: here); its exit code, with stdout and stderr
 * in root/o and root/e. */
static int sh(const char *dir, const char *cmd)
{
    char line[8192];
    int st;
    snprintf(line, sizeof line, "%s%s%s(%s) >%s/o 2>%s/e", dir ? "cd " : "", dir ? dir : "",
             dir ? " && " : "", cmd, root, root);
    st = system(line);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

static char *out_text(void)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/o", root);
    return pv_test_keep(pv_test_read_file(p, NULL));
}

static char *err_text(void)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/e", root);
    return pv_test_keep(pv_test_read_file(p, NULL));
}

static char idx[512], repo[512], readme_lines[31][256];

/* The index: a repository holding the README and its license, written by Kurt McKee. */
static void build_index(void)
{
    char dir[1024], cmd[4096];
    const char *paths[2] = {"README.rst", "LICENSE"};
    const char *texts[2];
    char hex[GIT_OID_HEXSZ + 1];
    char *readme = pv_test_keep(pv_test_read_file("fixtures/corpus/feedparser/README.rst", NULL));
    texts[0] = readme;
    texts[1] = pv_test_keep(pv_test_read_file("fixtures/corpus/feedparser/LICENSE", NULL));
    snprintf(dir, sizeof dir, "%s/feedparser", root);
    pv_test_git_commit(dir, paths, texts, 2, "Kurt McKee", "contactme@kurtmckee.org", 1600000000,
                       hex);
    snprintf(idx, sizeof idx, "%s/corpus.pvx", root);
    snprintf(cmd, sizeof cmd,
             "%s index -q -o %s --origin https://github.com/kurtmckee/feedparser "
             "git:%s",
             bin(), idx, dir);
    cr_assert_eq(sh(NULL, cmd), 0, "%s", err_text());
    /* lines 16-46 of the README, from its first sentence to its last command: the copy the
       tests paste */
    {
        char *p = readme, *nl;
        int line = 1, k = 0;
        for (; *p && k < 31; p = nl + 1, line++) {
            nl = strchr(p, '\n');
            if (!nl)
                break;
            if (line >= 16 && line <= 46)
                snprintf(readme_lines[k++], sizeof readme_lines[0], "%.*s", (int)(nl - p), p);
        }
        cr_assert_eq(k, 31);
    }
}

static void write_file(const char *rel, const char *text)
{
    char p[2048], *slash;
    snprintf(p, sizeof p, "%s/%s", repo, rel);
    if ((slash = strrchr(p, '/')) != NULL) {
        *slash = '\0';
        mkdir(p, 0777);
        *slash = '/';
    }
    pv_test_write_file(p, text, strlen(text));
}

/* text of n unrelated lines, then the pasted lines (reindented by two spaces), then more */
static char *pasted(int lines_before)
{
    size_t cap = 16384, at = 0;
    char *t = pv_test_keep(malloc(cap));
    int i;
    for (i = 0; i < lines_before; i++)
        at += (size_t)snprintf(t + at, cap - at, "Note %d of the release checklist.\n", i + 1);
    for (i = 0; i < 31; i++)
        at += (size_t)snprintf(t + at, cap - at, "  %s\n", readme_lines[i]);
    snprintf(t + at, cap - at, "End of the notes.\n");
    return t;
}

/* The repository under check: a first commit with unrelated text, by the git command line (a
 * work tree, hooks). */
static void make_repo(void)
{
    char cmd[4096];
    snprintf(repo, sizeof repo, "%s/app", root);
    snprintf(cmd, sizeof cmd,
             "git init -q %s && git -C %s config user.email dev@example.org && "
             "git -C %s config user.name Dev && git -C %s config commit.gpgsign false",
             repo, repo, repo, repo);
    cr_assert_eq(sh(NULL, cmd), 0, "%s", err_text());
    write_file("NOTES.md", "Release notes are written by hand, in the order of the changes.\n");
    cr_assert_eq(sh(repo, "git add -A && git commit -q -m first"), 0, "%s", err_text());
}

static void commit_all(const char *msg)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "git add -A && git commit -q --no-verify -m '%s'", msg);
    cr_assert_eq(sh(repo, cmd), 0, "%s", err_text());
}

static int check(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s check -x %s %s", bin(), idx, args);
    return sh(repo, cmd);
}

/* The one finding of a baseline written by --write-baseline: its lines and origin. */
static cJSON *baseline_finding(const char *path, int *count)
{
    cJSON *doc = cJSON_Parse(pv_test_keep(pv_test_read_file(path, NULL))), *arr;
    cr_assert_not_null(doc, "%s is not JSON", path);
    arr = cJSON_GetObjectItem(doc, "findings");
    cJSON *first;
    *count = cJSON_GetArraySize(arr);
    first = cJSON_Duplicate(cJSON_GetArrayItem(arr, 0), 1);
    cJSON_Delete(doc);
    return first;
}

Test(check, pasted_reindented_lines_fail_at_exactly_those_lines, .timeout = 120)
{
    char bl[1024], args[2048];
    cJSON *f;
    int n;
    build_index();
    make_repo();
    write_file("docs/install.md", pasted(5)); /* the copy is lines 6-36 */
    commit_all("install notes");
    snprintf(bl, sizeof bl, "%s/bl.json", root);
    snprintf(args, sizeof args, "--write-baseline %s", bl);
    cr_assert_eq(check(args), 1, "%s%s", out_text(), err_text());
    f = baseline_finding(bl, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(f, "path")->valuestring, "docs/install.md");
    cr_assert_eq(cJSON_GetObjectItem(f, "line_start")->valueint, 6);
    cr_assert_eq(cJSON_GetObjectItem(f, "line_end")->valueint, 36);
    cr_assert_str_eq(cJSON_GetObjectItem(f, "origin")->valuestring, "README.rst");
    cJSON_Delete(f);
    /* SARIF for code scanning: one result at exactly those lines, naming author and license */
    {
        char sarif[1024];
        cJSON *doc, *res, *region, *msg;
        snprintf(sarif, sizeof sarif, "%s/check.sarif", root);
        snprintf(args, sizeof args, "--format sarif -o %s", sarif);
        cr_assert_eq(check(args), 1, "%s", err_text());
        doc = cJSON_Parse(pv_test_keep(pv_test_read_file(sarif, NULL)));
        cr_assert_not_null(doc);
        res =
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0), "results");
        cr_assert_eq(cJSON_GetArraySize(res), 1);
        res = cJSON_GetArrayItem(res, 0);
        cr_assert_str_eq(cJSON_GetObjectItem(res, "ruleId")->valuestring, "copied-span");
        region = cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "locations"), 0),
                                "physicalLocation"),
            "region");
        cr_assert_eq(cJSON_GetObjectItem(region, "startLine")->valueint, 6);
        cr_assert_eq(cJSON_GetObjectItem(region, "endLine")->valueint, 36);
        msg = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "message"), "text");
        cr_assert(strstr(msg->valuestring, "Kurt McKee") &&
                      strstr(msg->valuestring, "BSD-2-Clause"),
                  "%s", msg->valuestring);
        cJSON_Delete(doc);
    }
    /* the license decides when one is allowed or denied */
    cr_assert_eq(check("--allow-license BSD-2-Clause"), 0, "%s%s", out_text(), err_text());
    cr_assert_eq(check("--allow-license MIT"), 1);
    cr_assert_eq(check("--fail-on-tokens 0"), 0);
    cr_assert_eq(check("--fail-on-tokens 0 --deny-license MIT,BSD-2-Clause"), 1);
    cr_assert_eq(check("--fail-on-tokens 0 --deny-license GPL-3.0-only"), 0);
    cr_assert_eq(check("--fail-on-tokens 500"), 0, "the span is shorter than 500 tokens");
    /* the origin's author is ignored: no finding at all */
    cr_assert_eq(check("--ignore-author contactme@kurtmckee.org"), 0);
    cr_assert_eq(check("--deny-license MIT --allow-license MIT"), 2, "%s", err_text());
}

Test(check, unrelated_change_passes, .timeout = 120)
{
    build_index();
    make_repo();
    write_file("NOTES.md", "Release notes are written by hand, in the order of the changes.\n"
                           "The second release fixed the parser's handling of empty titles.\n");
    commit_all("notes");
    cr_assert_eq(check(""), 0, "%s%s", out_text(), err_text());
    /* the copy was made before the change checked: the change adds nothing of it */
    write_file("docs/install.md", pasted(0));
    commit_all("install notes");
    write_file("NOTES.md", "Release notes are written by hand.\n");
    commit_all("shorter notes");
    cr_assert_eq(check(""), 0, "%s%s", out_text(), err_text());
    cr_assert_eq(check("--base HEAD~2"), 1, "%s%s", out_text(), err_text());
}

Test(check, baseline_survives_lines_moving_above_the_finding, .timeout = 120)
{
    char bl[1024], args[2048];
    build_index();
    make_repo();
    write_file("docs/install.md", pasted(2));
    commit_all("install notes");
    snprintf(bl, sizeof bl, "%s/bl.json", root);
    snprintf(args, sizeof args, "--write-baseline %s", bl);
    cr_assert_eq(check(args), 1);
    /* ten lines more above the copy, and the whole file checked again from the start */
    write_file("docs/install.md", pasted(12));
    commit_all("more notes");
    snprintf(args, sizeof args, "--base HEAD~2 --baseline %s", bl);
    cr_assert_eq(check(args), 0, "%s%s", out_text(), err_text());
    cr_assert_eq(check("--base HEAD~2"), 1);
    /* a baseline that is not one is an input error */
    pv_test_write_file(bl, "{\"findings\": 3}", 15);
    snprintf(args, sizeof args, "--baseline %s", bl);
    cr_assert_eq(check(args), 3);
    cr_assert(strstr(err_text(), "not a provscan baseline"), "%s", err_text());
}

Test(check, staged_change_and_the_hook_block_a_copied_span, .timeout = 120)
{
    char cmd[4096];
    build_index();
    make_repo();
    write_file("docs/install.md", pasted(3));
    cr_assert_eq(sh(repo, "git add -A"), 0);
    cr_assert_eq(check("--staged"), 1, "%s%s", out_text(), err_text());
    snprintf(cmd, sizeof cmd, "%s hook install -x %s", bin(), idx);
    cr_assert_eq(sh(repo, cmd), 0, "%s", err_text());
    cr_assert_neq(sh(repo, "git commit -q -m copy"), 0, "the hook lets the copy through");
    cr_assert(strstr(out_text(), "docs/install.md") || strstr(err_text(), "docs/install.md"),
              "the hook names the file: %s%s", out_text(), err_text());
    /* a clean commit goes through */
    cr_assert_eq(sh(repo, "git reset -q && rm -f docs/install.md"), 0);
    write_file("NOTES.md", "Release notes are kept short.\n");
    cr_assert_eq(sh(repo, "git add -A && git commit -q -m clean"), 0, "%s%s", out_text(),
                 err_text());
    /* a hook provscan did not write is kept */
    {
        char hook[2048];
        snprintf(hook, sizeof hook, "%s/.git/hooks/pre-commit", repo);
        pv_test_write_file(hook, "#!/bin/sh\nexit 0\n", 17);
        cr_assert_eq(sh(repo, cmd), 3);
        cr_assert(strstr(err_text(), "use --force"), "%s", err_text());
    }
}

Test(check, shallow_clone_says_what_to_fetch, .timeout = 120)
{
    char cmd[4096], clone[1024];
    build_index();
    make_repo();
    write_file("docs/install.md", pasted(1));
    commit_all("install notes");
    snprintf(clone, sizeof clone, "%s/shallow", root);
    snprintf(cmd, sizeof cmd, "git clone -q --depth 1 file://%s %s", repo, clone);
    cr_assert_eq(sh(NULL, cmd), 0, "%s", err_text());
    snprintf(cmd, sizeof cmd, "%s check -x %s", bin(), idx);
    cr_assert_eq(sh(clone, cmd), 3);
    cr_assert(strstr(err_text(), "shallow clone") && strstr(err_text(), "fetch"), "%s", err_text());
    /* with the base present, a shallow clone is checked like a full one */
    snprintf(cmd, sizeof cmd, "git clone -q --depth 2 file://%s %s2", repo, clone);
    cr_assert_eq(sh(NULL, cmd), 0, "%s", err_text());
    snprintf(cmd, sizeof cmd, "cd %s2 && %s check -x %s", clone, bin(), idx);
    cr_assert_eq(sh(NULL, cmd), 1, "%s%s", out_text(), err_text());
}

Test(check, usage_and_input_errors)
{
    char cmd[4096];
    build_index();
    make_repo();
    cr_assert_eq(check("--staged --base HEAD"), 2);
    cr_assert_eq(check("--base no-such-rev"), 3);
    cr_assert(strstr(err_text(), "no-such-rev"), "%s", err_text());
    snprintf(cmd, sizeof cmd, "%s check -x %s/missing.pvx", bin(), root);
    cr_assert_eq(sh(repo, cmd), 3);
    snprintf(cmd, sizeof cmd, "%s check -x %s --repo %s", bin(), idx, root);
    cr_assert_eq(sh(NULL, cmd), 3, "not a repository");
}

/* A source under "Apache-2.0 OR MIT" (fixtures/corpus/rss, its two license files): allowed
 * when either is allowed, denied only when both are. */
Test(check, license_expressions_are_read_the_spdx_way, .timeout = 120)
{
    char cmd[4096];
    char *readme = pv_test_keep(pv_test_read_file("fixtures/corpus/rss/README.md", NULL));
    snprintf(idx, sizeof idx, "%s/rss.pvx", root);
    snprintf(cmd, sizeof cmd, "%s index -q -o %s fixtures/corpus/rss", bin(), idx);
    cr_assert_eq(sh(NULL, cmd), 0, "%s", err_text());
    make_repo();
    write_file("docs/rss.md", readme);
    commit_all("rss notes");
    cr_assert_eq(check(""), 1, "%s%s", out_text(), err_text());
    cr_assert(strstr(out_text(), "Apache-2.0 OR MIT"), "%s", out_text());
    cr_assert_eq(check("--allow-license MIT"), 0, "%s", out_text());
    cr_assert_eq(check("--allow-license Apache-2.0"), 0, "%s", out_text());
    cr_assert_eq(check("--allow-license GPL-2.0-only"), 1);
    cr_assert_eq(check("--fail-on-tokens 0 --deny-license MIT"), 0, "%s", out_text());
    cr_assert_eq(check("--fail-on-tokens 0 --deny-license MIT,Apache-2.0"), 1);
}

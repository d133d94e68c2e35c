/*
 * cmd_check.c - `provscan check`: its options made a pv_check_opts, the change checked by the
 * library (pv_check_run, match/check.c: the lines a diff adds matched in the context of their
 * whole files, the findings judged against the policy), the report written by report_check.c
 * and the exit code: 0 when the policy holds, 1 when it fails. Also `provscan hook`, which
 * installs a pre-commit hook running `check --staged`.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "check.h"
#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum {
    OPT_INDEX,
    OPT_REPO,
    OPT_BASE,
    OPT_HEAD,
    OPT_STAGED,
    OPT_FAIL_TOKENS,
    OPT_DENY,
    OPT_ALLOW,
    OPT_UNKNOWN,
    OPT_IGNORE_AUTHOR,
    OPT_BASELINE,
    OPT_WRITE_BASELINE,
    OPT_FORMAT,
    OPT_OUTPUT,
    OPT_MIN_TOKENS,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to check against, a file or a folder of segments (required)"},
    [OPT_REPO] = {"repo", 0, "PATH", PV_CLI_STRING, 0, 0, ".",
                  "the git repository (its work tree or any folder inside it)"},
    [OPT_BASE] = {"base", 0, "REV", PV_CLI_STRING, 0, 0, "merge base with upstream, else HEAD~1",
                  "the revision the change starts from"},
    [OPT_HEAD] = {"head", 0, "REV", PV_CLI_STRING, 0, 0, "HEAD", "the revision to check"},
    [OPT_STAGED] = {"staged", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "check what is staged for the next commit (the index against HEAD), as a "
                    "pre-commit hook does"},
    [OPT_FAIL_TOKENS] = {"fail-on-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX,
                         STR(PV_DEFAULT_FAIL_TOKENS),
                         "fail on any span of N tokens or more whose license is not allowed; "
                         "0: never on size alone"},
    [OPT_DENY] = {"deny-license", 0, "LIST", PV_CLI_LIST, 0, 0, NULL,
                  "fail on any span from a source under one of these SPDX ids (comma-separated; "
                  "repeatable)"},
    [OPT_ALLOW] = {"allow-license", 0, "LIST", PV_CLI_LIST, 0, 0, NULL,
                   "spans from a source under one of these SPDX ids never fail; any other "
                   "license fails as if denied"},
    [OPT_UNKNOWN] = {"unknown-license", 0, "allow|deny", PV_CLI_CHOICE, 0, 0, "allow",
                     "whether a span from a source without a known license fails"},
    [OPT_IGNORE_AUTHOR] = {"ignore-author", 0, "ID", PV_CLI_LIST, 0, 0, NULL,
                           "leave out spans whose origin's author has this email, name or "
                           "account id (your own earlier work; repeatable)"},
    [OPT_BASELINE] = {"baseline", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,
                      "findings accepted earlier (written by --write-baseline), recognised by "
                      "their text so that they survive moved lines: reported, never failing"},
    [OPT_WRITE_BASELINE] = {"write-baseline", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,
                            "write every finding of this run to FILE as a baseline"},
    [OPT_FORMAT] = {"format", 0, "text|json|sarif|spdx|cyclonedx", PV_CLI_CHOICE, 0, 0, "text",
                    "report format (SARIF 2.1.0 for code scanning, SPDX 2.3 snippets, "
                    "CycloneDX 1.6 evidence)"},
    [OPT_OUTPUT] = {"output", 'o', "FILE", PV_CLI_STRING, 0, 0, "stdout",
                    "write the report to FILE"},
    [OPT_MIN_TOKENS] = {"min-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX, "k of the index",
                        "report only spans of at least N tokens"},
};

static const pv_cli_spec spec = {
    "check",
    "-x INDEX [options]",
    "Check a change for spans that come from the documents of INDEX: the lines added or "
    "changed between --base and --head (or, with --staged, between HEAD and what is staged) "
    "are matched in the context of their whole files, so that a span can run across the "
    "edges of a hunk, and every span touching an added line is reported at the file and "
    "lines of the head version, with its origin, authors, license and strength. Common spans "
    "(license text, boilerplate) are not findings. The policy decides the exit code: 0 when "
    "it holds, 1 when a finding breaks it (see docs/ci.md), 2 for a usage error, 3 when the "
    "repository, a revision or the index cannot be read. In a shallow clone the base must be "
    "present; check says what to fetch when it is not.",
    opts,
    NOPTS,
};

/* ---- options ---------------------------------------------------------------------------- */

/* Split every value of a LIST option at commas into *out (the strings are malloc'ed). */
static int split_list(const pv_cli_val *v, const char ***out, size_t *n)
{
    size_t i, cap = 0;
    *out = NULL;
    *n = 0;
    for (i = 0; i < v->nlist; i++) {
        const char *p = v->list[i];
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len && (*p == ' '))
                p++, len--;
            while (len && p[len - 1] == ' ')
                len--;
            if (len) {
                char *s;
                if (*n == cap) {
                    const char **w = realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof *w);
                    if (!w)
                        return -1;
                    *out = w;
                }
                if (!(s = strndup(p, len)))
                    return -1;
                (*out)[(*n)++] = s;
            }
            p = e ? e + 1 : p + strlen(p);
        }
    }
    return 0;
}

static void free_list(const char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free((char *)v[i]);
    free(v);
}

/* Diagnostics of the library (a file not checked) on stderr. */
static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    (void)sev;
    fprintf(stderr, "provscan: %s\n", msg);
}

static void git_fail(const char *what)
{
    const git_error *e = git_error_last();
    fprintf(stderr, "provscan: %s: %s\n", what, e && e->message ? e->message : "libgit2 error");
}

/* The policy options as one line, for the report. */
static void policy_line(const pv_cli_args *a, char *buf, size_t n)
{
    static const int shown[] = {OPT_FAIL_TOKENS, OPT_DENY,          OPT_ALLOW,
                                OPT_UNKNOWN,     OPT_IGNORE_AUTHOR, OPT_BASELINE};
    size_t i, j, at;
    at = (size_t)snprintf(buf, n, "--fail-on-tokens %s",
                          a->vals[OPT_FAIL_TOKENS].count ? a->vals[OPT_FAIL_TOKENS].str
                                                         : STR(PV_DEFAULT_FAIL_TOKENS));
    for (i = 1; i < sizeof shown / sizeof *shown && at < n; i++) {
        const pv_cli_val *v = &a->vals[shown[i]];
        if (opts[shown[i]].kind == PV_CLI_LIST)
            for (j = 0; j < v->nlist && at < n; j++)
                at +=
                    (size_t)snprintf(buf + at, n - at, " --%s %s", opts[shown[i]].name, v->list[j]);
        else if (v->count && at < n)
            at += (size_t)snprintf(buf + at, n - at, " --%s %s", opts[shown[i]].name, v->str);
    }
}

int pv_cli__cmd_check(int argc, char **argv)
{
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_err err = {0, ""};
    pv_check_opts co = PV_CHECK_OPTS_INIT;
    pv_check_baseline *bl = NULL;
    pv_check_result *res = NULL;
    const char **deny = NULL, **allow = NULL, **ignore = NULL;
    pv_check_report rep = {0};
    char pol[2048];
    const char *format, *out_path;
    FILE *out = stdout;
    int rc = pv_cli__parse(&spec, argc, argv, &a);

    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    if (a.npos) {
        rc = pv_cli__usage_error(&spec, "unexpected argument '%s'", a.pos[0]);
        goto done;
    }
    if (!a.vals[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    if (a.vals[OPT_STAGED].count && (a.vals[OPT_BASE].count || a.vals[OPT_HEAD].count)) {
        rc = pv_cli__usage_error(&spec, "--staged checks the index against HEAD: it takes no "
                                        "--base or --head");
        goto done;
    }
    format = a.vals[OPT_FORMAT].str ? a.vals[OPT_FORMAT].str : "text";
    if (a.vals[OPT_FAIL_TOKENS].count)
        co.policy.fail_tokens = (uint32_t)a.vals[OPT_FAIL_TOKENS].num;
    co.policy.unknown_deny =
        a.vals[OPT_UNKNOWN].str && strcmp(a.vals[OPT_UNKNOWN].str, "deny") == 0;
    if (split_list(&a.vals[OPT_DENY], &deny, &co.policy.ndeny) != 0 ||
        split_list(&a.vals[OPT_ALLOW], &allow, &co.policy.nallow) != 0 ||
        split_list(&a.vals[OPT_IGNORE_AUTHOR], &ignore, &co.policy.nignore_authors) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    co.policy.deny = deny;
    co.policy.allow = allow;
    co.policy.ignore_authors = ignore;
    if (pv_check_policy_validate(&co.policy, &err) != 0) {
        rc = pv_cli__usage_error(&spec, "%s", err.msg);
        goto done;
    }
    if (a.vals[OPT_MIN_TOKENS].count)
        co.match.min_tokens = (uint32_t)a.vals[OPT_MIN_TOKENS].num;
    if (a.vals[OPT_BASELINE].count &&
        (rc = pv_check_baseline_read(a.vals[OPT_BASELINE].str, &bl, &err)) != 0) {
        pv_cli__lib_error(&err, rc);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    co.baseline = bl;
    co.repo = a.vals[OPT_REPO].str ? a.vals[OPT_REPO].str : ".";
    co.staged = a.vals[OPT_STAGED].count > 0;
    co.base = a.vals[OPT_BASE].count ? a.vals[OPT_BASE].str : NULL;
    co.head = a.vals[OPT_HEAD].count ? a.vals[OPT_HEAD].str : NULL;
    co.diag = on_diag;

    if ((rc = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err)) < 0 ||
        (rc = pv_check_run(ix, &co, &res, &err)) != 0) {
        pv_cli__lib_error(&err, rc);
        rc = PV_EXIT_INPUT;
        goto done;
    }

    rep.repo = res->repo;
    rep.index_path = a.vals[OPT_INDEX].str;
    rep.base = res->base;
    rep.head = res->head;
    policy_line(&a, pol, sizeof pol);
    rep.policy = pol;
    rep.version = PV_VERSION_STRING;
    rep.findings = res->findings;
    rep.nfindings = res->nfindings;
    rep.files = res->files;
    rep.added_lines = res->added_lines;
    rep.failed = res->failed;

    if (a.vals[OPT_WRITE_BASELINE].count &&
        (rc = pv_check_baseline_write(a.vals[OPT_WRITE_BASELINE].str, res, &err)) != 0) {
        pv_cli__lib_error(&err, rc);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    out_path = a.vals[OPT_OUTPUT].count ? a.vals[OPT_OUTPUT].str : NULL;
    if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", out_path, strerror(errno));
        out = stdout;
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (pv_check__write(out, format, &rep) != 0 || (out != stdout && fclose(out) != 0)) {
        if (out != stdout)
            out = stdout;
        fprintf(stderr, "provscan: cannot write the report%s%s: %s\n", out_path ? " to " : "",
                out_path ? out_path : "", strerror(errno));
        rc = PV_EXIT_INPUT;
        goto done;
    }
    out = stdout;
    /* a policy that failed on what could be read outranks a file that could not be */
    rc = rep.failed ? PV_EXIT_FINDINGS : res->skipped ? PV_EXIT_INPUT : PV_EXIT_OK;
done:
    if (out != stdout)
        fclose(out);
    pv_check_result_free(res);
    pv_check_baseline_free(bl);
    free_list(deny, co.policy.ndeny);
    free_list(allow, co.policy.nallow);
    free_list(ignore, co.policy.nignore_authors);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}

/* ---- provscan hook install --------------------------------------------------------------- */

enum { HOPT_INDEX, HOPT_REPO, HOPT_FORCE, NHOPTS };

static const pv_cli_opt hopts[NHOPTS] = {
    [HOPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                    "the index the hook checks against (required; kept as an absolute path)"},
    [HOPT_REPO] = {"repo", 0, "PATH", PV_CLI_STRING, 0, 0, ".", "the git repository"},
    [HOPT_FORCE] = {"force", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "replace a pre-commit hook that provscan did not write"},
};

static const pv_cli_spec hspec = {
    "hook",
    "install -x INDEX [--repo PATH] [--force] [-- CHECK-OPTIONS...]",
    "Install a pre-commit hook into the repository (its hooks folder, or core.hooksPath) that "
    "runs `provscan check --staged -x INDEX` before every commit, with the CHECK-OPTIONS "
    "given after '--' (for example --fail-on-tokens 30 --deny-license GPL-3.0-only): a commit "
    "whose staged change breaks the policy is refused, with the findings on the terminal "
    "(`git commit --no-verify` skips the hook). A hook that provscan did not write is kept "
    "unless --force is given.",
    hopts,
    NHOPTS,
};

#define HOOK_MARK "# written by `provscan hook install`"

/* Write s to f quoted for sh: 'it'\''s'. */
static void put_sh_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

int pv_cli__cmd_hook(int argc, char **argv)
{
    pv_cli_args a;
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf hooks = {0};
    char path[PATH_MAX], tmp[PATH_MAX + 32], self[PATH_MAX], idx[PATH_MAX];
    const char *hooks_dir;
    FILE *f = NULL;
    size_t i;
    ssize_t n;
    int rc = pv_cli__parse(&hspec, argc, argv, &a);

    git_libgit2_init();
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    if (a.npos < 1 || strcmp(a.pos[0], "install") != 0) {
        rc = pv_cli__usage_error(
            &hspec, a.npos ? "unknown action '%s' (only 'install')" : "missing the action: install",
            a.npos ? a.pos[0] : "");
        goto done;
    }
    if (!a.vals[HOPT_INDEX].count) {
        rc = pv_cli__usage_error(&hspec, "missing -x INDEX");
        goto done;
    }
    if (!realpath(a.vals[HOPT_INDEX].str, idx)) {
        fprintf(stderr, "provscan: '%s': %s\n", a.vals[HOPT_INDEX].str, strerror(errno));
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
        snprintf(self, sizeof self, "provscan");
    } else {
        self[n] = '\0';
    }
    if (git_repository_open_ext(&repo, a.vals[HOPT_REPO].str ? a.vals[HOPT_REPO].str : ".", 0,
                                NULL) != 0) {
        git_fail(a.vals[HOPT_REPO].str ? a.vals[HOPT_REPO].str : ".");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    /* core.hooksPath, relative to the work tree, else GIT_DIR/hooks */
    if (git_repository_config(&cfg, repo) == 0 &&
        git_config_get_path(&hooks, cfg, "core.hooksPath") == 0 && hooks.ptr && hooks.ptr[0]) {
        if (hooks.ptr[0] == '/' || !git_repository_workdir(repo))
            snprintf(path, sizeof path, "%s/pre-commit", hooks.ptr);
        else
            snprintf(path, sizeof path, "%s%s/pre-commit", git_repository_workdir(repo), hooks.ptr);
        hooks_dir = hooks.ptr;
    } else {
        snprintf(path, sizeof path, "%shooks/pre-commit", git_repository_path(repo));
        hooks_dir = NULL;
    }
    {
        char dir[PATH_MAX], *slash;
        snprintf(dir, sizeof dir, "%s", path);
        if ((slash = strrchr(dir, '/')) != NULL) {
            *slash = '\0';
            if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "provscan: cannot make '%s': %s\n", dir, strerror(errno));
                rc = PV_EXIT_INPUT;
                goto done;
            }
        }
    }
    if (!a.vals[HOPT_FORCE].count && (f = fopen(path, "r")) != NULL) {
        char line[256];
        int ours = 0;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, HOOK_MARK, strlen(HOOK_MARK)) == 0)
                ours = 1;
        fclose(f);
        f = NULL;
        if (!ours) {
            fprintf(stderr,
                    "provscan: '%s' exists and was not written by provscan: kept (use --force to "
                    "replace it)\n",
                    path);
            rc = PV_EXIT_INPUT;
            goto done;
        }
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "w"))) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", tmp, strerror(errno));
        rc = PV_EXIT_INPUT;
        goto done;
    }
    fprintf(f, "#!/bin/sh\n" HOOK_MARK "\n# Checks what is staged for copied spans "
               "(docs/ci.md); git commit --no-verify skips it.\nexec ");
    put_sh_quoted(f, self);
    fputs(" check --staged -x ", f);
    put_sh_quoted(f, idx);
    for (i = 1; i < a.npos; i++) {
        fputc(' ', f);
        put_sh_quoted(f, a.pos[i]);
    }
    fputc('\n', f);
    if (ferror(f) | (fclose(f) != 0) || chmod(tmp, 0755) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        f = NULL;
        rc = PV_EXIT_INPUT;
        goto done;
    }
    f = NULL;
    printf("installed %s: runs provscan check --staged -x %s before every commit%s\n", path, idx,
           hooks_dir ? " (core.hooksPath)" : "");
    rc = PV_EXIT_OK;
done:
    git_buf_dispose(&hooks);
    git_config_free(cfg);
    git_repository_free(repo);
    git_libgit2_shutdown();
    pv_cli__args_free(&a);
    return rc;
}

/*
 * cmd_check.c - `provscan check`: the lines a change adds or changes (a libgit2 diff of base
 * and head, or of HEAD and the staged index) are matched in the context of their whole files,
 * so that a span can run across hunk edges; every span that touches an added line and comes
 * from the index is a finding at the file and lines of the head version, judged against the
 * policy (--fail-on-tokens, licenses, ignored authors, a baseline) and written by
 * report_check.c. Exit 0 when the policy holds, 1 when it fails. Also `provscan hook`, which
 * installs a pre-commit hook running `check --staged`.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <git2.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include "check.h"
#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define DEFAULT_FAIL_TOKENS 50
#define MAX_FILE ((git_object_size_t)64 << 20) /* larger files are named and skipped */
#define BASELINE_LIMIT ((size_t)256 << 20)

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
                   "the index file to check against (required)"},
    [OPT_REPO] = {"repo", 0, "PATH", PV_CLI_STRING, 0, 0, ".",
                  "the git repository (its work tree or any folder inside it)"},
    [OPT_BASE] = {"base", 0, "REV", PV_CLI_STRING, 0, 0, "merge base with upstream, else HEAD~1",
                  "the revision the change starts from"},
    [OPT_HEAD] = {"head", 0, "REV", PV_CLI_STRING, 0, 0, "HEAD", "the revision to check"},
    [OPT_STAGED] = {"staged", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "check what is staged for the next commit (the index against HEAD), as a "
                    "pre-commit hook does"},
    [OPT_FAIL_TOKENS] = {"fail-on-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX,
                         STR(DEFAULT_FAIL_TOKENS),
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

/* ---- the change: files and their added lines ------------------------------------------- */

typedef struct changed_file {
    char *path;
    git_oid blob;    /* in the head version (or the staged index) */
    uint32_t *lines; /* added lines, ascending, 1-based */
    size_t nlines, cap;
} changed_file;

typedef struct change {
    changed_file *v;
    size_t n, cap;
    size_t added; /* added lines, all files */
} change;

static void change_free(change *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].path);
        free(c->v[i].lines);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int on_file(const git_diff_delta *d, float progress, void *payload)
{
    change *c = payload;
    changed_file *f;
    (void)progress;
    if (d->status == GIT_DELTA_DELETED || (d->flags & GIT_DIFF_FLAG_BINARY))
        return 0;
    if (d->new_file.mode != GIT_FILEMODE_BLOB && d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE)
        return 0; /* links and submodules hold no text of the change */
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        changed_file *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    f = &c->v[c->n];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(d->new_file.path)))
        return -1;
    f->blob = d->new_file.id;
    c->n++;
    return 0;
}

static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l,
                   void *payload)
{
    change *c = payload;
    changed_file *f;
    (void)h;
    if (l->origin != GIT_DIFF_LINE_ADDITION || l->new_lineno <= 0 || c->n == 0)
        return 0;
    f = &c->v[c->n - 1];
    if (strcmp(f->path, d->new_file.path) != 0)
        return 0; /* a file on_file left out */
    if (f->nlines == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        uint32_t *v = realloc(f->lines, cap * sizeof *v);
        if (!v)
            return -1;
        f->lines = v;
        f->cap = cap;
    }
    f->lines[f->nlines++] = (uint32_t)l->new_lineno;
    c->added++;
    return 0;
}

/* Whether any line of [a, b] was added in f. */
static int touches(const changed_file *f, uint32_t a, uint32_t b)
{
    size_t lo = 0, hi = f->nlines;
    while (lo < hi) { /* the first added line >= a */
        size_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->nlines && f->lines[lo] <= b;
}

/* ---- revisions --------------------------------------------------------------------------- */

static void git_fail(const char *what)
{
    const git_error *e = git_error_last();
    fprintf(stderr, "provscan: %s: %s\n", what, e && e->message ? e->message : "libgit2 error");
}

/* Resolve rev to a commit; a revision missing from a shallow clone is explained. */
static int resolve(git_repository *repo, const char *rev, const char *which, git_commit **out)
{
    git_object *o = NULL;
    if (git_revparse_single(&o, repo, rev) != 0 ||
        git_object_peel((git_object **)out, o, GIT_OBJECT_COMMIT) != 0) {
        const git_error *e = git_error_last();
        fprintf(stderr, "provscan: --%s '%s' is not a commit of this repository: %s\n", which, rev,
                e && e->message ? e->message : "not found");
        if (git_repository_is_shallow(repo) == 1)
            fprintf(stderr,
                    "provscan: this is a shallow clone: fetch the history down to '%s' (git "
                    "fetch --deepen=N, or fetch-depth: 0 in actions/checkout) or fetch it by "
                    "name (git fetch origin %s)\n",
                    rev, rev);
        git_object_free(o);
        return -1;
    }
    git_object_free(o);
    return 0;
}

/* The default base: the merge base of head and the current branch's upstream when there is
 * one, else head's first parent; NULL tree (everything added) for a root commit. */
static int default_base(git_repository *repo, git_commit *head, git_commit **base)
{
    git_reference *cur = NULL, *up = NULL;
    git_oid mb;
    int found = 0;
    *base = NULL;
    if (git_repository_head(&cur, repo) == 0 && git_reference_is_branch(cur) &&
        git_branch_upstream(&up, cur) == 0) {
        const git_oid *uo = git_reference_target(up);
        if (uo && git_merge_base(&mb, repo, git_commit_id(head), uo) == 0 &&
            git_oid_cmp(&mb, git_commit_id(head)) != 0 && git_commit_lookup(base, repo, &mb) == 0)
            found = 1;
    }
    git_reference_free(up);
    git_reference_free(cur);
    if (found)
        return 0;
    if (git_commit_parentcount(head) == 0)
        return 0;
    if (git_commit_parent(base, head, 0) != 0) {
        fprintf(stderr, "provscan: the parent of the head commit is not in this clone");
        if (git_repository_is_shallow(repo) == 1)
            fprintf(stderr, " (a shallow clone: fetch one more commit with git fetch "
                            "--deepen=1, or fetch-depth: 2 in actions/checkout)");
        fputc('\n', stderr);
        return -1;
    }
    return 0;
}

/* ---- policy ------------------------------------------------------------------------------ */

typedef struct policy {
    uint32_t fail_tokens;
    const char **deny, **allow, **ignore; /* split lists */
    size_t ndeny, nallow, nignore;
    int unknown_deny;
} policy;

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

static int in_list(const char *s, const char *const *v, size_t n)
{
    size_t i;
    for (i = 0; s && i < n; i++)
        if (strcasecmp(s, v[i]) == 0)
            return 1;
    return 0;
}

/* Whether the span's origin was written by an ignored author. */
static int ignored(const policy *p, const pv_span *sp)
{
    const pv_source_ref *o = &sp->sources[0];
    size_t i;
    if (in_list(o->author_email, p->ignore, p->nignore) ||
        in_list(o->author_name, p->ignore, p->nignore) ||
        in_list(o->author_id, p->ignore, p->nignore))
        return 1;
    for (i = 0; i < sp->nauthors; i++) /* every author of the span ignored: leave it out */
        if (!in_list(sp->authors[i].email, p->ignore, p->nignore) &&
            !in_list(sp->authors[i].name, p->ignore, p->nignore) &&
            !in_list(sp->authors[i].id, p->ignore, p->nignore))
            return 0;
    return sp->nauthors > 0;
}

/* A license expression against a list, with SPDX's precedence (AND binds closer than OR;
 * parentheses are not nested in what the index records: they are read as the same): in_any
 * 0 asks whether some alternative (the parts joined by OR) has every part (joined by AND) in
 * the list; in_any 1 whether every alternative has some part in it. "ID WITH EXCEPTION" is
 * the part ID. */
static int expr_in(const char *expr, const char *const *v, size_t n, int in_any)
{
    char buf[512], *save = NULL, *tok;
    int alt_all = 1, alt_some = 0, any_alt_all = 0, every_alt_some = 1, skip_next = 0;
    snprintf(buf, sizeof buf, "%s", expr);
    for (tok = strtok_r(buf, " ()", &save);; tok = strtok_r(NULL, " ()", &save)) {
        if (!tok || strcmp(tok, "OR") == 0) { /* an alternative ends */
            any_alt_all |= alt_all;
            every_alt_some &= alt_some;
            if (!tok)
                break;
            alt_all = 1;
            alt_some = 0;
        } else if (strcmp(tok, "AND") == 0) {
            continue;
        } else if (strcmp(tok, "WITH") == 0) {
            skip_next = 1;
        } else if (skip_next) {
            skip_next = 0;
        } else {
            int in = in_list(tok, v, n);
            alt_all &= in;
            alt_some |= in;
        }
    }
    return in_any ? every_alt_some : any_alt_all;
}

/* The rules a span breaks. A license that --allow-license allows breaks none. */
static unsigned judge(const policy *p, const pv_span *sp)
{
    const char *lic = sp->sources[0].license;
    unsigned r = 0;
    if (lic && p->nallow && expr_in(lic, p->allow, p->nallow, 0))
        return 0;
    if (p->fail_tokens && sp->tokens >= p->fail_tokens)
        r |= 1u << PV_CHECK_TOKENS;
    if (lic && (p->nallow || (p->ndeny && expr_in(lic, p->deny, p->ndeny, 1))))
        r |= 1u << PV_CHECK_LICENSE_DENIED;
    if (!lic && p->unknown_deny)
        r |= 1u << PV_CHECK_LICENSE_UNKNOWN;
    return r;
}

/* The finding's fingerprint: its text with runs of white space made one space (so that
 * reindenting and moving it keep the fingerprint), hashed. */
static void fingerprint(const char *text, const pv_span *sp, char out[17])
{
    XXH3_state_t *st = XXH3_createState();
    uint64_t h;
    uint32_t i;
    int space = 0;
    char buf[256];
    size_t n = 0;
    if (!st) {
        snprintf(out, 17, "%016" PRIx64, XXH3_64bits(text + sp->start, sp->end - sp->start));
        return;
    }
    XXH3_64bits_reset(st);
    for (i = sp->start; i < sp->end; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = 1;
            continue;
        }
        if (space && n) {
            buf[n++] = ' ';
            if (n == sizeof buf)
                XXH3_64bits_update(st, buf, n), n = 0;
        }
        space = 0;
        buf[n++] = (char)c;
        if (n == sizeof buf)
            XXH3_64bits_update(st, buf, n), n = 0;
    }
    XXH3_64bits_update(st, buf, n);
    h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    snprintf(out, 17, "%016" PRIx64, h);
}

/* ---- baseline ---------------------------------------------------------------------------- */

typedef struct baseline {
    char (*fp)[17];
    size_t n;
} baseline;

static int cmp_fp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Read a baseline: {"provscan_baseline": 1, "findings": [{"fingerprint": "...", ...}]}. */
static int baseline_read(const char *path, baseline *b)
{
    char *buf = NULL, msg[1200];
    size_t len, i = 0;
    cJSON *doc, *arr, *it;
    memset(b, 0, sizeof *b);
    if (pv_cli__read_input(path, BASELINE_LIMIT, &buf, &len, msg, sizeof msg) != 0) {
        fprintf(stderr, "provscan: %s\n", msg);
        return -1;
    }
    doc = cJSON_ParseWithLength(buf, len);
    free(buf);
    arr = doc ? cJSON_GetObjectItemCaseSensitive(doc, "findings") : NULL;
    if (!cJSON_IsArray(arr) || !cJSON_GetObjectItemCaseSensitive(doc, "provscan_baseline")) {
        fprintf(stderr, "provscan: '%s': not a provscan baseline (written by --write-baseline)\n",
                path);
        cJSON_Delete(doc);
        return -1;
    }
    if (!(b->fp = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *b->fp))) {
        cJSON_Delete(doc);
        return -1;
    }
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "fingerprint");
        i++;
        if (!cJSON_IsString(f) || strlen(f->valuestring) != 16) {
            fprintf(stderr, "provscan: '%s': finding %zu has no fingerprint of 16 hex digits\n",
                    path, i);
            cJSON_Delete(doc);
            free(b->fp);
            b->fp = NULL;
            return -1;
        }
        memcpy(b->fp[b->n++], f->valuestring, 17);
    }
    cJSON_Delete(doc);
    qsort(b->fp, b->n, sizeof *b->fp, cmp_fp);
    return 0;
}

static int baseline_has(const baseline *b, const char *fp)
{
    return b->n && bsearch(fp, b->fp, b->n, sizeof *b->fp, cmp_fp) != NULL;
}

/* Write the findings as a baseline, atomically (a temporary file renamed). */
static int baseline_write(const char *path, const pv_check_finding *v, size_t n)
{
    char tmp[PATH_MAX];
    FILE *f;
    size_t i;
    int bad;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp ||
        !(f = fopen(tmp, "w"))) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"provscan_baseline\": 1, \"findings\": [");
    for (i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char *s;
        cJSON_AddStringToObject(o, "fingerprint", v[i].fingerprint);
        pv_cli__json_add_str(o, "path", v[i].path);
        cJSON_AddNumberToObject(o, "line_start", v[i].span->line_start);
        cJSON_AddNumberToObject(o, "line_end", v[i].span->line_end);
        cJSON_AddNumberToObject(o, "tokens", v[i].span->tokens);
        pv_cli__json_add_str(o, "origin", v[i].span->sources[0].locator);
        s = cJSON_PrintUnformatted(o);
        fprintf(f, "%s\n  %s", i ? "," : "", s ? s : "{}");
        free(s);
        cJSON_Delete(o);
    }
    fprintf(f, "\n]}\n");
    bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "provscan: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

typedef struct checked {
    pv_result **results; /* one per file with findings, kept for the report */
    size_t nresults, cap_results;
    pv_check_finding *f;
    size_t n, cap;
} checked;

static int add_finding(checked *c, const pv_check_finding *f)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        pv_check_finding *v = realloc(c->f, cap * sizeof *v);
        if (!v)
            return -1;
        c->f = v;
        c->cap = cap;
    }
    c->f[c->n++] = *f;
    return 0;
}

static int keep_result(checked *c, pv_result *r)
{
    if (c->nresults == c->cap_results) {
        size_t cap = c->cap_results ? 2 * c->cap_results : 16;
        pv_result **v = realloc(c->results, cap * sizeof *v);
        if (!v)
            return -1;
        c->results = v;
        c->cap_results = cap;
    }
    c->results[c->nresults++] = r;
    return 0;
}

/* Match one changed file and add its findings. Returns 0, 1 when the file was skipped (named
 * on stderr), or -1 on a fatal error. */
static int check_file(git_repository *repo, const pv_index *ix, const pv_match_opts *mo,
                      const policy *p, const baseline *bl, const changed_file *cf, checked *c)
{
    git_blob *blob = NULL;
    pv_result *res = NULL;
    pv_err err = {0, ""};
    const char *text;
    char sha1[41];
    size_t len, i, before = c->n;
    int rc;

    if (git_blob_lookup(&blob, repo, &cf->blob) != 0) {
        git_fail(cf->path);
        return -1;
    }
    if (git_blob_rawsize(blob) > MAX_FILE) {
        fprintf(stderr, "provscan: '%s': %" PRIu64 " bytes, over 64 MiB: not checked\n", cf->path,
                (uint64_t)git_blob_rawsize(blob));
        git_blob_free(blob);
        return 1;
    }
    text = git_blob_rawcontent(blob);
    len = (size_t)git_blob_rawsize(blob);
    { /* the file's SHA-1, as SPDX gives it (not git's blob id, which hashes a header too) */
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0, k;
        sha1[0] = '\0';
        if (EVP_Digest(text, len, md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == 20)
            for (k = 0; k < 20; k++)
                snprintf(sha1 + 2 * k, 3, "%02x", md[k]);
    }
    if ((rc = pv_match_run(ix, text, len, mo, &res, &err)) != 0) {
        fprintf(stderr, "provscan: '%s': %s\n", cf->path, err.msg[0] ? err.msg : pv_strerror(rc));
        git_blob_free(blob);
        return -1;
    }
    for (i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        pv_check_finding f;
        if (sp->common || !sp->nsources || !touches(cf, sp->line_start, sp->line_end))
            continue;
        if (p->nignore && ignored(p, sp))
            continue;
        memset(&f, 0, sizeof f);
        f.path = cf->path;
        f.span = sp;
        f.rules = judge(p, sp);
        fingerprint(text, sp, f.fingerprint);
        memcpy(f.sha1, sha1, sizeof f.sha1);
        f.baselined = baseline_has(bl, f.fingerprint);
        if (add_finding(c, &f) != 0) {
            pv_result_free(res);
            git_blob_free(blob);
            return -1;
        }
    }
    git_blob_free(blob);
    if (c->n == before) {
        pv_result_free(res);
        return 0;
    }
    if (keep_result(c, res) != 0) {
        pv_result_free(res);
        return -1;
    }
    return 0;
}

/* The policy options as one line, for the report. */
static void policy_line(const pv_cli_args *a, char *buf, size_t n)
{
    static const int shown[] = {OPT_FAIL_TOKENS, OPT_DENY,          OPT_ALLOW,
                                OPT_UNKNOWN,     OPT_IGNORE_AUTHOR, OPT_BASELINE};
    size_t i, j, at;
    at = (size_t)snprintf(buf, n, "--fail-on-tokens %s",
                          a->vals[OPT_FAIL_TOKENS].count ? a->vals[OPT_FAIL_TOKENS].str
                                                         : STR(DEFAULT_FAIL_TOKENS));
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
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    git_repository *repo = NULL;
    git_commit *head = NULL, *base = NULL;
    git_tree *head_tree = NULL, *base_tree = NULL;
    git_index *gix = NULL;
    git_diff *diff = NULL;
    git_diff_options dopts;
    change ch = {0};
    checked c = {0};
    policy p = {0};
    baseline bl = {0};
    pv_check_report rep = {0};
    char base_hex[GIT_OID_HEXSZ + 1] = "", head_hex[GIT_OID_HEXSZ + 1] = "", pol[2048];
    const char *format, *out_path;
    FILE *out = stdout;
    size_t i;
    int rc = pv_cli__parse(&spec, argc, argv, &a), skipped = 0;

    git_libgit2_init();
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
    p.fail_tokens =
        a.vals[OPT_FAIL_TOKENS].count ? (uint32_t)a.vals[OPT_FAIL_TOKENS].num : DEFAULT_FAIL_TOKENS;
    p.unknown_deny = a.vals[OPT_UNKNOWN].str && strcmp(a.vals[OPT_UNKNOWN].str, "deny") == 0;
    if (split_list(&a.vals[OPT_DENY], &p.deny, &p.ndeny) != 0 ||
        split_list(&a.vals[OPT_ALLOW], &p.allow, &p.nallow) != 0 ||
        split_list(&a.vals[OPT_IGNORE_AUTHOR], &p.ignore, &p.nignore) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    for (i = 0; i < p.ndeny; i++)
        if (in_list(p.deny[i], p.allow, p.nallow)) {
            rc = pv_cli__usage_error(&spec, "license '%s' is both denied and allowed", p.deny[i]);
            goto done;
        }
    if (a.vals[OPT_MIN_TOKENS].count)
        mo.min_tokens = (uint32_t)a.vals[OPT_MIN_TOKENS].num;
    if (a.vals[OPT_BASELINE].count && baseline_read(a.vals[OPT_BASELINE].str, &bl) != 0) {
        rc = PV_EXIT_INPUT;
        goto done;
    }

    if (git_repository_open_ext(&repo, a.vals[OPT_REPO].str ? a.vals[OPT_REPO].str : ".", 0,
                                NULL) != 0) {
        git_fail(a.vals[OPT_REPO].str ? a.vals[OPT_REPO].str : ".");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
    dopts.context_lines = 0;
    if (a.vals[OPT_STAGED].count) {
        git_reference *hr = NULL;
        if (git_repository_head(&hr, repo) == 0) {
            if (git_reference_peel((git_object **)&base, hr, GIT_OBJECT_COMMIT) != 0)
                base = NULL;
            git_reference_free(hr);
        } /* else: no commit yet, everything staged is added */
        if ((base && git_commit_tree(&base_tree, base) != 0) ||
            git_repository_index(&gix, repo) != 0 ||
            git_diff_tree_to_index(&diff, repo, base_tree, gix, &dopts) != 0) {
            git_fail("the staged change");
            rc = PV_EXIT_INPUT;
            goto done;
        }
        snprintf(head_hex, sizeof head_hex, "STAGED");
    } else {
        if (resolve(repo, a.vals[OPT_HEAD].count ? a.vals[OPT_HEAD].str : "HEAD", "head", &head) !=
            0) {
            rc = PV_EXIT_INPUT;
            goto done;
        }
        if (a.vals[OPT_BASE].count ? resolve(repo, a.vals[OPT_BASE].str, "base", &base)
                                   : default_base(repo, head, &base)) {
            rc = PV_EXIT_INPUT;
            goto done;
        }
        if (git_commit_tree(&head_tree, head) != 0 ||
            (base && git_commit_tree(&base_tree, base) != 0) ||
            git_diff_tree_to_tree(&diff, repo, base_tree, head_tree, &dopts) != 0) {
            git_fail("the change");
            rc = PV_EXIT_INPUT;
            goto done;
        }
        git_oid_tostr(head_hex, sizeof head_hex, git_commit_id(head));
    }
    if (base)
        git_oid_tostr(base_hex, sizeof base_hex, git_commit_id(base));
    if (git_diff_foreach(diff, on_file, NULL, NULL, on_line, &ch) != 0) {
        git_fail("reading the change");
        rc = PV_EXIT_INPUT;
        goto done;
    }

    if ((rc = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err)) < 0) {
        pv_cli__lib_error(&err, rc);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    for (i = 0; i < ch.n; i++) {
        int r;
        if (ch.v[i].nlines == 0)
            continue; /* only removals, or a rename without change */
        r = check_file(repo, ix, &mo, &p, &bl, &ch.v[i], &c);
        if (r < 0) {
            rc = PV_EXIT_INPUT;
            goto done;
        }
        skipped |= r;
    }

    rep.repo =
        git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);
    rep.index_path = a.vals[OPT_INDEX].str;
    rep.base = base_hex;
    rep.head = head_hex;
    policy_line(&a, pol, sizeof pol);
    rep.policy = pol;
    rep.version = PV_VERSION_STRING;
    rep.findings = c.f;
    rep.nfindings = c.n;
    for (i = 0; i < ch.n; i++)
        rep.files += ch.v[i].nlines > 0;
    rep.added_lines = ch.added;
    for (i = 0; i < c.n; i++)
        if (c.f[i].rules && !c.f[i].baselined)
            rep.failed = 1;

    if (a.vals[OPT_WRITE_BASELINE].count &&
        baseline_write(a.vals[OPT_WRITE_BASELINE].str, c.f, c.n) != 0) {
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
    rc = rep.failed ? PV_EXIT_FINDINGS : skipped ? PV_EXIT_INPUT : PV_EXIT_OK;
done:
    if (out != stdout)
        fclose(out);
    for (i = 0; i < c.nresults; i++)
        pv_result_free(c.results[i]);
    free(c.results);
    free(c.f);
    free(bl.fp);
    free_list(p.deny, p.ndeny);
    free_list(p.allow, p.nallow);
    free_list(p.ignore, p.nignore);
    change_free(&ch);
    git_diff_free(diff);
    git_index_free(gix);
    git_tree_free(head_tree);
    git_tree_free(base_tree);
    git_commit_free(head);
    git_commit_free(base);
    git_repository_free(repo);
    git_libgit2_shutdown();
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

/*
 * check.c - a change checked for spans from the index (pv_check_run): the lines a libgit2 diff
 * adds (base..head, or HEAD..the staged index) are matched in the context of their whole files
 * (pv_match_run), every span touching an added line is a finding, judged against the policy
 * and fingerprinted so that a baseline recognises it after lines move. cli/cmd_check.c calls
 * it and cli/report_check.c writes the findings.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <git2.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include "common_int.h"
#include "provscan.h"
#include "scanner_int.h"

#define BASELINE_LIMIT ((size_t)256 << 20)

static const struct {
    const char *id, *text;
} rules[PV_CHECK_NRULES] = {
    [PV_CHECK_TOKENS] = {"copied-span", "A span copied from an indexed source is over the limit"},
    [PV_CHECK_LICENSE_DENIED] = {"license-denied",
                                 "A span comes from a source under a denied license"},
    [PV_CHECK_LICENSE_UNKNOWN] = {"license-unknown",
                                  "A span comes from a source with no known license"},
};

const char *pv_check_rule_id(pv_check_rule r)
{
    return (unsigned)r < PV_CHECK_NRULES ? rules[r].id : "unknown";
}

const char *pv_check_rule_text(pv_check_rule r)
{
    return (unsigned)r < PV_CHECK_NRULES ? rules[r].text : "unknown rule";
}

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
    if (pv_array__grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v) != 0)
        return -1;
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
    if (pv_array__grow((void **)&f->lines, &f->cap, f->nlines + 1, sizeof *f->lines) != 0)
        return -1;
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

static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "libgit2 error";
}

/* Resolve rev to a commit; a revision missing from a shallow clone is explained. */
static int resolve(git_repository *repo, const char *rev, const char *which, git_commit **out,
                   pv_err *err)
{
    git_object *o = NULL;
    if (git_revparse_single(&o, repo, rev) != 0 ||
        git_object_peel((git_object **)out, o, GIT_OBJECT_COMMIT) != 0) {
        const git_error *e = git_error_last();
        char why[512];
        snprintf(why, sizeof why, "%s", e && e->message ? e->message : "not found");
        git_object_free(o);
        if (git_repository_is_shallow(repo) == 1)
            return pv_err__set(err, PV_EIO,
                               "--%s '%s' is not a commit of this repository: %s; this is a "
                               "shallow clone: fetch the history down to '%s' (git fetch "
                               "--deepen=N, or fetch-depth: 0 in actions/checkout) or fetch it "
                               "by name (git fetch origin %s)",
                               which, rev, why, rev, rev);
        return pv_err__set(err, PV_EIO, "--%s '%s' is not a commit of this repository: %s", which,
                           rev, why);
    }
    git_object_free(o);
    return 0;
}

/* The default base: the merge base of head and the current branch's upstream when there is
 * one, else head's first parent; NULL (everything added) for a root commit. */
static int default_base(git_repository *repo, git_commit *head, git_commit **base, pv_err *err)
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
    if (found || git_commit_parentcount(head) == 0)
        return 0;
    if (git_commit_parent(base, head, 0) != 0)
        return pv_err__set(err, PV_EIO, "the parent of the head commit is not in this clone%s",
                           git_repository_is_shallow(repo) == 1
                               ? " (a shallow clone: fetch one more commit with git fetch "
                                 "--deepen=1, or fetch-depth: 2 in actions/checkout)"
                               : "");
    return 0;
}

/* ---- policy ------------------------------------------------------------------------------ */

static int in_list(const char *s, const char *const *v, size_t n)
{
    size_t i;
    for (i = 0; s && i < n; i++)
        if (strcasecmp(s, v[i]) == 0)
            return 1;
    return 0;
}

int pv_check_policy_validate(const pv_check_policy *p, pv_err *err)
{
    size_t i;
    for (i = 0; p && i < p->ndeny; i++)
        if (in_list(p->deny[i], p->allow, p->nallow))
            return pv_err__set(err, PV_EINVAL, "license '%s' is both denied and allowed",
                               p->deny[i]);
    return 0;
}

/* Whether the span's origin was written by an ignored author. */
static int ignored(const pv_check_policy *p, const pv_span *sp)
{
    const pv_source_ref *o = &sp->sources[0];
    const char *const *v = p->ignore_authors;
    size_t i, n = p->nignore_authors;
    if (in_list(o->author_email, v, n) || in_list(o->author_name, v, n) ||
        in_list(o->author_id, v, n))
        return 1;
    for (i = 0; i < sp->nauthors; i++) /* every author of the span ignored: leave it out */
        if (!in_list(sp->authors[i].email, v, n) && !in_list(sp->authors[i].name, v, n) &&
            !in_list(sp->authors[i].id, v, n))
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

/* The rules a span breaks. A license that the allow list allows breaks none. */
static unsigned judge(const pv_check_policy *p, const pv_span *sp)
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

struct pv_check_baseline {
    char (*fp)[17]; /* sorted */
    size_t n;
};

static int cmp_fp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int is_hex16(const char *s)
{
    size_t i;
    for (i = 0; i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return s[16] == '\0';
}

/* The whole of path ("-": standard input), up to limit bytes, into *buf (malloc'ed). */
static int read_all(const char *path, size_t limit, char **buf, size_t *len, pv_err *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    *buf = NULL;
    *len = 0;
    if (!f)
        return pv_err__set(err, PV_EIO, "cannot open '%s': %s", shown, strerror(errno));
    for (;;) {
        size_t got;
        if (n == cap) {
            /* one byte past the limit, so that an input of exactly limit bytes fits */
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            char *p;
            if (ncap > limit + 1)
                ncap = limit + 1;
            if (ncap <= cap) {
                rc = pv_err__set(err, PV_ELIMIT,
                                 "'%s' is larger than %zu MiB, the limit for "
                                 "one input",
                                 shown, limit >> 20);
                break;
            }
            if (!(p = realloc(data, ncap + 1))) {
                rc = pv_err__set(err, PV_ENOMEM, "cannot read '%s': out of memory", shown);
                break;
            }
            data = p;
            cap = ncap;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = pv_err__set(err, PV_EIO, "cannot read '%s': %s", shown, strerror(errno));
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (rc) {
        free(data);
        return rc;
    }
    if (!data && !(data = malloc(1)))
        return pv_err__set(err, PV_ENOMEM, "cannot read '%s': out of memory", shown);
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 0;
}

int pv_check_baseline_read(const char *path, pv_check_baseline **out, pv_err *err)
{
    pv_check_baseline *b = NULL;
    char *buf = NULL;
    size_t len, i = 0;
    cJSON *doc = NULL, *arr, *it;
    int rc;
    *out = NULL;
    if ((rc = read_all(path, BASELINE_LIMIT, &buf, &len, err)) != 0)
        return rc;
    doc = cJSON_ParseWithLength(buf, len);
    free(buf);
    arr = doc ? cJSON_GetObjectItemCaseSensitive(doc, "findings") : NULL;
    if (!cJSON_IsArray(arr) || !cJSON_GetObjectItemCaseSensitive(doc, "provscan_baseline")) {
        rc = pv_err__set(err, PV_EFORMAT,
                         "'%s': not a provscan baseline (written by --write-baseline)", path);
        goto done;
    }
    if (!(b = calloc(1, sizeof *b)) ||
        !(b->fp = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *b->fp))) {
        rc = pv_err__set(err, PV_ENOMEM, "'%s': out of memory", path);
        goto done;
    }
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "fingerprint");
        i++;
        if (!cJSON_IsString(f) || !is_hex16(f->valuestring)) {
            rc = pv_err__set(err, PV_EFORMAT,
                             "'%s': finding %zu has no fingerprint of 16 hex digits", path, i);
            goto done;
        }
        memcpy(b->fp[b->n++], f->valuestring, 17);
    }
    qsort(b->fp, b->n, sizeof *b->fp, cmp_fp);
    *out = b;
    b = NULL;
done:
    cJSON_Delete(doc);
    pv_check_baseline_free(b);
    return rc;
}

int pv_check_baseline_has(const pv_check_baseline *b, const char *fp)
{
    return b && b->n && fp && bsearch(fp, b->fp, b->n, sizeof *b->fp, cmp_fp) != NULL;
}

void pv_check_baseline_free(pv_check_baseline *b)
{
    if (!b)
        return;
    free(b->fp);
    free(b);
}

/* s as valid UTF-8 (ill-formed sequences become U+FFFD) in a malloc'ed copy, or NULL. */
static char *utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    char *o = malloc(3 * (size_t)(end - p) + 1), *q = o;
    if (!o)
        return NULL;
    while (p < end) {
        if (*p < 0x80) {
            *q++ = (char)*p++;
        } else {
            int32_t cp;
            size_t n = pv_scanner__utf8_decode(p, end, &cp);
            if (cp < 0) {
                memcpy(q, "\xEF\xBF\xBD", 3);
                q += 3;
            } else {
                memcpy(q, p, n);
                q += n;
            }
            p += n;
        }
    }
    *q = '\0';
    return o;
}

/* Add s to o as key, made valid UTF-8; null for NULL. Returns 0 or -1 (out of memory). */
static int add_str(cJSON *o, const char *key, const char *s)
{
    char *c;
    int bad;
    if (!s)
        return cJSON_AddNullToObject(o, key) ? 0 : -1;
    if (!(c = utf8_clean(s)))
        return -1;
    bad = !cJSON_AddStringToObject(o, key, c);
    free(c);
    return bad ? -1 : 0;
}

int pv_check_baseline_write(const char *path, const pv_check_result *r, pv_err *err)
{
    char *tmp;
    FILE *f;
    size_t i, n = r ? r->nfindings : 0;
    int bad = 0;
    if (!(tmp = malloc(strlen(path) + 32)))
        return pv_err__set(err, PV_ENOMEM, "cannot write '%s': out of memory", path);
    snprintf(tmp, strlen(path) + 32, "%s.tmp.%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "w"))) {
        int rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    fprintf(f, "{\"provscan_baseline\": 1, \"findings\": [");
    for (i = 0; i < n && !bad; i++) {
        const pv_check_finding *fd = &r->findings[i];
        cJSON *o = cJSON_CreateObject();
        char *s = NULL;
        bad = !o || add_str(o, "fingerprint", fd->fingerprint) != 0 ||
              add_str(o, "path", fd->path) != 0 ||
              !cJSON_AddNumberToObject(o, "line_start", fd->span->line_start) ||
              !cJSON_AddNumberToObject(o, "line_end", fd->span->line_end) ||
              !cJSON_AddNumberToObject(o, "tokens", fd->span->tokens) ||
              add_str(o, "origin", fd->span->nsources ? fd->span->sources[0].locator : NULL) != 0 ||
              !(s = cJSON_PrintUnformatted(o));
        if (!bad)
            fprintf(f, "%s\n  %s", i ? "," : "", s);
        free(s);
        cJSON_Delete(o);
    }
    if (bad) {
        fclose(f);
        unlink(tmp);
        free(tmp);
        return pv_err__set(err, PV_ENOMEM, "cannot write '%s': out of memory", path);
    }
    fprintf(f, "\n]}\n");
    bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int rc = pv_err__set(err, PV_EIO, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

/* A result and what its findings point to. */
typedef struct check_result {
    pv_check_result pub; /* first: pv_check_result_free casts back */
    char *repo;
    change ch;           /* the paths of the findings */
    pv_result **results; /* one per file with findings */
    size_t nresults, cap_results;
    pv_check_finding *f;
    size_t n, cap;
} check_result;

void pv_check_result_free(pv_check_result *r)
{
    check_result *c = (check_result *)r;
    size_t i;
    if (!c)
        return;
    for (i = 0; i < c->nresults; i++)
        pv_result_free(c->results[i]);
    free(c->results);
    free(c->f);
    change_free(&c->ch);
    free(c->repo);
    free(c);
}

/* Match one changed file and add its findings. Returns 0, 1 when the file was skipped (named
 * through diag), or a negative pv_error. */
static int check_file(git_repository *repo, const pv_index *ix, const pv_check_opts *o,
                      const changed_file *cf, check_result *c, pv_err *err)
{
    git_blob *blob = NULL;
    pv_result *res = NULL;
    const char *text;
    char sha1[41];
    size_t len, i, before = c->n;
    int rc = 0;

    if (git_blob_lookup(&blob, repo, &cf->blob) != 0)
        return pv_err__set(err, PV_EIO, "%s: %s", cf->path, git_msg());
    if ((uint64_t)git_blob_rawsize(blob) > PV_CHECK_MAX_FILE) {
        if (o->diag) {
            char msg[1024];
            snprintf(msg, sizeof msg, "'%s': %" PRIu64 " bytes, over 64 MiB: not checked", cf->path,
                     (uint64_t)git_blob_rawsize(blob));
            o->diag(o->ctx, PV_WARNING, msg);
        }
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
    if ((rc = pv_match_run(ix, text, len, &o->match, &res, err)) != 0) {
        char why[sizeof err->msg];
        if (err) {
            snprintf(why, sizeof why, "%s", err->msg[0] ? err->msg : pv_strerror(rc));
            pv_err__set(err, rc, "'%s': %s", cf->path, why);
        }
        git_blob_free(blob);
        return rc;
    }
    for (i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        pv_check_finding f;
        if (sp->common || !sp->nsources || !touches(cf, sp->line_start, sp->line_end))
            continue;
        if (o->policy.nignore_authors && ignored(&o->policy, sp))
            continue;
        memset(&f, 0, sizeof f);
        f.path = cf->path;
        f.span = sp;
        f.rules = judge(&o->policy, sp);
        fingerprint(text, sp, f.fingerprint);
        memcpy(f.sha1, sha1, sizeof f.sha1);
        f.baselined = pv_check_baseline_has(o->baseline, f.fingerprint);
        if (pv_array__grow((void **)&c->f, &c->cap, c->n + 1, sizeof *c->f) != 0) {
            rc = pv_err__set(err, PV_ENOMEM, "'%s': out of memory", cf->path);
            goto done;
        }
        c->f[c->n++] = f;
    }
    if (c->n > before) {
        if (pv_array__grow((void **)&c->results, &c->cap_results, c->nresults + 1,
                           sizeof *c->results) != 0) {
            rc = pv_err__set(err, PV_ENOMEM, "'%s': out of memory", cf->path);
            goto done;
        }
        c->results[c->nresults++] = res;
        res = NULL;
    }
done:
    pv_result_free(res);
    git_blob_free(blob);
    return rc;
}

int pv_check_run(const pv_index *ix, const pv_check_opts *opts, pv_check_result **out, pv_err *err)
{
    static const pv_check_opts defaults = PV_CHECK_OPTS_INIT;
    const pv_check_opts *o = opts ? opts : &defaults;
    check_result *c = NULL;
    git_repository *repo = NULL;
    git_commit *head = NULL, *base = NULL;
    git_tree *head_tree = NULL, *base_tree = NULL;
    git_index *gix = NULL;
    git_diff *diff = NULL;
    git_diff_options dopts;
    const char *rp = o->repo ? o->repo : ".", *wd;
    size_t i;
    int rc = 0, inited = 0;

    if (!out)
        return pv_err__set(err, PV_EINVAL, "pv_check_run: no place for the result");
    *out = NULL;
    if (!ix)
        return pv_err__set(err, PV_EINVAL, "pv_check_run: no index");
    if (o->version != PV_CHECK_OPTS_VERSION)
        return pv_err__set(err, PV_EINVAL, "check options of version %u (this library: %d)",
                           o->version, PV_CHECK_OPTS_VERSION);
    if (o->staged && (o->base || o->head))
        return pv_err__set(err, PV_EINVAL,
                           "--staged checks the index against HEAD: it takes no --base or --head");
    if ((rc = pv_check_policy_validate(&o->policy, err)) != 0)
        return rc;
    if (!(c = calloc(1, sizeof *c)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");

    /* the process-wide settings (pv_init) when the program made none, then a reference of ours */
    if (pv_scanner__git_setup() != 0 || git_libgit2_init() < 0) {
        rc = pv_err__set(err, PV_EIO, "%s: cannot start libgit2", rp);
        goto done;
    }
    inited = 1;
    if (git_repository_open_ext(&repo, rp, 0, NULL) != 0) {
        rc = pv_err__set(err, PV_EIO, "%s: %s", rp, git_msg());
        goto done;
    }
    git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
    dopts.context_lines = 0;
    if (o->staged) {
        git_reference *hr = NULL;
        if (git_repository_head(&hr, repo) == 0) {
            if (git_reference_peel((git_object **)&base, hr, GIT_OBJECT_COMMIT) != 0)
                base = NULL;
            git_reference_free(hr);
        } /* else: no commit yet, everything staged is added */
        if ((base && git_commit_tree(&base_tree, base) != 0) ||
            git_repository_index(&gix, repo) != 0 ||
            git_diff_tree_to_index(&diff, repo, base_tree, gix, &dopts) != 0) {
            rc = pv_err__set(err, PV_EIO, "the staged change: %s", git_msg());
            goto done;
        }
        snprintf(c->pub.head, sizeof c->pub.head, "STAGED");
    } else {
        if ((rc = resolve(repo, o->head ? o->head : "HEAD", "head", &head, err)) != 0)
            goto done;
        if ((rc = o->base ? resolve(repo, o->base, "base", &base, err)
                          : default_base(repo, head, &base, err)) != 0)
            goto done;
        if (git_commit_tree(&head_tree, head) != 0 ||
            (base && git_commit_tree(&base_tree, base) != 0) ||
            git_diff_tree_to_tree(&diff, repo, base_tree, head_tree, &dopts) != 0) {
            rc = pv_err__set(err, PV_EIO, "the change: %s", git_msg());
            goto done;
        }
        git_oid_tostr(c->pub.head, sizeof c->pub.head, git_commit_id(head));
    }
    if (base)
        git_oid_tostr(c->pub.base, sizeof c->pub.base, git_commit_id(base));
    if (git_diff_foreach(diff, on_file, NULL, NULL, on_line, &c->ch) != 0) {
        rc = pv_err__set(err, PV_EIO, "reading the change: %s", git_msg());
        goto done;
    }

    for (i = 0; i < c->ch.n; i++) {
        int r;
        if (c->ch.v[i].nlines == 0)
            continue; /* only removals, or a rename without change */
        c->pub.files++;
        if ((r = check_file(repo, ix, o, &c->ch.v[i], c, err)) < 0) {
            rc = r;
            goto done;
        }
        c->pub.skipped += (size_t)r;
    }
    wd = git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);
    if (!(c->repo = strdup(wd))) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory");
        goto done;
    }
    c->pub.repo = c->repo;
    c->pub.findings = c->f;
    c->pub.nfindings = c->n;
    c->pub.added_lines = c->ch.added;
    for (i = 0; i < c->n; i++)
        if (c->f[i].rules && !c->f[i].baselined)
            c->pub.failed = 1;
    *out = &c->pub;
    c = NULL;
done:
    pv_check_result_free(c ? &c->pub : NULL);
    git_diff_free(diff);
    git_index_free(gix);
    git_tree_free(head_tree);
    git_tree_free(base_tree);
    git_commit_free(head);
    git_commit_free(base);
    git_repository_free(repo);
    if (inited)
        git_libgit2_shutdown();
    return rc;
}

/*
 * report_check.c - the report of `provscan check` (check.h): the findings a change brings in,
 * as text, JSON (docs/json.md), SARIF 2.1.0 for code scanning, SPDX 2.3 snippets or CycloneDX
 * 1.6 evidence (docs/ci.md). cmd_check.c finds and judges them; this file only writes them.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "check.h"
#include "cli_int.h"

/* Where the project lives: SARIF's informationUri, the base of every rule's helpUri, the SPDX
 * document namespace and a line of `provscan --version`. One build setting: the Makefile's
 * PROVSCAN_HOME_URL, passed to this file alone (set it when you publish a fork); the default
 * here serves only builds that do not go through the Makefile. */
#ifndef PROVSCAN_HOME_URL
#define PROVSCAN_HOME_URL "https://github.com/provscan/provscan"
#endif
#define HOME_URL PROVSCAN_HOME_URL
#define CI_DOC_URL HOME_URL "/blob/main/docs/ci.md"

const char *pv_check__home_url(void)
{
    return HOME_URL;
}

/* GitHub code scanning's limits on one upload: results per run, and the file's gzipped size
 * (docs "SARIF support for code scanning"). The size limit is kept with a margin. */
#define SARIF_MAX_RESULTS 25000
#define SARIF_MAX_GZIP (10u * 1000 * 1000)
/* Text a message or an author list may take (bytes); past it, the rest is cut with "...". */
#define MSG_CAP 2000
#define AUTHORS_SHOWN 8

/* What each rule asks, in full (SARIF's fullDescription and help); its id and one-line text
 * are the library's (pv_check_rule_id, pv_check_rule_text). */
static const char *const rule_full[PV_CHECK_NRULES] = {
    [PV_CHECK_TOKENS] = "The change brings in a span of --fail-on-tokens N tokens or more that "
                        "the index attributes to a document of its corpus.",
    [PV_CHECK_LICENSE_DENIED] = "The change brings in a span whose source document is under a "
                                "license that --deny-license names, or that --allow-license "
                                "does not name.",
    [PV_CHECK_LICENSE_UNKNOWN] = "The change brings in a span whose source document has no "
                                 "license the index knows, and --unknown-license is deny.",
};

const char *pv_check__rule_id(pv_check_rule r)
{
    return pv_check_rule_id(r);
}

const char *pv_check__rule_text(pv_check_rule r)
{
    return pv_check_rule_text(r);
}

/* ---- what every format says of a finding ------------------------------------------------ */

static const pv_source_ref *origin_of(const pv_check_finding *fd)
{
    return fd->span && fd->span->nsources > 0 ? &fd->span->sources[0] : NULL;
}

/* "fails", "allowed" or "baselined" */
static const char *status_of(const pv_check_finding *fd)
{
    return fd->baselined ? "baselined" : fd->rules ? "fails" : "allowed";
}

static int breaks(const pv_check_finding *fd, pv_check_rule r)
{
    return (fd->rules >> r) & 1u;
}

/* Lines never below 1, and end never before start: regions must be valid whatever came in. */
static uint32_t line1(uint32_t l)
{
    return l ? l : 1;
}

/* A percentage with one decimal: 66.7 */
static double pct(double share)
{
    return round(share * 1000) / 10 + 0.0;
}

/* A string being built, cut at cap bytes (on a UTF-8 boundary) with "...". */
typedef struct msg {
    char *p;
    size_t n;
    FILE *f;
} msg;

static int msg_open(msg *m)
{
    m->p = NULL;
    m->n = 0;
    m->f = open_memstream(&m->p, &m->n);
    return m->f ? 0 : -1;
}

/* Close m and return its text (malloc'ed), cut to cap bytes; NULL when memory ran out. */
static char *msg_close(msg *m, size_t cap)
{
    if (fclose(m->f) != 0 || !m->p) {
        free(m->p);
        return NULL;
    }
    if (m->n > cap) {
        size_t cut = cap - 3;
        while (cut > 0 && ((unsigned char)m->p[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(m->p + cut, "...", 4);
    }
    return m->p;
}

static void put_plain(FILE *f, const char *s, size_t n)
{
    fwrite(s, 1, n, f);
}

/* "Alice <a@x> 66.7%, Bob 33.3%" (the first AUTHORS_SHOWN, then "and N others"), or
 * "unknown" */
static void put_authors(FILE *f, pv_cli_put_fn put, const pv_span *sp)
{
    size_t i;
    if (sp->nauthors == 0) {
        fputs("unknown", f);
        return;
    }
    for (i = 0; i < sp->nauthors && i < AUTHORS_SHOWN; i++) {
        const pv_author_credit *a = &sp->authors[i];
        if (i > 0)
            fputs(", ", f);
        pv_cli__put_person(f, put, a->name, a->email, a->id);
        fprintf(f, " %.1f%%", pct(a->share));
    }
    if (sp->nauthors > AUTHORS_SHOWN)
        fprintf(f, ", and %zu others", sp->nauthors - AUTHORS_SHOWN);
}

/* The rules fd breaks, as ids joined by ", " */
static void put_rules(FILE *f, const pv_check_finding *fd)
{
    int r, first = 1;
    for (r = 0; r < PV_CHECK_NRULES; r++)
        if (breaks(fd, (pv_check_rule)r)) {
            fprintf(f, "%s%s", first ? "" : ", ", pv_check_rule_id((pv_check_rule)r));
            first = 0;
        }
}

/* "SOURCE LOCATOR lines A-B at COMMIT", the parts known */
static void put_origin(FILE *f, pv_cli_put_fn put, const pv_source_ref *o)
{
    if (o->source) {
        put(f, o->source, strlen(o->source));
        fputc(' ', f);
    }
    if (o->locator)
        put(f, o->locator, strlen(o->locator));
    fprintf(f, " lines %u-%u", o->line_start, o->line_end);
    if (o->commit) {
        fputs(" at ", f);
        put(f, o->commit, strlen(o->commit));
    }
}

/* One sentence naming the source: "185 tokens copied from SOURCE LOCATOR lines 3-32 at commit
 * C (license MIT; authors Alice 100.0%; permalink URL)". */
static void put_source(FILE *f, pv_cli_put_fn put, const pv_check_finding *fd)
{
    const pv_source_ref *o = origin_of(fd);
    fprintf(f, "%u tokens copied from ", fd->span->tokens);
    if (!o) {
        fputs("an indexed source", f);
        return;
    }
    put_origin(f, put, o);
    fputs(" (license ", f);
    if (o->license)
        put(f, o->license, strlen(o->license));
    else
        fputs("unknown", f);
    fputs("; authors ", f);
    put_authors(f, put, fd->span);
    if (o->url) {
        fputs("; permalink ", f);
        put(f, o->url, strlen(o->url));
    }
    fputc(')', f);
}

/* ---- text ------------------------------------------------------------------------------ */

static void put_str(FILE *f, const char *label, const char *s)
{
    fputs(label, f);
    pv_cli__put_caret(f, s, strlen(s));
    fputc('\n', f);
}

static void text_finding(FILE *f, const pv_check_finding *fd)
{
    const pv_span *sp = fd->span;
    const pv_source_ref *o = origin_of(fd);
    pv_cli__put_caret(f, fd->path, strlen(fd->path));
    fprintf(f, ":%u-%u: %u tokens, ", sp->line_start, sp->line_end, sp->tokens);
    if (fd->rules) {
        fputs(fd->baselined ? "baselined (would break " : "breaks ", f);
        put_rules(f, fd);
        fputs(fd->baselined ? ")\n" : "\n", f);
    } else {
        fputs(fd->baselined ? "baselined\n" : "allowed\n", f);
    }
    if (o) {
        fputs("    from ", f);
        put_origin(f, pv_cli__put_caret, o);
        fputc('\n', f);
        if (o->first_commit && (!o->commit || strcmp(o->first_commit, o->commit) != 0))
            put_str(f, "    first written in ", o->first_commit);
        if (o->url)
            put_str(f, "    permalink ", o->url);
        put_str(f, "    license ", o->license ? o->license : "unknown");
    }
    fputs("    authors ", f);
    put_authors(f, pv_cli__put_caret, sp);
    fprintf(f, "\n    strength %.1f, fingerprint %s\n", round(sp->strength * 10) / 10 + 0.0,
            fd->fingerprint);
}

typedef struct counts {
    size_t fails, allowed, baselined;
} counts;

static counts count(const pv_check_report *r)
{
    counts c = {0, 0, 0};
    size_t i;
    for (i = 0; i < r->nfindings; i++) {
        const pv_check_finding *fd = &r->findings[i];
        if (fd->baselined)
            c.baselined++;
        else if (fd->rules)
            c.fails++;
        else
            c.allowed++;
    }
    return c;
}

static int write_text(FILE *f, const pv_check_report *r)
{
    counts c = count(r);
    char a[32], b[32], c3[32];
    size_t i;
    for (i = 0; i < r->nfindings; i++) {
        text_finding(f, &r->findings[i]);
        fputc('\n', f);
    }
    fprintf(f,
            "%s %s in %s changed %s (%s added lines): %zu %s the policy, %zu allowed, %zu "
            "baselined; policy ",
            pv_cli__commas(r->nfindings, a), r->nfindings == 1 ? "finding" : "findings",
            pv_cli__commas(r->files, b), r->files == 1 ? "file" : "files",
            pv_cli__commas(r->added_lines, c3), c.fails, c.fails == 1 ? "breaks" : "break",
            c.allowed, c.baselined);
    fputs(r->failed ? "fails\n" : "holds\n", f);
    return 0;
}

/* ---- JSON helpers ----------------------------------------------------------------------- */

static int add_num(cJSON *o, const char *key, double v)
{
    return cJSON_AddNumberToObject(o, key, v) ? 0 : -1;
}

/* Made valid UTF-8 (pv_cli__json_add_str); NULL is null. */
static int add_str(cJSON *o, const char *key, const char *s)
{
    return pv_cli__json_add_str(o, key, s);
}

/* Adds s only when it is not NULL (schemas that forbid null). */
static int add_opt(cJSON *o, const char *key, const char *s)
{
    return s ? add_str(o, key, s) : 0;
}

/* Adds the text m (malloc'ed, NULL when memory ran out) and frees it. */
static int add_msg(cJSON *o, const char *key, char *m)
{
    int rc = m ? add_str(o, key, m) : -1;
    free(m);
    return rc;
}

static cJSON *add_obj(cJSON *parent, const char *key)
{
    return parent ? cJSON_AddObjectToObject(parent, key) : NULL;
}

static cJSON *add_arr(cJSON *parent, const char *key)
{
    return parent ? cJSON_AddArrayToObject(parent, key) : NULL;
}

/* A new object appended to array, or NULL. */
static cJSON *push_obj(cJSON *array)
{
    cJSON *o;
    if (!array)
        return NULL;
    o = cJSON_CreateObject();
    if (o && !cJSON_AddItemToArray(array, o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int push_str(cJSON *array, const char *s)
{
    cJSON *tmp = cJSON_CreateObject(), *item;
    if (!array || !tmp || add_str(tmp, "s", s) != 0) {
        cJSON_Delete(tmp);
        return -1;
    }
    item = cJSON_DetachItemFromObject(tmp, "s");
    cJSON_Delete(tmp);
    if (!cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

/* Print doc to f (formatted, newline at the end) and free it. Returns 0, or -1 when memory
 * ran out or f failed. */
static int print_doc(FILE *f, cJSON *doc, int bad)
{
    char *s = bad || pv_cli__json_exact_numbers(doc) ? NULL : cJSON_Print(doc);
    int rc = -1;
    cJSON_Delete(doc);
    if (s) {
        rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
        free(s);
    } else {
        fputs("provscan: out of memory writing the check report\n", stderr);
    }
    return rc;
}

/* The message of put_source as a string */
static char *source_text(const pv_check_finding *fd)
{
    msg m;
    if (msg_open(&m) != 0)
        return NULL;
    put_source(m.f, put_plain, fd);
    return msg_close(&m, MSG_CAP);
}

static char *authors_text(const pv_span *sp)
{
    msg m;
    if (msg_open(&m) != 0)
        return NULL;
    put_authors(m.f, put_plain, sp);
    return msg_close(&m, MSG_CAP);
}

/* ---- json ------------------------------------------------------------------------------ */

static int write_json(FILE *f, const pv_check_report *r)
{
    cJSON *doc = cJSON_CreateObject(), *ck = add_obj(doc, "check"), *rl, *arr;
    counts c = count(r);
    size_t i;
    int bad = !ck;
    if (!bad) {
        bad |= add_str(ck, "version", r->version);
        bad |= add_str(ck, "repo", r->repo);
        bad |= add_str(ck, "index", r->index_path);
        bad |= add_str(ck, "base", r->base);
        bad |= add_str(ck, "head", r->head);
        bad |= add_str(ck, "policy", r->policy);
        bad |= add_num(ck, "files", (double)r->files);
        bad |= add_num(ck, "added_lines", (double)r->added_lines);
        bad |= add_num(ck, "findings", (double)r->nfindings);
        bad |= add_num(ck, "fails", (double)c.fails);
        bad |= add_num(ck, "allowed", (double)c.allowed);
        bad |= add_num(ck, "baselined", (double)c.baselined);
        bad |= !cJSON_AddBoolToObject(ck, "failed", r->failed != 0);
    }
    rl = add_arr(doc, "rules");
    for (i = 0; !bad && i < PV_CHECK_NRULES; i++) {
        cJSON *o = push_obj(rl);
        bad |= !o || add_str(o, "id", pv_check_rule_id((pv_check_rule)i)) ||
               add_str(o, "description", pv_check_rule_text((pv_check_rule)i));
    }
    arr = bad ? NULL : add_arr(doc, "findings");
    bad |= !arr;
    for (i = 0; !bad && i < r->nfindings; i++) {
        const pv_check_finding *fd = &r->findings[i];
        cJSON *o = push_obj(arr), *ids = add_arr(o, "rules"), *span;
        int k;
        bad |= !ids || add_str(o, "path", fd->path) || add_str(o, "status", status_of(fd)) ||
               add_str(o, "fingerprint", fd->fingerprint);
        for (k = 0; !bad && k < PV_CHECK_NRULES; k++)
            if (breaks(fd, (pv_check_rule)k))
                bad |= push_str(ids, pv_check_rule_id((pv_check_rule)k));
        span = bad ? NULL : pv_cli__json_span(fd->span);
        bad |= !span || !cJSON_AddItemToObject(o, "span", span);
    }
    return print_doc(f, doc, bad);
}

/* ---- sarif ----------------------------------------------------------------------------- */

/* s as a URI reference: unreserved bytes and the reserved ones a path or URL keeps stay,
 * everything else is %XX (spaces, controls, non-ASCII bytes, quotes, backslashes). NULL when
 * memory ran out. */
static char *uri_of(const char *s, int path)
{
    /* a path keeps only '/' of the reserved bytes: "a:b" is no scheme, "x#y" no fragment */
    const char *keep = path ? "-._~/" : "-._~/:?#[]@!$&'()*+,;=";
    size_t n = strlen(s), o = 0, i;
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    (c != '%' && c < 0x80 && strchr(keep, c));
        /* a '%' that starts an escape stays; any other is encoded */
        if (!path && c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2]))
            plain = 1;
        if (plain)
            out[o++] = (char)c;
        else
            o += (size_t)sprintf(out + o, "%%%02X", c);
    }
    out[o] = '\0';
    return out;
}

static int add_uri(cJSON *o, const char *key, const char *s, int path)
{
    char *u = uri_of(s, path);
    int rc = u ? add_str(o, key, u) : -1;
    free(u);
    return rc;
}

static cJSON *sarif_region(cJSON *loc_parent, uint32_t start, uint32_t end)
{
    cJSON *reg = add_obj(loc_parent, "region");
    start = line1(start);
    if (reg &&
        (add_num(reg, "startLine", start) || add_num(reg, "endLine", end < start ? start : end)))
        return NULL;
    return reg;
}

/* One result for fd and rule: level error, or note when baselined (with an external
 * suppression, so code scanning shows it as dismissed). */
static int sarif_result(cJSON *results, const pv_check_finding *fd, pv_check_rule rule)
{
    const pv_source_ref *o = origin_of(fd);
    cJSON *res = push_obj(results), *m, *locs, *loc, *pl, *al, *rel;
    msg t;
    int bad = !res;
    if (bad)
        return -1;
    bad |= add_str(res, "ruleId", pv_check_rule_id((pv_check_rule)rule));
    bad |= add_num(res, "ruleIndex", rule);
    bad |= add_str(res, "level", fd->baselined ? "note" : "error");
    m = add_obj(res, "message");
    bad |= !m || msg_open(&t) != 0;
    if (!bad) {
        fprintf(t.f, "%s: ", pv_check_rule_text((pv_check_rule)rule));
        put_source(t.f, put_plain, fd);
        fputc('.', t.f);
        bad |= add_msg(m, "text", msg_close(&t, MSG_CAP));
    }
    locs = add_arr(res, "locations");
    loc = push_obj(locs);
    pl = add_obj(loc, "physicalLocation");
    al = add_obj(pl, "artifactLocation");
    bad |= !al || add_uri(al, "uri", fd->path, 1) || add_str(al, "uriBaseId", "%SRCROOT%");
    bad |= !pl || !sarif_region(pl, fd->span->line_start, fd->span->line_end);
    bad |= !add_obj(res, "partialFingerprints") ||
           add_str(cJSON_GetObjectItem(res, "partialFingerprints"), "primaryLocationLineHash",
                   fd->fingerprint);
    if (!bad && o) {
        rel = push_obj(add_arr(res, "relatedLocations"));
        bad |= !rel || add_num(rel, "id", 1);
        pl = add_obj(rel, "physicalLocation");
        al = add_obj(pl, "artifactLocation");
        bad |= !al || o->url ? add_uri(al, "uri", o->url, 0)
                             : add_uri(al, "uri", o->locator ? o->locator : "unknown", 1);
        bad |= !pl || !sarif_region(pl, o->line_start, o->line_end);
        m = add_obj(rel, "message");
        bad |= !m || add_msg(m, "text", source_text(fd));
    }
    if (!bad && fd->baselined) {
        cJSON *s = push_obj(add_arr(res, "suppressions"));
        bad |= !s || add_str(s, "kind", "external") ||
               add_str(s, "justification", "accepted in the --baseline file");
    }
    if (!bad) {
        cJSON *p = add_obj(res, "properties");
        bad |= !p || add_num(p, "tokens", fd->span->tokens) ||
               add_num(p, "strength", fd->span->strength) ||
               add_opt(p, "license", o ? o->license : NULL) ||
               add_msg(p, "authors", authors_text(fd->span));
    }
    return bad ? -1 : 0;
}

/* Results a report makes: one per rule a finding breaks (baselined ones too, as notes);
 * findings that break no rule are left out (text and JSON list them). */
static size_t sarif_count(const pv_check_finding *fd)
{
    size_t n = 0;
    int k;
    for (k = 0; k < PV_CHECK_NRULES; k++)
        n += (size_t)breaks(fd, (pv_check_rule)k);
    return n;
}

/* The SARIF document with at most max results: those that fail first, then baselined notes,
 * each group in the report's order. *written receives the results written. */
static cJSON *sarif_doc(const pv_check_report *r, size_t max, size_t total, size_t *written)
{
    cJSON *doc = cJSON_CreateObject(), *run, *drv, *rl, *results, *props;
    char *keep = calloc(r->nfindings + 1, 1);
    size_t i, left = max, n = 0;
    int bad = !doc || !keep, pass, k;
    if (!bad) {
        bad |= add_str(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        bad |= add_str(doc, "version", "2.1.0");
    }
    run = push_obj(add_arr(doc, "runs"));
    drv = add_obj(add_obj(run, "tool"), "driver");
    bad |= !drv || add_str(drv, "name", "provscan") || add_str(drv, "version", r->version) ||
           add_str(drv, "semanticVersion", r->version) || add_str(drv, "informationUri", HOME_URL);
    rl = add_arr(drv, "rules");
    for (k = 0; !bad && k < PV_CHECK_NRULES; k++) {
        cJSON *o = push_obj(rl), *d;
        char help[256];
        snprintf(help, sizeof help, "%s#%s", CI_DOC_URL, pv_check_rule_id((pv_check_rule)k));
        bad |= !o || add_str(o, "id", pv_check_rule_id((pv_check_rule)k)) ||
               add_str(o, "name", pv_check_rule_id((pv_check_rule)k)) ||
               add_str(o, "helpUri", help);
        d = add_obj(o, "shortDescription");
        bad |= !d || add_str(d, "text", pv_check_rule_text((pv_check_rule)k));
        d = add_obj(o, "fullDescription");
        bad |= !d || add_str(d, "text", rule_full[k]);
        d = add_obj(o, "help");
        bad |= !d || add_str(d, "text", rule_full[k]);
        d = add_obj(o, "defaultConfiguration");
        bad |= !d || add_str(d, "level", "error");
    }
    /* which findings fit: failing ones before baselined ones */
    for (pass = 0; !bad && pass < 2; pass++)
        for (i = 0; i < r->nfindings; i++) {
            size_t c = sarif_count(&r->findings[i]);
            if (c == 0 || !r->findings[i].baselined != !pass || keep[i] || c > left)
                continue;
            keep[i] = 1;
            left -= c;
        }
    results = bad ? NULL : add_arr(run, "results");
    bad |= !results;
    for (i = 0; !bad && i < r->nfindings; i++) {
        if (!keep[i])
            continue;
        for (k = 0; !bad && k < PV_CHECK_NRULES; k++)
            if (breaks(&r->findings[i], (pv_check_rule)k)) {
                bad |= sarif_result(results, &r->findings[i], (pv_check_rule)k);
                n++;
            }
    }
    if (!bad) {
        cJSON *inv = push_obj(add_arr(run, "invocations"));
        bad |= !inv || !cJSON_AddBoolToObject(inv, "executionSuccessful", 1);
    }
    props = bad ? NULL : add_obj(run, "properties");
    bad |= !props || add_str(props, "base", r->base) || add_str(props, "head", r->head) ||
           add_str(props, "policy", r->policy) ||
           add_num(props, "findings", (double)r->nfindings) ||
           add_num(props, "results", (double)n) || add_num(props, "resultsTotal", (double)total) ||
           !cJSON_AddBoolToObject(props, "truncated", n < total) ||
           !cJSON_AddBoolToObject(props, "failed", r->failed != 0);
    free(keep);
    if (bad) {
        cJSON_Delete(doc);
        return NULL;
    }
    *written = n;
    return doc;
}

/* Bytes of s gzipped (level 6), or (size_t)-1 when zlib fails. */
static size_t gzip_size(const char *s, size_t n)
{
    z_stream z;
    unsigned char out[1 << 16];
    size_t total = 0;
    int rc;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return (size_t)-1;
    z.next_in = (unsigned char *)(uintptr_t)s;
    z.avail_in = (uInt)n; /* documents stay far below 4 GiB: results and messages are capped */
    do {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = deflate(&z, Z_FINISH);
        total += sizeof out - z.avail_out;
    } while (rc == Z_OK);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? total : (size_t)-1;
}

static int write_sarif(FILE *f, const pv_check_report *r)
{
    size_t total = 0, max = SARIF_MAX_RESULTS, written = 0, i;
    char *s = NULL;
    int rc = -1;
    for (i = 0; i < r->nfindings; i++)
        total += sarif_count(&r->findings[i]);
    for (;;) {
        cJSON *doc = sarif_doc(r, max, total, &written);
        size_t gz;
        if (!doc)
            break;
        s = pv_cli__json_exact_numbers(doc) ? NULL : cJSON_Print(doc);
        cJSON_Delete(doc);
        if (!s)
            break;
        gz = gzip_size(s, strlen(s));
        if (gz <= SARIF_MAX_GZIP || written == 0)
            break;
        /* over GitHub's size limit: keep fewer results, in proportion, with a margin */
        max = (size_t)((double)written * SARIF_MAX_GZIP / (double)gz * 0.9);
        free(s);
        s = NULL;
    }
    if (!s) {
        fputs("provscan: out of memory writing the SARIF report\n", stderr);
        return -1;
    }
    if (written < total) {
        char a[32], b[32];
        fprintf(stderr,
                "provscan: the SARIF report holds %s of %s results (GitHub code scanning takes "
                "25,000 a run and 10 MB gzipped); --format json lists every finding\n",
                pv_cli__commas(written, a), pv_cli__commas(total, b));
    }
    rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
    free(s);
    return rc;
}

/* ---- licenses as SPDX and CycloneDX take them ------------------------------------------- */

/* 1 when s is an SPDX license expression made of ids (letters, digits, '.', '-', '+', ':'
 * after LicenseRef or DocumentRef), AND / OR / WITH and parentheses; such an id may still be
 * one SPDX's list does not hold: that is the index's word, passed on. */
static int spdx_expression(const char *s)
{
    int words = 0, want_id = 1;
    const char *p = s;
    if (!s || !*s)
        return 0;
    while (*p) {
        size_t n = 0;
        if (*p == ' ' || *p == '(' || *p == ')') {
            p++;
            continue;
        }
        while (p[n] && ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
                        (p[n] >= '0' && p[n] <= '9') || strchr(".-+:", p[n])))
            n++;
        if (n == 0)
            return 0;
        if ((n == 3 && (!strncmp(p, "AND", 3) || !strncmp(p, "WITH", 3))) ||
            (n == 2 && !strncmp(p, "OR", 2)) || (n == 4 && !strncmp(p, "WITH", 4))) {
            if (want_id)
                return 0;
            want_id = 1;
        } else {
            if (!want_id)
                return 0;
            want_id = 0;
            words++;
        }
        p += n;
    }
    return words > 0 && !want_id;
}

/* "LicenseRef-" and s's letters and digits ('.' and '-' too; the rest becomes '-'), plus a
 * hash of s so that two names never meet, into buf. */
static void license_ref(const char *s, char *buf, size_t bufsz)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    size_t o, i;
    o = (size_t)snprintf(buf, bufsz, "LicenseRef-");
    for (i = 0; s[i] && o + 12 < bufsz && i < 40; i++) {
        char c = s[i];
        buf[o++] =
            ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.')
                ? c
                : '-';
    }
    EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha1(), NULL);
    snprintf(buf + o, bufsz - o, "-%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

/* The SPDX license of a source: its id or expression, a LicenseRef- for another name, or
 * NOASSERTION when unknown. */
static void spdx_license(const pv_source_ref *o, char *buf, size_t bufsz)
{
    if (!o || !o->license)
        snprintf(buf, bufsz, "NOASSERTION");
    else if (spdx_expression(o->license) && !strstr(o->license, "LicenseRef-") &&
             !strstr(o->license, "DocumentRef-"))
        snprintf(buf, bufsz, "%s", o->license);
    else
        license_ref(o->license, buf, bufsz);
}

/* SHA-1 of the file path in the repository's work tree, as 40 hex digits into hex. */
static int file_sha1(const pv_check_report *r, const pv_check_finding *fd, char hex[41])
{
    char *path = NULL, *data = NULL, why[1200];
    size_t len = 0, n;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0, i;
    if (fd->sha1[0]) {
        memcpy(hex, fd->sha1, 41);
        return 0;
    }
    n = strlen(r->repo ? r->repo : ".") + strlen(fd->path) + 2;
    path = malloc(n);
    if (!path)
        return -1;
    snprintf(path, n, "%s/%s", r->repo ? r->repo : ".", fd->path);
    if (pv_cli__read_input(path, (size_t)1 << 30, &data, &len, why, sizeof why) != 0) {
        fprintf(stderr, "provscan: SPDX file checksum: %s\n", why);
        free(path);
        return -1;
    }
    free(path);
    EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL);
    free(data);
    for (i = 0; i < 20; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    return 0;
}

/* "2026-12-05T12:00:00Z": SOURCE_DATE_EPOCH when set (reproducible builds), else now */
static void created_now(char *buf, size_t bufsz)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    int64_t t = e && *e ? strtoll(e, NULL, 10) : (int64_t)time(NULL);
    if (!pv_cli__format_date(t, 1, buf, bufsz))
        snprintf(buf, bufsz, "1970-01-01T00:00:00Z");
}

/* A deterministic id of the report: SHA-1 over what was compared and what was found. */
static void report_id(const pv_check_report *r, unsigned char md[20])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned len = 0;
    size_t i;
    memset(md, 0, 20);
    if (!c)
        return;
    EVP_DigestInit_ex(c, EVP_sha1(), NULL);
    EVP_DigestUpdate(c, r->base ? r->base : "", strlen(r->base ? r->base : "") + 1);
    EVP_DigestUpdate(c, r->head ? r->head : "", strlen(r->head ? r->head : "") + 1);
    EVP_DigestUpdate(c, r->policy ? r->policy : "", strlen(r->policy ? r->policy : "") + 1);
    for (i = 0; i < r->nfindings; i++) {
        EVP_DigestUpdate(c, r->findings[i].path, strlen(r->findings[i].path) + 1);
        EVP_DigestUpdate(c, r->findings[i].fingerprint, strlen(r->findings[i].fingerprint) + 1);
    }
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
}

/* ---- spdx ------------------------------------------------------------------------------ */

static cJSON *spdx_pointer(cJSON *range, const char *key, const char *ref, const char *what,
                           uint32_t v)
{
    cJSON *p = add_obj(range, key);
    if (!p || add_num(p, what, v) || add_str(p, "reference", ref))
        return NULL;
    return p;
}

static int write_spdx(FILE *f, const pv_check_report *r)
{
    cJSON *doc = cJSON_CreateObject(), *ci, *files, *snippets, *rels, *ext, *creators;
    unsigned char id[20];
    char ns[256], when[64], fileid[64], lic[128], tool[96];
    size_t i, nfiles = 0;
    int bad = !doc;
    report_id(r, id);
    created_now(when, sizeof when);
    snprintf(ns, sizeof ns, "%s/spdx/check/%s-", HOME_URL, r->head ? r->head : "none");
    for (i = 0; i < 8; i++)
        snprintf(ns + strlen(ns), sizeof ns - strlen(ns), "%02x", id[i]);
    snprintf(tool, sizeof tool, "Tool: provscan-%s", r->version ? r->version : "unknown");
    if (!bad) {
        bad |= add_str(doc, "spdxVersion", "SPDX-2.3");
        bad |= add_str(doc, "dataLicense", "CC0-1.0");
        bad |= add_str(doc, "SPDXID", "SPDXRef-DOCUMENT");
        bad |= add_str(doc, "name", "provscan check findings");
        bad |= add_uri(doc, "documentNamespace", ns, 0);
        bad |= add_str(doc, "comment",
                       "Spans of the changed files that provscan's index attributes to documents "
                       "of its corpus: one snippet per finding, its source, authors and license.");
    }
    ci = add_obj(doc, "creationInfo");
    creators = add_arr(ci, "creators");
    bad |= !creators || add_str(ci, "created", when) || push_str(creators, tool);
    files = add_arr(doc, "files");
    snippets = add_arr(doc, "snippets");
    rels = add_arr(doc, "relationships");
    ext = add_arr(doc, "hasExtractedLicensingInfos");
    bad |= !files || !snippets || !rels || !ext;
    for (i = 0; !bad && i < r->nfindings; i++) {
        const pv_check_finding *fd = &r->findings[i];
        const pv_source_ref *o = origin_of(fd);
        cJSON *sn, *ranges, *rg, *rel;
        char snid[64], hex[41];
        msg t;
        /* findings come by path: a new path is a new file */
        if (i == 0 || strcmp(fd->path, r->findings[i - 1].path) != 0) {
            cJSON *fo = push_obj(files), *cs = push_obj(add_arr(fo, "checksums"));
            char *name;
            size_t nn = strlen(fd->path) + 3;
            snprintf(fileid, sizeof fileid, "SPDXRef-File-%zu", ++nfiles);
            name = malloc(nn);
            bad |= !cs || !name || file_sha1(r, fd, hex) != 0;
            if (!bad) {
                snprintf(name, nn, "./%s", fd->path);
                bad |= add_str(fo, "fileName", name) || add_str(fo, "SPDXID", fileid) ||
                       add_str(cs, "algorithm", "SHA1") || add_str(cs, "checksumValue", hex);
            }
            free(name);
            rel = push_obj(rels);
            bad |= !rel || add_str(rel, "spdxElementId", "SPDXRef-DOCUMENT") ||
                   add_str(rel, "relationshipType", "DESCRIBES") ||
                   add_str(rel, "relatedSpdxElement", fileid);
            if (bad)
                break;
        }
        snprintf(snid, sizeof snid, "SPDXRef-Snippet-%zu", i + 1);
        sn = push_obj(snippets);
        bad |= !sn || add_str(sn, "SPDXID", snid) || add_str(sn, "snippetFromFile", fileid);
        ranges = add_arr(sn, "ranges");
        /* byte offsets and lines both count from 1, ends inclusive (SPDX 2.3, 9.3 and 9.4) */
        rg = push_obj(ranges);
        bad |= !spdx_pointer(rg, "startPointer", fileid, "offset", fd->span->start + 1) ||
               !spdx_pointer(rg, "endPointer", fileid, "offset",
                             fd->span->end > fd->span->start ? fd->span->end : fd->span->start + 1);
        rg = push_obj(ranges);
        bad |=
            !spdx_pointer(rg, "startPointer", fileid, "lineNumber", line1(fd->span->line_start)) ||
            !spdx_pointer(rg, "endPointer", fileid, "lineNumber",
                          fd->span->line_end < line1(fd->span->line_start)
                              ? line1(fd->span->line_start)
                              : fd->span->line_end);
        spdx_license(o, lic, sizeof lic);
        bad |= add_str(sn, "licenseConcluded", lic);
        if (o && o->license)
            bad |= push_str(add_arr(sn, "licenseInfoInSnippets"), lic);
        bad |= add_str(sn, "copyrightText", "NOASSERTION");
        if (!bad && msg_open(&t) == 0) {
            char *at;
            fputs("Written by ", t.f);
            put_authors(t.f, put_plain, fd->span);
            at = msg_close(&t, MSG_CAP);
            bad |= !at || push_str(add_arr(sn, "attributionTexts"), at) != 0;
            free(at);
        } else {
            bad = 1;
        }
        if (!bad && msg_open(&t) == 0) {
            fprintf(t.f, "%s lines %u-%u", fd->path, fd->span->line_start, fd->span->line_end);
            bad |= add_msg(sn, "name", msg_close(&t, MSG_CAP));
        } else {
            bad = 1;
        }
        if (!bad && msg_open(&t) == 0) {
            put_source(t.f, put_plain, fd);
            fprintf(t.f, ". Status %s", status_of(fd));
            if (fd->rules) {
                fputs(" (", t.f);
                put_rules(t.f, fd);
                fputc(')', t.f);
            }
            fprintf(t.f, "; fingerprint %s.", fd->fingerprint);
            bad |= add_msg(sn, "comment", msg_close(&t, MSG_CAP * 2));
        } else {
            bad = 1;
        }
        /* every LicenseRef- used is declared once */
        if (!bad && !strncmp(lic, "LicenseRef-", 11)) {
            cJSON *e;
            int seen = 0;
            cJSON_ArrayForEach(e, ext)
            {
                cJSON *idv = cJSON_GetObjectItem(e, "licenseId");
                seen |= cJSON_IsString(idv) && !strcmp(idv->valuestring, lic);
            }
            if (!seen) {
                cJSON *lo = push_obj(ext);
                char *what = NULL;
                size_t wn = strlen(o->license) + 96;
                what = malloc(wn);
                bad |= !lo || !what;
                if (!bad) {
                    snprintf(what, wn, "The license the provscan index records as \"%s\".",
                             o->license);
                    bad |= add_str(lo, "licenseId", lic) || add_str(lo, "extractedText", what) ||
                           add_str(lo, "name", o->license);
                }
                free(what);
            }
        }
    }
    if (!bad && nfiles == 0) {
        /* nothing found: the document describes itself (SPDX wants one DESCRIBES) */
        cJSON_DeleteItemFromObject(doc, "files");
        cJSON_DeleteItemFromObject(doc, "snippets");
        cJSON_DeleteItemFromObject(doc, "relationships");
    }
    if (!bad && cJSON_GetArraySize(ext) == 0)
        cJSON_DeleteItemFromObject(doc, "hasExtractedLicensingInfos");
    return print_doc(f, doc, bad);
}

/* ---- cyclonedx ------------------------------------------------------------------------- */

/* licenses: [{"expression": id}] for an SPDX id or expression, else [{"license": {"name":
 * s}}]; nothing when unknown. */
static int cdx_licenses(cJSON *parent, const char *license)
{
    cJSON *arr, *o;
    if (!license)
        return 0;
    arr = add_arr(parent, "licenses");
    o = push_obj(arr);
    if (!o)
        return -1;
    if (spdx_expression(license) && !strstr(license, "LicenseRef-") &&
        !strstr(license, "DocumentRef-"))
        return add_str(o, "expression", license);
    o = add_obj(o, "license");
    return !o || add_str(o, "name", license);
}

/* A chance-match expectation of 10^-strength as a confidence in [0, 1]. */
static double confidence(double strength)
{
    double c = 1 - pow(10, -strength);
    if (!(c >= 0))
        c = 0;
    return round((c > 1 ? 1 : c) * 1e4) / 1e4;
}

/* The first finding (index) with the same origin document as finding i, or i. */
static size_t same_document(const pv_check_report *r, size_t i)
{
    const pv_source_ref *o = origin_of(&r->findings[i]);
    size_t j;
    for (j = 0; o && j < i; j++) {
        const pv_source_ref *p = origin_of(&r->findings[j]);
        if (p && p->document == o->document)
            return j;
    }
    return i;
}

static int cdx_component(cJSON *comps, const pv_check_report *r, size_t first)
{
    const pv_check_finding *fd = &r->findings[first];
    const pv_source_ref *o = origin_of(fd);
    cJSON *c = push_obj(comps), *ev, *occ, *idn, *meth, *authors, *props;
    char ref[64];
    double best = -INFINITY;
    size_t i, k;
    int bad = !c || !o;
    if (bad)
        return -1;
    snprintf(ref, sizeof ref, "source-%u", o->document);
    bad |= add_str(c, "type", "file") || add_str(c, "bom-ref", ref) ||
           add_str(c, "name", o->locator ? o->locator : "unknown");
    if (o->commit)
        bad |= add_str(c, "version", o->commit);
    if (o->source)
        bad |= add_str(c, "group", o->source);
    authors = add_arr(c, "authors");
    bad |= !authors;
    for (k = 0; !bad && k < fd->span->nauthors && k < AUTHORS_SHOWN * 4; k++) {
        const pv_author_credit *a = &fd->span->authors[k];
        cJSON *p = push_obj(authors);
        bad |= !p || add_str(p, "name", a->name ? a->name : a->id ? a->id : "unknown");
        if (a->email && strchr(a->email, '@'))
            bad |= add_str(p, "email", a->email);
    }
    if (!bad && fd->span->nauthors == 0)
        cJSON_DeleteItemFromObject(c, "authors");
    bad |= cdx_licenses(c, o->license);
    if (!bad && o->url) {
        cJSON *e = push_obj(add_arr(c, "externalReferences"));
        bad |= !e || add_str(e, "type", "vcs") || add_uri(e, "url", o->url, 0);
    }
    ev = add_obj(c, "evidence");
    occ = add_arr(ev, "occurrences");
    bad |= !occ;
    for (i = first; !bad && i < r->nfindings; i++) {
        const pv_check_finding *g = &r->findings[i];
        cJSON *oc;
        msg t;
        if (same_document(r, i) != first)
            continue;
        if (g->span->strength > best)
            best = g->span->strength;
        oc = push_obj(occ);
        bad |= !oc || add_str(oc, "location", g->path) ||
               add_num(oc, "line", line1(g->span->line_start)) ||
               add_num(oc, "offset", g->span->start) || msg_open(&t) != 0;
        if (bad)
            break;
        fprintf(t.f, "lines %u-%u of %s, %u tokens, from lines %u-%u of the source; status %s",
                g->span->line_start, g->span->line_end, g->path, g->span->tokens,
                origin_of(g) ? origin_of(g)->line_start : 0,
                origin_of(g) ? origin_of(g)->line_end : 0, status_of(g));
        if (g->rules) {
            fputs(" (", t.f);
            put_rules(t.f, g);
            fputc(')', t.f);
        }
        fprintf(t.f, "; fingerprint %s", g->fingerprint);
        bad |= add_msg(oc, "additionalContext", msg_close(&t, MSG_CAP));
    }
    /* The index compares winnowed k-gram hashes of the normalized tokens: hash-comparison is
     * the schema's technique for that (not source-code-analysis, which reads code's meaning,
     * nor ast-fingerprint: the tokens are not parsed). */
    idn = push_obj(add_arr(ev, "identity"));
    bad |= !idn || add_str(idn, "field", "name") || add_num(idn, "confidence", confidence(best)) ||
           add_str(idn, "concludedValue", o->locator ? o->locator : "unknown");
    meth = push_obj(add_arr(idn, "methods"));
    bad |= !meth || add_str(meth, "technique", "hash-comparison") ||
           add_num(meth, "confidence", confidence(best)) ||
           add_str(meth, "value", "winnowed k-gram fingerprints of normalized tokens");
    if (!bad && o->license) {
        bad |= cdx_licenses(ev, o->license);
    }
    props = add_arr(c, "properties");
    if (!bad && o->first_commit) {
        cJSON *p = push_obj(props);
        bad |= !p || add_str(p, "name", "provscan:first_commit") ||
               add_str(p, "value", o->first_commit);
    }
    if (!bad) {
        cJSON *p = push_obj(props);
        bad |= !p || add_str(p, "name", "provscan:kind") ||
               add_str(p, "value", o->kind ? o->kind : "unknown");
    }
    return bad ? -1 : 0;
}

static int write_cyclonedx(FILE *f, const pv_check_report *r)
{
    cJSON *doc = cJSON_CreateObject(), *md, *tools, *t, *comps;
    unsigned char id[20];
    char serial[64], when[64];
    size_t i;
    int bad = !doc;
    report_id(r, id);
    /* a name-based UUID (version 5 layout) from the report's id: the same report, the same
     * serial number */
    id[6] = (unsigned char)((id[6] & 0x0f) | 0x50);
    id[8] = (unsigned char)((id[8] & 0x3f) | 0x80);
    snprintf(serial, sizeof serial,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", id[0],
             id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12],
             id[13], id[14], id[15]);
    created_now(when, sizeof when);
    if (!bad)
        bad |= add_str(doc, "bomFormat", "CycloneDX") || add_str(doc, "specVersion", "1.6") ||
               add_str(doc, "serialNumber", serial) || add_num(doc, "version", 1);
    md = add_obj(doc, "metadata");
    bad |= !md || add_str(md, "timestamp", when);
    tools = add_obj(md, "tools");
    t = push_obj(add_arr(tools, "components"));
    bad |= !t || add_str(t, "type", "application") || add_str(t, "name", "provscan") ||
           add_str(t, "version", r->version ? r->version : "unknown");
    comps = add_arr(doc, "components");
    bad |= !comps;
    for (i = 0; !bad && i < r->nfindings; i++)
        if (origin_of(&r->findings[i]) && same_document(r, i) == i)
            bad |= cdx_component(comps, r, i);
    return print_doc(f, doc, bad);
}

int pv_check__write(FILE *f, const char *format, const pv_check_report *r)
{
    int rc;
    if (!strcmp(format, "text"))
        rc = write_text(f, r);
    else if (!strcmp(format, "json"))
        rc = write_json(f, r);
    else if (!strcmp(format, "sarif"))
        rc = write_sarif(f, r);
    else if (!strcmp(format, "spdx"))
        rc = write_spdx(f, r);
    else if (!strcmp(format, "cyclonedx"))
        rc = write_cyclonedx(f, r);
    else
        return -1;
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = -1;
    return rc;
}

/*
 * report_json.c - the JSON reports of match and stats, built as cJSON trees (match's are
 * printed piece by piece by report_jsonl.c). docs/json.md documents every field; keep the two in
 * step and the names stable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <utf8proc.h>

#include "cli_int.h"

/* Ratios are rounded to 6 decimals so that 1/3 prints as 0.333333, not 0.33333333333333331. */
static double ratio(double x)
{
    return round(x * 1e6) / 1e6;
}

/* Add a number; every count fits a double exactly below 2^53. */
static int add_num(cJSON *obj, const char *key, double v)
{
    return cJSON_AddNumberToObject(obj, key, v) ? 0 : -1;
}

/* s with every invalid UTF-8 sequence replaced by U+FFFD (malloc'ed), or NULL when s is
   valid UTF-8 already or memory runs out. cJSON copies bytes as they are, and paths and
   names are bytes: without this, one odd file name would make the whole report invalid
   JSON. */
static char *valid_utf8(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t len = strlen(s), i = 0, o = 0;
    char *out = NULL;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n > 0) {
            if (out)
                memcpy(out + o, s + i, (size_t)n);
            o += (size_t)n;
            i += (size_t)n;
            continue;
        }
        if (!out) {
            out = malloc(len * 3 + 1); /* each bad byte becomes 3 bytes at most */
            if (!out)
                return NULL;
            memcpy(out, s, i);
        }
        memcpy(out + o, "\xEF\xBF\xBD", 3);
        o += 3;
        i++;
    }
    if (out)
        out[o] = '\0';
    return out;
}

/* Add a string (made valid UTF-8), or null when s is NULL. */
static int add_str(cJSON *obj, const char *key, const char *s)
{
    char *fixed;
    cJSON *item;
    if (!s)
        return cJSON_AddNullToObject(obj, key) ? 0 : -1;
    fixed = valid_utf8(s);
    item = cJSON_AddStringToObject(obj, key, fixed ? fixed : s);
    free(fixed);
    return item ? 0 : -1;
}

/* Add an ISO 8601 UTC date, or null when unknown. */
static int add_date(cJSON *obj, const char *key, int64_t t)
{
    char buf[64];
    if (!pv_cli__format_date(t, 1, buf, sizeof buf))
        return add_str(obj, key, NULL);
    return add_str(obj, key, buf);
}

/* Append item to array; on failure item is freed. Returns 0 or -1 (also for a NULL item). */
static int append(cJSON *array, cJSON *item)
{
    if (!item)
        return -1;
    if (!cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

/* The "index" object; full adds what only stats shows. */
cJSON *pv_cli__json_index(const char *path, const pv_index_info *info, int full)
{
    cJSON *o = cJSON_CreateObject();
    char seed[32];
    int bad = 0;
    if (!o)
        return NULL;
    snprintf(seed, sizeof seed, "0x%016llx", (unsigned long long)info->seed);
    bad |= add_str(o, "path", path);
    bad |= add_num(o, "format_version", info->format_version);
    bad |= add_num(o, "norm_version", info->norm_version);
    bad |= add_num(o, "k", info->k);
    bad |= add_num(o, "w", info->w);
    bad |= add_num(o, "t", (double)info->k + info->w - 1);
    bad |= add_str(o, "seed", seed);
    bad |= add_num(o, "fp_bits", info->fp_bits);
    if (full) {
        bad |= add_num(o, "posting_cap", info->posting_cap);
        bad |= add_date(o, "created", info->created > 0 ? info->created : PV_DATE_UNKNOWN);
    }
    bad |= add_num(o, "documents", (double)info->documents);
    if (full) {
        bad |= add_num(o, "authors", (double)info->authors);
        bad |= add_num(o, "sources", (double)info->sources);
        bad |= add_num(o, "fingerprints", (double)info->fingerprints);
        bad |= add_num(o, "postings", (double)info->postings);
        bad |= add_num(o, "blocks", (double)info->blocks);
        bad |= add_num(o, "tokens", (double)info->tokens);
        bad |= add_num(o, "input_bytes", (double)info->input_bytes);
        bad |= add_num(o, "file_bytes", (double)info->file_bytes);
    }
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *source_object(const pv_source_ref *s)
{
    cJSON *o = cJSON_CreateObject(), *author;
    int bad = 0;
    if (!o)
        return NULL;
    bad |= add_str(o, "kind", s->kind);
    bad |= !cJSON_AddBoolToObject(o, "origin", s->origin != 0);
    bad |= add_str(o, "document", s->locator);
    bad |= add_str(o, "source", s->source);
    bad |= add_str(o, "commit", s->commit);
    bad |= add_num(o, "line_start", s->line_start);
    bad |= add_num(o, "line_end", s->line_end);
    bad |= add_str(o, "url", s->url);
    bad |= !cJSON_AddBoolToObject(o, "full", s->full != 0);
    bad |= add_str(o, "first_commit", s->first_commit);
    if (s->author_name || s->author_email || s->author_id) {
        author = cJSON_AddObjectToObject(o, "author");
        bad |= !author;
        if (author) {
            bad |= add_str(author, "name", s->author_name);
            bad |= add_str(author, "email", s->author_email);
            bad |= add_str(author, "id", s->author_id);
        }
    } else {
        bad |= add_str(o, "author", NULL);
    }
    bad |= add_date(o, "date", s->date);
    bad |= add_str(o, "license", s->license);
    bad |= add_num(o, "matched_tokens", s->matched_tokens);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Add array key of source rows. */
static int add_rows(cJSON *obj, const char *key, const pv_source_ref *rows, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    size_t i;
    int bad = !arr;
    for (i = 0; !bad && i < n; i++)
        bad |= append(arr, source_object(&rows[i]));
    return bad ? -1 : 0;
}

/* Add array key of people with their credited tokens and shares (name null when unknown). */
static int add_authors(cJSON *obj, const char *key, const pv_author_credit *v, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    size_t i;
    int bad = !arr;
    for (i = 0; !bad && i < n; i++) {
        cJSON *ao = cJSON_CreateObject();
        bad |= append(arr, ao);
        if (bad)
            break;
        bad |= add_str(ao, "name", v[i].name);
        bad |= add_str(ao, "email", v[i].email);
        bad |= add_str(ao, "id", v[i].id);
        bad |= add_num(ao, "tokens", v[i].tokens);
        bad |= add_num(ao, "share", ratio(v[i].share));
    }
    return bad ? -1 : 0;
}

cJSON *pv_cli__json_span(const pv_span *sp)
{
    cJSON *o = cJSON_CreateObject(), *credits;
    size_t i;
    int bad = 0;
    if (!o)
        return NULL;
    bad |= add_num(o, "start", sp->start);
    bad |= add_num(o, "end", sp->end);
    bad |= add_num(o, "line_start", sp->line_start);
    bad |= add_num(o, "line_end", sp->line_end);
    bad |= add_num(o, "tokens", sp->tokens);
    bad |= add_num(o, "strength", sp->strength);
    bad |= !cJSON_AddBoolToObject(o, "common", sp->common != 0);
    bad |= add_str(o, "common_license", sp->common_license);
    bad |= add_rows(o, "sources", sp->sources, sp->nsources);
    bad |= add_rows(o, "copies", sp->copies, sp->ncopies);
    bad |= add_num(o, "copies_total", sp->copies_total);
    bad |= add_num(o, "copies_in_source", sp->copies_in_source);
    bad |= add_authors(o, "authors", sp->authors, sp->nauthors);
    credits = bad ? NULL : cJSON_AddArrayToObject(o, "credits");
    bad |= !credits;
    for (i = 0; !bad && i < sp->ncredits; i++) {
        const pv_span_credit *c = &sp->credits[i];
        cJSON *co = cJSON_CreateObject();
        bad |= append(credits, co);
        if (bad)
            break;
        bad |= add_num(co, "tok_start", c->tok_start);
        bad |= add_num(co, "tok_end", c->tok_end);
        bad |= add_num(co, "line_start", c->line_start);
        bad |= add_num(co, "line_end", c->line_end);
        /* a history boundary's "before DATE" names no person and no commit */
        bad |= add_str(co, "name", c->before ? NULL : c->name);
        bad |= add_str(co, "email", c->before ? NULL : c->email);
        bad |= add_str(co, "id", c->before ? NULL : c->id);
        bad |= add_str(co, "commit", c->before ? NULL : c->commit);
        bad |= !cJSON_AddBoolToObject(co, "before", c->before != 0);
        bad |= add_date(co, "date", c->date);
        bad |= add_num(co, "tokens", c->tokens);
    }
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *pv_cli__json_result(const char *input, const pv_result *res, int with_spans)
{
    cJSON *o = cJSON_CreateObject(), *spans;
    size_t i;
    int bad = 0;
    if (!o)
        return NULL;
    bad |= add_str(o, "input", input);
    bad |= add_num(o, "tokens", res->tokens);
    bad |= add_num(o, "matched_tokens", res->matched_tokens);
    bad |= add_num(o, "coverage", ratio(res->coverage));
    spans = cJSON_AddArrayToObject(o, "spans");
    bad |= !spans;
    for (i = 0; !bad && with_spans && i < res->nspans; i++) {
        bad |= append(spans, pv_cli__json_span(&res->spans[i]));
    }
    if (!bad)
        bad |= add_authors(o, "authors", res->authors, res->nauthors);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

const char *pv_cli__tomb_kind(pv_tomb_kind kind)
{
    return kind == PV_TOMB_AUTHOR ? "author" : kind == PV_TOMB_DOCUMENT ? "document" : "source";
}

cJSON *pv_cli__json_stats(const char *path, const pv_index_info *info, const pv_tombstone *v,
                          size_t n, const pv_segment_info *segs, size_t nsegs)
{
    cJSON *doc = cJSON_CreateObject(), *ix = pv_cli__json_index(path, info, 1), *chunks, *tombs;
    size_t i;
    if (!doc || !ix || !cJSON_AddItemToObject(doc, "index", ix)) {
        cJSON_Delete(doc);
        cJSON_Delete(ix);
        return NULL;
    }
    chunks = cJSON_AddArrayToObject(doc, "chunks");
    for (i = 0; chunks && i < info->nchunks; i++) {
        const pv_index_chunk *c = &info->chunks[i];
        cJSON *co = cJSON_CreateObject();
        int bad = append(chunks, co);
        if (!bad) {
            double share = info->file_bytes ? (double)c->size / (double)info->file_bytes : 0;
            bad |= add_str(co, "id", c->id);
            bad |= add_num(co, "offset", (double)c->offset);
            bad |= add_num(co, "size", (double)c->size);
            bad |= add_num(co, "share", ratio(share));
        }
        if (bad)
            chunks = NULL;
    }
    if (nsegs) { /* a folder of segments */
        cJSON *sa = chunks ? cJSON_AddArrayToObject(doc, "segments") : NULL;
        for (i = 0; sa && i < nsegs; i++) {
            cJSON *so = cJSON_CreateObject();
            int bad = append(sa, so);
            if (!bad) {
                bad |= add_str(so, "name", segs[i].name);
                bad |= add_num(so, "bytes", (double)segs[i].bytes);
                bad |= add_num(so, "documents", (double)segs[i].documents);
            }
            if (bad)
                sa = NULL;
        }
        if (!sa)
            chunks = NULL;
    }
    tombs = chunks ? cJSON_AddArrayToObject(doc, "tombstones") : NULL;
    for (i = 0; tombs && i < n; i++) {
        cJSON *to = cJSON_CreateObject();
        int bad = append(tombs, to);
        if (!bad) {
            bad |= add_str(to, "kind", pv_cli__tomb_kind(v[i].kind));
            bad |= add_str(to, "name", v[i].id);
            bad |= add_str(to, "source", v[i].source);
            bad |= add_date(to, "removed", v[i].date);
            bad |= add_num(to, "documents", (double)v[i].documents);
            bad |= add_num(to, "authors", (double)v[i].authors);
        }
        if (bad)
            tombs = NULL;
    }
    if (!chunks || !tombs) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

const char *pv_cli__json_number_text(double d, char *buf)
{
    static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
    size_t i;
    if (isnan(d) || isinf(d))
        return strcpy(buf, "null");
    for (i = 0; i < 3; i++) {
        double back;
        snprintf(buf, 32, formats[i], d);
        back = strtod(buf, NULL);
        if (memcmp(&back, &d, sizeof d) == 0)
            break;
    }
    return buf; /* %.17g always reads back */
}

int pv_cli__json_exact_numbers(cJSON *doc)
{
    cJSON *c;
    if (!doc)
        return 0;
    if (cJSON_IsNumber(doc) && !(doc->type & cJSON_IsReference)) {
        char buf[32];
        size_t n = strlen(pv_cli__json_number_text(doc->valuedouble, buf));
        char *raw = cJSON_malloc(n + 1);
        if (!raw)
            return -1;
        memcpy(raw, buf, n + 1);
        doc->type = (doc->type & ~0xFF) | cJSON_Raw;
        doc->valuestring = raw;
        return 0;
    }
    for (c = doc->child; c; c = c->next)
        if (pv_cli__json_exact_numbers(c) != 0)
            return -1;
    return 0;
}

int pv_cli__json_print(cJSON *doc)
{
    char *s = doc && pv_cli__json_exact_numbers(doc) == 0 ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!s)
        return -1;
    fputs(s, stdout);
    putchar('\n');
    cJSON_free(s);
    return 0;
}

int pv_cli__json_add_str(cJSON *obj, const char *key, const char *s)
{
    return add_str(obj, key, s);
}
